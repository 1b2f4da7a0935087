"""`init` starts a catalog that validates, imports, builds and publishes with no other file."""

from __future__ import annotations

import io
import re
import shlex
import textwrap
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from phenomena_catalog import __version__
from phenomena_catalog.cli import build_parser
from phenomena_catalog.commands import COMMANDS

from conftest import FIXTURES, site_files
from test_ci_files import lint_workflow

# Four entries of a real list (tests/fixtures/seeds/000_*.txt), under two of its headings.
LIST = textwrap.dedent("""\
    # Explaining deep learning

    ## Interpolation-Extrapolation tradeoffs

    - [Learning in High Dimension Always Amounts to Extrapolation](https://arxiv.org/abs/2110.09485), Oct. 18 2021, Yann LeCun et al.
    - [Benign, Tempered, or Catastrophic: A Taxonomy of Overftting](https://arxiv.org/pdf/2207.06569.pdf), Jul. 14 2022.

    ## Inductive Bias

    - [On Margin Maximization in Linear and ReLU Networks](https://arxiv.org/pdf/2110.02732.pdf), Nathan Srebro's group, 2021.
    - [The Deep Bootstrap Framework: Good Online Learners Are Good Offline Generalizers](https://arxiv.org/pdf/2010.08127.pdf), Feb. 2021. `iclr2021`
    """)  # noqa: E501 (a real list's lines)

WRITTEN = [
    ".github/PULL_REQUEST_TEMPLATE.md",
    ".github/workflows/catalog.yml",
    ".gitignore",
    "CONTRIBUTING.md",
    "README.md",
    "catalog.yaml",
    "papers/_keywords.yaml",
    "papers/_sections.yaml",
    "papers/_topics.yaml",
    "schema/paper.schema.json",
]


class Terminal(io.StringIO):
    """Standard input that claims to be a terminal and holds the user's answers."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def files_below(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_init_import_validate_build_in_an_empty_folder(
        run_cli, tmp_path: Path, no_terminal: None, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run_cli("init", "enzymes", "--title", "Enzyme Kinetics", "--repository",
                             "https://github.com/someone/enzyme-papers")
    assert (code, err) == (0, "")
    assert out == "".join(f"wrote enzymes/{name}\n" for name in WRITTEN) + (
        "Next:\n"
        "  cd enzymes\n"
        "  phenomena-catalog import LIST   # an existing list: Markdown, BibTeX, ...; or 'add' / 'new'\n"
        "  phenomena-catalog serve         # build and preview at http://127.0.0.1:8000\n")
    catalog = tmp_path / "enzymes"
    assert files_below(catalog) == WRITTEN
    settings = yaml.safe_load((catalog / "catalog.yaml").read_text(encoding="utf-8"))
    assert settings == {"title": "Enzyme Kinetics", "description": "A curated catalog of research papers.",
                        "repository": "https://github.com/someone/enzyme-papers", "branch": "main",
                        "base_url": "https://someone.github.io/enzyme-papers/"}

    (tmp_path / "list.md").write_text(LIST, encoding="utf-8")
    monkeypatch.chdir(catalog)
    code, out, err = run_cli("import", "../list.md")
    assert (code, err) == (0, "") and "4 new records" in out
    assert run_cli("validate")[0] == 0
    code, out, err = run_cli("build")
    assert (code, err) == (0, "") and out.startswith("Built site/: ")
    home = BeautifulSoup((catalog / "site" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.find(class_="brand").get_text() == "Enzyme Kinetics"
    assert home.find("link", rel="canonical")["href"] == "https://someone.github.io/enzyme-papers/index.html"
    # Every record names its schema relatively, and the new catalog has that file.
    records = sorted((catalog / "papers").glob("[a-z]*.yaml"))
    assert len(records) == 4
    for record in records:
        first = record.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/paper.schema.json"
        assert (record.parent / "../schema/paper.schema.json").resolve().is_file()


def test_a_new_catalog_builds_before_it_has_a_record_and_after_its_first(
        run_cli, tmp_path: Path, no_terminal: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # `init` writes no record: a build (or serve) right after it used to end in a traceback
    # (IndexError while the search index's state was written to the build cache).
    assert run_cli("init", "enzymes", "--title", "Enzyme Kinetics")[0] == 0
    catalog = tmp_path / "enzymes"
    monkeypatch.chdir(catalog)
    code, out, err = run_cli("build")
    assert (code, err) == (0, "") and out.startswith("Built site/: ") and " for 0 papers " in out
    assert (catalog / "site" / "index.html").is_file()
    # The next build starts from that build's cache, and gives what a build from scratch gives.
    (tmp_path / "list.md").write_text(LIST, encoding="utf-8")
    assert run_cli("import", "../list.md")[0] == 0
    code, out, err = run_cli("build")
    assert (code, err) == (0, "") and " for 4 papers " in out
    assert run_cli("build", "--no-cache", "--out", "reference")[0] == 0
    assert {**site_files(catalog / "site"), "reference": b""} == {**site_files(catalog / "reference"), "reference": b""}


def test_a_catalog_is_never_overwritten(run_cli, tmp_path: Path, no_terminal: None) -> None:
    assert run_cli("init", "--title", "Mine")[0] == 0
    assert run_cli("init") == (
        1, "", "catalog.yaml: already exists: this folder holds a catalog; init starts a new one\n1 problem found.\n")


def test_files_already_in_the_folder_are_kept(run_cli, tmp_path: Path, no_terminal: None) -> None:
    (tmp_path / "README.md").write_text("# My repository\n", encoding="utf-8")
    code, out, _ = run_cli("init")
    assert code == 0 and "kept README.md (already there)\n" in out and "wrote catalog.yaml\n" in out
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "# My repository\n"
    title = yaml.safe_load((tmp_path / "catalog.yaml").read_text(encoding="utf-8"))["title"]
    assert title == tmp_path.name.replace("-", " ").replace("_", " ").title()


def test_a_bad_option_is_named(run_cli, no_terminal: None) -> None:
    assert run_cli("init", "x", "--repository", "github.com/me/x") == (
        1, "", "--repository: a link must start with http:// or https://\n")


def test_init_asks_in_a_terminal(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = ["Rust Compilers: A Reading List", "Papers on *compiling* Rust.", "ftp://nope",
               "https://github.com/me/rust-papers", ""]
    monkeypatch.setattr("sys.stdin", Terminal("".join(f"{a}\n" for a in answers)))
    code, out, err = run_cli("init", "rust")
    assert (code, err) == (0, "")
    assert "  a link must start with http:// or https://\n" in out  # asked again
    settings = yaml.safe_load((tmp_path / "rust" / "catalog.yaml").read_text(encoding="utf-8"))
    assert settings["title"] == "Rust Compilers: A Reading List"
    assert settings["description"] == "Papers on *compiling* Rust."
    assert settings["repository"] == "https://github.com/me/rust-papers"
    assert settings["base_url"] == "https://me.github.io/rust-papers/"  # the suggested default


def test_input_ending_early_writes_nothing(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("A Title\n"))
    code, _, err = run_cli("init", "x")
    assert (code, err) == (1, "the input ended before every setting was answered; nothing was written\n")
    assert not (tmp_path / "x").exists()


@pytest.fixture
def new_catalog(run_cli, tmp_path: Path, no_terminal: None) -> Path:
    assert run_cli("init", "new", "--title", "New")[0] == 0
    return tmp_path / "new"


def test_the_generated_workflow_passes_the_github_workflow_schema(new_catalog: Path) -> None:
    result = lint_workflow(new_catalog / ".github" / "workflows" / "catalog.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generated_workflow_installs_this_version_then_validates_builds_and_deploys(new_catalog: Path) -> None:
    data = yaml.safe_load((new_catalog / ".github" / "workflows" / "catalog.yml").read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in data["on"] and data["on"]["push"]["branches"] == ["main"]
    steps = data["jobs"]["check"]["steps"]
    runs = [step.get("run") for step in steps if "run" in step]
    assert runs == [f'python -m pip install "phenomena-catalog=={__version__}"', "phenomena-catalog validate",
                    "phenomena-catalog build --out site"]
    assert steps[-1]["uses"].startswith("actions/upload-artifact@") and steps[-1]["with"]["path"] == "site/"
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "check" and deploy["permissions"]["pages"] == "write"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]][-1] == "actions/deploy-pages"
    for action in (s["uses"] for job in data["jobs"].values() for s in job["steps"] if "uses" in s):
        assert re.fullmatch(r"actions/[a-z-]+@v\d+", action), action


@pytest.mark.parametrize("doc", ["CONTRIBUTING.md", "README.md", ".github/PULL_REQUEST_TEMPLATE.md"])
def test_the_generated_docs_name_only_real_commands_and_this_version(new_catalog: Path, doc: str) -> None:
    text = (new_catalog / doc).read_text(encoding="utf-8")
    names = {command.NAME for command in COMMANDS}
    assert set(re.findall(r"phenomena-catalog ([a-z][\w-]*)", text)) <= names
    parser = build_parser()
    for line in re.findall(r"^ {4}phenomena-catalog (.+)$", text, re.MULTILINE):
        assert parser.parse_args(shlex.split(line.replace("ARXIV_ID", "2201.02177"))).command in names, line
    for pinned in re.findall(r"phenomena-catalog==([\w.]+)", text):
        assert pinned == __version__


def test_nothing_of_the_bundled_catalog_is_in_a_new_one(new_catalog: Path) -> None:
    bundled = yaml.safe_load((FIXTURES.parent.parent / "catalog.yaml").read_text(encoding="utf-8"))
    for name in files_below(new_catalog):
        text = (new_catalog / name).read_text(encoding="utf-8").lower()
        for word in ("grokking", "deep learning", bundled["title"].lower(), "nakkiran"):
            assert word not in text, (name, word)
