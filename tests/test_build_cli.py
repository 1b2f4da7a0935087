"""The build, validate and serve commands as a user runs them: output, exit codes, files on disk."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from phenomena_catalog.cli import build_parser
from phenomena_catalog.commands import COMMANDS
from phenomena_catalog.commands.serve import LIVE_PATH
from phenomena_catalog.write import output_lock

from conftest import FIXTURES, TEMPLATES, VALID_RECORD, site_files


def _templates_here(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path / "templates")


def test_build_prints_what_it_wrote_and_exits_0(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    code, out, err = run_cli("build")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"Built site/: \d+ pages for 1 paper \(\d+ files\) in \d+\.\d\d s \([\d,]+ pages/s\)\.\n", out)
    assert (tmp_path / "site" / "papers" / "power2022grokking.html").is_file()


def test_build_timings_give_the_swap_its_own_line(write_catalog, run_cli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The site swapped in (a build from scratch) or its changed files moved into it (a rebuild)
    # are timed as "swap in", not as rendering: a slowed swap shows on that line, built anew or not.
    from phenomena_catalog import write

    def slowed(real):  # type: ignore[no-untyped-def]
        def swap(*args):  # type: ignore[no-untyped-def]
            time.sleep(0.25)
            return real(*args)
        return swap

    monkeypatch.setattr(write, "_swap_in", slowed(write._swap_in))
    monkeypatch.setattr(write, "_move_into", slowed(write._move_into))
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    for edit in ("", "venue: ICLR\n"):
        (tmp_path / "papers" / "power2022grokking.yaml").write_text(VALID_RECORD + edit, encoding="utf-8")
        code, out, err = run_cli("build", "--timings")
        assert code == 0, err
        swap = re.search(r"^  swap in +(\d+\.\d+) s", out, re.MULTILINE)
        assert swap is not None and float(swap[1]) >= 0.25, out
    assert "re-rendered" in out  # (the second build updated the first's site)


def test_home_page_counts_a_one_paper_catalog_in_the_singular(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD.replace("[Alethea Power, Yuri Burda]", "[Alethea Power]")
                   + "venue: ICLR\nkeywords: [grokking]\n"})
    _templates_here(tmp_path)
    assert run_cli("build")[0] == 0
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "1 paper · 1 author · 1 venue · 1 keyword</p>" in home
    assert "All 1 paper →" in home


def test_build_with_invalid_records_prints_every_problem_and_writes_nothing(
        write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"a": VALID_RECORD.replace("2022", "soon"),
                   "b": VALID_RECORD.replace("topics: [grokking]", "topics: [grokkin]")})
    _templates_here(tmp_path)
    code, out, err = run_cli("build")
    assert code == 1 and out == ""
    assert err == ("papers/a.yaml:3: year: expected a whole number, got the text 'soon'\n"
                   "papers/b.yaml:4: topics: unknown topic 'grokkin'; did you mean 'grokking'?\n"
                   "2 problems found.\n")
    assert not (tmp_path / "site").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_first_build_that_fails_its_check_leaves_no_cache_folder_behind(
        write_catalog, run_cli, tmp_path: Path) -> None:
    # (records that parse, so the build reaches its check, having started its next cache meanwhile)
    write_catalog({"b": VALID_RECORD.replace("topics: [grokking]", "topics: [grokkin]")})
    _templates_here(tmp_path)
    code, out, err = run_cli("build")
    assert code == 1 and out == ""
    assert err.endswith("1 problem found.\n")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert not (tmp_path / "site").exists()


def test_failed_build_leaves_the_last_good_site_in_place(write_catalog, run_cli, tmp_path: Path) -> None:
    papers = write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    assert run_cli("build")[0] == 0
    before = {p.relative_to(tmp_path / "site"): p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    (papers / "power2022grokking.yaml").write_text(VALID_RECORD.replace("title:", "titel:"), encoding="utf-8")
    code, _, err = run_cli("build")
    assert code == 1 and "titel: unknown field; did you mean 'title'?" in err
    after = {p.relative_to(tmp_path / "site"): p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    assert after == before


def test_a_template_error_also_leaves_the_last_good_site(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    assert run_cli("build")[0] == 0
    home = (tmp_path / "site" / "index.html").read_bytes()
    paper_template = tmp_path / "templates" / "paper.html"
    text = paper_template.read_text(encoding="utf-8")
    line = text[: text.index("<h1>")].count("\n") + 1
    paper_template.write_text(text.replace("<h1>", "<h1>{{ no_such_name }}", 1), encoding="utf-8")
    code, out, err = run_cli("build")
    assert (code, out) == (1, "")
    assert err == (f"templates/paper.html:{line}: 'no_such_name' is undefined "
                   "(while rendering papers/power2022grokking.html)\n1 problem found.\n")
    assert (tmp_path / "site" / "index.html").read_bytes() == home
    # No staging folder is left behind; the cache is the last successful build's.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".phenomena-cache", "papers", "site", "templates"]


def test_build_refuses_to_replace_a_folder_it_did_not_write(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    mine = tmp_path / "docs"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes", encoding="utf-8")
    code, out, err = run_cli("build", "--out", "docs")
    assert (code, out) == (1, "")
    assert err == ("docs: this folder holds files that phenomena-catalog did not write; refusing to "
                   "replace it. Choose another --out, or empty the folder yourself.\n")
    assert (mine / "notes.txt").read_text() == "my notes"


def test_build_replaces_its_own_earlier_output(write_catalog, run_cli, tmp_path: Path) -> None:
    papers = write_catalog({"power2022grokking": VALID_RECORD, "other": VALID_RECORD.replace("Grokking:", "Other:")})
    _templates_here(tmp_path)
    assert run_cli("build")[0] == 0
    (papers / "other.yaml").unlink()
    assert run_cli("build")[0] == 0
    assert not (tmp_path / "site" / "papers" / "other.html").exists()


def test_template_syntax_error_names_file_and_line(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    (tmp_path / "templates" / "term.html").write_text("{% extends 'base.html' %}\n{% block content %}\n{% if %}\n")
    code, _, err = run_cli("build")
    assert code == 1
    assert err.startswith("templates/term.html:3: ")


def test_missing_templates_folder_is_a_clear_error(write_catalog, run_cli) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    code, _, err = run_cli("build", "--templates", "nowhere")
    assert code == 1
    assert err == ("nowhere: the templates folder does not exist; pass --templates DIR, or leave it out "
                   "to use the default theme\n")


def test_bad_settings_file_is_reported_with_its_line(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    (tmp_path / "catalog.yaml").write_text("title: My catalog\nrepository: github.com/me/catalog\nrecnet: 5\n")
    code, _, err = run_cli("build")
    assert code == 1
    assert err.splitlines() == [
        "catalog.yaml:2: repository: a link must start with http:// or https://",
        "catalog.yaml:3: recnet: unknown field; did you mean 'recent'?",
        "2 problems found.",
    ]


def test_a_bad_settings_file_stops_the_worker_that_started_reading_the_records(
        write_catalog, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A site built anew starts reading its records in another process before the settings are
    # validated; when they are not valid, that process is stopped and reaped, not left reading.
    from phenomena_catalog import executors

    write_catalog({f"paper{number}": VALID_RECORD.replace("power2022grokking", f"paper{number}")
                   for number in range(executors.BACKGROUND_THRESHOLD)})
    _templates_here(tmp_path)
    (tmp_path / "catalog.yaml").write_text("recnet: 5\n")
    started = []
    start = executors.ProcessExecutor.start

    def recorded(self: executors.ProcessExecutor, work, size: int):  # type: ignore[no-untyped-def]
        pending = start(self, work, size)
        started.append(pending)
        return pending

    monkeypatch.setattr(executors.ProcessExecutor, "start", recorded)
    code, _, err = run_cli("build", "--jobs", "2")
    assert code == 1 and "recnet: unknown field" in err
    from phenomena_catalog.records import _read_from_front

    reading = [pending for pending in started if isinstance(pending, executors._Forked)
               and getattr(pending._work, "func", None) is _read_from_front]
    assert len(reading) == 1 and reading[0]._pid is None  # stopped and reaped


def test_validate_counts_one_paper_and_one_topic_in_the_singular(write_catalog, run_cli) -> None:
    write_catalog({"power2022grokking": VALID_RECORD},
                  topics="- id: grokking\n  title: Grokking\n  description: Late generalization.\n")
    code, out, err = run_cli("validate")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"1 paper and 1 topic are valid \(\d+\.\d\d s\)\.\n", out)


def test_validate_reports_counts(run_cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "catalog" / "papers", tmp_path / "papers")
    code, out, err = run_cli("validate")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"6 papers and 5 topics are valid \(\d+\.\d\d s\)\.\n", out)


@pytest.mark.parametrize("command", [c.NAME for c in COMMANDS])
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: phenomena-catalog {command}" in text
    assert "example" in text and f"phenomena-catalog {command}" in text.split("example", 1)[1]


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for command in COMMANDS:
        assert re.search(rf"^\s+{command.NAME}\s+\S", text, re.MULTILINE), command.NAME


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run([sys.executable, "-m", "phenomena_catalog", "--version"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("phenomena-catalog ")


class _Lines:
    """The output of a running process, line by line, with a deadline for each line; the server's
    log of requests answered with an error (a page not there yet) is left out."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self.queue.put(line) for line in stream
                                         if not line.startswith("127.0.0.1 - - ")], daemon=True).start()

    def next(self, timeout: float = 30) -> str:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s") from None


def _copy_fixture_catalog(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "catalog" / "papers", tmp_path / "papers")
    shutil.copytree(TEMPLATES, tmp_path / "templates")


def _start_serve(tmp_path: Path, *python: str) -> tuple[subprocess.Popen[str], _Lines]:
    """``serve --port 0`` started in ``tmp_path`` (``python``: how Python runs it, ``-m
    phenomena_catalog`` unless given): the process and its output lines."""
    process = subprocess.Popen(
        [sys.executable, *(python or ("-m", "phenomena_catalog")), "serve", "--port", "0"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    return process, _Lines(process)


def _serve_fixture_catalog(tmp_path: Path) -> tuple[subprocess.Popen[str], _Lines, str]:
    """``serve`` started on a copy of the fixture catalog in ``tmp_path``, its first build done: the
    process, its output lines from the one after the address, and the site's address."""
    _copy_fixture_catalog(tmp_path)
    process, lines = _start_serve(tmp_path)
    try:
        assert lines.next().startswith("Built site/: ")
        url = re.search(r"at (http://127\.0\.0\.1:\d+/)", lines.next()).group(1)  # type: ignore[union-attr]
    except BaseException:
        process.terminate()
        process.wait(timeout=10)
        raise
    return process, lines, url


def test_serve_builds_serves_and_rebuilds_on_change(tmp_path: Path) -> None:
    process, lines, url = _serve_fixture_catalog(tmp_path)
    try:
        assert lines.next() == "Watching papers, templates for changes.\n"
        page = urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10).read().decode()
        assert "Grokking: Generalization Beyond Overfitting" in page
        assert page.count(LIVE_PATH) == 1 and page.index(LIVE_PATH) < page.index("</body>")

        # An editor's scratch files come and go around a save (vim's write probe and swap file,
        # emacs's backup and auto-save): none is a change to rebuild for, or to print.
        scratch = [tmp_path / "papers" / name
                   for name in ("4913", ".power2022grokking.yaml.swp", "power2022grokking.yaml~", "#x.yaml#")]
        for file in scratch:
            file.write_text("scratch\n")
        time.sleep(1.5)  # longer than the watcher's batching: alone, they would make a batch of their own
        for file in scratch:
            file.unlink()
        record = tmp_path / "papers" / "power2022grokking.yaml"
        record.write_text(record.read_text().replace("Grokking: Generalization", "Grokking Renamed:"))
        assert lines.next() == "Changed: power2022grokking.yaml\n"
        assert lines.next() == "Shown: papers/power2022grokking.html (title edited); rebuilding the rest of the site\n"
        assert lines.next().startswith("Built site/: ")
        page = urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10).read().decode()
        assert "Grokking Renamed:" in page

        record.write_text(record.read_text().replace("year: 2022", "year: soon"))
        assert "Changed:" in lines.next()
        assert "year: expected a whole number" in lines.next()
        assert lines.next() == "1 problem found.\n"
        assert "The site was not updated" in lines.next()
        page = urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10).read().decode()
        assert "Grokking Renamed:" in page  # the last good build is still served
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_files_in_templates_static_are_copied_to_the_site_root(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    static = tmp_path / "templates" / "static"
    static.mkdir()
    (static / "CNAME").write_text("papers.example.org\n")
    assert run_cli("build")[0] == 0
    assert (tmp_path / "site" / "CNAME").read_text() == "papers.example.org\n"
    (static / "index.html").write_text("<p>mine</p>")
    code, _, err = run_cli("build")
    assert code == 1
    assert err == ("templates/static/index.html: this file would replace a file the build generates; "
                   "rename or remove it\n1 problem found.\n")
    assert (tmp_path / "site" / "CNAME").is_file()  # the last good site is untouched


def test_a_theme_asset_never_replaces_a_generated_file(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    _templates_here(tmp_path)
    static = tmp_path / "templates" / "static" / "search"
    static.mkdir(parents=True)
    (static / "manifest.js").write_text("CatalogSearch.add('m', '', {});\n")
    code, _, err = run_cli("build")
    assert code == 1
    assert err == ("templates/static/search/manifest.js: this file would replace a file the build generates; "
                   "rename or remove it\n1 problem found.\n")
    assert not (tmp_path / "site").exists()


def test_built_pages_carry_no_live_reload_script(fixture_site: Path) -> None:
    assert not [p for p in fixture_site.rglob("*.html") if LIVE_PATH in p.read_text(encoding="utf-8")]


def test_top_level_help_imports_no_command_module() -> None:
    # Start-up time is what `--help` costs: it must not import pydantic, Jinja or any command.
    script = ("import sys\nfrom phenomena_catalog.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n"
              "    pass\nheavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'jinja2', 'yaml')\n"
              "               or m.startswith('phenomena_catalog.commands.'))\nprint(heavy, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stderr.strip() == "[]"


def test_the_registry_names_every_command_module() -> None:
    from phenomena_catalog.commands import REGISTRY

    folder = Path(__file__).resolve().parents[1] / "src" / "phenomena_catalog" / "commands"
    assert sorted(c.module for c in REGISTRY) == sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    assert [c.load().NAME for c in REGISTRY] == [c.name for c in REGISTRY]


_SAVE_BEFORE_WATCHING = """\
import pathlib, runpy
from phenomena_catalog.commands import serve

start_server = serve.start_server

def save_then_start(*args, **kwargs):
    # The user saves a record after the first build read it, before the watcher is up.
    record = pathlib.Path("papers/power2022grokking.yaml")
    record.write_text(record.read_text().replace("Grokking: Generalization", "Grokking Saved Early:"))
    return start_server(*args, **kwargs)

serve.start_server = save_then_start
runpy.run_module("phenomena_catalog", run_name="__main__")
"""


def test_serve_rebuilds_for_a_record_saved_during_its_first_build(tmp_path: Path) -> None:
    _copy_fixture_catalog(tmp_path)
    process, lines = _start_serve(tmp_path, "-c", _SAVE_BEFORE_WATCHING)
    try:
        assert lines.next().startswith("Built site/: ")
        url = re.search(r"at (http://127\.0\.0\.1:\d+/)", lines.next()).group(1)  # type: ignore[union-attr]
        assert lines.next() == "Changed during the first build: rebuilding.\n"
        assert lines.next().startswith("Built site/: ")
        assert lines.next().startswith("Watching ")
        page = urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10).read().decode()
        assert "Grokking Saved Early:" in page
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_keeps_watching_after_a_failed_first_build_and_builds_once_the_record_is_fixed(tmp_path: Path) -> None:
    _copy_fixture_catalog(tmp_path)
    record = tmp_path / "papers" / "power2022grokking.yaml"
    good = record.read_text()
    record.write_text(good.replace("year: 2022", "year: soon"))
    process, lines = _start_serve(tmp_path)
    try:
        assert "year: expected a whole number" in lines.next()
        assert lines.next() == "1 problem found.\n"
        assert lines.next() == ("No site was built; fix the problems above and save again: "
                                "serve builds it then.\n")
        url = re.search(r"at (http://127\.0\.0\.1:\d+/)", lines.next()).group(1)  # type: ignore[union-attr]
        assert lines.next().startswith("Watching ")
        assert process.poll() is None and not (tmp_path / "site").exists()
        # Meanwhile every page says the site is not built, and where to look; it reloads once it is.
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10)
        assert answer.value.code == 503
        page = answer.value.read().decode()
        assert "The site is not built yet" in page and "terminal" in page
        assert page.count(LIVE_PATH) == 1

        record.write_text(good)
        assert lines.next() == "Changed: power2022grokking.yaml\n"
        assert lines.next().startswith("Built site/: ")
        page = urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10).read().decode()
        assert "Grokking: Generalization Beyond Overfitting" in page
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_without_watching_exits_1_when_its_first_build_fails_and_there_is_no_site(
        write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD.replace("year: 2022", "year: soon")})
    code, out, _ = run_cli("serve", "--no-watch", "--port", "0")
    assert code == 1
    assert out.endswith("1 problem found.\nNo site was built; fix the problems above and run serve again.\n")
    assert not (tmp_path / "site").exists()


def test_serve_stopping_keeps_the_newer_cache_of_a_build_run_meanwhile(tmp_path: Path) -> None:
    # serve keeps its cache in memory and writes it when it stops: not over a cache that a 'build' in
    # another terminal kept since, which describes the site as that build left it.
    _copy_fixture_catalog(tmp_path)
    command = [sys.executable, "-m", "phenomena_catalog"]
    # (SIGINT as Ctrl-C sends it, which a suite started as a background job would hand on as ignored)
    process = subprocess.Popen([*command, "serve", "--no-watch", "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = _Lines(process)
    try:
        assert lines.next().startswith("Built site/: ")
        assert lines.next().startswith("Serving site/ at ")
        record = tmp_path / "papers" / "power2022grokking.yaml"
        record.write_text(record.read_text(encoding="utf-8").replace("Beyond Overfitting", "Beyond Overfitting, Again"),
                          encoding="utf-8")
        meanwhile = subprocess.run([*command, "build"], cwd=tmp_path, capture_output=True, text=True, check=True)
        assert meanwhile.stdout.startswith("Built site/: ")
        process.send_signal(signal.SIGINT)
        assert lines.next() == "Stopped.\n"
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
    after = subprocess.run([*command, "build"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert re.match(r"Built site/: .* 0 re-rendered", after.stdout), after.stdout
    assert "Beyond Overfitting, Again" in (tmp_path / "site" / "papers" / "power2022grokking.html").read_text(
        encoding="utf-8")


def test_serve_shows_a_record_saved_through_a_temporary_file(tmp_path: Path) -> None:
    # `sed -i` writes a temporary file beside the record and renames it over the record: the batch
    # names a file that is gone by the time it is read, which must not hold back the record's page.
    process, lines, url = _serve_fixture_catalog(tmp_path)
    try:
        assert lines.next().startswith("Watching ")
        record = tmp_path / "papers" / "power2022grokking.yaml"
        subprocess.run(["sed", "-i", "s/^digest: |$/digest: |\\n  Edited with sed./", str(record)], check=True)
        assert "  Edited with sed.\n" in record.read_text()
        assert lines.next() == "Changed: power2022grokking.yaml\n"
        assert lines.next() == "Shown: papers/power2022grokking.html (digest edited); rebuilding the rest of the site\n"
        page = urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10).read().decode()
        assert "Edited with sed." in page
        assert lines.next().startswith("Built site/: ")
        assert sorted(p.name for p in (tmp_path / "papers").iterdir() if p.name.startswith("sed")) == []
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_batch_of_changes_drops_temporary_files_but_never_a_record(tmp_path: Path) -> None:
    from watchfiles import Change

    from phenomena_catalog.commands.serve import without_transient_files

    record, temporary, kept = (str(tmp_path / name) for name in ("a2020x.yaml", "sedAb12Cd", "b2020y.yaml"))
    (tmp_path / "b2020y.yaml").write_text("title: kept\n")
    # sed -i: its copy made, then renamed over the record; the record itself was modified.
    assert without_transient_files({(Change.added, temporary), (Change.deleted, temporary),
                                    (Change.modified, kept)}) == {(Change.modified, kept)}
    # A record deleted, made again and deleted within one batch is a deleted record.
    deleted = {(Change.deleted, record), (Change.added, record)}
    assert without_transient_files(deleted) == deleted


def test_serve_shows_an_edited_digest_before_rebuilding_the_rest(tmp_path: Path) -> None:
    process, lines, url = _serve_fixture_catalog(tmp_path)
    try:
        assert lines.next().startswith("Watching ")
        record = tmp_path / "papers" / "power2022grokking.yaml"
        record.write_text(record.read_text().replace("digest: |\n", "digest: |\n  A sentence added in preview.\n"))
        assert lines.next() == "Changed: power2022grokking.yaml\n"
        assert lines.next() == "Shown: papers/power2022grokking.html (digest edited); rebuilding the rest of the site\n"
        page = urllib.request.urlopen(url + "papers/power2022grokking.html", timeout=10).read().decode()
        assert "A sentence added in preview." in page
        assert lines.next().startswith("Built site/: ")

        # A title too, once it is known to make the record no duplicate of any other...
        record.write_text(record.read_text().replace("Grokking: Generalization", "Grokking Renamed:"))
        assert lines.next() == "Changed: power2022grokking.yaml\n"
        assert lines.next() == "Shown: papers/power2022grokking.html (title edited); rebuilding the rest of the site\n"
        assert lines.next().startswith("Built site/: ")
        # ... which one near-identical to another record's could: the rebuild decides, and reports it.
        other = tmp_path / "papers" / "chen2021sparse.yaml"
        original = other.read_text()
        other.write_text(original.replace('"Sparse networks <b>everywhere</b> & the \\"lottery\\""',
                                          '"Deep Double Descent: Where Bigger Models and More Data Hurts"'))
        assert lines.next() == "Changed: chen2021sparse.yaml\n"
        assert "near-identical title" in lines.next()
        assert lines.next() == "1 problem found.\n"
        assert "The site was not updated" in lines.next()
        # After a failed rebuild nothing is shown early: the site stays the last good build's until one succeeds.
        other.write_text(original)
        assert lines.next() == "Changed: chen2021sparse.yaml\n"
        assert lines.next().startswith("Built site/: ")
        # An author files the paper under a term: the page shows at once, the author's new page with the rebuild.
        record.write_text(record.read_text().replace("Alethea Power", "Alethea Powers"))
        assert lines.next() == "Changed: power2022grokking.yaml\n"
        assert lines.next() == ("Shown: papers/power2022grokking.html (authors edited; the new page authors/"
                                "alethea-powers.html comes with the rebuild); rebuilding the rest of the site\n")
        assert lines.next().startswith("Built site/: ")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert_site_is_a_build_from_scratch(tmp_path)


def assert_site_is_a_build_from_scratch(catalog: Path) -> None:
    """``catalog``'s site/ (left by serve) is the one ``build --no-cache`` makes."""
    subprocess.run([sys.executable, "-m", "phenomena_catalog", "build", "--no-cache", "--out", "reference"],
                   cwd=catalog, check=True, capture_output=True)
    assert site_files(catalog / "site") == site_files(catalog / "reference")


def _get(url: str) -> tuple[int, str]:
    """The status and text of a page the server sends (its 404 page for a missing one)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_serve_shows_any_edit_a_new_record_and_a_deletion_before_the_rebuild(tmp_path: Path) -> None:
    process, lines, url = _serve_fixture_catalog(tmp_path)
    try:
        assert lines.next().startswith("Watching ")
        paper_url = url + "papers/power2022grokking.html"
        record = tmp_path / "papers" / "power2022grokking.yaml"
        # While a build of the same site holds it (another terminal's, here the test's), serve's
        # rebuild waits: whatever the site shows meanwhile was shown before the rebuild.
        with output_lock(tmp_path / "site"):
            record.write_text(record.read_text()
                              .replace("Alethea Power,", "Alethea Power, Ada Newcomer,")
                              .replace("year: 2022", "year: 2023")
                              .replace("topics: [grokking]", "topics: [grokking, double-descent]")
                              .replace("keywords: [Grokking,", "keywords: [sparsity, Grokking,"))
            assert lines.next() == "Changed: power2022grokking.yaml\n"
            assert lines.next() == (
                "Shown: papers/power2022grokking.html (authors, year, topics, keywords edited; the new pages "
                "authors/ada-newcomer.html, years/2023.html come with the rebuild); rebuilding the rest of the site\n")
            assert lines.next().startswith("Waiting for another build of site")
            status, page = _get(paper_url)
            assert status == 200
            assert '<a href="../authors/ada-newcomer.html">Ada Newcomer</a>' in page
            assert '<a href="../years/2023.html">2023</a>' in page
            assert '<a class="tag tag-topic" href="../topics/double-descent.html">Double descent</a>' in page
            # The keyword in the vocabulary's spelling, linking to the existing keyword's page.
            assert '<a class="tag" href="../keywords/sparse-networks.html">Sparse Networks</a>' in page
            # The rest of the site is the last build's: the year's page is still to come.
            assert "Grokking" in _get(url + "years/2022.html")[1]
            assert _get(url + "years/2023.html")[0] == 404
        assert re.match(r"Built site/: .* re-rendered", lines.next())  # (incremental)
        assert "Grokking" in _get(url + "years/2023.html")[1]
        assert "Grokking" not in _get(url + "years/2022.html")[1]

        # A new record and a deleted one (a record renamed) show at once too.
        with output_lock(tmp_path / "site"):
            record.rename(tmp_path / "papers" / "power2022grokkingx.yaml")
            assert lines.next() == "Changed: power2022grokking.yaml, power2022grokkingx.yaml\n"
            assert lines.next() == ("Shown: papers/power2022grokkingx.html (new record; its related papers come "
                                    "with the rebuild); rebuilding the rest of the site\n")
            assert lines.next() == ("Removed: papers/power2022grokking.html (record deleted); "
                                    "rebuilding the rest of the site\n")
            assert lines.next().startswith("Waiting for another build of site")
            status, page = _get(url + "papers/power2022grokkingx.html")
            assert status == 200 and "<h1>Grokking: Generalization" in page
            status, page = _get(paper_url)
            assert status == 404 and LIVE_PATH in page  # the site's 404 page, reloading once the page is back
            assert "power2022grokking.html" in _get(url + "years/2023.html")[1]  # the rebuild's to change
        assert lines.next().startswith("Built site/: ")
        assert "power2022grokkingx.html" in _get(url + "years/2023.html")[1]

        # A record that the rebuild will refuse (here, an unknown topic): nothing is shown early.
        moved = tmp_path / "papers" / "power2022grokkingx.yaml"
        moved.write_text(moved.read_text().replace("Ada Newcomer", "Ada Renamed")
                         .replace("double-descent]", "groking]"))
        assert lines.next() == "Changed: power2022grokkingx.yaml\n"
        assert "topics: unknown topic 'groking'" in lines.next()
        assert lines.next() == "1 problem found.\n"
        assert "The site was not updated" in lines.next()
        assert "Ada Newcomer" in _get(url + "papers/power2022grokkingx.html")[1]
        moved.write_text(moved.read_text().replace("groking]", "double-descent]"))
        assert lines.next() == "Changed: power2022grokkingx.yaml\n"
        assert lines.next().startswith("Built site/: ")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert_site_is_a_build_from_scratch(tmp_path)


class _Events:
    """The versions the server sends an open page (its live-reload events), as they come."""

    def __init__(self, url: str, page: str) -> None:
        self.versions: queue.Queue[str] = queue.Queue()
        self.response = urllib.request.urlopen(f"{url}{LIVE_PATH.lstrip('/')}?page=/{page}", timeout=30)

        def read() -> None:
            try:
                for line in self.response:
                    if line.startswith(b"data: "):
                        self.versions.put(line[6:].decode().strip())
            except (OSError, ValueError):
                pass  # closed

        threading.Thread(target=read, daemon=True).start()

    def next(self) -> str:
        try:
            return self.versions.get(timeout=30)
        except queue.Empty:
            raise AssertionError("no event within 30 s") from None

    def close(self) -> None:
        self.response.close()


def _version(page: str) -> str:
    """The version of itself a served page was sent with (what its live-reload script compares)."""
    return re.search(r"var seen = '(\d+)'", page).group(1)  # type: ignore[union-attr]


def test_serve_reloads_only_the_pages_that_changed_and_shows_a_template_edit_on_open_pages(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text("title: Fixture Catalog\n")
    process, lines, url = _serve_fixture_catalog(tmp_path)
    open_page, other_page = "papers/power2022grokking.html", "papers/nakkiran2020deep.html"
    untouched = "topics/information-bottleneck.html"
    events = _Events(url, open_page)
    try:
        assert lines.next().startswith("Watching ")
        first = events.next()
        assert _version(_get(url + open_page)[1]) == first
        before = {page: _get(url + page)[1] for page in (other_page, untouched)}

        record = tmp_path / "papers" / "power2022grokking.yaml"
        record.write_text(record.read_text().replace("Alethea Power,", "Alethea Powell,"))
        assert lines.next() == "Changed: power2022grokking.yaml\n"
        assert lines.next().startswith("Shown: papers/power2022grokking.html (authors edited")
        assert events.next() != first  # the open page is told at once
        assert lines.next().startswith("Built site/: ")
        # A page the edit did not change keeps its version, so it does not reload when open.
        after = {page: _get(url + page)[1] for page in (other_page, untouched)}
        assert after[untouched] == before[untouched]
        for page in (other_page, untouched):
            unchanged = re.sub(r"<script>.*?</script>", "", after[page]) == re.sub(r"<script>.*?</script>", "",
                                                                                      before[page])
            assert (_version(after[page]) == _version(before[page])) == unchanged, page

        # A template edit shows at once on the open pages that use it; the others wait for the rebuild.
        template = tmp_path / "templates" / "paper.html"
        with output_lock(tmp_path / "site"):
            template.write_text(template.read_text().replace("<h1>", '<h1 class="edited-title">'))
            assert lines.next() == "Changed: paper.html\n"
            assert lines.next() == ("Shown: papers/power2022grokking.html (paper.html edited); "
                                    "rebuilding the rest of the site\n")
            assert lines.next().startswith("Waiting for another build of site")
            assert 'class="edited-title"' in _get(url + open_page)[1]
            assert 'class="edited-title"' not in _get(url + other_page)[1]
        assert lines.next().startswith("Built site/: ")
        assert 'class="edited-title"' in _get(url + other_page)[1]

        # A style sheet is copied at once, and every open page reloads.
        version = _version(_get(url + open_page)[1])
        style = tmp_path / "templates" / "assets" / "style.css"
        with output_lock(tmp_path / "site"):
            style.write_text(style.read_text() + "/* edited in preview */\n")
            assert lines.next() == "Changed: style.css\n"
            assert lines.next() == "Copied: assets/style.css (edited); rebuilding the rest of the site\n"
            assert lines.next().startswith("Waiting for another build of site")
            assert "/* edited in preview */" in _get(url + "assets/style.css")[1]
            assert _version(_get(url + open_page)[1]) != version
        assert lines.next().startswith("Built site/: ")

        # So does a settings edit that changes only what pages say, on the open pages.
        with output_lock(tmp_path / "site"):
            (tmp_path / "catalog.yaml").write_text("title: Renamed Catalog\n")
            assert lines.next() == "Changed: catalog.yaml\n"
            assert lines.next() == ("Shown: papers/power2022grokking.html (title edited); "
                                    "rebuilding the rest of the site\n")
            assert lines.next().startswith("Waiting for another build of site")
            assert "Renamed Catalog" in _get(url + open_page)[1]
            assert "Renamed Catalog" not in _get(url + other_page)[1]
        assert lines.next().startswith("Built site/: ")
        assert "Renamed Catalog" in _get(url + other_page)[1]
        # One that changes what pages list (how many per page) waits for the rebuild.
        (tmp_path / "catalog.yaml").write_text("title: Renamed Catalog\npapers_per_page: 20\n")
        assert lines.next() == "Changed: catalog.yaml\n"
        assert lines.next().startswith("Built site/: ")
    finally:
        process.terminate()
        process.wait(timeout=10)
        events.close()  # (once the server is gone: a stream being read closes only at its next line)
    assert_site_is_a_build_from_scratch(tmp_path)
