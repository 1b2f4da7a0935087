"""The load stage (``records.load``): the same records and the same problems, at the same lines,
whichever way it reads them (in one process or shared out over forked workers)."""

from __future__ import annotations

import functools
import mmap
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_robustness import MIXED_TEXT, PROPERTY, _read_fully, _with_lines

from phenomena_catalog import records as records_module
from phenomena_catalog.cache_store import Listing
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import Pending, ProcessExecutor, SerialExecutor
from phenomena_catalog.records import Records, line_table, load, start_load
from phenomena_catalog.yaml_lines import LineDict, parse_yaml

from conftest import VALID_RECORD

SHARED_OUT = ProcessExecutor(2, threshold=0)
"""Shares every list out over this process and a forked worker, however short."""

GOOD = {
    "power2022grokking": VALID_RECORD,
    "nakkiran2021deep": """\
        title: Deep Double Descent
        authors:
          - Preetum Nakkiran
          - Gal Kaplun
        year: 2021
        month: 12
        topics: [double-descent, grokking]
        keywords: [double descent]
        links:
          paper: https://arxiv.org/abs/1912.02292
          code: https://github.com/x/y
        arxiv: "1912.02292"
        digest: |
          Test error rises, then falls again.

          A second paragraph.
        added: 2026-11-23
        """,
    "long2020": "title: A title that goes on\n  over two lines\nyear: 2020\ntopics:\n- grokking\nadded: 2026-11-23\n",
}
BAD = {
    "yaml-error": "title: Grokking: beyond\nyear: 2022\n",
    "bad-field": VALID_RECORD + "autors: [Ada]\n",
    "bad-values": VALID_RECORD.replace("2022", "20x2") + "links:\n  paper: ftp://x.org\n",
    "Bad_Name": VALID_RECORD,
    "new-paper": VALID_RECORD,
    "reserved": VALID_RECORD + "id: x\n",
    "silent": VALID_RECORD.replace("title: \"Grokking: Generalization Beyond Overfitting\"", "title: Grokking #1"),
    "empty": "",
    "a-list": "- a\n- b\n",
}


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # (messages show paths from there: papers/x.yaml)


def _catalog(write_catalog, records: dict[str, str]) -> Path:
    papers = write_catalog(records)
    (papers / "folder.yaml").mkdir()  # (a folder named like a record)
    (papers / "latin1.yaml").write_bytes("title: Caf\xe9\n".encode("latin-1"))
    return papers


def _every_line(records: Records) -> dict[str, dict[str, int]]:
    return {paper.id: records.lines_of(paper.id) for paper in records.papers}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="shares are worked on in forked processes")
def test_records_shared_out_over_processes_are_those_read_in_one(write_catalog) -> None:
    papers = _catalog(write_catalog, {**GOOD, **BAD})
    here = load(papers, SerialExecutor())
    shared = load(papers, SHARED_OUT)
    assert [p.id for p in here.papers] == ["long2020", "nakkiran2021deep", "power2022grokking"]
    assert shared.papers == here.papers
    assert [str(problem) for problem in shared.problems] == [str(problem) for problem in here.problems]
    assert _every_line(shared) == _every_line(here)
    assert shared.digests == here.digests


def test_each_bad_file_is_reported_at_its_line_without_a_traceback(write_catalog) -> None:
    problems = [str(problem) for problem in load(_catalog(write_catalog, {**GOOD, **BAD})).problems]
    for expected in (
        "papers/folder.yaml: this is a folder, not a file",
        "papers/latin1.yaml: the file is not UTF-8 text; save it as UTF-8",
        "papers/bad-field.yaml:6: autors: unknown field; did you mean 'authors'?",
        "papers/bad-values.yaml:3: year: expected a whole number, got the text '20x2'",
        "papers/bad-values.yaml:7: links.paper: a link must start with http:// or https://",
        "papers/reserved.yaml:6: id: remove this field: the id is the file name",
    ):
        assert expected in problems
    for name in ("yaml-error", "Bad_Name", "new-paper", "silent", "empty", "a-list"):
        assert any(problem.startswith(f"papers/{name}.yaml") for problem in problems), name


def test_every_field_of_a_valid_record_has_its_line(write_catalog) -> None:
    records = load(write_catalog(GOOD))
    lines = records.lines_of("nakkiran2021deep")
    assert lines["title"] == 1 and lines["authors.1"] == 4 and lines["topics.1"] == 7
    assert lines["links.code"] == 11 and lines["digest"] == 13 and lines["added"] == 17
    assert records.lines_of("long2020") == {"title": 1, "year": 3, "topics": 4, "topics.0": 5, "added": 6}


RECORD_LIKE = st.lists(st.sampled_from([
    "title: T\n", "title: 'a\n  b'\n", "authors: [A, B]\n", "authors:\n  - A\n  - B\n", "authors:\n- A\n",
    "year: 2022\n", "links:\n  paper: https://x.org\n  code: https://y.org\n", "topics: []\n",
    "keywords:\n  - [a, b]\n  - {c: d}\n", "digest: |\n  x\n\n  y\n", "a:\n  b:\n    c: [1, 2]\n", "1: x\n",
    "true: y\n", "- a\n", "? k\n: v\n", "n: ~\n",
]), max_size=12).map("".join)


@PROPERTY
@given(texts=st.lists(st.one_of(MIXED_TEXT, RECORD_LIKE), min_size=1, max_size=6))
def test_the_lines_kept_while_parsing_are_those_of_the_parsed_data(texts: list[str]) -> None:
    # The load stage keeps the lines ``parse_yaml`` met, and each shape's dotted paths once: a
    # record of a shape met before (in this process) has its own lines under that shape's paths.
    for text in texts:
        outline: tuple[list[object], list[int]] = ([], [])
        data, problems = parse_yaml(text, "papers/x.yaml", outline)
        if not problems and isinstance(data, LineDict) and all(isinstance(key, str) for key in data):
            assert line_table(data, outline) == line_table(data)


def test_records_of_the_same_fields_with_lists_of_other_lengths_have_their_own_lines(write_catalog) -> None:
    records = load(write_catalog({
        f"a{count}": f"title: T\nauthors: [{', '.join(['A'] * count)}]\nyear: 2022\ntopics: [grokking]\n"
                     "added: 2026-11-23\n"
        for count in (1, 2, 3)}))
    for count in (1, 2, 3):
        lines = records.lines_of(f"a{count}")
        assert [key for key in lines if key.startswith("authors.")] == [f"authors.{n}" for n in range(count)]
        assert lines["year"] == 3


class _Later:
    """An executor whose started work runs only when its result is asked for (as when a fork fails)."""

    def start(self, work, size: int) -> Pending:
        class Later(Pending):
            def result(self):
                return work()
        return Later(None)


@pytest.mark.parametrize("executor", [SHARED_OUT, ProcessExecutor(2, background_threshold=0), SerialExecutor(),
                                      _Later()], ids=["forked", "forked-beside", "here-first", "here-last"])
def test_a_load_started_beside_other_work_gives_the_records_load_gives(write_catalog, executor) -> None:
    papers = _catalog(write_catalog, {**GOOD, **BAD})
    here = load(papers)
    started = start_load(papers, executor)
    time.sleep(0.01)  # (this process's other work)
    records = started.result()
    assert records.papers == here.papers and records.digests == here.digests and records.stamps == here.stamps
    assert [str(problem) for problem in records.problems] == [str(problem) for problem in here.problems]
    assert _every_line(records) == _every_line(here) and records.topics == here.topics
    assert started.result() is records  # (collected once)


def test_files_a_worker_claimed_and_never_handed_back_are_read_here(write_catalog, monkeypatch) -> None:
    # The worker reads from the first file on, this process from the last, each marking a file as
    # it claims it; a worker that died is run again here, and reads its claimed files again.
    papers = write_catalog({f"p{n}": VALID_RECORD for n in range(6)})
    files = sorted(str(file) for file in papers.glob("p*.yaml"))
    shown = [f"papers/p{n}.yaml" for n in range(6)]
    claims = mmap.mmap(-1, len(files) + 8)
    records_module._at(claims, 6, 6)
    claims[0:3] = bytes([records_module._FRONT] * 3)  # (claimed by a worker that died)
    read: list[str] = []
    real = records_module._read_file
    monkeypatch.setattr(records_module, "_read_file",
                        lambda path, name, known: (read.append(name), real(path, name, known))[1])
    again = functools.partial(records_module._read_from_front, files, shown, claims)
    records = records_module._joined(papers, Listing(tuple(os.walk(papers)), {}), files, shown, claims,
                                     _Later().start(again, 6), 0)
    assert [paper.id for paper in records.papers] == [f"p{n}" for n in range(6)] and not records.problems
    assert read == [shown[5], shown[4], shown[3], shown[0], shown[1], shown[2]]  # (from the last; then again)


def test_a_missing_folder_started_is_reported_when_collected(tmp_path: Path) -> None:
    started = start_load(tmp_path / "missing", SHARED_OUT)
    with pytest.raises(UserError, match="no such folder"):
        started.result()


def test_plain_values_met_again_are_read_as_the_first_time() -> None:
    # Plain values are resolved once per text in a process (``yaml_lines._PLAIN``) and shared.
    text = ("a: 2201.02170\nb: 2022\nc: 2026-11-23\nd: yes\ne: ~\nf: 0x1F\ng: 1_000\nh: double descent\n"
            "i: 2001-12-14t21:59:43.10-05:00\nj: [2022, 2201.02170, no]\n")
    first, again = parse_yaml(text, "papers/x.yaml")[0], parse_yaml(text, "papers/y.yaml")[0]
    assert _with_lines(first) == _with_lines(again) == _read_fully(text)
    assert again["a"].text == "2201.02170" and again["j"][1].text == "2201.02170"


def test_a_worker_near_this_processs_files_stops_and_this_process_reads_the_rest(write_catalog, monkeypatch) -> None:
    # While this process claims files from the last on, a worker whose share would take longer to
    # hand back than what is left takes to read stops early: every file is still read once.
    papers = write_catalog({f"p{n:03}": VALID_RECORD for n in range(100)})
    files = sorted(str(file) for file in papers.glob("p*.yaml"))
    shown = [f"papers/{os.path.basename(file)}" for file in files]
    claims = mmap.mmap(-1, len(files) + 8)
    claims[60:100] = bytes([records_module._BACK] * 40)  # (this process, at file 60 so far)
    records_module._at(claims, 100, 60)
    read: list[str] = []
    real = records_module._read_file
    monkeypatch.setattr(records_module, "_read_file",
                        lambda path, name, known: (read.append(name), real(path, name, known))[1])
    worker = records_module._read_from_front(files, shown, claims)
    assert len(worker) == 54  # (60 - 54 <= 0.12 * 54)
    records = records_module._joined(papers, Listing(tuple(os.walk(papers)), {}), files, shown, claims,
                                     Pending(worker), 0)
    assert len(records.papers) == 100 and sorted(read) == sorted(set(read))
    assert len(read) == 54 + 46  # (the 40 this test claimed for it, and the 6 left)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="records are read in a forked worker beside the build")
def test_a_build_reports_bad_records_read_beside_it_as_one_process_does(write_catalog, run_cli) -> None:
    # A build from scratch reads its records in a forked worker beside its imports (``start_load``:
    # enough records for a worker to start), and this process those the worker left; its problems
    # come back pickled, and read as they read when the build reads every file itself.
    records = {f"a{number:03}": VALID_RECORD for number in range(600)}
    records |= {"a000": BAD["bad-field"], "a599": BAD["bad-values"], "a300": BAD["yaml-error"]}
    write_catalog(records)
    beside = run_cli("build", "--out", "site", "--jobs", "2")
    here = run_cli("build", "--out", "site", "--jobs", "1")
    assert beside[0] == here[0] == 1
    assert beside[2] == here[2] and "Traceback" not in beside[2]
    assert "papers/a000.yaml:6: autors: unknown field; did you mean 'authors'?" in beside[2]
    assert "papers/a599.yaml:7: links.paper: a link must start with http:// or https://" in beside[2]
