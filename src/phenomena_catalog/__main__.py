"""Allow ``python -m phenomena_catalog``."""

from phenomena_catalog.cli import console

console()
