"""Site settings: one validated file (``catalog.yaml``), every setting with a sensible default."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from pydantic import Field, ValidationError

from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.model_errors import validation_problems
from phenomena_catalog.models import HttpUrl, StrictModel, described
from phenomena_catalog.settings_file import DEFAULT_CONFIG_FILE as DEFAULT_CONFIG_FILE  # (imported from here too)
from phenomena_catalog.settings_file import ENVIRONMENT, REPOSITORY_VARIABLE, SERVER_VARIABLE, settings_file
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


def load_config(path: Path | None, memo: Path | None = None) -> SiteConfig:
    """The settings in ``path``; defaults when no file is given and ``catalog.yaml`` does not exist.

    ``memo``: a file where the settings validated last are kept with what they were made from (the
    settings file's bytes, the environment variables it reads, the code): while those are the same,
    the settings are read back from it rather than validated again (``_reused``). Settings
    validated here are kept there once the build succeeds (``keep_settings``)."""
    key = _memo_key(path) if memo is not None else None
    if key is not None and memo is not None:
        found = _reused(memo, key)
        if found is not None:
            return found
    config = _loaded(path)
    if key is not None:
        _TO_KEEP[id(config)] = (config, key)
    return config


def keep_settings(memo: Path, config: SiteConfig) -> None:
    """Keep ``config`` in ``memo`` for the next build (``load_config``), when it was validated
    rather than read back: called once the build succeeded (a failed build writes nothing)."""
    found = _TO_KEEP.pop(id(config), None)
    if found is not None and found[0] is config:
        _keep(memo, found[1], config)


def _loaded(path: Path | None) -> SiteConfig:
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


# A build of a catalog whose settings did not change reads them back as the last build validated
# them: building pydantic's validator and serializer of ``SiteConfig`` (``defer_build``) took
# 17-18 ms of every incremental build, for the same settings.

_TO_KEEP: dict[int, tuple[SiteConfig, str]] = {}
"""Settings validated by ``load_config`` with a memo given, and their memo's key, by their ``id``."""
_DUMPED: dict[int, tuple[SiteConfig, str]] = {}
"""The JSON of settings read back from a memo (``settings_json``), by the settings' ``id``."""


def settings_json(config: SiteConfig) -> str:
    """``config`` as JSON (``model_dump_json``): what every page is made from, for the build cache's
    digests; for settings read back from a memo, the JSON kept with them (no serializer is built)."""
    found = _DUMPED.get(id(config))
    if found is not None and found[0] is config:
        return found[1]
    return config.model_dump_json()


def _memo_key(path: Path | None) -> str | None:
    """A digest of what the settings are made from: the settings file's bytes (or that there is
    none, and whether it was named), the environment variables it reads, and this code. None when
    the file cannot be read (``load_config`` says why)."""
    from phenomena_catalog.cache_store import code_version

    file = settings_file(path)
    try:
        content = file.read_bytes()
    except FileNotFoundError:
        content = None
    except OSError:
        return None
    made_from = (code_version(), str(file), path is not None, content, *(os.environ.get(v) for v in ENVIRONMENT))
    return hashlib.blake2b(repr(made_from).encode(), digest_size=16).hexdigest()


def _reused(memo: Path, key: str) -> SiteConfig | None:
    """The settings kept in ``memo`` for ``key``; None when there are none (or the file is not such a memo)."""
    try:
        with open(memo, "rb") as handle:
            header, kept_key, config, dumped = pickle.load(handle)
    except Exception:  # (missing, damaged, another format: validated afresh, and the memo written again)
        return None
    if header != _MEMO_HEADER or kept_key != key or type(config) is not SiteConfig or type(dumped) is not str:
        return None
    _DUMPED[id(config)] = (config, dumped)
    return config


def _keep(memo: Path, key: str, config: SiteConfig) -> None:
    """Keep ``config`` in ``memo`` for ``key`` (atomically); a memo that cannot be written is no
    matter: the next build validates the settings again."""
    tmp = memo.with_name(f".{memo.name}.{os.getpid()}.tmp")
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            pickle.dump((_MEMO_HEADER, key, config, config.model_dump_json()), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, memo)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


_MEMO_HEADER = "phenomena-catalog settings memo 1"
