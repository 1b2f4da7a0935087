"""How a stage's work is spread over processes, and how the garbage collector is tuned around it.

A stage with many independent items (record files to parse, pages to render) hands them to an
``Executor`` together with a function that processes one share of them. The executor decides
whether worker processes pay off and how the items are shared out; stages never start processes,
and the build command never shares work out itself.

A piece of work the next steps do not need at once (the check stage, the search index) can also
be ``start``-ed: it then runs in another process beside this one's next steps, on the other core,
and its result is collected when it is needed.
"""

from __future__ import annotations

import functools
import gc
import heapq
import itertools
import mmap
import os
import pickle
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
W = TypeVar("W")
P = TypeVar("P", bound="Pending[Any]")

PARALLEL_THRESHOLD = 2000
"""Below this many items, starting worker processes costs more than it saves."""
BACKGROUND_THRESHOLD = 500
"""Work on fewer papers than this is not worth a process of its own (``Executor.start``): forking and
handing the result back take a few milliseconds, about what the check stage takes on 50 papers."""


class Executor(Protocol):
    """Runs a function over shares of a list of items; results come back in share order."""

    def map_shares(self, work: Callable[[list[T]], R], items: Sequence[T], *,
                   cost: Callable[[T], float] | None = None,
                   together: Callable[[T], bool] | None = None,
                   share_from: float | None = None) -> list[R]:
        """``work`` applied to shares of ``items``: shares of about equal total ``cost``, and every
        item for which ``together`` is true in the same share (so a cache inside ``work`` is
        filled once, not once per process). ``share_from``: a total ``cost`` from which the items
        are worth sharing out however few they are, for a caller whose costs are the work's own
        (a build's pages from scratch: ``pipeline.SHARED_RENDER_COST``)."""
        ...

    def map_claimed(self, work: Callable[[Iterable[T]], R], items: Sequence[T], *,
                    here: Callable[[T], bool], cost: Callable[[T], float] | None = None,
                    share_from: float | None = None,
                    first: Callable[[Iterable[T]], R] | None = None) -> list[R]:
        """``work`` applied to ``items`` as each process claims them, one at a time, so that all
        end together however long each item takes and however busy the machine: the items ``here``
        is true of go to this process (in their order), before any item it claims. ``cost`` and
        ``share_from`` say whether the items are worth more than one process, as for ``map_shares``.
        ``first``: what the first worker process does with the items it claims, in place of
        ``work`` (work of its own, then ``work``: the claiming evens out the rest), when the
        items are shared out; its result is the second. Unused when they are not: its caller
        then does that work itself, if it must."""
        ...

    def start(self, work: Callable[[], R], size: int) -> Pending[R]:
        """``work()``, run beside what this process does next where that pays (``size``: how many
        papers it works on); ``result()`` collects it. ``work`` must leave this process's objects
        as they are: what it changes in another process is lost. It returns what the caller needs."""
        ...

    def from_both_ends(self, work: Callable[[T], W], items: Sequence[T], *,
                       hand_back: Callable[[Iterator[W]], R], size: int) -> Pending[R]:
        """``work`` done on each of ``items`` once: by another process from the first on (``start``),
        which hands back ``hand_back`` of what it did (``work``'s results, as it goes), and by this
        one from the last on, until the two meet, however busy each is; returns once this process's
        part is done, with the other's to collect. ``work`` changes this process's objects: the
        other process's part must come back through ``hand_back``."""
        ...


class Pending(Generic[R]):
    """Work started by ``Executor.start``, or done already."""

    def __init__(self, value: R) -> None:
        self._value = value

    def result(self) -> R:
        """What the work returned; an exception it raised is raised here."""
        return self._value

    def stop(self) -> None:
        """Stop the work if it still runs elsewhere (its result is then not needed: a failed build)."""


def start_in_turn(executor: Executor, works: Sequence[Callable[[], Any]], size: int) -> list[Pending[Any]]:
    """Each of ``works`` run one after the other, in order, in one process beside this one
    (``Executor.start``; ``size``: how many papers they work on), rather than each in a process of
    its own: on two cores, three processes started beside one that goes on with the build took
    the build's process a third of its core while they ran, and left the other core idle once
    they were done (the index stage at 10,000 papers). A work's ``Pending`` gives its result, once
    all are done (they come back together: put first what is needed first); stopping one stops all."""
    if not works:
        return []
    together = executor.start(functools.partial(_in_turn, tuple(works)), size)
    return [_Part(together, number) for number in range(len(works))]


def _in_turn(works: Sequence[Callable[[], Any]]) -> tuple[Any, ...]:
    return tuple(work() for work in works)


class _Part(Pending[Any]):
    """One work's result among those ``start_in_turn`` started together."""

    def __init__(self, together: Pending[tuple[Any, ...]], number: int) -> None:
        self._together, self._number = together, number

    def result(self) -> Any:
        return self._together.result()[self._number]

    def stop(self) -> None:
        self._together.stop()


class StartedWork:
    """The executor of one build, holding every piece of work the build started beside its own
    steps (``start``, and work started before it, ``held``): each is collected where the build
    needs it (``Pending.result``), and a build that fails stops all of it at once (``stop_all``),
    so no process is left writing (the next cache's fields ahead, say) after the failed build has
    removed what it wrote. Sharing work out (``map_shares``, ``map_claimed``) is the executor's:
    it returns only once every worker is done or stopped."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self._started: list[Pending[Any]] = []

    def start(self, work: Callable[[], R], size: int) -> Pending[R]:
        return self.held(self.executor.start(work, size))

    def from_both_ends(self, work: Callable[[T], W], items: Sequence[T], *,
                       hand_back: Callable[[Iterator[W]], R], size: int) -> Pending[R]:
        return _from_both_ends(self.start, work, items, hand_back, size)

    def held(self, pending: P) -> P:
        """``pending``, started before the build (its load, its templates compiling), held with the rest."""
        self._started.append(pending)
        return pending

    def stop_all(self) -> None:
        """Stop whatever still runs (work collected already is left as it is)."""
        started, self._started = self._started, []
        for pending in started:
            pending.stop()

    def map_shares(self, work: Callable[[list[T]], R], items: Sequence[T], *,
                   cost: Callable[[T], float] | None = None,
                   together: Callable[[T], bool] | None = None,
                   share_from: float | None = None) -> list[R]:
        return self.executor.map_shares(work, items, cost=cost, together=together, share_from=share_from)

    def map_claimed(self, work: Callable[[Iterable[T]], R], items: Sequence[T], *,
                    here: Callable[[T], bool], cost: Callable[[T], float] | None = None,
                    share_from: float | None = None,
                    first: Callable[[Iterable[T]], R] | None = None) -> list[R]:
        return self.executor.map_claimed(work, items, here=here, cost=cost, share_from=share_from, first=first)


class SerialExecutor:
    """Everything in this process, as one share."""

    def map_shares(self, work: Callable[[list[T]], R], items: Sequence[T], *,
                   cost: Callable[[T], float] | None = None,
                   together: Callable[[T], bool] | None = None,
                   share_from: float | None = None) -> list[R]:
        return [work(list(items))]

    def map_claimed(self, work: Callable[[Iterable[T]], R], items: Sequence[T], *,
                    here: Callable[[T], bool], cost: Callable[[T], float] | None = None,
                    share_from: float | None = None,
                    first: Callable[[Iterable[T]], R] | None = None) -> list[R]:
        return [work(_here_first(items, here))]

    def start(self, work: Callable[[], R], size: int) -> Pending[R]:
        return Pending(work())

    def from_both_ends(self, work: Callable[[T], W], items: Sequence[T], *,
                       hand_back: Callable[[Iterator[W]], R], size: int) -> Pending[R]:
        return _from_both_ends(self.start, work, items, hand_back, size)


class ProcessExecutor:
    """One share per core for lists of at least ``threshold`` items: this process works on the
    first share while forked worker processes work on the others (``_Forked``).

    Where ``fork`` is not available (Windows) or the list is short, the work runs in this process.
    Only the workers' results travel back between processes, pickled; this process's own share
    needs neither a process of its own nor pickling (at 50,000 records that was 0.7 s of CPU time
    in the load stage, and one more copy of the memory workers touch).
    """

    def __init__(self, workers: int | None = None, threshold: int = PARALLEL_THRESHOLD,
                 background_threshold: int = BACKGROUND_THRESHOLD) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.threshold = threshold
        self.background_threshold = background_threshold

    def start(self, work: Callable[[], R], size: int) -> Pending[R]:
        """``work()`` in a forked process (it inherits everything this one made, nothing is sent to
        it), when there is more than one worker, ``fork`` exists and ``size`` is worth a process."""
        if self.workers == 1 or size < self.background_threshold or not hasattr(os, "fork"):
            return Pending(work())
        return _Forked(work)

    def from_both_ends(self, work: Callable[[T], W], items: Sequence[T], *,
                       hand_back: Callable[[Iterator[W]], R], size: int) -> Pending[R]:
        return _from_both_ends(self.start, work, items, hand_back, size)

    def map_shares(self, work: Callable[[list[T]], R], items: Sequence[T], *,
                   cost: Callable[[T], float] | None = None,
                   together: Callable[[T], bool] | None = None,
                   share_from: float | None = None) -> list[R]:
        if not self._worth_sharing(items, cost, share_from):
            return [work(list(items))]
        shares = share_out(items, self.workers, cost, together)
        # Each worker is forked with the work function and its items (compiled templates, the
        # indexed catalog) in its memory: only its share's indexes reach it, and only its result
        # comes back. (A process pool took 50 ms more to start, and its pickling of tasks.)
        others = [_Forked(functools.partial(_run_share, work, items, share)) for share in shares[1:]]
        try:
            first = work([items[i] for i in shares[0]])
        except BaseException:
            for other in others:  # (their results are not needed: the error is the build's report)
                other.stop()
            raise
        return [first, *(other.result() for other in others)]

    def map_claimed(self, work: Callable[[Iterable[T]], R], items: Sequence[T], *,
                    here: Callable[[T], bool], cost: Callable[[T], float] | None = None,
                    share_from: float | None = None,
                    first: Callable[[Iterable[T]], R] | None = None) -> list[R]:
        """Each forked worker claims the items of its stretch of the others (those ``here`` is not
        true of) from its first on; this process, once its own items are done, claims from the last
        of each stretch on, until they meet. (Shares of estimated cost left this process 20% more
        work at 10,000 papers: planning list pages was not in the estimate, and a busy machine
        slows either process.)"""
        if not self._worth_sharing(items, cost, share_from):
            return [work(_here_first(items, here))]
        rest = [item for item in items if not here(item)]
        stretches = [len(rest) * number // (self.workers - 1) for number in range(self.workers)]
        claimed = claims(len(rest))  # (a worker claims from the front, this process from the back)
        others = [_Forked(functools.partial(first if first is not None and not number else work,
                                            _ClaimedFromFront(rest, claimed, start, end)))
                  for number, (start, end) in enumerate(itertools.pairwise(stretches))]
        try:
            mine = work(itertools.chain((item for item in items if here(item)),
                                        _claimed_from_back(rest, claimed, stretches)))
        except BaseException:
            for other in others:
                other.stop()
            raise
        return [mine, *(other.result() for other in others)]

    def _worth_sharing(self, items: Sequence[T], cost: Callable[[T], float] | None, share_from: float | None) -> bool:
        """Whether ``items`` are worth worker processes: ``threshold`` of them, or a total ``cost`` of
        ``share_from``."""
        return self.workers > 1 and hasattr(os, "fork") and (
            len(items) >= self.threshold
            or (share_from is not None and cost is not None and sum(map(cost, items)) >= share_from))


def _run_share(work: Callable[[list[T]], R], items: Sequence[T], indexes: list[int]) -> R:
    return work([items[i] for i in indexes])


def _here_first(items: Sequence[T], here: Callable[[T], bool]) -> Iterator[T]:
    """``items``, those ``here`` is true of first (each part in its order)."""
    return itertools.chain((item for item in items if here(item)), (item for item in items if not here(item)))


def _from_both_ends(start: Callable[[Callable[[], R], int], Pending[R]], work: Callable[[T], W],
                    items: Sequence[T], hand_back: Callable[[Iterator[W]], R], size: int) -> Pending[R]:
    """``Executor.from_both_ends``, with the executor's ``start``. Where ``start`` runs the work
    here at once, every item is done then, and none is left for this process's own part."""
    claimed = claims(len(items))
    other = start(functools.partial(hand_back, map(work, claimed_from_front(items, claimed))), size)
    for item in claimed_from_back(items, claimed):
        work(item)
    return other


FRONT, BACK = 1, 2
"""Who claimed an item in ``claims``: the process working from the front, or from the back."""


def claims(count: int) -> mmap.mmap:
    """Memory shared with forked processes, a byte an item: 0 until a process claims it (``FRONT``,
    ``BACK``), so two processes working towards each other end together, however busy each is."""
    return mmap.mmap(-1, max(count, 1))


def claimed_from_front(items: Sequence[T], claimed: mmap.mmap, start: int = 0, end: int | None = None) -> Iterator[T]:
    """``items[start:end]`` from the first on, each claimed before it is yielded, up to one the
    process working from the back claimed; no item is done twice but one the two reached at the same
    moment (done twice, the same). Run again after its process failed, it yields the items it
    claimed again."""
    for index in range(start, len(items) if end is None else end):
        if claimed[index] == BACK:
            return
        claimed[index] = FRONT
        yield items[index]


def claimed_from_back(items: Sequence[T], claimed: mmap.mmap, start: int = 0, end: int | None = None) -> Iterator[T]:
    """``items[start:end]`` from the last on, each claimed before it is yielded, up to one claimed
    by either process (``claimed_from_front``)."""
    for index in range(len(items) - 1 if end is None else end - 1, start - 1, -1):
        if claimed[index]:
            return
        claimed[index] = BACK
        yield items[index]


class _ClaimedFromFront(Iterable[T]):
    """A worker's stretch ``items[start:end]`` (``claimed_from_front``). Iterated again in this
    process (its worker failed, and ``_Forked`` does the work here), it is what this process did not
    claim: the worker's work is lost with it."""

    def __init__(self, items: Sequence[T], claimed: mmap.mmap, start: int, end: int) -> None:
        self.items, self.claimed, self.start, self.end = items, claimed, start, end
        self.process = os.getpid()

    def __iter__(self) -> Iterator[T]:
        items, claimed = self.items, self.claimed
        if os.getpid() == self.process:
            return (items[index] for index in range(self.start, self.end) if claimed[index] != BACK)
        return claimed_from_front(items, claimed, self.start, self.end)


def _claimed_from_back(items: Sequence[T], claimed: mmap.mmap, stretches: list[int]) -> Iterator[T]:
    """The workers' stretches (``items`` between two ``stretches`` bounds) claimed from the last item
    of each on (``claimed_from_back``), one stretch after the other in turn, until each meets what
    its worker claimed."""
    backs = [claimed_from_back(items, claimed, start, end) for start, end in itertools.pairwise(stretches)]
    while backs:
        for back in list(backs):
            item = next(back, _DONE)
            if item is _DONE:
                backs.remove(back)
            else:
                yield item


_DONE: Any = object()


class _Forked(Pending[R]):
    """``work()`` running in a forked child process, which writes its pickled result into a pipe.

    The child never reports an error itself: when it failed (or its result could not be pickled,
    or it died), ``result`` runs ``work()`` again in this process, which raises the error with its
    real traceback, or returns the result; so does a fork that fails (no memory left for a copy of
    this process). Work started and never collected (a failed build in ``serve``), or whose wait was
    interrupted (Ctrl-C), is stopped and its process reaped.
    """

    def __init__(self, work: Callable[[], R]) -> None:
        self._work: Callable[[], R] | None = work
        self._pid: int | None = None
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # (no memory or processes left for a copy of this one: ``result`` does the work)
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: it must end in os._exit, whatever happens
            status = 1  # (failed, or its result not written whole: ``result`` does the work again)
            try:
                os.close(read)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid = pid
        self._read = read

    def result(self) -> R:
        if self._work is not None:
            data = None
            if self._pid is not None:
                try:
                    with os.fdopen(self._read, "rb") as pipe:
                        data = pipe.read()  # (until the child closes its end: when it is done)
                finally:
                    # Interrupted (Ctrl-C), the child is stopped and reaped rather than left behind.
                    if self._end(stop=data is None) != 0:
                        data = None
            work, self._work = self._work, None
            self._value = pickle.loads(data) if data else work()
        return self._value

    def stop(self) -> None:
        """Stop the child, if it still runs, and reap it (``result`` would then do the work here)."""
        if self._pid is not None:
            os.close(self._read)
            self._end(stop=True)

    def _end(self, stop: bool) -> int:
        """Reap the child (killed first if ``stop``); its wait status."""
        pid, self._pid = self._pid, None
        assert pid is not None
        if stop:
            os.kill(pid, signal.SIGKILL)  # (signal imported with the module: not in __del__ at exit)
        return os.waitpid(pid, 0)[1]

    def __del__(self) -> None:
        self.stop()


FORKED_COST = 1.15
"""How much longer a forked worker takes over the same items than the process that forked it (by
``cost``): it copies each page of memory it touches (copy on write) and pickles its result. Its
share was 12-25% slower in builds of 1,000 and 10,000 papers, so this process waited at the end."""


def share_out(items: Sequence[T], shares: int, cost: Callable[[T], float] | None = None,
              together: Callable[[T], bool] | None = None) -> list[list[int]]:
    """Split item indexes into ``shares`` lists of about equal total cost, the first for this
    process, the others for forked workers (whose items weigh ``FORKED_COST`` times more).

    Items ``together`` says belong together go to the first share; the others fill the shares,
    each to the one with the least work so far. Without a cost, items are dealt out in turn.
    """
    if cost is None and together is None:
        return [list(range(number, len(items), shares)) for number in range(shares)]
    weigh = cost or (lambda item: 1.0)
    indexes: list[list[int]] = [[] for _ in range(shares)]
    loads = [0.0] * shares
    if together is not None:
        for index, item in enumerate(items):
            if together(item):
                indexes[0].append(index)
                loads[0] += weigh(item)
    heap = [(load, number) for number, load in enumerate(loads)]
    heapq.heapify(heap)
    for index, item in enumerate(items):
        if together is None or not together(item):
            load, number = heapq.heappop(heap)
            indexes[number].append(index)
            heapq.heappush(heap, (load + weigh(item) * (FORKED_COST if number else 1.0), number))
    return indexes


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off while long-lived objects are made.

    Loading and indexing allocate a few hundred thousand long-lived objects and no garbage cycles:
    the collector would rescan them over and over (about 20% of the load). It is restored as it
    was, whatever fails (``serve`` goes on after a failed build).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def collector_frozen() -> Iterator[None]:
    """Move every object made so far out of the collector's reach, and turn it on for what follows.

    Rendering does make cycles (Jinja's contexts), so the collector must run; frozen objects are
    neither rescanned nor touched (and so not copied) in the memory forked workers share.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()
        if not was_enabled:
            gc.disable()
