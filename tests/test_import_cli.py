"""The import command end to end: merging, idempotency, hand edits, bootstrap, and bad input."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from phenomena_catalog.cli import main

AWESOME = textwrap.dedent("""\
    # Awesome Test List

    ## Grokking

    ### Grokking: 2022

    - Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets. [[paper]](https://arxiv.org/pdf/2201.02177v2.pdf) [[code]](https://github.com/openai/grok)
    - Alethea Power, Yuri Burda, Harri Edwards, Igor Babuschkin, Vedant Misra.
    - Key Word: Grokking; Overfitting.
    - Digest Networks generalize long after they overfit.

    ## Lottery Ticket Hypothesis

    ### Lottery Ticket Hypothesis: 2018

    - The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks. [[paper]](https://arxiv.org/abs/1803.03635)
    - Jonathan Frankle, Michael Carbin *ICLR 2019*
    - Key Word: Neural Scaling Law; Grokking.
    """)  # noqa: E501 (a real list's long entry line)

WIKI = ("===== Key Papers ===== * [[https://arxiv.org/pdf/1803.03635.pdf|Frankle & Carbin 2019 - The Lottery "
        "Ticket Hypothesis: Finding Sparse, Trainable Neural Networks]] Pruned before training. * "
        "[[https://arxiv.org/abs/1611.03530|Zhang et al 2017 - Understanding deep learning requires "
        "rethinking generalization]]")

TOPICS = textwrap.dedent("""\
    - id: grokking
      title: Grokking
      description: Late generalization.
    - id: lottery
      title: Lottery tickets
      description: Sparse trainable sub-networks.
    - id: generalization
      title: Generalization
      description: Why networks generalize.
    """)


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS)
    (papers / "_sections.yaml").write_text("Lottery Ticket Hypothesis: [lottery]\nKey Papers: [generalization]\n")
    (papers / "_keywords.yaml").write_text("- name: Neural Scaling Laws\n  aliases: [Neural Scaling Law]\n")
    (tmp_path / "awesome.md").write_text(AWESOME)
    (tmp_path / "wiki.txt").write_text(WIKI)
    return papers


def run(*args: str | Path) -> int:
    return main(["import", *map(str, args), "--added", "2026-11-23"])


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_import_merges_lists_and_reports(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(catalog.parent / "awesome.md", catalog.parent / "wiki.txt", "--into", catalog) == 0
    out = capsys.readouterr().out
    assert "(awesome, \"Awesome Test List\"): 2 entries read: 2 new records, 0 merged, 0 unchanged, 0 skipped" in out
    assert "(dokuwiki, \"Key Papers\"" not in out
    assert "wiki.txt (dokuwiki, \"wiki\"): 2 entries read: 1 new records, 1 merged, 0 unchanged, 0 skipped" in out
    assert "Records: 3 created, 0 updated, 0 already there unchanged" in out
    assert sorted(p.name for p in catalog.glob("[!_]*.yaml")) == [
        "frankle2019lottery.yaml", "power2022grokking.yaml", "zhang2016understanding.yaml"]
    frankle = (catalog / "frankle2019lottery.yaml").read_text()
    assert frankle == textwrap.dedent("""\
        # yaml-language-server: $schema=../schema/paper.schema.json
        title: 'The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks'
        authors:
        - Jonathan Frankle
        - Michael Carbin
        year: 2018
        month: 3
        venue: ICLR 2019
        topics:
        - lottery
        - generalization
        keywords:
        - Neural Scaling Laws
        - Grokking
        links:
          paper: https://arxiv.org/abs/1803.03635
        arxiv: '1803.03635'
        digest: Pruned before training.
        added: 2026-11-23
        sources:
        - Awesome Test List
        - wiki
        """)
    grok = (catalog / "power2022grokking.yaml").read_text()
    assert "paper: https://arxiv.org/abs/2201.02177\n  code: https://github.com/openai/grok" in grok
    assert main(["validate", "--papers", str(catalog)]) == 0


def test_reimport_changes_nothing(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = (catalog.parent / "awesome.md", catalog.parent / "wiki.txt", "--into", catalog)
    assert run(*files) == 0
    before = snapshot(catalog)
    assert main(["import", *map(str, files), "--added", "2030-01-01"]) == 0
    assert snapshot(catalog) == before
    assert "Records: 0 created, 0 updated, 3 already there unchanged" in capsys.readouterr().out


def test_hand_edits_survive_and_new_lists_only_fill_gaps(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(catalog.parent / "awesome.md", "--into", catalog) == 0
    record = catalog / "frankle2019lottery.yaml"
    edited = record.read_text().replace("year: 2018", "year: 2019").replace("- Grokking\n", "")
    edited = edited.replace("Trainable Neural Networks'", "Trainable Networks (edited)'")
    record.write_text(edited)
    assert run(catalog.parent / "awesome.md", "--into", catalog) == 0
    assert record.read_text() == edited  # the list was imported before: the record is left alone
    assert run(catalog.parent / "wiki.txt", "--into", catalog) == 0
    text = record.read_text()
    assert "Trainable Networks (edited)" in text and "year: 2019" in text  # set fields are kept
    assert "digest: Pruned before training." in text  # a missing field is filled
    assert "- generalization" in text and "- wiki" in text  # topics and sources grow
    assert "keywords:\n- Neural Scaling Laws\nlinks" in text  # the removed keyword stays removed
    assert "1 merged" in capsys.readouterr().out


def test_existing_record_matched_by_title(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (catalog / "zhang2017understanding.yaml").write_text(textwrap.dedent("""\
        title: Understanding Deep Learning Requires Rethinking Generalization.
        year: 2017
        topics: [generalization]
        added: 2020-01-01
        """).replace(".\n", "\n", 1))
    assert run(catalog.parent / "wiki.txt", "--into", catalog) == 0
    assert not (catalog / "zhang2016understanding.yaml").exists()
    text = (catalog / "zhang2017understanding.yaml").read_text()
    assert "arxiv: '1611.03530'" in text and "added: 2020-01-01" in text and "year: 2017" in text


def test_import_into_an_empty_folder_bootstraps_a_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "awesome.md").write_text(AWESOME)
    new = tmp_path / "new"
    assert run(tmp_path / "awesome.md", "--into", new) == 0
    out = capsys.readouterr().out
    assert "Grokking: new topic 'grokking'" in out
    assert "Lottery Ticket Hypothesis: new topic 'lottery-ticket-hypothesis'" in out
    topics = (new / "_topics.yaml").read_text()
    assert ("- id: grokking\n  title: Grokking\n"
            "  description: Papers listed under “Grokking” in Awesome Test List.\n") in topics
    # Its "Grokking" keyword files it under no topic: the title does not name grokking.
    assert "topics:\n- lottery-ticket-hypothesis\nkeywords" in (new / "frankle2019lottery.yaml").read_text()
    assert main(["validate", "--papers", str(new)]) == 0


def test_dry_run_writes_nothing(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(catalog)
    assert run(catalog.parent / "awesome.md", "--into", catalog, "--dry-run") == 0
    assert snapshot(catalog) == before
    assert "would be written to" in capsys.readouterr().out


def test_unrecognised_file_is_an_error(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    essay = catalog.parent / "essay.txt"
    essay.write_text("Why does deep learning work? Some prose (Smith 2020) and more prose.\n")
    before = snapshot(catalog)
    assert run(catalog.parent / "awesome.md", essay, "--into", catalog) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        f"{essay.as_posix()}: this does not look like a list of papers in any known format "
        "(awesome, markdown-links, venue-lines, dokuwiki, bibtex, markdown-table, markdown-items); "
            "pass --format to say which it is")
    assert snapshot(catalog) == before  # the good file before it was not imported either


def test_binary_and_missing_files(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = catalog.parent / "bad.md"
    bad.write_bytes(b"# List\n\n- caf\xe9\n")
    assert run(bad, "--into", catalog) == 1
    assert f"{bad.as_posix()}:3: the file is not UTF-8 text; save it as UTF-8" in capsys.readouterr().err
    assert run(catalog.parent / "nope.md", "--into", catalog) == 1
    assert "nope.md: no such file" in capsys.readouterr().err


def test_wrong_format_forced_reports_no_entries(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(catalog.parent / "wiki.txt", "--format", "venue-lines", "--into", catalog) == 1
    assert "wiki.txt: no entries found when reading it as a 'venue-lines' list" in capsys.readouterr().err


def test_broken_catalog_is_not_touched(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (catalog / "broken.yaml").write_text("title: x\nyear: twenty\n")
    before = snapshot(catalog)
    assert run(catalog.parent / "awesome.md", "--into", catalog) == 1
    assert "broken.yaml:2: year: expected a whole number" in capsys.readouterr().err
    assert snapshot(catalog) == before


def test_bad_section_map_names_file_and_line(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (catalog / "_sections.yaml").write_text("Grokking: [grokking]\nLottery Ticket Hypothesis: [lotery]\n")
    assert run(catalog.parent / "awesome.md", "--into", catalog) == 1
    err = capsys.readouterr().err
    assert "_sections.yaml:2: Lottery Ticket Hypothesis: unknown topic 'lotery'; add it to _topics.yaml first" in err


def test_failed_write_leaves_catalog_as_it_was(catalog: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(catalog)
    calls = {"n": 0}
    real_fdopen = os.fdopen

    def failing_fdopen(fd: int, *args: object, **kwargs: object):  # the second file hits a full disk
        calls["n"] += 1
        if calls["n"] == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("phenomena_catalog.write.os.fdopen", failing_fdopen)
    assert run(catalog.parent / "awesome.md", "--into", catalog) == 1
    monkeypatch.undo()
    assert "could not write (No space left on device); nothing was changed" in capsys.readouterr().err
    assert snapshot(catalog) == before
    assert not [p for p in catalog.iterdir() if p.name.startswith(".")]  # no staged file left behind


def test_entry_without_year_is_reported(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = catalog.parent / "lines.md"
    lines.write_text("# L\n\n# 1. Grokking\n\n- Dynamics of things. [[pdf](https://openreview.net/pdf?id=x)]\n"
                     "- Known paper. In *ICLR 2019*. [[pdf](https://openreview.net/pdf?id=y)]\n")
    assert run(lines, "--into", catalog) == 0
    out = capsys.readouterr().out
    assert "2 entries read: 1 new records, 0 merged, 0 unchanged, 1 skipped" in out
    assert "skipped line 5: no year (no arXiv id, venue year, date or year heading)" in out
    assert "Dynamics of things" in out


def test_an_import_that_yields_nothing_fails_and_writes_nothing(catalog: Path, capsys) -> None:
    before = snapshot(catalog)
    lines = catalog.parent / "lines.md"
    lines.write_text("# L\n\n# 1. Grokking\n\n- Dynamics of things. [[pdf](https://openreview.net/pdf?id=x)]\n")
    assert run(lines, "--into", catalog) == 1
    err = capsys.readouterr().err
    assert "1 entries read: 0 new records, 0 merged, 0 unchanged, 1 skipped" in err
    assert "Nothing to import: every entry was skipped; nothing was written." in err
    assert snapshot(catalog) == before


def test_section_map_naming_topics_a_new_catalog_lacks_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "into").mkdir()
    (tmp_path / "map.yaml").write_text("Grokking: [grokking]\n", encoding="utf-8")
    (tmp_path / "list.md").write_text(
        "# List\n\n## Grokking\n\n"
        "- [Grokking: Generalization Beyond Overfitting](https://arxiv.org/abs/2201.02177), Jan. 2022.\n",
        encoding="utf-8")
    assert main(["import", "list.md", "--into", "into", "--topics-map", "map.yaml"]) == 1
    assert capsys.readouterr().err == (
        "into/grokking2022generalization.yaml: topics: unknown topic 'grokking'; add it to "
        "into/_topics.yaml first (named by the section map)\n1 problem found.\n")
    assert list((tmp_path / "into").iterdir()) == []


def test_an_updated_record_keeps_the_comments_above_its_fields(catalog: Path) -> None:
    assert run(catalog.parent / "awesome.md", "--into", catalog) == 0
    record = catalog / "frankle2019lottery.yaml"
    lines = record.read_text().splitlines(keepends=True)
    note = "# NOTE: keep the ICLR venue; the journal version came later.\n"
    record.write_text(lines[0] + note + "".join(lines[1:]))
    assert run(catalog.parent / "wiki.txt", "--into", catalog) == 0
    text = record.read_text()
    assert text.startswith(lines[0] + note)  # the schema modeline, then the maintainer's note
    assert "digest: Pruned before training." in text  # and the record was still updated
