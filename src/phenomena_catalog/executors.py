"""How a stage's work is spread over processes, and how the garbage collector is tuned around it.

A stage with many independent items (record files to parse, pages to render) hands them to an
``Executor`` together with a function that processes one share of them. The executor decides
whether worker processes pay off and how the items are shared out; stages never start processes,
and the build command never shares work out itself.
"""

from __future__ import annotations

import gc
import heapq
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_THRESHOLD = 2000
"""Below this many items, starting worker processes costs more than it saves."""


class Executor(Protocol):
    """Runs a function over shares of a list of items; results come back in share order."""

    def map_shares(self, work: Callable[[list[T]], R], items: Sequence[T], *,
                   cost: Callable[[T], float] | None = None,
                   together: Callable[[T], bool] | None = None) -> list[R]:
        """``work`` applied to shares of ``items``: shares of about equal total ``cost``, and every
        item for which ``together`` is true in the same share (so a cache inside ``work`` is
        filled once, not once per process)."""
        ...


class SerialExecutor:
    """Everything in this process, as one share."""

    def map_shares(self, work: Callable[[list[T]], R], items: Sequence[T], *,
                   cost: Callable[[T], float] | None = None,
                   together: Callable[[T], bool] | None = None) -> list[R]:
        return [work(list(items))]


# Worker processes are forked after this is set, so they inherit the work function and its items
# (compiled templates, the indexed catalog) instead of receiving them pickled.
_FORKED_TASK: tuple[Callable[[list[Any]], Any], Sequence[Any]] | None = None


def _run_share(indexes: list[int]) -> Any:
    assert _FORKED_TASK is not None
    work, items = _FORKED_TASK
    return work([items[i] for i in indexes])


class ProcessExecutor:
    """One share per core for lists of at least ``threshold`` items: this process works on the
    first share while forked worker processes work on the others.

    Where ``fork`` is not available (Windows, macOS' default) or the list is short, the work runs
    in this process. Only the workers' results travel back between processes, pickled; this
    process's own share needs neither a process of its own nor pickling (at 50,000 records that
    was 0.7 s of CPU time in the load stage, and one more copy of the memory workers touch).
    """

    def __init__(self, workers: int | None = None, threshold: int = PARALLEL_THRESHOLD) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.threshold = threshold

    def map_shares(self, work: Callable[[list[T]], R], items: Sequence[T], *,
                   cost: Callable[[T], float] | None = None,
                   together: Callable[[T], bool] | None = None) -> list[R]:
        global _FORKED_TASK
        if self.workers == 1 or len(items) < self.threshold:
            return [work(list(items))]
        # Imported here: a build of fewer than PARALLEL_THRESHOLD records never needs them (10 ms).
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if "fork" not in multiprocessing.get_all_start_methods():
            return [work(list(items))]
        shares = share_out(items, self.workers, cost, together)
        _FORKED_TASK = (work, items)
        try:
            with ProcessPoolExecutor(self.workers - 1, mp_context=multiprocessing.get_context("fork")) as pool:
                # The workers are forked at the first submit, before this process starts on its share.
                others = [pool.submit(_run_share, share) for share in shares[1:]]
                first = work([items[i] for i in shares[0]])
                return [first, *(future.result() for future in others)]
        finally:
            _FORKED_TASK = None


def share_out(items: Sequence[T], shares: int, cost: Callable[[T], float] | None = None,
              together: Callable[[T], bool] | None = None) -> list[list[int]]:
    """Split item indexes into ``shares`` lists of about equal total cost.

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
            heapq.heappush(heap, (load + weigh(item), number))
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
