"""Optional dependencies: installed with an extra (``pip install 'phenomena-catalog[import]'``).

Reading and building a catalog needs only the core dependencies. Libraries that a single feature
uses (BibTeX import) are imported where that feature runs, and their absence is a user's problem
with a one-line fix, not a traceback.
"""

from __future__ import annotations

import importlib.util

from phenomena_catalog.errors import Problem, UserError

IMPORT = "import"
"""The extra for reading other formats of paper lists (BibTeX)."""


class MissingExtra(UserError):
    """A feature's optional libraries are not installed; the message names the pip command."""


def require_extra(extra: str, modules: tuple[str, ...], purpose: str, path: str = "") -> None:
    """Raise MissingExtra, naming the pip command, when any of ``modules`` is not installed."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingExtra([Problem(path, None, "", f"{purpose} needs {', '.join(missing)}, which are optional: "
                                 f"pip install 'phenomena-catalog[{extra}]'")])
