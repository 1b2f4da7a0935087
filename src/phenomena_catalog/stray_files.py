"""Files in the papers folder that are neither a record nor a known settings file: each reported.

The loader reads ``papers/*.yaml`` (records) and three settings files; anything else would be
skipped silently, and a paper saved as ``x.YAML``, ``x.yaml.txt``, ``x``, ``_x.yaml`` or
``papers/sub/x.yaml`` would be missing from the site while ``validate`` said all was well. Hidden
files (``.DS_Store``) and an editor's scratch files (swap files, ``x.yaml~`` backups) are not a
contributor's work and are left alone: emacs leaves a backup beside every record it saves.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from phenomena_catalog.errors import Problem, display_path
from phenomena_catalog.urls import slugify

SETTINGS_FILES = frozenset({"_topics.yaml", "_keywords.yaml", "_sections.yaml"})
"""Catalog data kept beside the records (taxonomy, keyword spellings, list headings -> topics)."""
DOCUMENTS = frozenset({"README.md", "README"})
"""A note for people browsing the folder; never read by the tool."""


_JETBRAINS_SCRATCH = ("___jb_tmp___", "___jb_old___")


def is_editor_scratch(name: str) -> bool:
    """Whether a file named ``name`` is an editor's or the build's own scratch file, not a source:
    hidden files (vim's ``.x.yaml.swp``, emacs's ``.#x.yaml`` lock, the build's staging folders),
    backups (``x.yaml~``), emacs's auto-saves (``#x.yaml#``), vim's write probe (``4913``) and
    JetBrains' safe-write copies."""
    return (name.startswith(".") or name.endswith("~") or name.isdigit()
            or (name.startswith("#") and name.endswith("#")) or name.endswith(_JETBRAINS_SCRATCH))


def walk_folder(folder: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk`` of ``folder``, names sorted, hidden folders (``.git``) left out."""
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        yield root, list(folders), sorted(files)


def stray_files(papers_dir: Path, walk: Iterable[tuple[str, list[str], list[str]]] | None = None) -> list[Problem]:
    """One problem for every file under ``papers_dir`` that is not loaded, with how to fix it.

    ``walk``: the folder as ``os.walk`` gave it, names sorted, when it was listed already."""
    problems = []
    top = os.fspath(papers_dir)
    for root, _, files in walk_folder(papers_dir) if walk is None else walk:
        if root != top and any(part.startswith(".") for part in os.path.relpath(root, top).split(os.sep)):
            continue  # (inside a hidden folder: a walk handed in may have gone there)
        nested = root != top
        for name in files:
            if not nested and name.endswith(".yaml") and name.find(".") == len(name) - 5 and name[0] not in "_.#":
                continue  # a record's name (the usual case, checked quickly): the loader reads and checks it
            if is_editor_scratch(name):
                continue
            message = _why_not_loaded(name, nested=nested)
            if message:
                problems.append(Problem(display_path(Path(root) / name), None, "", message))
    return problems


def _record_name(stem: str) -> str:
    """The file name to suggest for a record saved as ``stem``: one the loader accepts (the id rule)."""
    return f"{slugify(stem.lstrip('_'))}.yaml"


def _why_not_loaded(name: str, nested: bool) -> str | None:
    stem, dot, extension = name.partition(".")
    if nested:
        if extension.lower() in ("yaml", "yml"):
            return (f"records in subfolders are not read (the papers folder is flat: the file name is the "
                    f"record's id); move it to papers/{_record_name(stem)}")
        return "files in subfolders of the papers folder are not read; move it out of the papers folder"
    if name in SETTINGS_FILES or name in DOCUMENTS:
        return None
    if extension == "yaml":
        if stem.startswith("_"):
            known = ", ".join(sorted(SETTINGS_FILES))
            return (f"names starting with '_' are kept for settings files ({known}), so this file is not "
                    f"read; if it is a record, rename it to {_record_name(stem)}")
        return None  # a record: the loader reads and checks it
    if extension == "yml":
        return f"records must end in .yaml; rename it to {_record_name(stem)}"
    if extension.lower() in ("yaml", "yml"):
        return f"records must end in .yaml (lowercase); rename it to {_record_name(stem)}"
    if extension.lower().startswith(("yaml.", "yml.")):
        return (f"records must end in .yaml, not .{extension}; rename it to {_record_name(stem)} "
                "(or delete a stale copy)")
    if not dot:
        return f"a file without an extension is not read; if it is a record, rename it to {_record_name(name)}"
    return "only .yaml records and settings files belong in the papers folder; move this file elsewhere"
