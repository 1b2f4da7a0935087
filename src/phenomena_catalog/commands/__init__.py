"""One module per command; ``COMMANDS`` lists them in the order ``--help`` shows them."""

from phenomena_catalog.commands import add, build, import_, new, schema, serve, validate

COMMANDS = [build, validate, serve, new, add, import_, schema]
