"""The default theme, packaged with the tool, and a catalog's own templates that override it.

The theme (Jinja templates and ``assets/``) ships inside the package as ``phenomena_catalog/default_theme/``,
so an installed ``phenomena-catalog`` builds any catalog. Its source is this repository's top-level
``templates/`` folder, which ``pyproject.toml`` maps onto the package ``phenomena_catalog.default_theme``
(``package-dir``); in a source checkout (an editable install) the theme is read from there directly.

A catalog overrides the theme file by file, as MkDocs' ``custom_dir`` and Hugo's ``layouts/`` do: a
file in the catalog's ``templates/`` (``paper.html``, ``assets/style.css``) replaces the theme's file
of the same name, and every other file comes from the theme. Files in the catalog's
``templates/static/`` go to the site's root and are never part of the packaged theme.

``phenomena-catalog theme copy paper.html`` copies one theme file into ``templates/`` to start from.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from phenomena_catalog.errors import UserError, display_path

if TYPE_CHECKING:
    import jinja2

DEFAULT_TEMPLATES = "templates"
"""A catalog's own templates folder, beside ``papers/``; optional."""
ASSETS = "assets"
"""The theme's static files (CSS, JavaScript, images), copied to the site's ``assets/``."""
STATIC = "static"
"""Files a catalog puts at its site's root (e.g. ``CNAME``); never part of the packaged theme."""


def theme_dir() -> Path:
    """The folder of the default theme: packaged beside this module, or the checkout's ``templates/``."""
    packaged = Path(__file__).with_name("default_theme")
    if (packaged / "base.html").is_file():
        return packaged
    # An editable install imports the package from src/phenomena_catalog/ of a checkout, whose
    # templates/ is the theme's source (a wheel has it copied to phenomena_catalog/default_theme/).
    source = Path(__file__).resolve().parents[2] / "templates"
    if (source / "base.html").is_file():
        return source
    raise RuntimeError(f"the default theme is missing from this installation (looked in {packaged})")


def template_folders(templates_dir: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: the catalog's folder (if any), then the theme."""
    theme = theme_dir()
    if templates_dir is None or not templates_dir.is_dir():
        return [theme]
    if templates_dir.resolve() == theme.resolve():
        return [theme]
    return [templates_dir, theme]


def check_templates_folder(templates_dir: Path, explicit: bool) -> None:
    """A folder named with ``--templates`` must exist; the default ``templates/`` is optional."""
    if templates_dir.exists() and not templates_dir.is_dir():
        raise UserError(f"{display_path(templates_dir)}: not a folder; pass --templates DIR")
    if explicit and not templates_dir.exists():
        raise UserError(f"{display_path(templates_dir)}: the templates folder does not exist; "
                        "pass --templates DIR, or leave it out to use the default theme")


def template_loader(templates_dir: Path | None) -> jinja2.BaseLoader:
    """A loader that finds each template in the catalog's folder first, then in the theme."""
    import jinja2  # (here: a build that finds nothing changed renders nothing)

    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in template_folders(templates_dir)])


def asset_folders(templates_dir: Path | None) -> list[Path]:
    """The ``assets/`` folders to copy into the site, in order: the theme's, then the catalog's over it."""
    return [folder / ASSETS for folder in reversed(template_folders(templates_dir)) if (folder / ASSETS).is_dir()]


def theme_files() -> list[str]:
    """Every file of the theme, as the relative names ``theme copy`` accepts."""
    theme = theme_dir()
    return sorted(path.relative_to(theme).as_posix() for path in theme.rglob("*")
                  if path.is_file() and path.relative_to(theme).parts[0] not in (STATIC, "__pycache__"))


def copy_theme_file(name: str, templates_dir: Path, force: bool = False) -> Path:
    """Copy the theme's file ``name`` into ``templates_dir`` to customise it; returns the new file."""
    available = theme_files()
    relative = Path(name).as_posix()
    if relative not in available:
        close = [f for f in available if Path(f).name == Path(name).name]
        hint = f"did you mean {close[0]}?" if close else "run 'phenomena-catalog theme list' to see them"
        raise UserError(f"{name}: not a file of the default theme; {hint}")
    source = theme_dir() / relative
    target = templates_dir / relative
    if target.exists() and target.resolve() == source.resolve():
        raise UserError(f"{display_path(target)}: this is the theme's own source file; edit it in place")
    if target.exists() and not force:
        raise UserError(f"{display_path(target)} already exists; pass --force to replace it with the theme's")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
