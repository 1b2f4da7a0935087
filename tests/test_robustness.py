"""Robust under stress: arbitrary input never gives a traceback, and the site survives what can
happen to a build (Ctrl-C, SIGKILL mid-write, a second build at the same time, a full or read-only disk).

The interruption tests run real ``build`` processes on a catalog whose pages render slowly (a
template with a busy loop), so a signal lands while pages are being written, and compare the whole
output folder, file by file, with a clean build.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phenomena_catalog.cache_store import CACHE_FOLDER
from phenomena_catalog.cli import main
from phenomena_catalog.errors import UserError
from phenomena_catalog.importers import FORMATS, read_list
from phenomena_catalog.records import load, load_paper
from phenomena_catalog.yaml_lines import LineDict, LineList, _LineLoader, parse_yaml
from phenomena_catalog.yaml_mistakes import silent_mistakes

from conftest import FIXTURES, TEMPLATES, VALID_RECORD

# PROPERTY_EXAMPLES=5000 for a longer search than CI's.
PROPERTY = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text that looks like the inputs: YAML and Markdown punctuation, list markers, links, years, tabs.
FRAGMENTS = st.sampled_from([
    "title: ", "authors:", "  - ", "- ", "   - ", "year: 2022", "topics: [grokking]", "added: 2026-11-23",
    "arxiv: \"2201.02177\"", "links:\n  paper: ", "https://arxiv.org/abs/2201.02177", "\"", "'", "[", "]", "{",
    "}", ": ", " #", "#", "\t", "\n", "\n\n", "|", ">", "&a", "*a", "!!python/object", "%YAML 1.2", "---",
    "## Grokking", "### 2023", "<details><summary>Topic: 2019 and Before</summary>", "</details>",
    "* **A Title** [[arxiv 2309]](https://arxiv.org/abs/2309.01029)", "1. [Title](http://x.org) - A, B. ICLR 2017.",
    "| [T (EMNLP'22)](https://a.org) | ICLR | `W` | [code](https://github.com/a/b) |", "|---|---|", "| a | b |",
    "@article{k, title={T}, year={2020}}", "[[https://x.org|Zhang et al 2017 - T]]", "====== H ======",
    "  - Key Word: a; b.", "  - <details><summary>Digest</summary> text", "In *NeurIPS 2021*. [[pdf](u)]",
    "Ψ", "王伟", "\u0000", "\ufeff", "\r\n", "é", "🙂",
])
MIXED_TEXT = st.one_of(st.text(max_size=400), st.lists(FRAGMENTS, max_size=40).map("".join),
                       st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=40).map("".join))


@PROPERTY
@given(text=MIXED_TEXT)
def test_yaml_parsing_never_raises(text: str) -> None:
    data, problems = parse_yaml(text, "papers/x.yaml")
    assert data is None or not problems
    for problem in problems:
        assert problem.path == "papers/x.yaml" and problem.message


def _with_lines(data: object) -> object:
    """Parsed YAML with every type, line and key order spelled out, for exact comparison."""
    if isinstance(data, LineDict):
        return ("block", data.line, [(_with_lines(k), data.lines[k], _with_lines(v)) for k, v in data.items()])
    if isinstance(data, LineList):
        return ("list", data.line, data.lines, [_with_lines(item) for item in data])
    return type(data).__name__, repr(data), getattr(data, "text", None)


def _read_fully(text: str) -> object:
    try:
        return _with_lines(yaml.load(text, Loader=_LineLoader))
    except yaml.YAMLError as err:
        return type(err).__name__, str(err)


UNUSUAL_YAML = [
    "a: &x 1\nb: *x\n", "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n", "a: !!str 2022\nb: ! 1\n", "a: 1\na: 2\n",
    "a: 0123\nb: 0x1F\nc: 1_000\nd: 1:20\ne: -5\nf: +3\ng: 0\n", "a: 2201.02170\nb: .inf\nc: 1e3\nd: .NaN\n",
    "a: yes\nb: Off\nc: ~\nd:\ne: NULL\n", "a: 2026-11-23\nb: 2022-13-01\nc: 2001-12-14t21:59:43.10-05:00\n",
    "a: 1\n---\nb: 2\n", "---\na: [1, {b: [2]}]\n...\n", "? [a]\n: 1\n", "= : 3\n", "a: =\n",
    "2022: x\ntrue: y\n1: z\n",
    "", "# only a comment\n", "- a\n- - b\n  - c\n", "a: |\n  x\nb: >-\n  y\n", "a: 'q'\nb: \"d\"\n",
]


@pytest.mark.parametrize("text", UNUSUAL_YAML)
def test_records_are_read_as_pyyaml_reads_them(text: str) -> None:
    # Records are built from libyaml's events; every value, type, line and error must be PyYAML's own.
    data, problems = parse_yaml(text, "papers/x.yaml")
    expected = _read_fully(text)
    if str(expected[0]).endswith("Error"):
        assert problems and data is None
    elif problems:  # read as PyYAML reads it, then found to be a silent mistake
        assert problems == silent_mistakes(text, "papers/x.yaml")
    else:
        assert _with_lines(data) == expected


@PROPERTY
@given(text=MIXED_TEXT)
def test_any_text_is_read_as_pyyaml_reads_it(text: str) -> None:
    data, problems = parse_yaml(text, "papers/x.yaml")
    if not problems:
        assert _with_lines(data) == _read_fully(text)


@PROPERTY
@given(content=st.one_of(st.binary(max_size=400), MIXED_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_a_record_file_of_any_bytes_is_a_record_or_problems(content: bytes, tmp_path: Path) -> None:
    file = tmp_path / "power2022grokking.yaml"
    file.write_bytes(content)
    paper, problems = load_paper(file, "papers/power2022grokking.yaml")
    assert (paper is None) == bool(problems)


@PROPERTY
@given(content=st.one_of(st.binary(max_size=300), MIXED_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))),
       name=st.sampled_from(["a.yaml", "_topics.yaml", "_keywords.yaml", "x.YAML", "b"]))
def test_the_load_stage_reports_any_file_without_a_traceback(content: bytes, name: str, tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    shutil.rmtree(papers, ignore_errors=True)
    papers.mkdir()
    (papers / name).write_bytes(content)
    records = load(papers)
    assert all(problem.message for problem in records.problems)


@PROPERTY
@given(text=MIXED_TEXT, format_name=st.sampled_from([None, *sorted(FORMATS)]))
def test_every_importer_reads_any_text_or_says_why_not(text: str, format_name: str | None, tmp_path: Path) -> None:
    file = tmp_path / "list.md"
    file.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        _, parsed = read_list(file, format_name)
    except UserError as err:
        assert err.problems and all(p.message for p in err.problems)
        return
    assert parsed.read == len(parsed.entries) + len(parsed.skipped)
    for entry in parsed.entries:
        assert (entry.title and entry.path == str(file)) or entry.path.endswith("list.md")


@PROPERTY
@given(content=st.binary(max_size=300), format_name=st.sampled_from([None, *sorted(FORMATS)]))
def test_every_importer_refuses_bytes_that_are_not_text_in_words(content: bytes, format_name: str | None,
                                                                 tmp_path: Path) -> None:
    file = tmp_path / "list.md"
    file.write_bytes(content)
    try:
        read_list(file, format_name)
    except UserError as err:
        assert err.problems[0].message


@PROPERTY
@given(text=MIXED_TEXT)
def test_the_import_command_never_gives_a_traceback(text: str, tmp_path: Path, capsys) -> None:
    (tmp_path / "list.md").write_text(text, encoding="utf-8", errors="surrogatepass")
    into = tmp_path / "into"
    shutil.rmtree(into, ignore_errors=True)
    code = main(["import", str(tmp_path / "list.md"), "--into", str(into), "--added", "2026-11-25"])
    assert code in (0, 1)
    if code == 1:
        assert not into.exists() or not any(into.iterdir())  # a failed import writes nothing
    capsys.readouterr()


# ------------------------------------------------------------------ interrupted and concurrent builds

SLOW_PAGE = "{% for _ in range(6000) %}{% endfor %}"


def _slow_templates(tmp_path: Path) -> Path:
    """The real templates, with a busy loop in the paper page so a build spends seconds writing."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    page = templates / "paper.html"
    page.write_text(SLOW_PAGE + page.read_text(encoding="utf-8"), encoding="utf-8")
    return templates


def _catalog(tmp_path: Path, title: str, count: int = 120) -> Path:
    papers = tmp_path / "papers"
    shutil.rmtree(papers, ignore_errors=True)
    papers.mkdir()
    shutil.copy(FIXTURES / "catalog" / "papers" / "_topics.yaml", papers)
    for i in range(count):
        (papers / f"lovelace{2000 + i}{title}.yaml").write_text(
            f'title: "{title.title()} paper {i}"\nauthors: [Ada Lovelace]\nyear: {2000 + i % 25}\n'
            f"topics: [grokking]\nadded: 2026-11-23\n", encoding="utf-8")
    return papers


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(tmp_path: Path, out: str, *extra: str, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-m", "phenomena_catalog", "build", "--papers", "papers", "--templates", "templates",
         "--out", out, "--jobs", "1", *extra],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **popen)  # type: ignore[call-overload]


def _wait_for_pages_being_written(tmp_path: Path, out: str, process: subprocess.Popen[str]) -> None:
    """Until the build has written some pages into its staging folder (bounded, not timed)."""
    for _ in range(6000):
        if list(tmp_path.glob(f".{out}.building-*/papers/*.html")) or process.poll() is not None:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the build finished before it could be interrupted"


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_an_interrupted_build_leaves_the_last_good_site(how: str, tmp_path: Path) -> None:
    templates = _slow_templates(tmp_path)
    assert templates.is_dir()
    _catalog(tmp_path, "alpha")
    first = _build(tmp_path, "site", "--no-cache")
    assert first.wait(timeout=600) == 0, first.stderr.read() if first.stderr else ""
    good = _tree(tmp_path / "site")
    _catalog(tmp_path, "beta")  # the next build would change every page
    # A shell that starts the suite as a background job (as CI runners may) hands its children SIGINT
    # ignored; a user's Ctrl-C reaches a build that has it at its default, so the build gets that.
    process = _build(tmp_path, "site", "--no-cache", start_new_session=True,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_for_pages_being_written(tmp_path, "site", process)
    if how == "SIGINT":
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=600)
        assert process.returncode == 130
        assert "Traceback" not in err
        assert not list(tmp_path.glob(".site.building-*"))  # cleaned up on the way out
    else:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=600)
    assert _tree(tmp_path / "site") == good
    # The next build works, and clears what a killed build left behind.
    again = _build(tmp_path, "site", "--no-cache")
    assert again.wait(timeout=600) == 0
    assert "Beta paper 1" in (tmp_path / "site" / "papers" / "lovelace2001beta.html").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".site.building-*")) and not list(tmp_path.glob(".site.old-*"))


def test_an_incremental_build_clears_what_a_killed_build_left(tmp_path: Path) -> None:
    # A build killed while building from scratch leaves its staging folder (a whole site); the next
    # build, incremental or not, holds the lock and removes it, or each such kill keeps a site's size.
    (tmp_path / "templates").mkdir()
    _catalog(tmp_path, "alpha", count=3)
    assert _build(tmp_path, "site").wait(timeout=600) == 0
    for kind in ("building", "old", "updating"):
        left = tmp_path / f".site.{kind}-99999" / "papers"
        left.mkdir(parents=True)
        (left / "lovelace2000alpha.html").write_text("half a site", encoding="utf-8")
    record = tmp_path / "papers" / "lovelace2000alpha.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("year:", "month: 3\nyear:"), encoding="utf-8")
    again = _build(tmp_path, "site")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert "re-rendered" in out  # (an incremental build)
    assert sorted(path.name for path in tmp_path.glob(".site.*")) == []


def test_ctrl_c_during_an_updates_swap_is_held_until_the_pages_of_deleted_records_are_gone_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A rebuild holds Ctrl-C while it moves its pages into the site, then raises it: it was raised
    # before the pages of deleted records were deleted, which stayed in the updated site.
    from phenomena_catalog import write

    out = tmp_path / "site"
    with write.output_lock(out), write.staging_folder(out) as staging:  # (a site a build wrote)
        (staging / "papers").mkdir()
        for name in ("kept", "gone"):
            (staging / "papers" / f"{name}.html").write_text(name, encoding="utf-8")
    moved = write._move_into

    def interrupted(staging: Path, out: Path) -> None:
        moved(staging, out)
        signal.raise_signal(signal.SIGINT)  # (Ctrl-C as the pages are moved in)

    monkeypatch.setattr(write, "_move_into", interrupted)
    # (a suite started in the background has SIGINT ignored: a user's Ctrl-C reaches a default handler)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with (pytest.raises(KeyboardInterrupt), write.output_lock(out),
              write.update_folder(out, removed=["papers/gone.html"]) as staging):
            (staging / "papers").mkdir()
            (staging / "papers" / "kept.html").write_text("kept, edited", encoding="utf-8")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (out / "papers" / "kept.html").read_text(encoding="utf-8") == "kept, edited"
    assert not (out / "papers" / "gone.html").exists()
    assert not list(tmp_path.glob(".site.*"))


def test_two_builds_at_once_never_mix_their_outputs(tmp_path: Path) -> None:
    _slow_templates(tmp_path)
    _catalog(tmp_path, "alpha", count=40)
    assert _build(tmp_path, "site").wait(timeout=600) == 0
    # Two incremental builds of different catalogs into one folder, started together.
    reference: dict[str, dict[str, str]] = {}
    for title in ("beta", "gamma"):
        _catalog(tmp_path, title, count=40)
        assert _build(tmp_path, f"reference-{title}", "--no-cache").wait(timeout=600) == 0
        reference[title] = _tree(tmp_path / f"reference-{title}")
    copies = {}
    for title in ("beta", "gamma"):
        copies[title] = tmp_path / title
        _catalog(tmp_path, title, count=40)
        shutil.copytree(tmp_path / "papers", copies[title] / "papers")
        shutil.copytree(tmp_path / "templates", copies[title] / "templates")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "phenomena_catalog", "build", "--papers", str(copies[t] / "papers"),
         "--templates", str(copies[t] / "templates"), "--out", "site", "--jobs", "1"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for t in ("beta", "gamma")]
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    site = _tree(tmp_path / "site")
    site.pop(".phenomena-catalog", None)
    for tree in reference.values():
        tree.pop(".phenomena-catalog", None)
    assert site in (reference["beta"], reference["gamma"])  # one build's site, whole


# ------------------------------------------------------------------ full and read-only output folders

def _mount_tmpfs(target: Path, size: str, read_only: bool = False) -> bool:
    target.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                      capture_output=True).returncode != 0:
        return False
    if read_only:
        subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True, capture_output=True)
    return True


def _unmount(target: Path) -> None:
    subprocess.run(["umount", str(target)], capture_output=True)


def _require_mount(mounted: bool) -> None:
    if not mounted:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root and must be able to mount a small tmpfs")
        pytest.skip("mounting a tmpfs needs root")


def test_a_full_disk_gives_a_clear_error_and_keeps_the_last_good_site(write_catalog, run_cli, tmp_path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "1m")
    try:
        _require_mount(mounted)
        assert run_cli("build", "--templates", str(TEMPLATES), "--out", str(disk / "site"), "--no-cache")[0] == 0
        good = _tree(disk / "site")
        filler = disk / "filler"
        with open(filler, "wb") as handle:  # leave less room than a second copy of the site needs
            try:
                handle.write(b"\0" * (1024 * 1024))
            except OSError as err:
                assert err.errno == errno.ENOSPC
        code, out, err = run_cli("build", "--templates", str(TEMPLATES), "--out", str(disk / "site"), "--no-cache")
        assert (code, out) == (1, "")
        assert err == ("disk/site: cannot write the site (No space left on device); "
                       "the last good site is left as it was\n")
        assert _tree(disk / "site") == good
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "site"]
    finally:
        if mounted:
            _unmount(disk)


def test_a_read_only_output_folder_gives_a_clear_error(write_catalog, run_cli, tmp_path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "1m", read_only=True)
    try:
        _require_mount(mounted)
        code, out, err = run_cli("build", "--templates", str(TEMPLATES), "--out", str(disk / "site"))
        assert (code, out) == (1, "")
        assert err == ("disk/site: cannot write the site (Read-only file system); "
                       "the last good site is left as it was\n")
    finally:
        if mounted:
            _unmount(disk)


def test_a_write_failing_with_enospc_mid_build_is_a_clear_error(write_catalog, run_cli, tmp_path, monkeypatch):
    """The same without root: every write after the first few pages fails as on a full disk."""
    write_catalog({"power2022grokking": VALID_RECORD})
    assert run_cli("build", "--templates", str(TEMPLATES), "--jobs", "1")[0] == 0
    good = _tree(tmp_path / "site")
    real_open = os.open
    calls = {"n": 0}

    def full_disk_open(path, flags, *args, **kwargs):  # (pages are written through os.open)
        if flags & os.O_WRONLY and ".site.building-" in str(path):
            calls["n"] += 1
            if calls["n"] > 3:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_disk_open)
    code, _, err = run_cli("build", "--templates", str(TEMPLATES), "--jobs", "1", "--no-cache")
    assert code == 1
    assert err == "site: cannot write the site (No space left on device); the last good site is left as it was\n"
    assert _tree(tmp_path / "site") == good


def test_a_read_only_build_cache_gives_a_note_and_the_site(write_catalog, run_cli, tmp_path) -> None:
    # The cache is read, but neither saved nor forgotten: the site is built all the same, and the
    # note says why the cache was not saved (forgetting it must not fail the build instead).
    write_catalog({"power2022grokking": VALID_RECORD})
    cache = tmp_path / CACHE_FOLDER
    mounted = _mount_tmpfs(cache, "4m")
    try:
        _require_mount(mounted)
        assert run_cli("build", "--templates", str(TEMPLATES))[0] == 0
        write_catalog({"power2022grokking": VALID_RECORD + "digest: Edited after the cache was made.\n"})
        subprocess.run(["mount", "-o", "remount,ro", str(cache)], check=True, capture_output=True)
        code, _, err = run_cli("build", "--templates", str(TEMPLATES))
        assert (code, err) == (0, "Note: the build cache could not be saved (Read-only file system); "
                                  "the next build starts afresh.\n")
        page = tmp_path / "site" / "papers" / "power2022grokking.html"
        assert "Edited after the cache was made." in page.read_text()
        # The cache left describes the site before that build: undoing the edit must not find the
        # page "as the cache says" and keep it.
        write_catalog({"power2022grokking": VALID_RECORD})
        assert run_cli("build", "--templates", str(TEMPLATES))[0] == 0
        assert "Edited after the cache was made." not in page.read_text()
    finally:
        if mounted:
            _unmount(cache)


@PROPERTY
@given(pieces=st.lists(st.one_of(st.just(""), st.text(max_size=30), FRAGMENTS), max_size=60),
       joined=st.integers(1, 5), write_slice=st.integers(1, 40))
def test_a_file_written_in_pieces_is_their_text_joined(pieces: list[str], joined: int, write_slice: int,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pieces are joined a few at a time, a long text encoded a slice at a time (small here, so runs
    # of empty pieces, pieces longer than a slice and slices ending inside a character all happen).
    from phenomena_catalog import write as write_module

    monkeypatch.setattr(write_module, "_JOINED", joined)
    monkeypatch.setattr(write_module, "_WRITE_SLICE", write_slice)
    write_module.write_pieces(tmp_path, "page.html", iter(pieces))
    assert (tmp_path / "page.html").read_bytes() == "".join(pieces).encode()
