"""One module per command; ``COMMANDS`` lists them in the order ``--help`` shows them."""

from phenomena_catalog.commands import add, build, export, import_, new, schema, serve, theme, validate

COMMANDS = [build, serve, validate, new, add, import_, export, schema, theme]
