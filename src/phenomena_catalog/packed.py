"""Arrays kept as tables of bytes, one entry a row: the form in which the build cache keeps the
related-papers and search-index update states (``related.RelatedIndex``, ``search_index``).

``cache_store`` writes a large dict of immutable values as a table: a base, then after an edit a
small delta of the entries that changed. A state whose arrays are one entry per row (a paper, a
term) in that form is written, after a one-record edit, as the few rows the edit changed::

    >>> import numpy as np
    >>> entries = np.zeros(3, dtype=[("col", "<i4"), ("count", "<u2")])
    >>> entries["col"], entries["count"] = [7, 8, 9], [1, 2, 3]
    >>> table = pack_rows(np.array([0, 2, 2, 3]), entries)
    >>> sorted(table), len(table[0]) // entries.dtype.itemsize
    ([0, 2], 2)
    >>> indptr, back = unpack_rows(table, 3, entries.dtype)
    >>> indptr.tolist(), back["col"].tolist(), back["count"].tolist()
    ([0, 2, 2, 3], [7, 8, 9], [1, 2, 3])

Rows are packed as records (``numpy`` structured dtypes, little-endian, no padding), empty rows
left out; unpacking gives fresh, writable arrays.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np


def records(dtype: np.dtype[Any] | list[tuple[Any, ...]], size: int, /, **fields: Any) -> np.ndarray:
    """``size`` records of ``dtype`` with each of ``fields`` set (the others zero)."""
    out = np.zeros(size, dtype=dtype)
    for name, values in fields.items():
        out[name] = values
    return out


BLOCK = 4096
"""Rows packed at a time: the records of one block are made, cut and dropped before the next one's."""


def pack_rows(indptr: np.ndarray | Sequence[int], entries: np.ndarray | Mapping[str, np.ndarray],
              keys: Sequence[Hashable] | None = None, dtype: np.dtype[Any] | None = None) -> dict[Any, bytes]:
    """Each non-empty row of a CSR structure (``indptr``: where each row's entries start, and the
    last one's end) as the bytes of its records, by row number (or by ``keys[row]``). ``entries``
    are the records, or each field's values (then records of ``dtype`` are made a ``BLOCK`` of rows
    at a time: the whole table is never held twice)."""
    indptr = np.asarray(indptr, dtype=np.int64)
    rows = len(indptr) - 1
    names = range(rows) if keys is None else keys
    out: dict[Any, bytes] = {}
    for first in range(0, rows, BLOCK):
        last = min(first + BLOCK, rows)
        start, stop = int(indptr[first]), int(indptr[last])
        if isinstance(entries, np.ndarray):
            block = entries[start:stop]
        else:
            assert dtype is not None
            block = records(dtype, stop - start, **{name: values[start:stop] for name, values in entries.items()})
        data = block.tobytes()
        bounds = ((indptr[first : last + 1] - start) * block.dtype.itemsize).tolist()
        out.update((name, data[a:b]) for name, a, b in zip(names[first:last], bounds, bounds[1:], strict=False)
                   if b > a)
    return out


def pack_fixed(entries: np.ndarray | Mapping[str, np.ndarray], keys: Sequence[Hashable] | None = None,
               dtype: np.dtype[Any] | None = None) -> dict[Any, bytes]:
    """Each record (each row of the fields' values) as bytes, by its number (or by ``keys[number]``)."""
    size = len(entries) if isinstance(entries, np.ndarray) else len(next(iter(entries.values())))
    return pack_rows(np.arange(size + 1), entries, keys, dtype)


def unpack_rows(table: Mapping[Any, bytes], rows: int, dtype: np.dtype[Any],
                keys: Sequence[Hashable] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The CSR structure ``pack_rows`` packed: ``indptr`` for ``rows`` rows (numbered, or in the
    order of ``keys``; a row not in ``table`` is empty) and the records, a writable copy."""
    dtype = np.dtype(dtype)
    order: Sequence[Hashable] = range(rows) if keys is None else keys
    found = [table.get(key, b"") for key in order]
    lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found)) // dtype.itemsize
    indptr = np.zeros(len(found) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return indptr, np.frombuffer(b"".join(found), dtype=dtype).copy()


def unpack_fixed(table: Mapping[Any, bytes], rows: int, dtype: np.dtype[Any],
                 keys: Sequence[Hashable] | None = None) -> np.ndarray:
    """The records ``pack_fixed`` packed, one a row (every row must be in ``table``)."""
    _, entries = unpack_rows(table, rows, dtype, keys)
    if len(entries) != rows:
        raise ValueError(f"{rows} rows of one record expected, {len(entries)} found")
    return entries


def column(entries: np.ndarray, name: str, dtype: Any = None) -> np.ndarray:
    """One field of records as a contiguous array of its own (of ``dtype``, when given)."""
    return np.ascontiguousarray(entries[name], dtype=dtype)


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
