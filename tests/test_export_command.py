"""``phenomena-catalog export`` end to end: stdout, --out files, messages and exit codes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import bibtexparser
import pytest

from phenomena_catalog.cli import main

TOPICS = """\
- id: generalization
  title: Generalization
- id: grokking
  title: Grokking
  parent: generalization
- id: lottery-ticket-hypothesis
  title: Lottery ticket hypothesis
"""
KEYWORDS = """\
- name: Pruning
  aliases: [pruning methods]
"""
RECORDS = {
    "power2022grokking.yaml": """\
title: "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
authors: [Alethea Power, Yuri Burda]
year: 2022
month: 1
venue: ICLR 2022 Workshop
topics: [grokking]
keywords: [Grokking]
links:
  paper: https://arxiv.org/abs/2201.02177
arxiv: "2201.02177"
digest: |
  Generalization **long after** overfitting.
added: 2026-11-23
""",
    "frankle2019lottery.yaml": """\
title: "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks"
authors: [Jonathan Frankle, Michael Carbin]
year: 2019
venue: ICLR 2019
topics: [lottery-ticket-hypothesis]
keywords: [pruning methods]
added: 2026-11-23
""",
    "zhang2017understanding.yaml": """\
title: Understanding deep learning requires rethinking generalization
authors: [Chiyuan Zhang]
year: 2017
topics: [generalization]
added: 2026-11-23
""",
}

NO_FOLDER = ("nowhere: no such folder; run this from the catalog's folder (the one holding papers/), "
             "or pass --papers DIR\n")


def write_catalog(folder: Path, records: dict[str, str] = RECORDS) -> Path:
    papers = folder / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS, encoding="utf-8")
    (papers / "_keywords.yaml").write_text(KEYWORDS, encoding="utf-8")
    for name, text in records.items():
        (papers / name).write_text(text, encoding="utf-8")
    return papers


@pytest.fixture
def papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # messages show paths relative to here; no catalog.yaml is found
    return write_catalog(tmp_path)


def test_bibtex_to_stdout(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "bibtex"]) == 0
    out, err = capsys.readouterr()
    library = bibtexparser.parse_string(out)
    assert [e.key for e in library.entries] == [
        "power2022grokking",
        "frankle2019lottery",
        "zhang2017understanding",
    ]
    assert [e.entry_type for e in library.entries] == ["inproceedings", "inproceedings", "misc"]
    assert err == ""


def test_bibtex_of_one_topic_includes_its_subtopics(
    papers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "bibtex", "--topic", "generalization"]) == 0
    keys = [e.key for e in bibtexparser.parse_string(capsys.readouterr().out).entries]
    assert keys == ["power2022grokking", "zhang2017understanding"]


def test_json_to_a_file(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "json", "--out", "papers.json"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "Wrote 3 papers from the catalog to papers.json (json).\n"
    data = json.loads(Path("papers.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in data["papers"]] == [
        "power2022grokking",
        "frankle2019lottery",
        "zhang2017understanding",
    ]
    assert [t["id"] for t in data["topics"]] == [
        "generalization",
        "grokking",
        "lottery-ticket-hypothesis",
    ]
    assert {k["name"]: k["papers"] for k in data["keywords"]} == {
        "Grokking": ["power2022grokking"],
        "Pruning": ["frankle2019lottery"],
    }
    assert not list(Path().glob(".papers.json.*"))  # no temporary file left behind


def test_json_of_one_topic_keeps_its_topics_and_keywords(
    papers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "json", "--topic", "lottery-ticket-hypothesis"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in data["papers"]] == ["frankle2019lottery"]
    assert [t["id"] for t in data["topics"]] == ["lottery-ticket-hypothesis"]
    assert [k["name"] for k in data["keywords"]] == ["Pruning"]


def test_readme_uses_the_site_title(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("catalog.yaml").write_text(
        "title: Awesome Deep Phenomena\ndescription: Papers.\n", encoding="utf-8"
    )
    assert main(["export", "readme", "--out", "README.md"]) == 0
    assert capsys.readouterr().err == "Wrote 3 papers from the catalog to README.md (readme).\n"
    text = Path("README.md").read_text(encoding="utf-8")
    assert "\n# Awesome Deep Phenomena\n\nPapers.\n\n# Table of Contents\n" in text
    assert "<summary>Grokking: 2022</summary>" in text
    assert (
        "  - <details><summary>Digest</summary> Generalization **long after** overfitting. </details>"
        in text
    )


def test_one_paper_message_is_singular(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "bibtex", "--topic", "grokking", "--out", "g.bib"]) == 0
    assert capsys.readouterr().err == "Wrote 1 paper from topic 'grokking' to g.bib (bibtex).\n"


def test_unknown_topic_is_a_clear_error(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "bibtex", "--topic", "grokin", "--out", "g.bib"]) == 1
    assert capsys.readouterr() == ("", "unknown topic 'grokin'; did you mean 'grokking'?\n")
    assert not Path("g.bib").exists()
    assert main(["export", "json", "--topic", "zzz"]) == 1
    assert capsys.readouterr().err == (
        "unknown topic 'zzz'; the topics are: generalization, grokking, lottery-ticket-hypothesis\n"
    )


def test_invalid_records_write_nothing_and_keep_the_old_file(
    papers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("papers.bib").write_text("old\n", encoding="utf-8")
    (papers / "broken.yaml").write_text(
        "title: Broken\nyear: twenty\ntopics: [grokking]\nadded: 2026-11-23\n", encoding="utf-8"
    )
    assert main(["export", "bibtex", "--out", "papers.bib"]) == 1
    assert capsys.readouterr() == (
        "",
        "papers/broken.yaml:2: year: expected a whole number, got the text 'twenty'\n1 problem found.\n",
    )
    assert Path("papers.bib").read_text(encoding="utf-8") == "old\n"


def test_missing_papers_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "json", "--papers", "nowhere"]) == 1
    assert capsys.readouterr().err == NO_FOLDER


def test_output_folder_must_exist(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "json", "--out", "site/papers.json"]) == 1
    assert capsys.readouterr().err == (
        "site/papers.json: cannot write here, the folder site does not exist\n"
    )
    assert main(["export", "json", "--out", "papers"]) == 1
    assert (
        capsys.readouterr().err == "papers: is a folder; give a file name\n"
    )


def test_unknown_format_is_refused_by_the_parser(
    papers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "csv"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    # Python versions differ in quoting the choices; the message names the bad value and the choices.
    assert "argument FORMAT: invalid choice: 'csv'" in err
    assert all(name in err for name in ("readme", "bibtex", "json"))


def test_help_shows_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert "phenomena-catalog export bibtex --topic grokking --out grokking.bib" in out
    assert "--topic T" in out and "--papers DIR" in out and "--out FILE" in out


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_file_written_gets_the_permissions_open_gives(papers: Path) -> None:
    # written beside its target then renamed: a new file must not keep the temporary file's 0o600
    with open("by-open.txt", "w", encoding="utf-8"):
        pass
    assert main(["export", "json", "--out", "papers.json"]) == 0
    assert stat.S_IMODE(os.stat("papers.json").st_mode) == stat.S_IMODE(os.stat("by-open.txt").st_mode)
    # an existing file keeps its own, as open(path, "w") keeps them
    os.chmod("papers.json", 0o640)
    assert main(["export", "json", "--out", "papers.json"]) == 0
    assert stat.S_IMODE(os.stat("papers.json").st_mode) == 0o640
    assert not list(Path().glob(".papers.json.*"))
