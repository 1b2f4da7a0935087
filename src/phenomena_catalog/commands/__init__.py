"""One module per command; ``COMMANDS`` lists them in the order ``--help`` shows them."""

from phenomena_catalog.commands import build, export, import_, serve, validate

COMMANDS = [build, validate, serve, import_, export]
