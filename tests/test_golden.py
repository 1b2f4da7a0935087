"""The fixture catalog's whole site, compared byte for byte with a checked-in copy (tests/golden/).

A change to templates or rendering shows up here as a reviewable diff of real pages. When the change
is intended, refresh the copy and commit it with the change:

    REFRESH_GOLDEN=1 scripts/test tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "site"
# The theme's static files are copied verbatim; comparing them would only repeat templates/assets.
COPIED_VERBATIM = {"favicon.svg", "site.js", "search.js", "filters.js", "style.css"}


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and not (p.parent.name == "assets" and p.name in COPIED_VERBATIM)
    }


def test_fixture_site_matches_the_golden_copy(fixture_site: Path) -> None:
    built = _files(fixture_site)
    if os.environ.get("REFRESH_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, content in built.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(content)
    golden = _files(GOLDEN)
    assert sorted(built) == sorted(golden), "pages were added or removed"
    for name, content in built.items():
        if content != golden[name]:
            diff = difflib.unified_diff(golden[name].decode().splitlines(), content.decode().splitlines(),
                                        f"golden/{name}", f"built/{name}", lineterm="", n=2)
            raise AssertionError(f"{name} differs from the golden copy (refresh it if intended):\n"
                                 + "\n".join(list(diff)[:60]))
