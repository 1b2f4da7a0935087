"""Layered fixtures: a catalog written from inline YAML -> its loaded catalog -> its built site."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from phenomena_catalog.cli import main

if TYPE_CHECKING:
    from phenomena_catalog.commands.build import BuildResult

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATES = REPO / "templates"

TOPICS_YAML = """\
- id: generalization
  title: Generalization
  description: Why networks generalize.
- id: grokking
  title: Grokking
  parent: generalization
  description: Late generalization.
"""

HOSTILE = '</script><script>alert("x")</script> <b>&amp</b> ]]> <!--'
"""Text that would break out of a script, a comment, an attribute or XML if it were not escaped."""

HOSTILE_RECORD = f"""\
title: {json.dumps("Title " + HOSTILE)}
authors: [{json.dumps("Ada " + HOSTILE)}, Alan Turing]
year: 2021
month: 3
venue: {json.dumps("NeurIPS 2021 " + HOSTILE)}
topics: [grokking]
keywords: [{json.dumps("kw " + HOSTILE)}]
arxiv: "2101.00001"
doi: 10.5555/hostile
links:
  pdf: https://example.org/paper.pdf?a=1&b=2
digest: {json.dumps("Digest " + HOSTILE)}
added: 2026-11-24
"""

VALID_RECORD = """\
title: "Grokking: Generalization Beyond Overfitting"
authors: [Alethea Power, Yuri Burda]
year: 2022
topics: [grokking]
added: 2026-11-23
"""


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[..., Path]:
    """Write a papers folder from inline YAML: ``write_catalog({"id": "yaml"}, topics=...)``."""

    def write(records: dict[str, str], topics: str = TOPICS_YAML, keywords: str | None = None) -> Path:
        papers = tmp_path / "papers"
        papers.mkdir(exist_ok=True)
        (papers / "_topics.yaml").write_text(textwrap.dedent(topics), encoding="utf-8")
        if keywords is not None:
            (papers / "_keywords.yaml").write_text(textwrap.dedent(keywords), encoding="utf-8")
        for name, text in records.items():
            (papers / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return papers

    return write


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run the command line in ``tmp_path``; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture catalog (tests/fixtures/catalog) built once for the whole session."""
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import load_config

    work = tmp_path_factory.mktemp("fixture-site")
    source = FIXTURES / "catalog"
    out = work / "site"
    build_site(source / "papers", TEMPLATES, out, load_config(source / "catalog.yaml"), jobs=1)
    return out


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled catalog (papers/) built once for the whole session."""
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import load_config

    out = tmp_path_factory.mktemp("bundled-site") / "site"
    config = REPO / "catalog.yaml"
    build_site(REPO / "papers", TEMPLATES, out, load_config(config if config.exists() else None))
    return out


def copy_fixture_catalog(destination: Path) -> Path:
    """A private copy of the fixture catalog, for tests that change it."""
    shutil.copytree(FIXTURES / "catalog", destination)
    return destination


def build_copy(source: Path, out: Path, use_cache: bool = True) -> BuildResult:
    """Build a private catalog copy (``copy_fixture_catalog`` with templates/) into ``out``, in this process."""
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import load_config
    from phenomena_catalog.executors import SerialExecutor

    return build_site(source / "papers", source / "templates", out, load_config(source / "catalog.yaml"),
                      executor=SerialExecutor(), use_cache=use_cache)


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site and its bytes, by site-relative path."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
