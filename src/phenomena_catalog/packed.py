"""Arrays kept as tables of bytes, a block of rows an entry: the form in which the build cache
keeps the related-papers and search-index update states (``related.RelatedIndex``, ``search_index``).

``cache_store`` writes a large dict of immutable values as a table: a base, then after an edit a
small delta of the entries that changed. A state whose arrays are one entry per block of ``BLOCK``
rows (papers, terms) is written, after a one-record edit, as the few blocks the edit changed; and
with a few thousand entries rather than one a row, comparing it with what was read costs little::

    >>> import numpy as np
    >>> dtype = np.dtype([("col", "<i4"), ("count", "<u2")])
    >>> table = pack_rows([0, 2, 2, 3], {"col": np.array([7, 8, 9]), "count": np.array([1, 2, 3])}, dtype, block=2)
    >>> sorted(table), [len(lengths) // 4 for lengths, _ in table.values()]
    ([0, 1], [2, 1])
    >>> indptr, back = unpack_rows(table, 3, dtype, block=2)
    >>> indptr.tolist(), back["col"].tolist(), back["count"].tolist()
    ([0, 2, 2, 3], [7, 8, 9], [1, 2, 3])

Rows are packed as records (``numpy`` structured dtypes, little-endian, no padding); unpacking
gives the records, read-only, and ``column`` each field as an array of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

BLOCK = 32
"""Rows per table entry (when a function is not given ``block``)."""
_CHUNK = 128 * BLOCK
"""Rows whose records are made at a time: the whole table is never held twice while it is packed."""

Block = tuple[bytes, bytes]
"""A block of rows: each row's number of records (uint32), then the records."""


def records(dtype: np.dtype[Any] | list[tuple[Any, ...]], size: int, /, **fields: Any) -> np.ndarray:
    """``size`` records of ``dtype`` with each of ``fields`` set (the others zero)."""
    out = np.zeros(size, dtype=dtype)
    for name, values in fields.items():
        out[name] = values
    return out


def pack_rows(indptr: np.ndarray | Sequence[int], fields: Mapping[str, np.ndarray], dtype: np.dtype[Any],
              block: int | None = None) -> dict[int, Block]:
    """The rows of a CSR structure (``indptr``: where each row's entries start, and the last one's
    end; ``fields``: each field's values, by entry) as records of ``dtype``, ``block`` rows an
    entry, by block number."""
    block = block or BLOCK
    indptr = np.asarray(indptr, dtype=np.int64)
    rows = len(indptr) - 1
    lengths = np.diff(indptr).astype("<u4").tobytes()
    size = np.dtype(dtype).itemsize
    out: dict[int, Block] = {}
    chunk = max(block, _CHUNK // block * block)
    for first in range(0, rows, chunk):
        last = min(first + chunk, rows)
        start, stop = int(indptr[first]), int(indptr[last])
        data = records(dtype, stop - start, **{name: values[start:stop] for name, values in fields.items()}).tobytes()
        cuts = indptr[first : last + 1 : block].tolist()
        if (last - first) % block:
            cuts.append(stop)
        for number, (a, b) in enumerate(itertools.pairwise(cuts), start=first // block):
            out[number] = (lengths[number * block * 4 : (number + 1) * block * 4],
                           data[(a - start) * size : (b - start) * size])
    return out


def unpack_rows(table: Mapping[int, Block], rows: int, dtype: np.dtype[Any], block: int | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """The CSR structure ``pack_rows`` packed: ``indptr`` of its ``rows`` rows, and the records
    (read-only: ``column`` copies a field out). A missing or damaged block raises KeyError or ValueError."""
    block = block or BLOCK
    found = [table[number] for number in range(-(-rows // block))]
    lengths = np.frombuffer(b"".join([lengths for lengths, _ in found]), dtype="<u4")
    if len(lengths) != rows:
        raise ValueError(f"{rows} rows expected, {len(lengths)} found")
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    entries = np.frombuffer(b"".join([data for _, data in found]), dtype=dtype)
    if len(entries) != indptr[-1]:
        raise ValueError(f"{indptr[-1]} records expected, {len(entries)} found")
    return indptr, entries


class Kept(NamedTuple):
    """A table as read from the build cache and what it unpacked to (``unpack_kept``): packing the
    arrays again (``repack_rows``) reuses its blocks whose rows did not change, the very objects
    read, which the cache then does not compare byte by byte nor write again."""

    table: Mapping[int, Block]
    indptr: np.ndarray
    entries: np.ndarray


def unpack_kept(table: Mapping[int, Block], rows: int, dtype: np.dtype[Any], block: int | None = None) -> Kept:
    """``unpack_rows``, kept with its table (``Kept``): its ``indptr`` and ``entries`` are the
    caller's to read, never to change."""
    indptr, entries = unpack_rows(table, rows, dtype, block)
    return Kept(table, indptr, entries)


def repack_rows(indptr: np.ndarray | Sequence[int], fields: Mapping[str, np.ndarray], dtype: np.dtype[Any],
                kept: Kept | None, block: int | None = None) -> dict[int, Block]:
    """``pack_rows``, equal to it, but each block whose rows are those ``kept`` holds, byte for
    byte, is ``kept``'s own: only the blocks an edit changed are packed again."""
    block = block or BLOCK
    indptr = np.asarray(indptr, dtype=np.int64)
    rows = len(indptr) - 1
    if kept is None or kept.entries.dtype != np.dtype(dtype) or not rows:
        return pack_rows(indptr, fields, dtype, block)
    data = records(dtype, int(indptr[-1]), **fields)
    changed = changed_rows(indptr, data, kept.indptr, kept.entries)
    if len(kept.indptr) > len(indptr) and rows % block:  # (the last block lost rows)
        changed[-1] = True
    changed_blocks = set(np.flatnonzero(changed).__floordiv__(block).tolist())
    all_lengths = np.diff(indptr).astype("<u4")
    out: dict[int, Block] = {}
    for number in range(-(-rows // block)):
        if number not in changed_blocks and number in kept.table:
            out[number] = kept.table[number]
            continue
        first, last = number * block, min(number * block + block, rows)
        out[number] = (all_lengths[first:last].tobytes(), data[int(indptr[first]) : int(indptr[last])].tobytes())
    return out


def changed_rows(indptr: np.ndarray, new: np.ndarray, old_indptr: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Which rows of a CSR structure (``indptr``, the records ``new``) differ from those of
    ``old_indptr`` and the records ``old`` (of the same type, both contiguous): a row past the old
    ones, of another length, or one of whose records differs in a byte."""
    rows, old_rows = len(indptr) - 1, len(old_indptr) - 1
    common = min(rows, old_rows)
    same = np.diff(indptr[: common + 1]) == np.diff(old_indptr[: common + 1])
    changed = np.ones(rows, dtype=bool)  # (rows past the old ones are new)
    changed[:common] = ~same
    # Runs of rows of the same length are runs of records side by side, compared 8 bytes at a time
    # a run at a time (an edit changes the length of a few rows, so there are few runs; comparing
    # bytes one by one, then finding each record's, cost 8 times as much).
    width = new.dtype.itemsize
    new_bytes, old_bytes = new.view(np.uint8), old.view(np.uint8)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], same, [False])).astype(np.int8)))
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        start, stop, shift = int(old_indptr[a]), int(old_indptr[b]), int(indptr[a] - old_indptr[a])
        was = old_bytes[start * width : stop * width]
        now = new_bytes[(start + shift) * width : (stop + shift) * width]
        whole = len(was) // 8 * 8
        at = np.flatnonzero(was[:whole].view(np.uint64) != now[:whole].view(np.uint64)) * 8
        at = np.concatenate((at, at + 7, np.flatnonzero(was[whole:] != now[whole:]) + whole))
        if len(at):  # (the records of the differing bytes: both of those a word spans)
            changed[np.searchsorted(old_indptr, at // width + start, side="right") - 1] = True
    return changed


def repack_fixed(fields: Mapping[str, np.ndarray], dtype: np.dtype[Any], kept: Kept | None,
                 block: int | None = None) -> dict[int, Block]:
    """``pack_fixed``, reusing ``kept``'s unchanged blocks (``repack_rows``)."""
    rows = len(next(iter(fields.values())))
    return repack_rows(np.arange(rows + 1), fields, dtype, kept, block)


def pack_fixed(fields: Mapping[str, np.ndarray], dtype: np.dtype[Any], block: int | None = None
               ) -> dict[int, Block]:
    """One record a row (each row of the fields' values), ``block`` rows an entry."""
    block = block or BLOCK
    rows = len(next(iter(fields.values())))
    return pack_rows(np.arange(rows + 1), fields, dtype, block)


def unpack_fixed(table: Mapping[int, Block], rows: int, dtype: np.dtype[Any], block: int | None = None
                 ) -> np.ndarray:
    """The records ``pack_fixed`` packed, one a row."""
    block = block or BLOCK
    _, entries = unpack_rows(table, rows, dtype, block)
    if len(entries) != rows:
        raise ValueError(f"{rows} rows of one record expected, {len(entries)} found")
    return entries


def blocks(items: Sequence[Any], block: int | None = None) -> dict[int, tuple[Any, ...]]:
    """``items`` (immutable values), ``block`` an entry, by block number."""
    block = block or BLOCK
    return {number: tuple(items[start : start + block]) for number, start in enumerate(range(0, len(items), block))}


def unblocks(table: Mapping[int, tuple[Any, ...]], size: int, block: int | None = None) -> list[Any]:
    """The ``size`` items ``blocks`` packed."""
    block = block or BLOCK
    items = [item for number in range(-(-size // block)) for item in table[number]]
    if len(items) != size:
        raise ValueError(f"{size} items expected, {len(items)} found")
    return items


def pack_by_key(mapping: Mapping[str, Any] | None, keys: Sequence[str | None]) -> object:
    """``mapping``'s values in blocks (``blocks``) in the order of ``keys``, when those are its keys
    (a few thousand entries to compare, not one a key); else ``mapping`` itself."""
    if mapping is None or len(mapping) != len(keys) or not all(map(mapping.__contains__, keys)):
        return mapping
    found: dict[int, object] = {_BY_KEY: "by key"}  # (a dict itself: the build cache finds tables in dicts)
    found.update(blocks([mapping[key] for key in keys]))  # type: ignore[index]
    return found


def unpack_by_key(packed: Any, keys: Sequence[str | None]) -> Any:
    """The mapping ``pack_by_key`` packed."""
    if isinstance(packed, dict) and packed.get(_BY_KEY) == "by key":
        return dict(zip(keys, unblocks(packed, len(keys)), strict=True))
    return packed


_BY_KEY = -1


def column(entries: np.ndarray, name: str, dtype: Any = None) -> np.ndarray:
    """One field of records as a contiguous, writable array of its own (of ``dtype``, when given)."""
    return np.array(entries[name], dtype=dtype, order="C", copy=True)


COUNT_MAX = 65535
"""Counts up to this (every count in any real catalog) are kept in 16 bits."""


def count_type(counts: Sequence[np.ndarray]) -> type:
    """The smallest type that holds every one of ``counts`` (whole numbers, or not) exactly:
    np.uint16, else np.float32 (counts are below 2**24, exact in a float32)."""
    fits = all(not len(c) or (c.min() >= 0 and c.max() <= COUNT_MAX and np.array_equal(c, np.floor(c)))
               for c in counts)
    return np.uint16 if fits else np.float32


def compact_counts(counts: np.ndarray) -> np.ndarray:
    """``counts`` in the type ``count_type`` picks for them."""
    return counts.astype(count_type([counts]))


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, ascending: ``np.unique(values)``, by one sort (numpy 2.3's unique
    finds them by hashing, 7 times slower on 280,000 whole numbers and 1 ms on a few)."""
    found = np.sort(values, axis=None)
    if len(found) > 1:
        found = found[np.concatenate(([True], found[1:] != found[:-1]))]
    return found


def within(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Which of ``values`` (one dimension) are among ``of``: ``np.isin(values, of)``, by one sort and a
    binary search (np.isin's sorting path finds ``of``'s distinct values by np.unique, which imports
    numpy.ma: 9-13 ms of an edit's process)."""
    found = distinct(of)
    if len(found) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(found, values)
    at[at == len(found)] = 0
    return np.asarray(found[at] == values)
