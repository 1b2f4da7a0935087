"""``phenomena-catalog theme``: list the default theme's files, or copy one out to customise it."""

from __future__ import annotations

import argparse
from pathlib import Path

from phenomena_catalog.errors import display_path
from phenomena_catalog.theme import DEFAULT_TEMPLATES, copy_theme_file, theme_dir, theme_files

NAME = "theme"
DESCRIPTION = """\
The site is rendered with the default theme that comes with phenomena-catalog. A catalog changes it
file by file: a file in the catalog's templates/ folder replaces the theme's file of the same name
(templates/paper.html replaces the paper page, templates/assets/style.css the style sheet) and
every other file still comes from the theme. 'theme copy' starts such a file from the theme's own.

examples:
  phenomena-catalog theme list
  phenomena-catalog theme copy paper.html
  phenomena-catalog theme copy assets/style.css
"""


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="print the theme's files (and where the theme is installed)",
                       description="Print every file of the default theme, one per line.")
    copy = actions.add_parser("copy", help="copy theme files into templates/ to customise them",
                              description="Copy files of the default theme into the catalog's templates "
                              "folder, where they replace the theme's.")
    copy.add_argument("files", nargs="+", metavar="FILE", help="theme files, as 'theme list' names them")
    copy.add_argument("--templates", type=Path, default=Path(DEFAULT_TEMPLATES), metavar="DIR",
                      help="the catalog's templates folder (default: templates/)")
    copy.add_argument("--force", action="store_true", help="replace a file that is already there")


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        print(f"# the default theme, in {theme_dir()}")
        for name in theme_files():
            print(name)
        return 0
    for name in args.files:
        target = copy_theme_file(name, args.templates, force=args.force)
        print(f"wrote {display_path(target)}: edit it; the build now uses it instead of the theme's {name}")
    return 0
