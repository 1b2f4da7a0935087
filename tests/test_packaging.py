"""Packaging: what the wheel and sdist carry, the optional extras, and the version."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from setuptools import find_packages

import phenomena_catalog
from phenomena_catalog.cli import main

from conftest import REPO

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_is_listed_for_the_wheel() -> None:
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(REPO / "src")))
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    # Folders of data files, not Python: the theme (from templates/) and the files `init` writes.
    assert listed - found == {"phenomena_catalog.default_theme", "phenomena_catalog.default_theme.assets",
                              "phenomena_catalog.starter"}


def test_the_version_has_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert pyproject()["project"]["dynamic"] == ["version"]
    assert pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "phenomena_catalog.__version__"}
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"phenomena-catalog {phenomena_catalog.__version__}\n"


def test_importer_only_libraries_are_an_extra() -> None:
    project = pyproject()["project"]
    core = " ".join(project["dependencies"])
    assert "bibtexparser" not in core and "pylatexenc" not in core
    assert {d.split(">")[0] for d in project["optional-dependencies"]["import"]} == {"bibtexparser", "pylatexenc"}


def test_bibtex_without_the_import_extra_says_how_to_install_it(
        run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    optional = ("bibtexparser", "pylatexenc")
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name in optional else real_find_spec(name, *args))
    (tmp_path / "refs.bib").write_text("@article{a, title = {A Paper}, author = {A. Author}, year = 2020}\n",
                                       encoding="utf-8")
    assert run_cli("import", "refs.bib", "--into", "papers") == (
        1, "", "refs.bib: reading BibTeX needs bibtexparser, pylatexenc, which are optional: "
               "pip install 'phenomena-catalog[import]'\n1 problem found.\n")
    assert not (tmp_path / "papers").exists()
