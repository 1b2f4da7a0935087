"""``new``: a commented template that validates once filled, or a record built from answers."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import yaml

from phenomena_catalog.cli import main
from phenomena_catalog.models import PaperRecord

TOPICS = """\
- id: grokking
  title: Grokking
- id: double-descent
  title: Double descent
"""
TODAY = dt.date.today()


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS, encoding="utf-8")
    return papers


class Terminal(io.StringIO):
    """Standard input that claims to be a terminal and holds the user's answers."""

    def isatty(self) -> bool:
        return True


def answer(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("".join(f"{line}\n" for line in lines)))


def test_template_without_a_terminal(catalog, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["new"]) == 0
    assert capsys.readouterr().out == (
        "wrote papers/new-paper.yaml: fill in the blanks, rename it after the paper "
        "({lastname}{year}{firstword}.yaml), then run 'phenomena-catalog validate'.\n"
    )
    text = (catalog / "new-paper.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schema/paper.schema.json\n# A new paper record.")
    assert "# Known topics: grokking, double-descent\ntopics: []\n" in text
    # Every field of the format is explained by its own docstring, just above it.
    for name, info in PaperRecord.model_fields.items():
        if name != "sources":
            assert f"# {info.description.replace('``', '')}" in text
    assert f"added: {TODAY.isoformat()}\n" in text


def test_blank_template_fails_at_the_blanks(catalog, monkeypatch, capsys):
    assert main(["new", "--no-interactive"]) == 0
    capsys.readouterr()
    assert main(["validate"]) == 1
    assert capsys.readouterr().err == (
        "papers/new-paper.yaml:6: title: must not be empty\n"
        "papers/new-paper.yaml:12: year: expected a whole number, got nothing\n"
        "papers/new-paper.yaml:19: topics: this list must not be empty\n"
        "3 problems found.\n"
    )


def test_template_validates_once_the_blanks_are_filled(catalog, capsys):
    assert main(["new", "--no-interactive"]) == 0
    path = catalog / "new-paper.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('title: ""', 'title: "Omnigrok: Grokking Beyond Algorithmic Data"')
    text = text.replace("authors: []", "authors: [Ziming Liu, Eric J. Michaud, Max Tegmark]")
    text = text.replace("year:\n", "year: 2022\n").replace("topics: []", "topics: [grokking]")
    text = text.replace("  paper:\n", "  paper: https://arxiv.org/abs/2210.01117\n")
    path.write_text(text, encoding="utf-8")
    path.rename(catalog / "liu2023omnigrok.yaml")
    capsys.readouterr()
    assert main(["validate"]) == 0, capsys.readouterr().err


def test_template_name_is_not_reused(catalog, capsys):
    assert main(["new", "--no-interactive"]) == 0
    assert main(["new", "--no-interactive"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("wrote papers/new-paper-2.yaml:")


def test_template_to_an_existing_file_is_refused(catalog, capsys):
    (catalog / "x.yaml").write_text("keep me")
    assert main(["new", "--no-interactive", "--out", "papers/x.yaml"]) == 1
    assert capsys.readouterr().err == "papers/x.yaml already exists; pass another --out FILE\n"
    assert (catalog / "x.yaml").read_text() == "keep me"


def test_interactive_in_a_terminal(catalog, monkeypatch, capsys):
    answer(monkeypatch,
           "https://arxiv.org/abs/2210.01117v2",        # arXiv
           "Omnigrok: Grokking Beyond Algorithmic Data.",  # a trailing period: asked again
           "Omnigrok: Grokking Beyond Algorithmic Data",
           "Ziming Liu, Eric J. Michaud and Max Tegmark",
           "2021",                                       # before the arXiv id's year: asked again
           "",                                           # takes the year of the arXiv id
           "",                                           # takes its month
           "ICLR 2023",
           "grokkin",                                    # a typo: asked again
           "grokking, double-descent",
           "grokking, loss landscape",
           "https://doi.org/10.48550/arXiv.2210.01117",  # a DOI with its URL: asked again
           "",
           "",                                           # paper link defaults to the abs page
           "github.com/KindXiaoming/Omnigrok",           # not a link: asked again
           "https://github.com/KindXiaoming/Omnigrok",
           "Grokking on images, text and molecules, **explained** by the loss landscape.")
    assert main(["new"]) == 0
    out = capsys.readouterr().out
    assert "  remove the period at the end of the title (titles are written without one)\n" in out
    assert "  2021 is before the paper appeared on arXiv (2022); the year is the first publication's\n" in out
    assert "  unknown topic 'grokkin'; did you mean 'grokking'?\n" in out
    assert '  write the DOI without the prefix: doi: "10.48550/arXiv.2210.01117"\n' in out
    assert "  a link must start with http:// or https://\n" in out
    # ICLR 2023 names the id's year, as an import of the same paper would (ids.paper_id).
    assert out.endswith("wrote papers/liu2023omnigrok.yaml; run 'phenomena-catalog validate' to check it.\n")
    text = (catalog / "liu2023omnigrok.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schema/paper.schema.json\n")
    assert yaml.safe_load(text) == {
        "title": "Omnigrok: Grokking Beyond Algorithmic Data",
        "authors": ["Ziming Liu", "Eric J. Michaud", "Max Tegmark"],
        "year": 2022, "month": 10, "venue": "ICLR 2023",
        "topics": ["grokking", "double-descent"],
        "keywords": ["grokking", "loss landscape"],
        "links": {"paper": "https://arxiv.org/abs/2210.01117", "code": "https://github.com/KindXiaoming/Omnigrok"},
        "arxiv": "2210.01117",
        "digest": "Grokking on images, text and molecules, **explained** by the loss landscape.",
        "added": TODAY,
    }
    assert main(["validate"]) == 0


def test_interactive_without_arxiv_asks_for_the_year(catalog, monkeypatch, capsys):
    answer(monkeypatch, "", "Opening the Black Box of Deep Neural Networks via Information",
           "Ravid Shwartz-Ziv, Naftali Tishby", "", "2017", "", "", "double-descent", "", "", "", "", "")
    assert main(["new", "--interactive"]) == 0
    out = capsys.readouterr().out
    assert "  This one is required.\n" in out
    record = yaml.safe_load((catalog / "shwartz-ziv2017opening.yaml").read_text(encoding="utf-8"))
    assert (record["year"], record["topics"], record["authors"]) == (
        2017, ["double-descent"], ["Ravid Shwartz-Ziv", "Naftali Tishby"])
    assert "month" not in record and "links" not in record


def test_interactive_refuses_a_duplicate(catalog, monkeypatch, capsys):
    (catalog / "liu2022omnigrok.yaml").write_text(
        'title: "Omnigrok: Grokking Beyond Algorithmic Data"\nyear: 2022\ntopics: [grokking]\nadded: 2026-01-01\n')
    answer(monkeypatch, "", "Omnigrok - grokking beyond algorithmic data", "", "2022", "", "", "grokking",
           "", "", "", "", "")
    assert main(["new", "--interactive"]) == 1
    assert capsys.readouterr().err == (
        "this paper is already in the catalog: papers/liu2022omnigrok.yaml (same title); nothing was written\n")
    assert sorted(p.name for p in catalog.iterdir()) == ["_topics.yaml", "liu2022omnigrok.yaml"]


def test_interactive_input_ending_early_writes_nothing(catalog, monkeypatch, capsys):
    answer(monkeypatch, "", "A title")
    assert main(["new", "--interactive"]) == 1
    assert capsys.readouterr().err == "the input ended before the record was complete; nothing was written\n"
    assert sorted(p.name for p in catalog.iterdir()) == ["_topics.yaml"]


def test_new_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["new", "--help"])
    assert "examples:\n  phenomena-catalog new\n" in capsys.readouterr().out


def test_new_into_a_missing_folder_is_a_clear_error(catalog, capsys):
    assert main(["new", "--no-interactive", "--out", "nowhere/x.yaml"]) == 1
    assert capsys.readouterr().err == "nowhere/x.yaml: cannot write here, the folder nowhere does not exist\n"
