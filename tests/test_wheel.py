"""The package as PyPI would ship it: sdist and wheel built, the wheel installed in a fresh virtual
environment, and a new catalog started, imported, validated, built and customised with it.

The virtual environment sees nothing of this one (no system site packages, so not the editable
install either) and downloads nothing: its dependencies come from a wheelhouse made of the
distributions installed here (see ``wheelhouse.py``). The package itself comes only from the wheel.
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from phenomena_catalog import __version__

from conftest import REPO
from test_init import LIST
from wheelhouse import fill_wheelhouse

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the fresh environment's paths are POSIX")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it, as `python -m build` makes them for PyPI."""
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend (setuptools, from the test extra) is installed already.
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed without extras, as a reader installs it."""
    work = tmp_path_factory.mktemp("venv")
    (wheel,) = dist.glob("*.whl")
    wheelhouse = fill_wheelhouse(work / "wheelhouse", ["phenomena-catalog[import]"])
    env_dir = work / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    # This environment's pip installs into the new one (--python), from the wheelhouse only.
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                             "--disable-pip-version-check", "--no-index", "--find-links", str(wheelhouse),
                             str(wheel)], capture_output=True, text=True, check=False, env=clean_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert (env_dir / "bin" / "phenomena-catalog").is_file()
    return env_dir


def clean_environment() -> dict[str, str]:
    """This process's environment without what would point Python at this checkout or environment."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}


def run(venv: Path, cwd: Path, program: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of the fresh environment's programs (by its path: never one of this environment's)."""
    return subprocess.run([str(venv / "bin" / program), *args], cwd=cwd, env=clean_environment(),
                          capture_output=True, text=True, check=False)


def test_the_wheel_and_sdist_carry_the_theme_licence_and_metadata(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    assert wheel.name == f"phenomena_catalog-{__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    theme = sorted(n.removeprefix("phenomena_catalog/default_theme/") for n in names if "/default_theme/" in n)
    templates = sorted(p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*")
                       if p.is_file() and p.relative_to(REPO / "templates").parts[0] != "static")
    assert theme == templates
    assert {"phenomena_catalog/starter/workflow.yml", "phenomena_catalog/py.typed"} <= set(names)
    metadata = email.parser.Parser().parsestr(
        zipfile.ZipFile(wheel).read(f"phenomena_catalog-{__version__}.dist-info/METADATA").decode())
    assert metadata["License-Expression"] == "MIT" and metadata["Version"] == __version__
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "Programming Language :: Python :: 3 :: Only" in metadata.get_all("Classifier")
    assert metadata.get_all("Project-URL")
    assert set(metadata.get_all("Provides-Extra")) >= {"import", "test"}
    assert not any("bibtexparser" in req and "extra" not in req for req in metadata.get_all("Requires-Dist"))
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    assert {"LICENSE", "README.md", "pyproject.toml", "templates/base.html", "templates/assets/style.css",
            "src/phenomena_catalog/starter/catalog.yaml"} <= members


def test_a_new_catalog_with_the_installed_wheel(venv: Path, tmp_path: Path) -> None:
    where = run(venv, tmp_path, "python", "-c", "import phenomena_catalog; print(phenomena_catalog.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    assert run(venv, tmp_path, "phenomena-catalog", "--version").stdout == f"phenomena-catalog {__version__}\n"

    init = run(venv, tmp_path, "phenomena-catalog", "init", "kinetics", "--title", "Kinetics Papers")
    assert init.returncode == 0, init.stderr
    catalog = tmp_path / "kinetics"
    (tmp_path / "list.md").write_text(LIST, encoding="utf-8")
    imported = run(venv, catalog, "phenomena-catalog", "import", "../list.md")
    assert imported.returncode == 0 and "4 new records" in imported.stdout, imported.stdout + imported.stderr
    validated = run(venv, catalog, "phenomena-catalog", "validate")
    assert validated.returncode == 0 and validated.stdout.startswith("4 papers and 3 topics are valid")

    # Customise one page: the copied template, edited, is used; every other file is the theme's.
    copied = run(venv, catalog, "phenomena-catalog", "theme", "copy", "paper.html")
    assert copied.returncode == 0, copied.stderr
    paper_template = catalog / "templates" / "paper.html"
    paper_template.write_text(paper_template.read_text(encoding="utf-8").replace("<h1", '<h1 data-mine="1"', 1),
                              encoding="utf-8")
    built = run(venv, catalog, "phenomena-catalog", "build")
    assert built.returncode == 0 and built.stdout.startswith("Built site/: "), built.stdout + built.stderr

    site = catalog / "site"
    papers = sorted((site / "papers").glob("*.html"))
    assert len([p for p in papers if p.name != "index.html"]) == 4
    assert all('<h1 data-mine="1"' in p.read_text(encoding="utf-8") for p in papers if p.name != "index.html")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Kinetics Papers" in home and "data-mine" not in home
    assert (site / "assets" / "style.css").read_bytes() == (REPO / "templates" / "assets" / "style.css").read_bytes()
    assert (site / "search.html").is_file() and (site / "papers.json").is_file()


def test_bibtex_needs_the_import_extra_and_says_so(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(textwrap.dedent("""\
        @article{lecun2021extrapolation,
          title = {Learning in High Dimension Always Amounts to Extrapolation},
          year = {2021},
        }
        """), encoding="utf-8")
    result = run(venv, tmp_path, "phenomena-catalog", "import", "refs.bib", "--into", "papers")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("refs.bib: reading BibTeX needs bibtexparser, pylatexenc, which are optional: "
                             "pip install 'phenomena-catalog[import]'\n1 problem found.\n")
