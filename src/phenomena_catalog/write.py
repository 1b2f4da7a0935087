"""Write stage: put the rendered site in place atomically, never touching a folder we did not write.

A build writes into a staging folder beside the output and swaps it in only when every page was
written, so a failed build leaves the last good site in place. The output folder carries a marker
file; a non-empty folder without it belongs to somebody else and is refused, never wiped.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import operator
import os
import re
import shutil
import signal
import sys
import threading
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.theme import STATIC, asset_folders

if TYPE_CHECKING:
    from phenomena_catalog.exporters.json import JoinedText

MARKER = ".phenomena-catalog"
MARKER_TEXT = "This folder is written by 'phenomena-catalog build' and replaced on every build.\n"


def check_output_folder(out: Path) -> None:
    """Refuse an output path that is a file, or a non-empty folder this tool did not write."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{display_path(out)}: the output path is a file, not a folder; pass another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UserError(
            f"{display_path(out)}: this folder holds files that phenomena-catalog did not write; "
            "refusing to replace it. Choose another --out, or empty the folder yourself."
        )


def cannot_write(out: Path, err: OSError) -> UserError:
    """The error for an output folder that cannot be written (full disk, read-only, no permission)."""
    staged = re.match(r"^\.(.+)\.(?:building|updating)-\d+$", out.name)
    out = out.parent / staged.group(1) if staged else out
    return UserError(f"{display_path(out)}: cannot write the site ({err.strerror or err}); "
                     "the last good site is left as it was")


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the lock of the site in ``out`` for a whole build, so two builds never mix their files.

    A second build (another terminal, ``serve`` rebuilding) waits for the first one to finish,
    then builds from what it left. The lock is the kernel's ``flock`` on the folder that holds
    ``out`` (no lock file is left behind), and a build that is killed releases it. Where
    ``fcntl`` does not exist (Windows) builds are not serialised.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        yield
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(out.parent, os.O_RDONLY)
    except OSError as err:
        raise cannot_write(out, err) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"Waiting for another build of {display_path(out)} to finish...", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh folder to build into; swapped in for ``out`` on success, removed on failure.

    Call it holding ``output_lock(out)``: folders left by a build that was killed are then stale
    and removed here.
    """
    check_output_folder(out)
    staging = _fresh_staging(out, "building", stale=("building", "old", "updating"))
    try:
        yield staging
        try:
            (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        except OSError as err:
            raise cannot_write(out, err) from None
        with _interrupts_deferred():
            _swap_in(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


_RENAME_EXCHANGE = 2


def _fresh_staging(out: Path, kind: str, stale: tuple[str, ...]) -> Path:
    """An empty ``.OUT.KIND-PID`` folder beside ``out``, after removing the ``.OUT.STALE-*`` folders
    that killed builds left (the caller holds ``output_lock(out)``, so none is in use)."""
    staging = out.parent / f".{out.name}.{kind}-{os.getpid()}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        for stale_kind in stale:
            for folder in out.parent.glob(f".{out.name}.{stale_kind}-*"):
                shutil.rmtree(folder, ignore_errors=True)
        staging.mkdir()
    except OSError as err:
        raise cannot_write(out, err) from None
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux ``renameat2``); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _swap_in(staging: Path, out: Path) -> None:
    """Put the new site in place of the old one; a build killed at any moment leaves one of them whole."""
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now the old site
        return
    # Without an atomic exchange there is an instant with no site at all; the old one is kept
    # under a dot-name until the new one is in place.
    retired = out.parent / f".{out.name}.old-{os.getpid()}"
    if retired.exists():
        shutil.rmtree(retired)
    out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT, SIGTERM) until the block is done: a swap is never left half-way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: received.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])


def copied_files(templates_dir: Path, page_urls: Iterable[str]) -> dict[str, Path]:
    """The theme's files the site gets as they are, by their place in the site.

    The default theme's ``assets/`` (CSS, JavaScript, images) goes to ``assets/``, each file replaced
    by the catalog's own of the same name in ``templates/assets/``; ``templates/static/`` (CNAME,
    robots.txt, ...) to the site's root. The output folder is replaced on every build, so a file
    added to it by hand would be lost: such files live in ``static/`` instead. One that would
    replace a page is refused.
    """
    files: dict[str, Path] = {}
    static = templates_dir / STATIC
    found: dict[str, Path] = {}
    for assets in asset_folders(templates_dir):  # the theme's first, then the catalog's over them
        found.update((f"assets/{p.relative_to(assets).as_posix()}", p)
                     for p in sorted(assets.rglob("*")) if p.is_file())
    if static.is_dir():
        for p in sorted(static.rglob("*")):
            url = p.relative_to(static).as_posix()
            if p.is_file() and url in found:
                raise UserError([Problem(display_path(p), None, "", f"this file and {display_path(found[url])} "
                                         "would both be the site's " + url + "; keep one")])
            if p.is_file():
                found[url] = p
    # A theme file must never silently replace what the build generates (a page, papers.json,
    # search/manifest.js): the site would show stale data with no error.
    pages = set(page_urls)
    clashes = [file for url, file in found.items() if url in pages]
    if clashes:
        raise UserError([Problem(display_path(f), None, "", "this file would replace a file the build "
                                 "generates; rename or remove it") for f in clashes])
    files.update(found)
    return files


def copy_files(staging: Path, files: dict[str, Path]) -> None:
    """Copy files into the staging folder at the given places."""
    for url, source in files.items():
        target = staging / url
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        except OSError as err:
            raise cannot_write(staging, err) from None


@contextmanager
def update_folder(out: Path, removed: Iterable[str]) -> Iterator[Path]:
    """A staging folder for the files of a build that changed; on success each replaces its old
    version in ``out`` (one atomic rename each) and the ``removed`` files are deleted.

    On failure (a template error while rendering, say) the staging folder is removed and ``out``
    is left exactly as it was, as with ``staging_folder``.
    """
    check_output_folder(out)
    # (what any killed build left is stale here: a build from scratch's staging folder is a whole site)
    staging = _fresh_staging(out, "updating", stale=("updating", "building", "old"))
    try:
        yield staging
        # Only renames and deletions from here on (no data is written); Ctrl-C waits until they
        # are all done, the removed files' deletion too (raised before it, it left them in the site).
        with _interrupts_deferred():
            # A new marker first: the folder's identity changes, so a build cache describing the
            # folder as it was is no longer trusted should this build be killed before keeping its own.
            (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            os.replace(staging / MARKER, out / MARKER)
            _move_into(staging, out)
            for url in sorted(removed):
                (out / url).unlink(missing_ok=True)
                # A folder the last of whose pages went away goes too, as in a build from scratch.
                folder = (out / url).parent
                while folder != out and folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
                    folder = folder.parent
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into(staging: Path, out: Path) -> None:
    for walked, _, names in os.walk(staging):
        target = out / Path(walked).relative_to(staging)
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            os.replace(os.path.join(walked, name), target / name)


def make_folders(staging: Path, page_urls: Iterable[str]) -> None:
    """Create every folder the pages at ``page_urls`` go into, below the staging folder."""
    try:
        for folder in sorted({os.path.dirname(url) for url in page_urls}):
            (staging / folder).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise cannot_write(staging, err) from None


_WRITE_SLICE = 1 << 20
_JOINED = 256
"""Pieces joined at a time by ``write_pieces``."""


def write_text(staging: Path, url: str, text: str) -> None:
    """Write one page or data file below the staging folder (its folder must exist)."""
    write_pieces(staging, url, (text,))


def write_pieces(staging: Path, url: str, pieces: Iterable[str]) -> None:
    """``write_text`` of the text ``pieces`` join into, written as they come, ``_JOINED`` pieces
    joined at a time (a long text encoded a slice of ``_WRITE_SLICE`` characters at a time): the
    whole text is never held.

    The pieces are joined by ``str.join`` from an ``islice``, with no Python code per piece: a
    data file of 10,000 papers' pieces and their separators (``papers.json``: 16 MB) took 30 ms
    of CPU time with a loop over them, 11 ms so (most of it the file system's). The file takes
    the UTF-8 bytes, encoded here, rather than text through a text file object: a quarter less
    CPU time a file, the same bytes (the text file wrote ``newline="\\n"``, untranslated, too).
    It is written through its descriptor, not a buffered file object, whose making (two objects,
    an ``fstat`` and an ``isatty`` a file) took a fifth of the CPU time of writing a site's files
    (2,031 files of a 1,000-paper site: 37 -> 29 ms).
    """
    try:
        fd = os.open(f"{os.fspath(staging)}/{url}", _WRITE_FLAGS, 0o666)
        try:
            pieces = iter(pieces)
            while True:
                batch = list(islice(pieces, _JOINED))
                if not batch:
                    break
                _write_text(fd, "".join(batch))
        finally:
            os.close(fd)
    except OSError as err:
        raise cannot_write(staging, err) from None


def _write_text(fd: int, text: str) -> int:
    """Write ``text`` as UTF-8, ``_WRITE_SLICE`` characters encoded at a time; returns its length in bytes."""
    if len(text) <= _WRITE_SLICE:
        data = text.encode()
        _write_all(fd, data)
        return len(data)
    size = 0
    for start in range(0, len(text), _WRITE_SLICE):
        data = text[start : start + _WRITE_SLICE].encode()
        _write_all(fd, data)
        size += len(data)
    return size


class JoinedLayout(NamedTuple):
    """Where each paper's piece of text is in a file ``write_joined`` wrote (``exporters.json.JoinedText``):
    a later build splices the pieces that changed into that file rather than writing it whole again."""

    made_from: str
    """A digest of the file's head, separator and tail and its papers' ids, in order."""
    size: int
    """The file's length in bytes."""
    head: int
    """The head's length in bytes."""
    lengths: bytes
    """Each paper's piece's length in bytes, in order (an ``array("I")``'s bytes)."""


def write_joined(staging: Path, url: str, joined: JoinedText, last: JoinedLayout | None = None,
                 written: Path | None = None, changed: Collection[str] = ()) -> JoinedLayout:
    """Write a file joined from its papers' pieces of text below the staging folder; returns where
    its pieces are in it. Given the ``last`` layout of the file as it is at ``written`` (the site's
    file: what the last build that wrote it wrote) and the ids of the papers whose pieces may differ
    from those there (``changed``), and the file's head, separator, tail and papers are as they were,
    its text is the old file's bytes with those papers' pieces made again in their place: the rest
    is copied by the kernel, never joined, encoded or even read here (``papers.json`` is 16 MB at
    10,000 papers, its CSL-JSON 5 MB: written whole they took most of an edit's render stage)."""
    ids = list(map(_ID, joined.papers))
    made_from = _joined_digest(joined, ids)
    target = f"{os.fspath(staging)}/{url}"
    try:
        if last is not None and written is not None and last.made_from == made_from:
            found = _spliced(target, written, joined, ids, last, changed)
            if found is not None:
                return found
        return _written_whole(target, joined, made_from)
    except OSError as err:
        raise cannot_write(staging, err) from None


def _joined_digest(joined: JoinedText, ids: list[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update("\0".join((joined.head, joined.separator, joined.tail, *ids)).encode())
    return digest.hexdigest()


def _written_whole(target: str, joined: JoinedText, made_from: str) -> JoinedLayout:
    """``write_pieces`` of ``joined``, keeping each piece's length."""
    lengths = array("I")
    size = 0
    fd = os.open(target, _WRITE_FLAGS, 0o666)
    try:
        head = joined.head.encode()
        _write_all(fd, head)
        separator, papers, piece = joined.separator, joined.papers, joined.piece
        for start in range(0, len(papers), _JOINED):
            batch = list(map(piece, papers[start : start + _JOINED]))
            text = separator.join(batch)
            # (a text of ASCII characters only is as many bytes long: most are, and C counts them)
            lengths.extend(map(len, batch) if text.isascii() else [len(part.encode()) for part in batch])
            size += _write_text(fd, separator + text if start else text)
        tail = joined.tail.encode()
        _write_all(fd, tail)
    finally:
        os.close(fd)
    return JoinedLayout(made_from, len(head) + size + len(tail), len(head), lengths.tobytes())


def _spliced(target: str, written: Path, joined: JoinedText, ids: list[str], last: JoinedLayout,
             changed: Collection[str]) -> JoinedLayout | None:
    """``write_joined`` from the file at ``written`` (see there); None when ``last`` does not
    describe that file (then nothing was written that ``_written_whole`` does not replace)."""
    old_lengths = array("I")
    old_lengths.frombytes(last.lengths)
    if len(old_lengths) != len(ids):
        return None
    lengths = array("I", old_lengths)  # (the new file's; the old one's say where the old pieces are)
    positions = _positions(ids, changed)
    separator = joined.separator.encode()
    tail = len(joined.tail.encode())
    try:
        old = os.open(written, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:  # (deleted from the site by hand, say: written whole again rather than every build failing)
        return None
    try:
        if os.fstat(old).st_size != last.size:
            return None
        fd = os.open(target, _WRITE_FLAGS, 0o666)
        try:
            done = 0
            reached, start = 0, last.head  # (the old piece at ``reached`` starts at ``start``)
            for position in positions:  # (in order: each old length is added up once)
                start += sum(old_lengths[reached:position]) + (position - reached) * len(separator)
                reached = position
                end = start + old_lengths[position]
                # The old piece sits between separators (or the head, or the tail), as ``last`` says.
                if (position and os.pread(old, len(separator), start - len(separator)) != separator) or \
                        (position + 1 < len(ids) and os.pread(old, len(separator), end) != separator) or \
                        (position + 1 == len(ids) and end + tail != last.size):
                    return None
                _copy_range(old, fd, done, start - done)
                piece = joined.piece(joined.papers[position]).encode()
                _write_all(fd, piece)
                lengths[position] = len(piece)
                done = end
            _copy_range(old, fd, done, last.size - done)
        finally:
            os.close(fd)
    finally:
        os.close(old)
    size = last.head + sum(lengths) + max(0, len(ids) - 1) * len(separator) + tail
    return JoinedLayout(last.made_from, size, last.head, lengths.tobytes())


def _positions(ids: list[str], found: Collection[str]) -> list[int]:
    """Where the papers of ``found`` are among ``ids``, in order (those not there left out)."""
    if len(found) > 16:
        return [position for position, paper_id in enumerate(ids) if paper_id in found]
    positions = []
    for paper_id in found:
        with contextlib.suppress(ValueError):
            positions.append(ids.index(paper_id))  # (a scan in C: an edit changes a paper or a few)
    return sorted(positions)


def _copy_range(source: int, target: int, offset: int, count: int) -> None:
    """Copy ``count`` bytes of the file ``source`` from ``offset`` on to where ``target`` is (the
    kernel's ``copy_file_range`` where there is one: no copy through this process)."""
    copy = getattr(os, "copy_file_range", None)
    while count > 0:
        copied = 0
        if copy is not None:
            try:
                copied = copy(source, target, count, offset)
            except OSError as err:
                if err.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                    raise
                copy = None
        if not copied:
            data = os.pread(source, min(count, _WRITE_SLICE), offset)
            if not data:
                raise OSError(errno.EIO, "the site's file is shorter than the build cache says")
            _write_all(target, data)
            copied = len(data)
        offset += copied
        count -= copied


_ID = operator.attrgetter("id")
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
"""``open(path, "wb")``'s flags (``O_BINARY``: no newline translation on Windows)."""


def _write_all(fd: int, data: bytes) -> None:
    """All of ``data`` (``os.write`` may write less than it is given, as a buffered file would not)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, so a failed write never leaves half a file.

    The one way a user's file is written: records, templates from ``new``, exports, the schema.
    """
    write_all_atomically({path: text})


def _file_beside(path: Path) -> tuple[int, str]:
    """A new file beside ``path`` to write it in (its descriptor and name), with the permissions
    ``open(path, "w")`` would leave: the file's own when it exists, else 0o666 less the umask.
    (``tempfile.mkstemp`` makes it 0o600, and the rename kept that: exports, the schema and new
    records were readable by their owner only.)"""
    try:
        mode: int | None = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            try:
                os.chmod(tmp, mode)
            except OSError:
                os.close(handle)
                os.unlink(tmp)
                raise
        return handle, tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def write_all_atomically(writes: Mapping[Path, str]) -> None:
    """Replace every file of ``writes`` or none: each is written beside its target first, and only
    when all were written are they renamed into place (one atomic rename each).

    A full disk, a read-only folder or a missing folder is a UserError naming the file, and
    leaves every target as it was.
    """
    for path in writes:
        if not path.parent.is_dir():
            raise UserError(f"{display_path(path)}: cannot write here, the folder "
                            f"{display_path(path.parent)} does not exist")
        if path.is_dir():
            raise UserError(f"{display_path(path)}: is a folder; give a file name")
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in sorted(writes.items()):
            handle, tmp = _file_beside(path)
            staged.append((tmp, path))
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
    except OSError as err:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        where = staged[-1][1] if staged else next(iter(writes))
        raise UserError(f"{display_path(where)}: could not write ({err.strerror or err}); "
                        "nothing was changed") from None
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
