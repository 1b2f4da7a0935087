"""Data files joined from each paper's piece of text (papers.json, CSL-JSON, a topic's .bib):
written whole, or spliced into the file the last build wrote where only some pieces changed."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phenomena_catalog import urls, write
from phenomena_catalog.exporters.json import JoinedText
from phenomena_catalog.write import JoinedLayout, write_joined

from conftest import build_copy, copy_fixture_catalog, site_files


def joined_text(pieces: dict[str, str], separator: str = ", ", head: str = "[", tail: str = "]\n") -> JoinedText:
    papers = [SimpleNamespace(id=paper_id) for paper_id in pieces]
    return JoinedText(head, separator, tail, papers, lambda paper: pieces[paper.id])  # type: ignore[arg-type]


def written(folder: Path, joined: JoinedText, last: JoinedLayout | None = None, old: Path | None = None,
            changed: tuple[str, ...] = ()) -> tuple[bytes, JoinedLayout]:
    folder.mkdir(exist_ok=True)
    layout = write_joined(folder, "file.json", joined, last, old, changed)
    return (folder / "file.json").read_bytes(), layout


PIECES = st.lists(st.text(st.sampled_from("ab,\n{}ë€😀"), max_size=6), min_size=1, max_size=40)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=PIECES, changes=st.lists(st.tuples(st.integers(0, 39), st.text(st.sampled_from("xyé,\n😀"), max_size=9)),
                                       max_size=6),
       separator=st.sampled_from([",", ", ", "\n"]))
def test_a_file_spliced_with_the_changed_pieces_is_the_file_written_whole(
        tmp_path: Path, pieces: list[str], changes: list[tuple[int, str]], separator: str) -> None:
    ids = [f"p{number}" for number in range(len(pieces))]
    before = dict(zip(ids, pieces, strict=True))
    old, layout = written(tmp_path / "old", joined_text(before, separator))
    assert old == "".join(joined_text(before, separator).pieces()).encode()
    assert layout.size == len(old)

    after = dict(before)
    for position, piece in changes:
        after[ids[position % len(ids)]] = piece
    changed = tuple({ids[position % len(ids)] for position, _ in changes})
    spliced, spliced_layout = written(tmp_path / "new", joined_text(after, separator), layout,
                                      tmp_path / "old/file.json", changed)
    whole, whole_layout = written(tmp_path / "whole", joined_text(after, separator))

    assert spliced == whole == "".join(joined_text(after, separator).pieces()).encode()
    assert spliced_layout == whole_layout  # (so the next splice finds every piece too)
    shutil.rmtree(tmp_path / "old")  # (hypothesis runs the test again in the same folder)


def test_a_file_is_written_whole_when_its_papers_or_its_file_are_not_as_the_layout_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {"a": "1", "b": "22", "c": "333"}
    old_text, layout = written(tmp_path / "old", joined_text(before))
    whole: list[str] = []
    real = write._written_whole
    monkeypatch.setattr(write, "_written_whole", lambda *args: whole.append(args[0]) or real(*args))
    old = tmp_path / "old/file.json"

    # Spliced: only b's piece is made again, the rest copied.
    text, _ = written(tmp_path / "new", joined_text({**before, "b": "ë"}), layout, old, ("b",))
    assert text == b'[1, \xc3\xab, 333]\n' and not whole

    # Another order of papers, another head, or a file of another length: written whole.
    for joined in (joined_text({"b": "22", "a": "1", "c": "333"}), joined_text(before, head="{")):
        text, _ = written(tmp_path / "new", joined, layout, old, ())
        assert text == "".join(joined.pieces()).encode()
    old.write_bytes(old_text + b" ")
    text, _ = written(tmp_path / "new", joined_text({**before, "c": "4"}), layout, old, ("c",))
    assert text == b"[1, 22, 4]\n"
    assert len(whole) == 3


def test_after_a_digest_edit_the_whole_catalog_data_files_are_spliced_as_a_build_from_scratch_writes_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = copy_fixture_catalog(tmp_path / "catalog")
    site = source / "site"
    build_copy(source, site)
    whole: list[str] = []
    real = write._written_whole
    monkeypatch.setattr(write, "_written_whole", lambda *args: whole.append(args[0]) or real(*args))
    record = source / "papers" / "power2022grokking.yaml"
    # (the paper's link is in its piece of each file; an edit of it files no paper again)
    for edit in (("https://arxiv.org/abs/2201.02177", "https://example.org/grokking-edited-at-length"),
                 ("https://example.org/grokking-edited-at-length", "https://example.org/again")):
        record.write_text(record.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
        assert build_copy(source, site).incremental
        assert whole == []  # papers.json, CSL-JSON and the topics' .bib files: all spliced

        reference = tmp_path / "reference"
        shutil.rmtree(reference, ignore_errors=True)
        build_copy(source, reference, use_cache=False)
        for name in (urls.CATALOG_JSON, urls.CSL_JSON, urls.topic_bibtex_url("grokking")):
            assert edit[1] in (site / name).read_text(encoding="utf-8")
        assert site_files(site) == site_files(reference)
        whole.clear()  # (the reference's, written whole)


def test_a_data_file_deleted_from_the_site_is_written_whole_again_by_the_next_edit(tmp_path: Path, run_cli) -> None:
    # The splice copies the site's own file; one deleted by hand (or unreadable) is no reason to
    # fail every build from then on: it is written whole, as a build from scratch writes it.
    source = copy_fixture_catalog(tmp_path / "catalog")
    options = ("--papers", str(source / "papers"), "--config", str(source / "catalog.yaml"),
               "--out", str(source / "site"))
    assert run_cli("build", *options)[0] == 0
    for name in (urls.CATALOG_JSON, urls.CSL_JSON, urls.topic_bibtex_url("grokking")):
        (source / "site" / name).unlink()
    record = source / "papers" / "power2022grokking.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("https://arxiv.org/abs/2201.02177",
                                                                 "https://example.org/grokking"), encoding="utf-8")
    code, out, err = run_cli("build", *options)
    assert (code, err) == (0, "") and "re-rendered" in out
    build_copy(source, tmp_path / "reference", use_cache=False)
    assert site_files(source / "site") == site_files(tmp_path / "reference")
