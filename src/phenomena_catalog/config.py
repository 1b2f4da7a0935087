"""Site settings: one validated file (``catalog.yaml``), every setting with a sensible default."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError

from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.model_errors import validation_problems
from phenomena_catalog.models import HttpUrl, StrictModel, described
from phenomena_catalog.settings_file import DEFAULT_CONFIG_FILE as DEFAULT_CONFIG_FILE  # (imported from here too)
from phenomena_catalog.settings_file import REPOSITORY_VARIABLE, SERVER_VARIABLE, settings_file
from phenomena_catalog.yaml_lines import LineDict, read_yaml_file


class SiteConfig(StrictModel):
    """Settings for the published site, from ``catalog.yaml`` beside ``papers/``."""

    title: str = "Paper Catalog"
    """The site's name, shown in every page's header and title."""
    description: str = "A curated catalog of research papers."
    """What the catalog is, in Markdown; shown on the home page."""
    repository: HttpUrl | None = None
    """The catalog's source repository (e.g. https://github.com/org/catalog), for "edit this record"
    and "suggest a paper" links. When unset, a build inside GitHub Actions uses the repository it
    runs for."""
    branch: str = "main"
    """The repository branch that holds the records."""
    base_url: HttpUrl | None = None
    """Where the site is published (e.g. https://org.github.io/catalog/). Pages link relatively
    anyway; when set, pages name their canonical address (and og:url), the site gets a sitemap.xml,
    feeds use absolute links and ids, and the 404 page's links start here (else at the host's root)."""
    search_placeholder: str = "e.g. a word of a title, an author, a venue"
    """The example text in the search page's empty search box (say what your readers might look for)."""
    footer: str | None = None
    """Markdown shown at the bottom of every page, e.g. who keeps the catalog or how to cite it."""
    data_license: str | None = None
    """The licence of the records, in Markdown, e.g. ``[CC0 1.0](https://creativecommons.org/publicdomain/zero/1.0/)``;
    shown in every page's footer."""
    recent: int = Field(default=12, ge=0)
    """How many recently added papers the home page lists."""
    papers_per_page: int = Field(default=500, ge=10)
    """Longer paper lists (all papers, a topic, an author...) are split into pages of this size."""


described(SiteConfig)


def load_config(path: Path | None) -> SiteConfig:
    """The settings in ``path``; defaults when no file is given and ``catalog.yaml`` does not exist."""
    explicit = path is not None
    path = settings_file(path)
    if not path.exists():
        if explicit:
            raise UserError(f"{display_path(path)}: the settings file does not exist")
        return _with_environment(SiteConfig())
    shown = display_path(path)
    data, problems = read_yaml_file(path, shown)
    if not problems and data is not None and not isinstance(data, LineDict):
        problems = [Problem(shown, 1, "", "the settings file must be a block of 'setting: value' lines")]
    if problems:
        raise UserError(problems)
    try:
        return _with_environment(SiteConfig.model_validate(data or {}))
    except ValidationError as err:
        raise UserError(validation_problems(err, SiteConfig, data, shown)) from None


def _with_environment(config: SiteConfig) -> SiteConfig:
    """Fill the repository from GitHub Actions' variables when the settings leave it unset."""
    repository = os.environ.get(REPOSITORY_VARIABLE)
    if config.repository is not None or not repository:
        return config
    server = os.environ.get(SERVER_VARIABLE, "https://github.com")
    return config.model_copy(update={"repository": f"{server}/{repository}"})
