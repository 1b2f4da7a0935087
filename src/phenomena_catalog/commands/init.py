"""``phenomena-catalog init``: start a new catalog in a folder, ready to import, build and publish.

Writes the settings, a starter taxonomy and keyword vocabulary, the record schema, a GitHub Actions
workflow that installs this very version of phenomena-catalog, validates, builds and deploys to
GitHub Pages, a pull-request template, CONTRIBUTING.md, README.md and .gitignore::

    my-catalog/
      catalog.yaml  README.md  CONTRIBUTING.md  .gitignore
      papers/_topics.yaml  papers/_keywords.yaml  papers/_sections.yaml
      schema/paper.schema.json
      .github/workflows/catalog.yml  .github/PULL_REQUEST_TEMPLATE.md

The files are rendered from ``phenomena_catalog/starter/`` (Jinja with ``[[ ]]``/``[% %]``
delimiters, which leave GitHub's ``${{ }}`` expressions alone).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from pydantic import ValidationError

from phenomena_catalog import __version__
from phenomena_catalog.commands.new import _ask, _ask_optional, _text, _validator
from phenomena_catalog.config import DEFAULT_CONFIG_FILE, SiteConfig
from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.importers.sections import SECTIONS_FILE
from phenomena_catalog.models import HttpUrl
from phenomena_catalog.records import KEYWORDS_FILE, TOPICS_FILE, record_files
from phenomena_catalog.repository import RECORDS_FOLDER
from phenomena_catalog.schema import SCHEMA_FILE, schema_text
from phenomena_catalog.write import write_atomically

NAME = "init"
DESCRIPTION = f"""\
Create a new catalog in DIR (default: the current folder): {DEFAULT_CONFIG_FILE} with its title,
description, repository and public address (asked in a terminal, or given as options), papers/ with
a starter taxonomy and keyword vocabulary, the record schema, a GitHub Actions workflow that
installs phenomena-catalog {__version__}, validates the records, builds the site and publishes it
on GitHub Pages, a pull-request template, CONTRIBUTING.md, README.md and .gitignore. Files that are
already there are kept; a folder that already holds a catalog is refused.

To move an existing list of papers into a new catalog:
  phenomena-catalog init my-catalog --title "My Papers"
  cd my-catalog
  phenomena-catalog import ../awesome-list.md
  phenomena-catalog serve

examples:
  phenomena-catalog init
  phenomena-catalog init my-catalog --no-interactive --title "Protein Folding Papers" \\
      --repository https://github.com/me/protein-papers
"""

STARTER = Path(__file__).resolve().parent.parent / "starter"
"""The packaged templates of the files ``init`` writes."""

# Each file init writes: its path in the new catalog -> the starter file it is rendered from.
STARTER_FILES = {
    DEFAULT_CONFIG_FILE: "catalog.yaml",
    "README.md": "README.md",
    "CONTRIBUTING.md": "CONTRIBUTING.md",
    ".gitignore": "gitignore",
    f"{RECORDS_FOLDER}/{TOPICS_FILE}": TOPICS_FILE,
    f"{RECORDS_FOLDER}/{KEYWORDS_FILE}": KEYWORDS_FILE,
    f"{RECORDS_FOLDER}/{SECTIONS_FILE}": SECTIONS_FILE,
    ".github/workflows/catalog.yml": "workflow.yml",
    ".github/PULL_REQUEST_TEMPLATE.md": "pull_request_template.md",
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", type=Path, default=Path("."), metavar="DIR",
                        help="the new catalog's folder, created if needed (default: the current folder)")
    parser.add_argument("--title", help="the site's name (default: from the folder's name)")
    parser.add_argument("--description", help="what the catalog collects, in a sentence or two (Markdown)")
    parser.add_argument("--repository", metavar="URL",
                        help="the catalog's GitHub repository, e.g. https://github.com/me/my-papers")
    parser.add_argument("--base-url", metavar="URL",
                        help="where the site will be published (default for a GitHub repository: "
                        "its GitHub Pages address)")
    parser.add_argument("--interactive", action=argparse.BooleanOptionalAction, default=None,
                        help="ask for the settings (default: when standard input is a terminal)")


def run(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{display_path(folder)}: not a folder; pass the new catalog's folder")
    _refuse_existing_catalog(folder)
    interactive = args.interactive if args.interactive is not None else sys.stdin.isatty()
    settings = ask_settings(args, folder) if interactive else settings_from_options(args, folder)
    written, kept = write_catalog(folder, settings)
    for path in written:
        print(f"wrote {display_path(path)}")
    for path in kept:
        print(f"kept {display_path(path)} (already there)")
    where = display_path(folder)
    steps = [] if where == "." else [f"cd {where}"]
    steps += ["phenomena-catalog import LIST   # an existing list: Markdown, BibTeX, ...; or 'add' / 'new'",
              "phenomena-catalog serve         # build and preview at http://127.0.0.1:8000"]
    print("Next:\n" + "\n".join(f"  {step}" for step in steps))
    return 0


def _refuse_existing_catalog(folder: Path) -> None:
    """A folder with settings or records already is a catalog: init would only mix into it."""
    problems = []
    if (folder / DEFAULT_CONFIG_FILE).exists():
        problems.append(Problem(display_path(folder / DEFAULT_CONFIG_FILE), None, "",
                                "already exists: this folder holds a catalog; init starts a new one"))
    papers = folder / RECORDS_FOLDER
    if papers.is_dir() and record_files(papers):
        problems.append(Problem(display_path(papers), None, "",
                                "already holds records: this folder holds a catalog; init starts a new one"))
    if problems:
        raise UserError(problems)


def settings_from_options(args: argparse.Namespace, folder: Path) -> SiteConfig:
    """The settings given as options, checked as catalog.yaml would be; defaults for the rest."""
    values: dict[str, Any] = {"title": args.title or default_title(folder)}
    if args.description:
        values["description"] = args.description
    if args.repository:
        values["repository"] = args.repository
    values["base_url"] = args.base_url or (pages_url(args.repository) if args.repository else None)
    try:
        return SiteConfig.model_validate(values)
    except ValidationError as err:
        raise UserError([Problem("", None, f"--{str(e['loc'][0]).replace('_', '-')}",
                                 str((e.get("ctx") or {}).get("error", e["msg"])))
                         for e in err.errors(include_url=False)]) from None


def ask_settings(args: argparse.Namespace, folder: Path) -> SiteConfig:
    """Ask for each setting in the terminal (an option given on the command line is the default)."""
    print(f"A new catalog in {display_path(folder)}. Press Enter to take the [default]; Ctrl-C stops "
          "without writing.")
    try:
        title = _ask(f"Title [{args.title or default_title(folder)}]: ", _text,
                     default=args.title or default_title(folder))
        description = _ask_optional(
            f"Description, a sentence or two{f' [{args.description}]' if args.description else ' (optional)'}: ",
            _text, default=args.description)
        repository = _ask_optional(
            f"GitHub repository, e.g. https://github.com/me/my-papers"
            f"{f' [{args.repository}]' if args.repository else ' (optional)'}: ",
            _validator(HttpUrl), default=args.repository)
        suggested = args.base_url or (pages_url(repository) if repository else None)
        base_url = _ask_optional(
            f"Public address of the site{f' [{suggested}]' if suggested else ' (optional)'}: ",
            _validator(HttpUrl), default=suggested)
    except EOFError:
        raise UserError("the input ended before every setting was answered; nothing was written") from None
    values: dict[str, Any] = {"title": title, "repository": repository, "base_url": base_url}
    if description:
        values["description"] = description
    return SiteConfig.model_validate(values)


def default_title(folder: Path) -> str:
    """A title from the folder's name: ``protein-papers`` -> "Protein Papers"."""
    name = folder.resolve().name.replace("-", " ").replace("_", " ").strip()
    return name.title() if name else "Paper Catalog"


def pages_url(repository: str) -> str | None:
    """The GitHub Pages address of a GitHub repository's site, e.g. https://me.github.io/papers/."""
    parts = repository.rstrip("/").removesuffix(".git").split("/")
    if len(parts) != 5 or parts[2].lower() != "github.com":
        return None
    owner, name = parts[3], parts[4]
    if name.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{name}/"


def write_catalog(folder: Path, settings: SiteConfig) -> tuple[list[Path], list[Path]]:
    """Write every starter file that is not there yet; returns (written, kept) paths."""
    render = _starter_renderer(settings)
    texts = {folder / target: render(source) for target, source in STARTER_FILES.items()}
    texts[folder / SCHEMA_FILE] = schema_text()
    written, kept = [], []
    for path, text in sorted(texts.items()):
        if path.exists():
            kept.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
        written.append(path)
    return written, kept


def _starter_renderer(settings: SiteConfig) -> Callable[[str], str]:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(STARTER),
        variable_start_string="[[", variable_end_string="]]",
        block_start_string="[%", block_end_string="%]",
        comment_start_string="[#", comment_end_string="#]",
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML and Markdown files, not HTML
    )
    # A JSON string is a valid YAML scalar: quoted, escaped, never mistaken for a number or a date.
    env.filters["yaml"] = lambda value: json.dumps(value, ensure_ascii=False)
    context = dict(settings.model_dump(), version=__version__)
    return lambda name: env.get_template(name).render(context)
