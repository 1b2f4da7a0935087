"""The importer on real lists of this field (tests/fixtures/lists/, see its README for sources).

For each list: the format detection picks, and the exact accounting the import prints (entries read =
new records + merged + unchanged + skipped). The catalog each import writes must validate, and
building it must work. Changing a parser changes these numbers: check the report's skip lines, then
update the table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from phenomena_catalog.cli import main
from phenomena_catalog.importers import FORMATS, read_list

from conftest import FIXTURES

LISTS = FIXTURES / "lists"

EXPECTED = {
    # file: (format detected, entries read, new records, merged, skipped)
    "awesome-deep-phenomena.md": ("awesome", 53, 45, 0, 8),
    "trustworthy-deep-learning.md": ("awesome", 270, 269, 1, 0),
    "awesome-pruning.md": ("markdown-table", 279, 277, 0, 2),
    "mechanistic-interpretability-lm.md": ("markdown-table", 94, 37, 20, 37),
    "llm-interpretability-cooperleong00.md": ("markdown-items", 319, 240, 11, 68),
    "deep-learning-papers.md": ("markdown-items", 254, 212, 2, 40),
    "icl-paper-list.md": ("markdown-items", 102, 90, 7, 5),
    "llm-interpretability-jshollaj.md": ("markdown-items", 93, 34, 5, 54),
    "pruning-at-initialization.md": ("markdown-items", 80, 76, 2, 2),
    "graph-based-nn.md": ("markdown-items", 48, 29, 1, 18),
    "deep-learning-theory.md": ("markdown-items", 24, 16, 0, 8),
}


def test_the_corpus_has_every_list_and_ten_or_more() -> None:
    assert sorted(p.name for p in LISTS.glob("*.md") if p.name != "README.md") == sorted(EXPECTED)
    assert len(EXPECTED) >= 10


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_list_imports_with_exact_accounting(name: str, tmp_path: Path, monkeypatch, capsys) -> None:
    format_name, read, created, merged, skipped = EXPECTED[name]
    source = LISTS / name
    monkeypatch.chdir(tmp_path)
    code = main(["import", str(source), "--into", "papers", "--added", "2026-11-25"])
    out = capsys.readouterr().out
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.endswith(f"{read} entries read: {created} new records, {merged} merged, 0 unchanged, "
                          f"{skipped} skipped"), first
    assert f"({format_name}, " in first
    assert read == created + merged + skipped
    # Every skip is listed with its line and reason.
    assert sum(line.startswith("  skipped line ") for line in out.splitlines()) == skipped
    assert len(list((tmp_path / "papers").glob("*.yaml"))) - 1 == created  # + _topics.yaml
    # Nothing a section such as Contributing or Related Resources holds became a topic.
    topics = (tmp_path / "papers" / "_topics.yaml").read_text(encoding="utf-8").casefold()
    for heading in ("contributing", "related resources", "table of contents", ": 2019"):
        assert f"title: {heading}" not in topics
    assert main(["validate", "--papers", "papers"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    # Importing again changes nothing: every entry is unchanged or skipped as before.
    assert main(["import", str(source), "--into", "papers"]) == 0
    again = capsys.readouterr().out.splitlines()[0]
    assert again.endswith(f"{read} entries read: 0 new records, 0 merged, {created + merged} unchanged, "
                          f"{skipped} skipped"), again


def test_year_groups_are_years_never_topics() -> None:
    _, parsed = read_list(LISTS / "trustworthy-deep-learning.md")
    assert {entry.sections for entry in parsed.entries} == {("Survey",), ("Fairness",), ("Alignment",),
                                                            ("Others",)}
    before = [e for e in parsed.entries if e.title.startswith("The relationship between trust in AI")]
    # Under "Survey: 2019 and Before": the year is the arXiv id's, the topic the one above.
    assert [(e.sections, e.year, e.venue) for e in before] == [(("Survey",), 2019, "FAT 2020")]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_forcing_another_format_that_reads_nothing_fails(name: str, tmp_path: Path, capsys) -> None:
    format_name = EXPECTED[name][0]
    other = "venue-lines" if format_name != "venue-lines" else "dokuwiki"
    code = main(["import", str(LISTS / name), "--into", str(tmp_path / "papers"), "--format", other])
    if code == 0:
        pytest.skip(f"{name} is also readable as {other}")
    assert code == 1
    assert not (tmp_path / "papers").exists()
    assert "Traceback" not in capsys.readouterr().err


def test_formats_are_documented() -> None:
    for module in FORMATS.values():
        assert module.__doc__ and module.DESCRIPTION
