"""A wheelhouse made from the distributions installed in this environment, for installs without a
download: each installed distribution is zipped back into a wheel from the files its RECORD lists.

The wheels are as good as the installed files (compiled modules included, for this interpreter and
platform only); scripts in ``bin/`` are left out, as pip writes them again from ``entry_points.txt``::

    fill_wheelhouse(folder, ["phenomena-catalog[import]"])   # every dependency, never the package itself
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata as metadata
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import Requirement

# pip writes these at install time; a wheel does not carry them.
_INSTALL_ONLY = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependencies(requirements: Iterable[str]) -> list[metadata.Distribution]:
    """The installed distributions that ``requirements`` need, recursively, without the roots themselves."""
    roots = [Requirement(text) for text in requirements]
    seen: dict[str, metadata.Distribution] = {}
    todo = [(requirement, sorted(requirement.extras)) for root in roots
            for requirement in _requires(metadata.distribution(root.name), sorted(root.extras))]
    while todo:
        requirement, _ = todo.pop()
        name = _normalized(requirement.name)
        if name in seen:
            continue
        dist = seen[name] = metadata.distribution(requirement.name)
        todo += [(r, sorted(r.extras)) for r in _requires(dist, sorted(requirement.extras))]
    return [seen[name] for name in sorted(seen)]


def _requires(dist: metadata.Distribution, extras: list[str]) -> list[Requirement]:
    wanted = []
    for text in dist.requires or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in [*extras, ""]):
            wanted.append(requirement)
    return wanted


def repack(dist: metadata.Distribution, folder: Path) -> Path:
    """Zip an installed distribution back into a wheel in ``folder``; returns the wheel's path."""
    wheel_info = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip().split("-") for line in wheel_info.splitlines() if line.startswith("Tag:")]
    # Several tags (py2-none-any, py3-none-any) compress to one: py2.py3-none-any.
    tag = "-".join(".".join(dict.fromkeys(t[i] for t in tags)) for i in range(3))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    path = folder / f"{name}-{dist.version}-{tag}.whl"
    records = io.StringIO()
    writer = csv.writer(records, lineterminator="\n")
    record_name = ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as wheel:
        for file in dist.files or []:
            parts = file.parts
            if parts[0] == ".." or "__pycache__" in parts:
                continue
            if parts[0].endswith(".dist-info") and file.name in _INSTALL_ONLY:
                record_name = f"{parts[0]}/RECORD" if file.name == "RECORD" else record_name
                continue
            data = Path(str(file.locate())).read_bytes()
            wheel.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([file.as_posix(), f"sha256={digest}", len(data)])
        writer.writerow([record_name, "", ""])
        wheel.writestr(record_name, records.getvalue())
    return path


def fill_wheelhouse(folder: Path, requirements: list[str]) -> Path:
    """A folder of wheels of everything ``requirements`` need, made from this environment."""
    folder.mkdir(parents=True, exist_ok=True)
    for dist in dependencies(requirements):
        repack(dist, folder)
    return folder
