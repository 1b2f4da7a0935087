"""Where a catalog's settings come from: the settings file, and the environment variables that fill
a setting the file leaves unset. ``config`` reads and validates them (with pydantic); a build that
only needs to know whether they changed (``commands.build.build_inputs``) reads this module alone.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_CONFIG_FILE = "catalog.yaml"
"""The settings file beside ``papers/``, used when no ``--config`` is given."""

REPOSITORY_VARIABLE = "GITHUB_REPOSITORY"
"""GitHub Actions' ``owner/name`` of the repository it runs for: the ``repository`` setting when unset."""
SERVER_VARIABLE = "GITHUB_SERVER_URL"
"""GitHub Actions' server address, the start of that repository's address."""
ENVIRONMENT = (REPOSITORY_VARIABLE, SERVER_VARIABLE)
"""Every environment variable the settings read."""


def settings_file(path: Path | None) -> Path:
    """The settings file: ``path`` when given (``--config``), else ``catalog.yaml``."""
    return path or Path(DEFAULT_CONFIG_FILE)
