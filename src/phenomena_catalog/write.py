"""Write stage: put the rendered site in place atomically, never touching a folder we did not write.

A build writes into a staging folder beside the output and swaps it in only when every page was
written, so a failed build leaves the last good site in place. The output folder carries a marker
file; a non-empty folder without it belongs to somebody else and is refused, never wiped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from phenomena_catalog.errors import Problem, UserError, display_path

MARKER = ".phenomena-catalog"
MARKER_TEXT = "This folder is written by 'phenomena-catalog build' and replaced on every build.\n"


def check_output_folder(out: Path) -> None:
    """Refuse an output path that is a file, or a non-empty folder this tool did not write."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{display_path(out)}: the output path is a file, not a folder; pass another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UserError(
            f"{display_path(out)}: this folder holds files that phenomena-catalog did not write; "
            "refusing to replace it. Choose another --out, or empty the folder yourself."
        )


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh folder to build into; swapped in for ``out`` on success, removed on failure."""
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        yield staging
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        _swap_in(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    retired = out.parent / f".{out.name}.old-{os.getpid()}"
    if retired.exists():
        shutil.rmtree(retired)
    out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)


def copy_assets(assets: Path, staging: Path) -> set[str]:
    """Copy static files (CSS, JavaScript, images) into the site's ``assets/``, replacing files of the
    same name copied before (a catalog's own over the theme's); returns the names copied."""
    if not assets.is_dir():
        return set()
    shutil.copytree(assets, staging / "assets", dirs_exist_ok=True)
    return {p.relative_to(assets).as_posix() for p in assets.rglob("*") if p.is_file()}


def copy_static(static: Path, staging: Path) -> int:
    """Copy files meant for the site's root (CNAME, robots.txt, ...) as they are; returns the count.

    The output folder is replaced on every build, so a file added to it by hand would be lost:
    such files live in ``templates/static/`` instead. One that would replace a page is refused.
    """
    if not static.is_dir():
        return 0
    files = sorted(p for p in static.rglob("*") if p.is_file())
    clashes = [f for f in files if (staging / f.relative_to(static)).exists()]
    if clashes:
        raise UserError([Problem(display_path(f), None, "", "this file would replace a page the build writes; "
                                 "rename or remove it") for f in clashes])
    for file in files:
        target = staging / file.relative_to(static)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)
    return len(files)


def make_folders(staging: Path, page_urls: Iterable[str]) -> None:
    """Create every folder the pages at ``page_urls`` go into, below the staging folder."""
    for folder in sorted({os.path.dirname(url) for url in page_urls}):
        (staging / folder).mkdir(parents=True, exist_ok=True)


def write_text(staging: Path, url: str, text: str) -> None:
    """Write one page or data file below the staging folder (its folder must exist)."""
    with open(staging / url, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, so a failed write never leaves half a file.

    The one way a user's file is written: records, templates from ``new``, exports.
    """
    folder = path.parent
    if not folder.is_dir():
        raise UserError(
            f"{display_path(path)}: cannot write here, the folder "
            f"{display_path(folder)} does not exist"
        )
    if path.is_dir():
        raise UserError(
            f"{display_path(path)}: is a folder; give a file name"
        )
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
