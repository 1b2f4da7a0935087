"""The build cache on disk: a small index read first, the rest read whole only by a build that
needs it, and written only where it changed.

``build_cache`` says what a build leaves for the next one (``BuildCache``); this module keeps it in
``.phenomena-cache/<site>/`` beside the output folder:

- ``index``: a header (this format and a digest of the code that wrote it), the quick check's
  state (``Quick``: a digest of the stamps of every input file, or of the content of those that
  changed too recently to trust a stamp, the output folder's identity and the last build's counts),
  and the segment files each part of the cache is in, with their sizes and CRC-32s. A build with
  nothing changed reads this file only (``unchanged_site``), and imports neither pydantic, Jinja
  nor numpy.
- ``*.seg``: segment files, never changed once written. Each field of the ``BuildCache`` is one
  pickled segment, in which every large dict (parse results by record digest, data-file pieces,
  memos, page fingerprints...) is a *table* of its own: a base segment and one delta segment of
  the entries added, changed or removed since (each write that changes the table writes that delta
  again, in place of the last one), merged into a new base once the delta grows to a quarter of it.
  Found generically (``_explode``): a new field, or a new dict inside one, needs no code here.
  A table's values are compared by identity (then equality) with what was read, so they must never
  be changed in place: an entry is replaced, not mutated; only dicts of immutable values (strings,
  tuples, frozen dataclasses and models) are kept as tables. A type may say how tables keep its
  values (``keep_as``): papers are kept so that they are read back as shells made whole when
  first read (``models.kept_paper``). A table's large bytes (a paper's pickle, the blocks of the
  related-papers and search-index states) are kept after its pickle, out of band, and read back as
  parts of the mapped file (``memoryview``), neither copied nor paged in until read
  (``_dump_chunk``, ``_load_chunk``): the mapping lives as long as something holds such a part.
  A table a rebuild reads only a few values of (the data files' pieces, the check's facts:
  ``keep_lazily``) is kept instead as each value's own pickle, then its keys: read back, it knows
  its keys at once and unpickles a value when first asked for it (``_LazyTable``, ``_dump_lazy``).

Writing is atomic: new segments get new names, then a new index replaces the old one
(``os.replace``), then the segments no index names are removed. A build killed at any point leaves
either the old index with all its segments or the new one with all of its. Reading checks every
segment's size and CRC against the index before trusting any of it: a missing, unreadable,
truncated or corrupt index or segment, or one written by another version of the code, makes the
whole cache be discarded and the build start afresh. Segments are mapped rather than read into
memory, and one whose file still has the stamp it had when a build last found its CRC right
(``Segment.checked``) is not checked again: any write to it changes that stamp.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import errno
import functools
import gc
import hashlib
import io
import itertools
import mmap
import operator
import os
import pickle
import struct
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from phenomena_catalog.executors import collector_paused

CACHE_FOLDER = ".phenomena-cache"
TABLE_CHUNK = 4096
"""A table's base segment is a pickle per this many entries, one after the other."""
FORMAT = 6
"""Bumped when what the cache holds, or how it is laid out, changes shape."""
HEADER = "phenomena-catalog build cache"
INDEX = "index"

TABLE_MIN = 256
"""A dict of this many entries or more is kept as a table (written as a delta when it changed a little)."""
DELTA_SLACK = 64
"""A table's delta may hold this many entries more than a quarter of its base."""
DELTAS_MAX = 2
"""A table is at most this many segments: its base, and one delta of every entry changed since the
base was written (1: every change writes the table whole)."""

Stamp = tuple[int, int, int, int]
"""A file's size, modification and change times (ns) and inode: any write to it, or a file put in
its place, changes one of them."""

SETTLED_NS = 2_000_000_000
"""How long ago a file must have changed for its ``Stamp`` to be trusted: a file system with coarse
times (FAT's 2 s) gives a file written right after it was read the same modification time."""


def file_stamp(file: Path | str | int) -> Stamp | None:
    """What ``file`` (or the open file of a descriptor) looks like now (see ``Stamp``); None when it
    cannot be seen."""
    try:
        found = os.stat(file)
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)


def settled(stamp: Stamp, now: int) -> bool:
    """Whether a file stamped ``stamp`` last changed long enough before ``now`` (ns) to trust its stamp."""
    return now - max(stamp[1], stamp[2]) > SETTLED_NS


@cache
def code_version() -> str:
    """A digest of this package's code and theme, of the Python that runs it and of the libraries
    whose objects the cache holds or whose results it keeps (``LIBRARIES``): a cache written by
    other code is stale."""
    package = Path(__file__).parent
    digest = hashlib.blake2b(str(FORMAT).encode(), digest_size=16)
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    digest.update(repr((sys.version, sys.implementation.cache_tag, library_stamps())).encode())
    return digest.hexdigest()


LIBRARIES = ("pydantic", "pydantic_core", "jinja2", "markupsafe", "yaml", "numpy", "comrak", "anyascii",
             "rapidfuzz")
"""The libraries a cache depends on: their objects are pickled in it (pydantic models, numpy's
types), or what they made is (Jinja's compiled templates, comrak's HTML, anyascii's slugs, YAML's
parse, the title comparison's findings)."""


def library_stamps() -> tuple[tuple[str, Stamp | None], ...]:
    """Each of ``LIBRARIES`` by the ``Stamp`` of its package's first file, found without importing
    it (a build with nothing changed imports none of them, and ``importlib.metadata`` alone costs
    10 ms): installing any other version of it, or the same one again, writes that file anew."""
    found = []
    for name in LIBRARIES:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        for finder in sys.meta_path if origin is None else ():
            # (what ``importlib.util.find_spec`` does for a top-level name, without importing it: 3 ms)
            spec = finder.find_spec(name, None) if hasattr(finder, "find_spec") else None
            if spec is not None:
                origin = spec.origin
                break
        found.append((name, None if origin is None else file_stamp(origin)))
    return tuple(found)


def cache_folder(out: Path) -> Path:
    """Where the cache of the site in ``out`` is kept."""
    return out.parent / CACHE_FOLDER / (out.name or "site")


def index_file(out: Path) -> Path:
    """The cache's index (see the module's docstring): replaced whenever the cache is written."""
    return cache_folder(out) / INDEX


class Quick(NamedTuple):
    """What a build with nothing changed compares, reading nothing else of the cache."""

    inputs: str
    """The digest of the inputs of the build that wrote the cache (``Inputs.digest``)."""
    identity: tuple[int, int, int]
    """The output folder's identity after that build (``output_identity``)."""
    papers: int
    pages: int
    files: int
    recent: tuple[str, ...] = ()
    """The input files in ``inputs`` by their content (see ``Inputs.digest``)."""


def output_identity(out: Path) -> tuple[int, int, int] | None:
    """The output folder's device and inode and its marker file's inode: they change when the
    folder is deleted, replaced or rebuilt by anything but an incremental build. None when it or
    its marker is missing."""
    from phenomena_catalog.write import MARKER  # (light: no pydantic, no Jinja)

    try:
        folder, marker = os.stat(out), os.stat(out / MARKER)
    except OSError:
        return None
    return (folder.st_dev, folder.st_ino, marker.st_ino)


RECENT_MAX = 64
"""At most this many input files that changed too recently to trust their stamps are told by
their content instead (``Inputs``); with more, the next build looks inside the cache."""


class Listing(NamedTuple):
    """A folder as ``Inputs`` saw it, so the load stage need not list it and stat its files again."""

    walk: tuple[tuple[str, list[str], list[str]], ...]
    """What ``os.walk`` gave, each folder's subfolders and files sorted by name."""
    stamps: Mapping[str, Stamp | None]
    """Each file's ``Stamp`` by its path as walked (``os.path.join(root, name)``), taken before it was read."""


_NO_STAMP = (-1, -1, -1, -1)
"""A missing file's stamp, as ``Inputs.digest`` packs it."""


class Inputs:
    """What a build reads, looked at before it reads it: every file in the folders ``sources``
    (recursively) and each of ``files`` (missing or not), and ``words`` (paths as given, the
    environment variables the settings read...). ``digest`` sums them up; ``listing`` hands a
    folder's files and stamps on to the load stage."""

    def __init__(self, sources: Iterable[Path], files: Iterable[Path], words: Iterable[str]) -> None:
        self._now = time.time_ns()
        self._words = repr((code_version(), os.getcwd(), *words))
        self._paths: list[str] = []
        self._stamps: list[Stamp | None] = []
        """Each file's path (as walked) and its stamp, in the same order."""
        self._listings: dict[str, Listing] = {}
        for folder in sources:
            walked: list[tuple[str, list[str], list[str]]] = []
            stamps: dict[str, Stamp | None] = {}
            for root, folders, names in os.walk(folder):
                folders.sort()
                names.sort()
                walked.append((root, list(folders), names))
                # (``os.path.join``'s paths, made without a call a file: 10,000 records are listed
                # on every build, and what is done for each of them is most of the time it takes)
                prefix = os.path.join(root, "_")[:-1]
                paths = [prefix + name for name in names]
                found = _stamps_of(paths)
                stamps.update(zip(paths, found, strict=True))
                self._paths += paths
                self._stamps += found
            self._listings.setdefault(os.fspath(folder), Listing(tuple(walked), stamps))
        for file in files:
            self._paths.append(str(file))
            self._stamps.append(file_stamp(file))
        self._known_at = [number for number, stamp in enumerate(self._stamps) if stamp is not None]
        """Where in ``_stamps`` each file with a stamp is, and those stamps (``_known``)."""
        self._known = [stamp for stamp in self._stamps if stamp is not None]

    def listing(self, folder: Path) -> Listing | None:
        """``folder``'s files and their stamps as seen here (None when it is not one of ``sources``)."""
        return self._listings.get(os.fspath(folder))

    def digest(self, recent: Collection[str] | None = None) -> tuple[str, tuple[str, ...]] | None:
        """A digest of the inputs, and the files in it by their content rather than their stamp.

        Each file is in by its stamp, unless it changed too recently to trust the stamp
        (``SETTLED_NS``): then by its content. With ``recent`` (the files a stored digest has by
        their content), exactly those are by their content, so the digests compare. None when
        more than ``RECENT_MAX`` files changed too recently.
        """
        if recent is not None:
            named = set(recent)
            chosen = [number for number, path in enumerate(self._paths) if path in named]
        else:
            # (a file changed since this, or whose stamp is missing, is not ``settled``)
            trusted_before = self._now - SETTLED_NS
            newest = map(max, map(operator.itemgetter(1), self._known), map(operator.itemgetter(2), self._known))
            recently = map(trusted_before.__le__, newest)
            chosen = list(map(self._known_at.__getitem__, itertools.compress(itertools.count(), recently)))
        if len(chosen) > RECENT_MAX:
            return None
        # Every file by its name and stamp, packed (10,000 f-strings hashed one by one cost 10 ms),
        # except the chosen ones, by their content.
        stamps = [stamp or _NO_STAMP for stamp in self._stamps]
        digest = hashlib.blake2b(self._words.encode(), digest_size=16)
        digest.update("\0".join(self._paths).encode("utf-8", "surrogateescape"))
        for number in chosen:
            path = self._paths[number]
            stamps[number] = _NO_STAMP
            try:
                with open(path, "rb") as handle:
                    content = hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
            except OSError as err:
                content = type(err).__name__
            digest.update(f"\0{number}={content}".encode())
        try:
            digest.update(b"\0" + array("q", itertools.chain.from_iterable(stamps)).tobytes())
        except OverflowError:  # (an inode number past 2**63)
            digest.update(repr(stamps).encode())
        by_content = [self._paths[number] for number in chosen]
        return digest.hexdigest(), tuple(by_content)


_STAMP_FIELDS = operator.attrgetter("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino")


def _stamps_of(paths: list[str]) -> list[Stamp | None]:
    """``file_stamp`` of each of ``paths``: one ``stat`` a file with no Python code between them,
    unless one cannot be seen (gone since it was listed, say)."""
    try:
        return list(map(_STAMP_FIELDS, map(os.stat, paths)))
    except OSError:
        return list(map(file_stamp, paths))


def unchanged_site(out: Path, inputs: Inputs | None) -> Quick | None:
    """The last build's counts, when the site in ``out`` is as that build left it and was built from
    ``inputs`` as they are: then a build has nothing to do. Reads the index only."""
    if inputs is None:
        return None
    try:
        index = _read_index(cache_folder(out))
    except (OSError, _Unusable):
        return None
    quick = index.quick
    if quick is None or output_identity(out) != quick.identity:
        return None
    found = inputs.digest(quick.recent)
    return quick if found is not None and found[0] == quick.inputs else None


class Segment(NamedTuple):
    """One segment file, as the index knows it."""

    name: str
    size: int
    crc: int
    entries: int
    """For a table's segment, how many entries (and removals) it holds."""
    chunks: tuple[int, ...] = ()
    """For a table's base segment, where each of its pickles ends (see ``TABLE_CHUNK``)."""
    checked: Stamp | None = None
    """The file's ``Stamp`` when a build last found its CRC right, once that stamp could be trusted
    (``settled``): a file with that stamp still is not checked again (see ``Store._mapped``)."""
    lazy: bool = False
    """For a table's base segment: its values each pickled on their own, after them its keys, so
    that the table is read back keys first and each value when first asked for (``_LazyTable``)."""


@dataclass(frozen=True)
class Index:
    """The cache's index (see the module's docstring)."""

    fields: dict[str, Segment]
    """Each field's pickled value (its tables stand in it by name)."""
    tables: dict[str, tuple[Segment, ...]]
    """Each table's base segment and delta segments, in order."""
    quick: Quick | None = None


@dataclass(frozen=True)
class Written:
    """A field written before the rest of its cache (``write_ahead``): its segments, which the
    next ``write_fields`` given this in the field's place names in its index."""

    field: Segment
    tables: dict[str, tuple[Segment, ...]]


class _Unusable(Exception):
    """The cache cannot be used; the message says why."""


class _Mutable(Exception):
    """A table read from the cache now has a value of a mutable type: it is no table."""


class _TableRef:
    """Where a table stands in a field's pickled value."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _Reduced:
    """An object pickled as its own ``__reduce_ex__`` says, with tables in place of its large dicts."""

    __slots__ = ("reduced",)

    def __init__(self, reduced: tuple[Any, ...]) -> None:
        self.reduced = reduced

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self.reduced


_MISSING = object()


class _Table(dict[Any, Any]):
    """A table as read from the cache: a dict that notes, for each key set or deleted in it since,
    the value it had as read (``_MISSING``: none), so that reading a table need not copy it to tell
    later what changed (``Store._write_table``). It pickles as a plain dict."""

    __slots__ = ("was",)

    def __init__(self) -> None:
        super().__init__()
        self.was: dict[Any, Any] = {}

    def _note(self, key: Any) -> None:
        if key not in self.was:
            self.was[key] = dict.get(self, key, _MISSING)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._note(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        self._note(key)
        dict.__delitem__(self, key)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            self._note(key)
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[Any, Any]:
        key, value = dict.popitem(self)
        self.was.setdefault(key, value)
        return key, value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self._note(key)
        return dict.setdefault(self, key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        for key in self:
            self._note(key)
        dict.clear(self)

    def __ior__(self, other: Any) -> _Table:  # type: ignore[misc]
        self.update(other)
        return self

    def as_read(self) -> dict[Any, Any]:
        """The table as it was read (itself, when nothing was set or deleted in it)."""
        if not self.was:
            return self
        found = dict(self)
        for key, value in self.was.items():
            if value is _MISSING:
                found.pop(key, None)
            else:
                found[key] = value
        return found

    def __reduce__(self) -> Any:
        return dict, (dict(self),)


class _Unread:
    """A ``_LazyTable``'s value as read, not unpickled yet: what its ``was`` notes for a key set or
    deleted before its value was asked for."""

    __slots__ = ("at", "table")

    def __init__(self, table: _LazyTable, at: int) -> None:
        self.table, self.at = table, at

    def value(self) -> Any:
        return self.table.unpickled(self.at)


class _LazyTable(MutableMapping[Any, Any]):
    """A table kept lazily (``keep_lazily``), as read from the cache: its keys at once, each value
    unpickled when first asked for, from its own pickle in the mapped segment (``_dump_lazy``). An
    edit asks for its own papers' values only: the others are never unpickled (reading every
    value of the data files' pieces and the check's facts took 0.04 s at 10,000 papers). Like
    ``_Table`` it notes what is set or deleted in it (``was``), and it pickles as a plain dict.

    Not a dict, so that nothing reads its values past it (a dict's C functions would)."""

    __slots__ = ("_at", "_data", "_ends", "_raw", "_values", "was")

    def __init__(self, keys: list[Any], data: memoryview, ends: array[int], raw: bool) -> None:
        self._at: dict[Any, int] = dict(zip(keys, range(len(keys)), strict=True))
        """Every key, in order, with where its value is in the segment (-1: not in it)."""
        self._values: dict[Any, Any] = {}
        """The values unpickled, set or changed since the segment was written, by key."""
        self._data, self._ends, self._raw = data, ends, raw
        self.was: dict[Any, Any] = {}

    @classmethod
    def read(cls, data: memoryview, segment: Segment) -> _LazyTable:
        """The table ``_dump_lazy`` wrote in ``data`` (``segment``'s content)."""
        try:
            count, values, header = _LAZY_TRAILER.unpack_from(data, len(data) - _LAZY_TRAILER.size)
            ends = array("Q")
            ends.frombytes(data[values + header : values + header + 8 * count])
            keys, raw = pickle.loads(data[values : values + header])
        except Exception:
            raise _Unusable(f"a segment is damaged ({segment.name})") from None
        if values + header + 8 * count + _LAZY_TRAILER.size != len(data) or len(keys) != count \
                or (count and ends[-1] != values):
            raise _Unusable(f"a segment is damaged ({segment.name})")
        return cls(keys, data[:values], ends, raw)

    def unpickled(self, at: int) -> Any:
        """The value at ``at`` in the segment."""
        part = self._data[self._ends[at - 1] if at else 0 : self._ends[at]]
        return part if self._raw else pickle.loads(part)

    def apply(self, changed: Mapping[Any, Any], removed: Iterable[Any]) -> None:
        """A delta segment's changes, as read (not noted)."""
        for key in removed:
            del self._at[key]
            self._values.pop(key, None)
        for key, value in changed.items():
            self._at.setdefault(key, -1)
            self._values[key] = value

    def current(self, key: Any, default: Any = None) -> Any:
        return self.get(key, default)

    def __getitem__(self, key: Any) -> Any:
        found = self._values.get(key, _MISSING)
        if found is _MISSING:
            at = self._at[key]  # (KeyError: no such key)
            found = self._values[key] = self.unpickled(at)
        return found

    def get(self, key: Any, default: Any = None) -> Any:
        found = self._values.get(key, _MISSING)
        if found is not _MISSING:
            return found
        at = self._at.get(key)
        if at is None:
            return default
        found = self._values[key] = self.unpickled(at)
        return found

    def _note(self, key: Any) -> None:
        if key not in self.was:
            found = self._values.get(key, _MISSING)
            if found is _MISSING:
                at = self._at.get(key)
                found = _MISSING if at is None else _Unread(self, at)
            self.was[key] = found

    def __setitem__(self, key: Any, value: Any) -> None:
        self._note(key)
        self._at.setdefault(key, -1)
        self._values[key] = value

    def __delitem__(self, key: Any) -> None:
        if key not in self._at:
            raise KeyError(key)
        self._note(key)
        del self._at[key]
        self._values.pop(key, None)

    def __contains__(self, key: Any) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator[Any]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def keys(self) -> Any:
        return self._at.keys()  # (a dict's: set operations in C)

    def as_read(self) -> dict[Any, Any]:
        """The table as it was read."""
        found = dict(self.items())
        for key, value in self.was.items():
            if value is _MISSING:
                found.pop(key, None)
            else:
                found[key] = value.value() if type(value) is _Unread else value
        return found

    def __reduce__(self) -> Any:
        return dict, (dict(self.items()),)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} entries)"


_LAZY_TRAILER = struct.Struct("<QQQ")
_LAZILY: tuple[str, ...] = ()
"""The tables kept lazily (``keep_lazily``), by the start of their names."""


def keep_lazily(*names: str) -> None:
    """Keep the tables whose names start with one of ``names`` (a field's name, then a path
    through it: "texts/json") so that they are read back keys first, and each value only when
    first asked for (``_LazyTable``): for tables of which a rebuild asks for a few values.
    Their values are pickled one by one (about 2 us each to write; bytes are kept as they are)."""
    global _LAZILY
    _LAZILY = tuple(sorted({*_LAZILY, *names}))


def _kept_lazily(name: str) -> bool:
    return name.startswith(_LAZILY) if _LAZILY else False


def _dump_lazy(sink: Any, table: Mapping[Any, Any]) -> None:
    """``table`` as ``_LazyTable.read`` reads it: each value (pickled, or its bytes as they are when
    every value is bytes), then the keys and whether the values are bytes (pickled), each value's
    end (8 bytes), and how many there are, where the keys start and how long their pickle is."""
    keys = list(table.keys())
    raw = all(type(value) in _BYTES for value in table.values())
    ends = array("Q")
    size = 0
    body = io.BytesIO()
    pickler = pickle.Pickler(body, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    for key in keys:
        value = table[key]
        if raw:
            size += sink.write(value)
        else:
            body.seek(0)
            body.truncate()
            pickler.dump(value)
            pickler.clear_memo()
            size += sink.write(body.getvalue())
        ends.append(size)
    header = pickle.dumps((keys, raw), protocol=pickle.HIGHEST_PROTOCOL)
    sink.write(header)
    sink.write(ends.tobytes())
    sink.write(_LAZY_TRAILER.pack(len(keys), size, len(header)))


def _dispatch_table(kept_as: bool = True) -> dict[type, Callable[[Any], Any]]:
    """How the cache's picklers pickle what plain pickle does not: bytes read back from the cache
    as parts of its files (``_buffers_in``), which a table written again holds wherever they were
    read (in a delta's values, in a table small enough now to be pickled in its field's shell),
    as the bytes they are (a memoryview cannot be pickled); in tables, values of the types
    ``keep_as`` names (``kept_as``)."""
    return {**copyreg.dispatch_table, memoryview: _view_as_bytes, **(_KEPT_AS if kept_as else {})}


def _view_as_bytes(view: memoryview) -> tuple[type[bytes], tuple[bytes]]:
    return bytes, (bytes(view),)


class Store:
    """One cache folder: what was read from it, so that a write stores only what changed since."""

    def __init__(self, folder: Path, index: Index | None = None) -> None:
        self.folder = folder
        self.index = index or Index({}, {})
        self._read: dict[str, _Table | _LazyTable] = {}
        """Each table as read (not a copy: it notes what the build sets or deletes in it)."""
        self._checked: dict[str, Stamp] = {}
        """The segments whose CRC was found right here, by name: their stamps then, when settled."""
        self._parted: set[str] = set()
        """The tables read whose values hold parts of their segments (``_load_chunk``)."""
        self._touched: dict[str, dict[Any, bool]] = {}
        """Each table's keys its delta segments changed or removed, and whether its base held each."""

    # Reading -------------------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path) -> Store:
        """The cache in ``folder``, its index read and every segment checked. Raises FileNotFoundError
        when there is none, ``_Unusable`` (or OSError) when it cannot be used."""
        store = cls(folder, _read_index(folder))
        for segment in [*store.index.fields.values(), *(s for t in store.index.tables.values() for s in t)]:
            try:
                size = os.stat(folder / segment.name).st_size
            except FileNotFoundError:
                raise _Unusable(f"a segment is missing ({segment.name})") from None
            if size != segment.size:
                raise _Unusable(f"a segment is damaged ({segment.name})")
        return store

    def fields(self) -> dict[str, Any]:
        """Every field's value, read from its segments."""
        return {name: self.field(name) for name in self.index.fields}

    def field(self, name: str) -> Any:
        """One field's value, with its tables."""
        with self._mapped(self.index.fields[name]) as data:
            shell = io.BytesIO(data)  # (a copy: a field without its tables is small)
        unpickler = pickle.Unpickler(shell)
        unpickler.persistent_load = self._table  # type: ignore[method-assign]
        return unpickler.load()

    def _table(self, name: str) -> _Table | _LazyTable:
        segments = self.index.tables.get(name)
        if segments is None:
            raise _Unusable(f"a table is missing ({name})")
        base = segments[0]
        data = self._kept_mapped(base)
        if base.chunks[-1:] != (base.size,):
            raise _Unusable(f"a segment is damaged ({base.name})")
        parts = 0
        table: _Table | _LazyTable
        if base.lazy:
            table = _LazyTable.read(data, base)
            parts = 1  # (its values are compared as parts of the segment: ``_same_parts``)
        else:
            table = _Table()
            for start, end in itertools.pairwise((0, *base.chunks)):  # one pickle per TABLE_CHUNK entries
                chunk, found = _load_chunk(data[start:end], base)
                dict.update(table, chunk)
                parts += found
        touched: dict[Any, bool] = {}
        for delta in segments[1:]:  # (one: caches written before this code kept up to 16)
            (changed, removed), found = _load_chunk(self._kept_mapped(delta), delta)
            for key in itertools.chain(removed, changed):
                # (first touched by this delta: in the table as read so far only if in the base)
                if key not in touched:
                    touched[key] = key in table
            if isinstance(table, _LazyTable):
                table.apply(changed, removed)
            else:
                for key in removed:
                    dict.__delitem__(table, key)
                dict.update(table, changed)
            parts += found
        if touched:
            self._touched[name] = touched
        self._read[name] = table  # (not a copy: the table notes what is set or deleted in it)
        if parts:
            self._parted.add(name)
        return table

    @contextlib.contextmanager
    def _mapped(self, segment: Segment) -> Iterator[memoryview]:
        """The content of ``segment``'s file, mapped (not copied: the file system's cache holds
        it), once its size and CRC are found right. A file whose stamp is the one it had when its
        CRC was last found right (``Segment.checked``) is not checked again: segments are never
        written in place, and any write to one changes its stamp; checking them all cost a sixth
        of reading the cache."""
        with open(self.folder / segment.name, "rb") as handle, self._map(handle, segment) as mapped, \
                memoryview(mapped) as data:
            yield data

    def _kept_mapped(self, segment: Segment) -> memoryview:
        """The content of ``segment``'s file, mapped as ``_mapped`` maps it, for as long as anything
        read from it holds a part of it (large bytes are read as such parts: ``_load_chunk``)."""
        with open(self.folder / segment.name, "rb") as handle:
            return memoryview(self._map(handle, segment))

    def _map(self, handle: BinaryIO, segment: Segment) -> mmap.mmap:
        found = os.fstat(handle.fileno())
        stamp = (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)
        if found.st_size != segment.size or not segment.size:
            raise _Unusable(f"a segment is damaged ({segment.name})")
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if stamp != segment.checked:
            with memoryview(mapped) as data:
                right = zlib.crc32(data) == segment.crc
            if not right:
                mapped.close()
                raise _Unusable(f"a segment is damaged ({segment.name})")
            if settled(stamp, time.time_ns()):
                self._checked[segment.name] = stamp
        return mapped

    # Writing -------------------------------------------------------------------------------------

    def write(self, fields: Mapping[str, Any], quick: Quick | None) -> None:
        """Store ``fields`` (a ``BuildCache``'s, by name): new segments for what changed since this
        store was read or last written, then the new index, atomically; then the old segments go."""
        self.folder.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        try:
            new_fields: dict[str, Segment] = {}
            new_tables: dict[str, tuple[Segment, ...]] = {}
            for name, value in fields.items():
                if type(value) is Written:
                    new_fields[name] = value.field
                    new_tables.update(value.tables)
                    continue
                try:
                    # (the tables read here are tables still: only their changed values are looked at)
                    shell, tables = _explode(value, name, self._read)
                    field_tables = {table_name: self._write_table(table_name, table, written)
                                    for table_name, table in tables.items()}
                except _Mutable:  # (a table read now has a mutable value: every table looked at whole)
                    shell, tables = _explode(value, name)
                    field_tables = {table_name: self._write_table(table_name, table, written)
                                    for table_name, table in tables.items()}
                new_tables.update(field_tables)
                data = _dump_shell(shell)
                old = self.index.fields.get(name)
                if old is not None and old.size == len(data) and old.crc == zlib.crc32(data):
                    new_fields[name] = old
                else:
                    new_fields[name] = self._write_segment(name, data, 0, written)
            index = Index({name: self._with_checked(segment) for name, segment in new_fields.items()},
                          {name: tuple(map(self._with_checked, segments)) for name, segments in new_tables.items()},
                          quick)
            kept = [s.name for s in (*new_fields.values(), *(s for t in new_tables.values() for s in t))]
            ahead = [value for value in fields.values() if type(value) is Written]
            if not all((self.folder / s.name).exists()
                       for value in ahead for s in (value.field, *(s for t in value.tables.values() for s in t))):
                raise FileNotFoundError(errno.ENOENT, "segments written ahead are gone", str(self.folder))
            if not all((self.folder / name).exists() for name in kept):
                # Another process rewrote the cache since it was read here and removed segments
                # this index would name: write everything afresh.
                self.index, self._read, self._touched = Index({}, {}), {}, {}
                return self.write(fields, quick)
            self._commit(index)
        except BaseException:
            for name in written:
                (self.folder / name).unlink(missing_ok=True)
            (self.folder / f".{INDEX}.{os.getpid()}.tmp").unlink(missing_ok=True)
            raise
        self.index = index
        # The tables as written may change in place hereafter: a later write from this process
        # writes them whole (a build reads the cache afresh; serve writes once, when it stops).
        self._read, self._touched = {}, {}
        self._collect(set(kept))

    def _with_checked(self, segment: Segment) -> Segment:
        """``segment`` with the stamp it had when this store found its CRC right, if it did."""
        checked = self._checked.get(segment.name)
        return segment if checked is None else segment._replace(checked=checked)

    def _commit(self, index: Index) -> None:
        """Replace the index with ``index`` (atomically: a reader sees the old one or the new one)."""
        tmp = self.folder / f".{INDEX}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            pickle.dump((HEADER, FORMAT, code_version()), handle)
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.folder / INDEX)

    def _write_table(self, name: str, table: Mapping[Any, Any], written: list[str]) -> tuple[Segment, ...]:
        old = self.index.tables.get(name)
        found = self._read.get(name)
        if old is not None and found is not None:
            if table is found:
                # The table read, changed in place: what changed is among the keys it noted.
                changed, removed = _noted_changes(found, name in self._parted)
                read: Container[Any] = _WasIn(found)
            else:
                read = found.as_read()
                if name in self._parted:
                    changed, removed = _parted_changes(table, read)
                else:
                    with contextlib.suppress(Exception):  # (an __eq__ that cannot compare: looked at one by one)
                        if table == read:  # (in C, each value compared by identity first: the usual case)
                            return old
                    changed, removed = _changes(table, read)
            if not changed and not removed:
                return old
            if not _immutable_values(changed):
                raise _Mutable(name)
            # One delta of every entry changed or removed since the base, in place of the last one:
            # a build reads a base and at most one delta of each table (not one a build since the
            # base), and the base is written again only once that delta is a quarter of it.
            touched = dict(self._touched.get(name, {}))
            for key in changed:
                if key not in touched:
                    touched[key] = key in read  # (no delta touched it: in the base if it was read)
            for key in removed:
                touched.setdefault(key, True)
            since_base = {key: table[key] for key in touched if key in table}
            gone = [key for key, in_base in touched.items() if in_base and key not in table]
            entries = len(since_base) + len(gone)
            if entries <= old[0].entries // 4 + DELTA_SLACK and DELTAS_MAX > 1:
                buffer = io.BytesIO()
                _dump_chunk(buffer, (since_base, gone))
                return (old[0], self._write_segment(name, buffer.getvalue(), entries, written))
        return (self._write_segment(name, table, len(table), written),)

    def _write_segment(self, name: str, data: bytes | Mapping[Any, Any], entries: int, written: list[str]) -> Segment:
        """A new segment file holding ``data``: bytes, or a table pickled straight into the file
        (never whole in memory: the parse results' are 80 MB at 50,000 records)."""
        file = f"{name.replace('/', '.')}.{os.getpid():x}{time.time_ns():x}.seg"
        chunks: list[int] = []
        with open(self.folder / file, "xb") as handle:
            sink = _Checksummed(handle)
            if isinstance(data, bytes):
                sink.write(data)
            elif _kept_lazily(name):
                _dump_lazy(sink, data)
                chunks.append(sink.size)
            else:
                # A pickle per TABLE_CHUNK entries: a pickler remembers every object it wrote (and
                # keeps it alive) until it is done, 130 MB for the parse results of 50,000 records.
                entries_left = iter(data.items())
                while (chunk := dict(itertools.islice(entries_left, TABLE_CHUNK))) or not chunks:
                    _dump_chunk(sink, chunk)
                    chunks.append(sink.size)
        written.append(file)
        return Segment(file, sink.size, sink.crc, entries, tuple(chunks),
                       lazy=not isinstance(data, bytes) and _kept_lazily(name))

    def _collect(self, kept: set[str]) -> None:
        """Remove the segments no index names (the last index's, or those of a build that was killed)."""
        for entry in os.scandir(self.folder):
            if entry.name.endswith(".seg") and entry.name not in kept:
                with contextlib.suppress(OSError):  # (gone already: another build collected it)
                    os.unlink(entry.path)


_KEPT_AS: dict[type, Callable[[Any], Any]] = {}
"""How tables keep values of some types (``keep_as``)."""


def keep_as(kind: type, reduce: Callable[[Any], Any]) -> None:
    """Keep the values of type ``kind`` (exactly) in tables as ``reduce`` says (as pickle's
    ``__reduce__`` would): e.g. as objects made whole only when first read (``models.kept_paper``)."""
    _KEPT_AS[kind] = reduce


OUT_OF_BAND_MIN = 256
"""Bytes of this length or more in a table's values are kept after its pickle, and read back as
parts of the mapped segment (``memoryview``): neither copied nor paged in until read."""
_TRAILER = struct.Struct("<QQ")


def _dump_chunk(sink: Any, value: Any) -> None:
    """``value`` (a chunk of a table, or a delta), pickled with its large bytes out of band:
    the pickle, each buffer, each buffer's length (8 bytes), then how many buffers and the pickle's
    length (8 bytes each). Bytes made by a ``keep_as`` reducer as ``pickle.PickleBuffer`` go out
    of band; so do those inside the tuples of a table whose values are tuples holding bytes (the
    blocks of ``packed``, the search index's terms), found by looking at one value."""
    buffers: list[pickle.PickleBuffer] = []
    body = io.BytesIO()
    pickler = pickle.Pickler(body, protocol=5, buffer_callback=buffers.append)
    pickler.dispatch_table = _dispatch_table()
    pickler.dump(_with_buffers(value))
    size = body.tell()
    sink.write(body.getbuffer())
    del body
    lengths = array("Q")
    for buffer in buffers:
        with buffer.raw() as raw:
            sink.write(raw)
            lengths.append(raw.nbytes)
    sink.write(lengths.tobytes())
    sink.write(_TRAILER.pack(len(buffers), size))


def _load_chunk(data: memoryview, segment: Segment) -> tuple[Any, int]:
    """What ``_dump_chunk`` wrote in ``data``, its out-of-band bytes parts of ``data``; and how
    many such parts it holds."""
    try:
        count, size = _TRAILER.unpack_from(data, len(data) - _TRAILER.size)
        at = len(data) - _TRAILER.size - 8 * count
        lengths = array("Q")
        lengths.frombytes(data[at : at + 8 * count])
    except (struct.error, ValueError):
        raise _Unusable(f"a segment is damaged ({segment.name})") from None
    ends = list(itertools.accumulate(lengths, initial=size))
    if ends[-1] != at:
        raise _Unusable(f"a segment is damaged ({segment.name})")
    parts = list(map(data.__getitem__, itertools.starmap(slice, itertools.pairwise(ends))))
    return pickle.loads(data[:size], buffers=parts), count


def _with_buffers(value: Any) -> Any:
    """A chunk or delta with its values' large bytes, or those in its values' tuples, marked out of
    band (``_dump_chunk``)."""
    if type(value) is tuple:  # (a delta)
        return (_with_buffers(value[0]), value[1])
    sample = next(iter(value.values()), None)
    if type(sample) in _BYTES:
        return {key: pickle.PickleBuffer(item) if type(item) in _BYTES and len(item) >= OUT_OF_BAND_MIN else item
                for key, item in value.items()}
    if type(sample) is not tuple or not any(type(item) in _BYTES for item in sample):
        return value
    return {key: _buffers_in(item) if type(item) is tuple else item for key, item in value.items()}


_BYTES = frozenset({bytes, memoryview})


def _buffers_in(items: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple([pickle.PickleBuffer(item) if type(item) in _BYTES and len(item) >= OUT_OF_BAND_MIN else item
                  for item in items])


def _parted_changes(table: Mapping[Any, Any], read: Mapping[Any, Any]) -> tuple[dict[Any, Any], list[Any]]:
    """``_changes`` of a table whose values read hold parts of their segments (``memoryview``, or
    in tuples): each part compared as bytes (a copy, then ``memcmp``: comparing a memoryview with
    bytes goes byte by byte, 20 times slower)."""
    get = read.get
    changed = {key: value for key, value in table.items()
               if (old := get(key, _MISSING)) is not value and not _same_parts(old, value)}
    return changed, list(itertools.filterfalse(table.__contains__, read))


def _same_parts(old: Any, new: Any) -> bool:
    if type(old) is not tuple or type(new) is not tuple:
        return _same_part(old, new)
    return len(old) == len(new) and all(map(_same_part, old, new))


def _same_part(was: Any, item: Any) -> bool:
    if type(was) is memoryview:
        # (most parts that changed differ in length or soon: copied only if not)
        if type(item) is not bytes or len(was) != len(item) or was[:64].tobytes() != item[:64]:
            return False
        was = was.tobytes()
    return _same_value(was, item)


def _changes(table: Mapping[Any, Any], read: Mapping[Any, Any]) -> tuple[dict[Any, Any], list[Any]]:
    """The entries of ``table`` that are new or changed since it was ``read`` (a value of another
    type, or unequal), and the keys gone from it.

    One pass over the entries: most values are the very objects read (after an edit), and those
    are not compared further (``!=`` on a dataclass is Python code: the check memo's 10,000
    entries, 10 ms); a state rebuilt for every write (the update states pack their rows into fresh
    bytes) has every value equal but none the same object, compared in C. (This comprehension is
    2-4x faster than the same work done a whole column at a time with ``map`` and ``compress``:
    5.0 -> 1.2 ms for 10,000 digests equal but not the same.)"""
    get = read.get
    try:
        changed = {key: value for key, value in table.items()
                   if (old := get(key, _MISSING)) is not value and (type(old) is not type(value) or old != value)}
    except Exception:  # (an __eq__ that cannot compare, or says so in an array: one by one)
        changed = {}
        for key, value in table.items():
            old = get(key, _MISSING)
            if old is value:
                continue
            try:
                same = type(old) is type(value) and bool(old == value)
            except Exception:  # (counted as a change)
                same = False
            if not same:
                changed[key] = value
    return changed, list(itertools.filterfalse(table.__contains__, read))


def _noted_changes(table: _Table | _LazyTable, parted: bool) -> tuple[dict[Any, Any], list[Any]]:
    """``_changes`` of a table read and changed in place, from the keys it noted (``_Table``)."""
    changed: dict[Any, Any] = {}
    removed: list[Any] = []
    current = table.current if type(table) is _LazyTable else functools.partial(dict.get, table)
    for key, was in table.was.items():
        value = current(key, _MISSING)
        if value is _MISSING:
            if was is not _MISSING:
                removed.append(key)
            continue
        if type(was) is _Unread:  # (unpickled only to be compared: a key removed needs no value)
            was = was.value()
        if was is _MISSING or not (_same_parts(was, value) if parted else _same_value(was, value)):
            changed[key] = value
    return changed, removed


def _same_value(old: Any, new: Any) -> bool:
    if old is new:
        return True
    try:
        return type(old) is type(new) and bool(old == new)
    except Exception:  # (an __eq__ that cannot compare, or says so in an array: counted as changed)
        return False


class _WasIn:
    """Whether a key was in a ``_Table`` as read."""

    __slots__ = ("has", "table")

    def __init__(self, table: _Table | _LazyTable) -> None:
        self.table = table
        self.has = (table.keys().__contains__ if type(table) is _LazyTable
                    else functools.partial(dict.__contains__, table))

    def __contains__(self, key: Any) -> bool:
        was = self.table.was
        return was[key] is not _MISSING if key in was else self.has(key)


def _read_index(folder: Path) -> Index:
    try:
        with open(folder / INDEX, "rb") as handle:
            header = pickle.load(handle)
            if header != (HEADER, FORMAT, code_version()):
                raise _Unusable("written by another version")
            index = pickle.load(handle)
    except (FileNotFoundError, _Unusable):
        raise
    except Exception as err:  # any damage to the file means the same: start afresh
        raise _Unusable(f"unreadable ({type(err).__name__})") from None
    if not isinstance(index, Index):
        raise _Unusable("unreadable (not a build cache)")
    return index


def _dump_shell(shell: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table(kept_as=False)
    pickler.persistent_id = lambda obj: obj.name if type(obj) is _TableRef else None  # type: ignore[method-assign]
    pickler.dump(shell)
    return buffer.getvalue()


def _explode(value: Any, path: str, trusted: Container[str] = (), depth: int = 0,
             ) -> tuple[Any, dict[str, dict[Any, Any]]]:
    """``value`` with each large dict of immutable values inside it (in this package's objects,
    tuples, lists and small dicts, a few levels down) replaced by a ``_TableRef`` named by its path;
    and those dicts by name. A dict at a path in ``trusted`` (the tables read from the cache) is
    taken as a table without looking at its values: ``Store._write_table`` looks at those that
    changed (``_Mutable``)."""
    kind = type(value)
    if kind is dict or kind is _Table or kind is _LazyTable:
        if len(value) >= TABLE_MIN and (path in trusted or _immutable_values(value)):
            return _TableRef(path), {path: value}
        if depth >= 4 or len(value) > _FEW:
            return value, {}
        tables: dict[str, dict[Any, Any]] = {}
        items = {}
        for key, item in value.items():
            items[key], found = _explode(item, f"{path}/{key}", trusted, depth + 1) if type(key) is str else (item, {})
            tables.update(found)
        return (items if tables else value), tables
    if kind is tuple or kind is list:
        if depth >= 4 or len(value) > _FEW:
            return value, {}
        tables = {}
        parts = []
        for number, item in enumerate(value):
            part, found = _explode(item, f"{path}/{number}", trusted, depth + 1)
            parts.append(part)
            tables.update(found)
        return (kind(parts) if tables else value), tables
    if depth >= 4 or not kind.__module__.startswith("phenomena_catalog.") or isinstance(value, type):
        return value, {}
    reduced = value.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    if not isinstance(reduced, tuple) or len(reduced) < 3 or reduced[2] is None:
        return value, {}
    state, tables = _explode(reduced[2], path, trusted, depth + 1)
    if not tables:
        return value, {}
    # pickle checks that ``copyreg.__newobj__`` makes an object of the class being pickled (here
    # ``_Reduced``); ``_new`` does the same without that check.
    make = _new if reduced[0] is _NEWOBJ else reduced[0]
    return _Reduced((make, reduced[1], state, *reduced[3:])), tables


_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]


def _new(kind: type, *args: Any) -> Any:
    return kind.__new__(kind, *args)


_FEW = 16
"""Tuples, lists and dicts (not tables) of more items than this are not looked into for tables."""


def _immutable_values(table: dict[Any, Any]) -> bool:
    return all(map(_immutable_type, set(map(type, table.values()))))


@cache
def _immutable_type(kind: type) -> bool:
    if issubclass(kind, (str, bytes, int, float, complex, tuple, frozenset, type(None))):
        return True
    params = getattr(kind, "__dataclass_params__", None)
    if params is not None and dataclasses.is_dataclass(kind):
        return bool(params.frozen)
    config = getattr(kind, "model_config", None)
    return isinstance(config, dict) and bool(config.get("frozen"))


_OPENED: dict[Path, Store] = {}
"""The store each cache folder was last read from or written to in this process."""


def read_fields(out: Path) -> tuple[dict[str, Any], str]:
    """The fields the last build of ``out`` left, and why none were used ("" when they were, or
    when there was no cache)."""
    folder = cache_folder(out)
    try:
        # Unpickling makes a few hundred thousand long-lived objects and no garbage: with the
        # collector on, it rescans them over and over (at 10,000 papers 0.6 s instead of 0.25 s).
        with collector_paused():
            store = Store.open(folder)
            fields = store.fields()
            # What was read lives as long as the build does: put out of the collector's reach,
            # or its first run once it is back on scans all of it (0.06 s at 10,000 papers).
            gc.freeze()
    except FileNotFoundError:
        return {}, ""
    except _Unusable as err:
        return {}, str(err)
    except Exception as err:  # any damage to a segment means the same: start afresh
        return {}, f"unreadable ({type(err).__name__})"
    _OPENED[folder] = store
    return fields, ""


def write_fields(out: Path, fields: Mapping[str, Any], quick: Quick | None) -> None:
    """Keep ``fields`` for the next build of ``out`` (see ``Store.write``)."""
    folder = cache_folder(out)
    store = _OPENED.get(folder) or Store(folder)
    store.write(fields, quick)
    _OPENED[folder] = store
    legacy = folder.parent / f"{folder.name}.pickle"  # (format 1 kept one file)
    legacy.unlink(missing_ok=True)


def write_ahead(out: Path, name: str, value: Any) -> Written:
    """Field ``name`` of the next cache of ``out`` written now, whole (a build from scratch writes
    its large update states before it renders, and holds them no longer): its segments are named by
    the index only when ``write_fields`` is given the ``Written`` in the field's place (until then,
    or if the build fails, no index names them, and the next write removes them)."""
    folder = cache_folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    store, written = Store(folder), list[str]()
    shell, tables = _explode(value, name)
    try:
        segments = {table_name: store._write_table(table_name, table, written) for table_name, table in tables.items()}
        return Written(store._write_segment(name, _dump_shell(shell), 0, written), segments)
    except BaseException:
        for file in written:
            (folder / file).unlink(missing_ok=True)
        raise


def remove_unnamed(out: Path) -> None:
    """Remove the segments of the cache of ``out`` that its index does not name: those a build
    wrote ahead (``write_ahead``) for a cache it then failed to make. Call it holding the output
    lock, with no process of that build still writing. Without a readable index, every segment
    goes. It never raises: the build's own error is the one to report."""
    folder = cache_folder(out)
    try:
        index = _read_index(folder)
    except Exception:  # (none, or unusable: it names nothing the next build will read)
        index = Index({}, {})
    named = {segment.name for segment in (*index.fields.values(), *itertools.chain(*index.tables.values()))}
    with contextlib.suppress(OSError):
        Store(folder, index)._collect(named)
    # A first build that failed leaves no empty cache folders behind (``rmdir``: only when empty).
    with contextlib.suppress(OSError):
        folder.rmdir()
        folder.parent.rmdir()


def remove(out: Path) -> None:
    """Forget the cache of ``out``: the next build starts afresh. Its segments go too (among them
    any written ahead: a cache that could not be saved for a full disk leaves none behind). It
    never raises: on a read-only disk the index stays, and describes the output folder as it was
    before this build changed it (``output_identity``), so the next build does not trust it."""
    folder = cache_folder(out)
    _OPENED.pop(folder, None)
    with contextlib.suppress(OSError):
        (folder / INDEX).unlink(missing_ok=True)
    remove_unnamed(out)


def stored_quick(out: Path) -> Quick | None:
    """The ``Quick`` state of the cache of ``out`` as this process last read or wrote it."""
    store = _OPENED.get(cache_folder(out))
    return None if store is None else store.index.quick


class _Checksummed:
    """A file being written, and the size and CRC-32 of what was written to it so far."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.size, self.crc = handle, 0, 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        return self.handle.write(data)
