"""How a build spreads its work over processes: work started beside the build (``Executor.start``)."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from phenomena_catalog.commands.build import build_site
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import ProcessExecutor, SerialExecutor, StartedWork, start_in_turn

from conftest import FIXTURES, TEMPLATES, VALID_RECORD

BESIDE = ProcessExecutor(2, threshold=0, background_threshold=0)
"""An executor that starts work in a process of its own whatever its size."""

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="work is started in forked processes")


def test_started_work_runs_in_another_process_and_hands_back_its_result() -> None:
    pending = BESIDE.start(lambda: (os.getpid(), {"papers": list(range(100_000))}), 1)
    pid, found = pending.result()
    assert pid != os.getpid() and found == {"papers": list(range(100_000))}
    assert pending.result() == (pid, found)  # collected once, kept


def test_work_started_in_turn_runs_in_order_in_one_other_process_and_each_result_comes_back() -> None:
    log = []  # (in this process's memory: work run elsewhere leaves it as it is)

    def first() -> tuple[int, float]:
        log.append("first")
        return os.getpid(), time.monotonic()

    def second() -> tuple[int, float]:
        log.append("second")
        return os.getpid(), time.monotonic()

    one, two = start_in_turn(BESIDE, [first, second], 1)
    (first_pid, first_done), (second_pid, second_done) = one.result(), two.result()
    assert first_pid == second_pid != os.getpid() and first_done <= second_done and log == []
    assert start_in_turn(BESIDE, [], 1) == []
    here = start_in_turn(SerialExecutor(), [first, second], 1)
    assert [pending.result()[0] for pending in here] == [os.getpid()] * 2 and log == ["first", "second"]


def test_stopping_work_started_in_turn_stops_its_process() -> None:
    one, two = start_in_turn(BESIDE, [lambda: time.sleep(60), os.getpid], 1)
    pid = one._together._pid  # type: ignore[attr-defined]
    two.stop()
    with pytest.raises(ChildProcessError):  # stopped and reaped
        os.waitpid(pid, os.WNOHANG)


def test_small_work_and_a_single_worker_run_here() -> None:
    assert ProcessExecutor(2, background_threshold=10).start(os.getpid, 9).result() == os.getpid()
    assert ProcessExecutor(1, background_threshold=0).start(os.getpid, 100).result() == os.getpid()
    assert SerialExecutor().start(os.getpid, 100).result() == os.getpid()


def test_an_error_in_started_work_is_raised_here_with_its_own_traceback() -> None:
    def fails() -> None:
        raise ValueError("a bug in the work")

    pending = BESIDE.start(fails, 1)
    with pytest.raises(ValueError, match="a bug in the work") as raised:
        pending.result()
    assert raised.traceback[-1].name == "fails"


def test_work_started_and_never_collected_is_stopped() -> None:
    pending = BESIDE.start(lambda: time.sleep(60), 1)
    pid = pending._pid  # type: ignore[attr-defined]
    del pending
    gc.collect()
    with pytest.raises(ChildProcessError):  # stopped and reaped: no longer this process's child
        os.waitpid(pid, os.WNOHANG)


@pytest.mark.skipif(not Path(f"/proc/self/task/{os.getpid()}/children").exists(), reason="Linux's /proc")
def test_a_builds_started_work_is_stopped_at_once_when_it_fails_whatever_was_collected(tmp_path: Path) -> None:
    # A failed build stops everything it started (``StartedWork.stop_all``) before it removes what
    # it wrote: a process left writing (the next cache's fields ahead) would write after that.
    work = StartedWork(BESIDE)
    collected = work.start(os.getpid, 1)
    written = tmp_path / "written-after-the-failure"
    writing = work.start(lambda: (time.sleep(2), written.write_text("late")), 1)
    held = work.held(BESIDE.start(lambda: time.sleep(60), 1))
    assert collected.result() != os.getpid()
    running = {writing._pid, held._pid}  # type: ignore[attr-defined]
    assert running <= _children()
    work.stop_all()
    assert not running & _children()
    time.sleep(2.5)
    assert not written.exists()
    assert collected.result() != os.getpid()  # (what was collected stays as it was)
    assert work.start(lambda: 7, 1).result() == 7  # (and the executor still works)


def test_the_check_run_beside_index_and_related_papers_reports_the_records_problems(
        write_catalog, tmp_path: Path) -> None:
    # The check runs in another process while this one indexes the records and finds related
    # papers; the build still stops with the check's problems, and writes nothing.
    papers = write_catalog({
        "power2022grokking": VALID_RECORD,
        "again2022grokking": VALID_RECORD,  # the same paper twice
        "unknown2022": VALID_RECORD.replace("topics: [grokking]", "topics: [no-such-topic]"),
    })
    with pytest.raises(UserError) as raised:
        build_site(papers, TEMPLATES, tmp_path / "site", SiteConfig(), executor=BESIDE)
    report = raised.value.report()
    assert "unknown2022.yaml" in report and "no-such-topic" in report
    assert "again2022grokking.yaml" in report and "power2022grokking" in report
    assert not (tmp_path / "site").exists()


def test_shares_are_worked_on_in_forked_workers_and_come_back_in_order() -> None:
    def work(share: list[int]) -> tuple[int, list[int]]:
        return os.getpid(), [item * 2 for item in share]

    found = ProcessExecutor(3, threshold=0).map_shares(work, list(range(10)))
    assert [doubled for _, doubled in found] == [[0, 6, 12, 18], [2, 8, 14], [4, 10, 16]]
    assert found[0][0] == os.getpid() and len({pid for pid, _ in found}) == 3


def test_claimed_items_are_each_done_once_and_this_processs_own_first_here() -> None:
    # Each process claims the next item as it goes: a slow process does fewer. The items ``here``
    # says are this process's are all done here, in order, before any item it claims.
    def work(share: Iterable[int]) -> tuple[int, list[int]]:
        done = []
        for item in share:
            if os.getpid() != parent:
                time.sleep(0.002)  # (a worker slower than this process)
            done.append(item)
        return os.getpid(), done

    parent = os.getpid()
    for workers in (2, 3):
        found = ProcessExecutor(workers, threshold=0).map_claimed(work, list(range(300)), here=lambda n: n % 50 == 7)
        assert found[0][0] == parent and len({pid for pid, _ in found}) == workers
        assert found[0][1][:6] == [7, 57, 107, 157, 207, 257]
        everything = [item for _, done in found for item in done]
        assert sorted(set(everything)) == list(range(300))
        assert len(everything) - 300 <= workers  # (an item two processes reached at once is done by both)
        assert len(found[0][1]) > 150  # this process was faster: it did more
    assert SerialExecutor().map_claimed(work, [1, 2, 3, 4], here=lambda n: n > 2) == [(parent, [3, 4, 1, 2])]


@pytest.mark.skipif(not Path(f"/proc/self/task/{os.getpid()}/children").exists(), reason="Linux's /proc")
def test_work_from_both_ends_does_each_item_once_and_hands_back_the_other_processs_part() -> None:
    # (related papers' rows: scored into this process's arrays, the other process's handed back)
    parent = os.getpid()
    done_here: list[int] = []

    def work(item: int) -> int:
        if os.getpid() == parent:
            done_here.append(item)
        else:
            time.sleep(0.002)  # (a worker slower than this process)
        return item * 2

    def hand_back(done: Iterable[int]) -> tuple[int, list[int]]:
        return os.getpid(), list(done)

    for executor in (BESIDE, StartedWork(BESIDE)):
        done_here.clear()
        pid, there = executor.from_both_ends(work, range(200), hand_back=hand_back, size=1).result()
        assert pid != parent and there == [item * 2 for item in range(len(there))]  # (from the first on)
        assert done_here == list(range(199, 199 - len(done_here), -1))  # (from the last on)
        assert len(done_here) + len(there) - 200 <= 1 and len(done_here) > 100  # (each once: the faster did more)
    # Where nothing is worth another process, every item is done here, and handed back here.
    done_here.clear()
    assert SerialExecutor().from_both_ends(work, [1, 2, 3], hand_back=hand_back, size=1).result() == (parent, [2, 4, 6])
    assert done_here == [1, 2, 3]
    # A build that fails stops the other process with the rest of its work.
    started = StartedWork(BESIDE)
    pending = started.from_both_ends(work, range(3), hand_back=lambda done: (list(done), time.sleep(60)), size=1)
    pid = pending._pid  # type: ignore[attr-defined]
    assert pid in _children()
    started.stop_all()
    with pytest.raises(ChildProcessError):  # stopped and reaped
        os.waitpid(pid, os.WNOHANG)


def test_the_first_worker_does_its_own_work_then_claims_less_and_none_is_done_where_nothing_is_shared() -> None:
    # ``first``: work of its own before the worker claims (a build writing its cache ahead); the
    # claiming then leaves this process more of the items.
    def work(share: Iterable[int]) -> tuple[str, list[int]]:
        return "work", list(share)

    def first(share: Iterable[int]) -> tuple[str, list[int]]:
        time.sleep(0.2)
        return "first", list(share)

    mine, worker = ProcessExecutor(2, threshold=0).map_claimed(work, list(range(100)), here=lambda n: False,
                                                               first=first)
    assert mine[0] == "work" and worker[0] == "first"
    assert sorted(set(mine[1] + worker[1])) == list(range(100)) and len(mine[1]) > len(worker[1])
    assert ProcessExecutor(2).map_claimed(work, [1, 2], here=lambda n: False, first=first) == [("work", [1, 2])]
    assert SerialExecutor().map_claimed(work, [1, 2], here=lambda n: False, first=first) == [("work", [1, 2])]


def test_the_items_a_worker_claimed_are_done_here_when_it_dies() -> None:
    def work(share: Iterable[int]) -> list[int]:
        done = []
        for item in share:
            if os.getpid() != parent and item == 20:
                os._exit(1)  # (killed while at its 20th item)
            if os.getpid() == parent:
                time.sleep(0.005)  # (slower than the worker, which reaches its 20th item)
            done.append(item)
        return done

    parent = os.getpid()
    here, worker = ProcessExecutor(2, threshold=0).map_claimed(work, list(range(100)), here=lambda n: False)
    assert sorted(set(here + worker)) == list(range(100))
    assert set(range(20)) <= set(worker)  # (what the worker claimed, made again here)


def test_a_short_list_is_shared_out_when_its_cost_says_it_is_worth_it() -> None:
    # A site built anew of a few hundred papers has fewer pages than the executor's threshold, but
    # enough work to be worth a worker (``share_from``: pipeline.SHARED_RENDER_COST).
    def work(share: list[int]) -> tuple[int, list[int]]:
        return os.getpid(), share

    executor = ProcessExecutor(2)  # (its own threshold: 2,000 items)
    shared = executor.map_shares(work, [1, 2, 3, 4], cost=lambda item: 100.0, share_from=300.0)
    assert sorted(item for _, share in shared for item in share) == [1, 2, 3, 4]
    assert shared[0][0] == os.getpid() and len({pid for pid, _ in shared}) == 2
    for kept in (executor.map_shares(work, [1, 2], cost=lambda item: 100.0, share_from=300.0),
                 executor.map_shares(work, [1, 2, 3, 4], cost=lambda item: 100.0),
                 ProcessExecutor(1).map_shares(work, [1, 2, 3, 4], cost=lambda item: 100.0, share_from=1.0)):
        assert kept == [(os.getpid(), kept[0][1])] and len(kept[0][1]) in (2, 4)


def test_an_error_in_a_workers_share_is_raised_here() -> None:
    def work(share: list[int]) -> list[int]:
        if 3 in share:
            raise UserError([])  # e.g. a template mistake met while rendering a page of the share
        return share

    with pytest.raises(UserError):
        ProcessExecutor(2, threshold=0).map_shares(work, [0, 1, 2, 3])


def test_a_site_built_anew_loads_its_records_in_another_process_and_reports_a_missing_folder(
        tmp_path: Path) -> None:
    # The load stage starts in another process while this one imports the rest of the pipeline;
    # what it cannot do is done again here, so the user gets the same message.
    with pytest.raises(UserError, match="no such folder"):
        build_site(tmp_path / "missing", TEMPLATES, tmp_path / "site", SiteConfig(), executor=BESIDE)


def test_work_is_done_here_when_this_process_cannot_be_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    # fork fails when the system has no memory or processes left for a copy of this one (a large
    # catalog's build): the build goes on in this process, without a traceback.
    def no_fork() -> int:
        raise OSError(errno.ENOMEM, "Cannot allocate memory")

    ignored: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    monkeypatch.setattr(os, "fork", no_fork)
    assert BESIDE.start(os.getpid, 1).result() == os.getpid()
    assert ProcessExecutor(2, threshold=0).map_shares(lambda share: share, [1, 2, 3, 4]) == [[1, 3], [2, 4]]
    gc.collect()
    assert ignored == []


class _Interrupted(Exception):
    pass


def test_a_wait_for_started_work_that_is_interrupted_stops_its_process() -> None:
    # (Ctrl-C while a build waits for the check's process: no child is left running, or a zombie)
    def interrupt(signum: int, frame: object) -> None:
        raise _Interrupted

    pending = BESIDE.start(lambda: time.sleep(30), 1)
    pid = pending._pid  # type: ignore[attr-defined]
    before = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(_Interrupted):
            pending.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    del pending
    gc.collect()
    with pytest.raises(ChildProcessError):  # stopped and reaped: no longer this process's child
        os.waitpid(pid, os.WNOHANG)


def _children() -> set[int]:
    """This process's child processes (Linux)."""
    return {int(pid) for task in Path("/proc/self/task").iterdir()
            for pid in (task / "children").read_text().split()}


@pytest.mark.skipif(not Path(f"/proc/self/task/{os.getpid()}/children").exists(), reason="Linux's /proc")
def test_when_this_processs_share_fails_the_workers_are_stopped_at_once() -> None:
    # (a template mistake met in the first share: the error is reported at once, and the workers
    # do not go on rendering their shares, or linger while the error is still held)
    def work(share: list[int]) -> list[int]:
        if 0 in share:
            raise ValueError("a mistake in the first share")
        time.sleep(30)
        return share

    before = _children()
    with pytest.raises(ValueError, match="first share") as raised:
        ProcessExecutor(3, threshold=0).map_shares(work, list(range(6)))
    assert _children() == before
    assert raised.traceback  # (the error, and the frames it holds, are still kept here)


def test_work_left_running_when_python_exits_is_stopped_without_a_message() -> None:
    # (a script that started work and never collected it: at exit, the child is stopped quietly)
    script = ("import time\nfrom phenomena_catalog.executors import ProcessExecutor\n"
              "pending = ProcessExecutor(2, background_threshold=0).start(lambda: time.sleep(30), 1)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=25)
    assert (done.returncode, done.stderr) == (0, "")


SERVE_COUNTING_FORKS = """\
import functools, os, sys, threading
log = open(sys.argv[1], "a", buffering=1)
fork = os.fork
def counted_fork():
    threads = threading.active_count()
    pid = fork()
    if pid:
        log.write(f"{threads}\\n")
    return pid
os.fork = counted_fork
from phenomena_catalog.commands import serve
from phenomena_catalog.executors import ProcessExecutor
# (any work worth a process: the fixture catalog is far below the real thresholds)
serve.ProcessExecutor = functools.partial(ProcessExecutor, threshold=0, background_threshold=0)
from phenomena_catalog.cli import main
main(["serve", "--port", "0", "--jobs", "2"])
"""


def test_serve_forks_workers_before_its_threads_start_and_never_after(tmp_path: Path) -> None:
    # A child forked from a process with threads can hang on a lock another thread held at the
    # fork. serve's first build shares its work out before the server and the watcher start; the
    # rebuilds run in the one process, here a template edit that re-renders every paper page.
    from test_build_cli import _Lines

    shutil.copytree(FIXTURES / "catalog" / "papers", tmp_path / "papers")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    forks = tmp_path / "forks.log"
    process = subprocess.Popen([sys.executable, "-c", SERVE_COUNTING_FORKS, str(forks)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = _Lines(process)
    try:
        assert lines.next().startswith("Built site/: ")
        assert lines.next().startswith("Serving site/")
        assert lines.next().startswith("Watching ")
        first_build = forks.read_text().split()
        assert first_build and set(first_build) == {"1"}  # its work was forked out, with no thread beside

        template = tmp_path / "templates" / "paper.html"
        template.write_text(template.read_text().replace("<h1>", '<h1 class="edited-title">'))
        assert lines.next() == "Changed: paper.html\n"
        assert lines.next().startswith("Built site/: ")
        assert 'class="edited-title"' in (tmp_path / "site" / "papers" / "nakkiran2020deep.html").read_text()
        assert forks.read_text().split() == first_build  # the rebuild forked nothing
    finally:
        process.terminate()
        process.wait(timeout=10)
