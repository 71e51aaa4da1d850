"""Changes to the corpus and the index that survive a crash or a second process.

- ``atomic_write``: a file is replaced whole (temp file, fsync, ``os.replace``), never half written.
- ``corpus_lock`` / ``index_lock``: one ``add``/``ingest`` at a time (filelock). The corpus lock
  sits beside the manifest; the index lock in the index root. Taken in that order, always.
- ``clean_temps``: temp files a killed run left behind, removed by the next run that holds the
  lock (so no live process can still be writing them).
- ``ensure_writable``: ``ReadOnlyIndex`` for a data dir served read-only.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from wtguide.errors import Busy, ReadOnlyIndex

log = logging.getLogger(__name__)
TEMP_PREFIX = ".tmp-"  # every temp file or folder a run makes in the corpus or the index root
DEFAULT_TIMEOUT = 600.0  # seconds a second add/ingest waits for the first


def checkpoint(stage: str) -> None:
    """A named point in a change to the corpus or the index, where tests stop a run (they replace
    this function in a child process and kill it there). Called as ``durable.checkpoint(...)``.
    Stages: journal-written, file-copied, manifest-written, index-built, build-written."""


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` whole: a reader (or a crash) sees the old bytes or the new,
    never a mix. The temp file sits beside ``path`` and is named ``.tmp-<name>.<pid>``."""
    tmp = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def atomic_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` whole (temp file beside ``target``, fsync, ``os.replace``)."""
    tmp = target.with_name(f"{TEMP_PREFIX}{target.name}.{os.getpid()}")
    shutil.copyfile(source, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_locks: dict[str, FileLock] = {}


def _lock(path: Path) -> FileLock:
    # One FileLock per path in a process, so a holder may take it again (add -> ingest): a second
    # FileLock on the same file would wait for the first forever.
    key = str(path.resolve())
    if key not in _locks:
        _locks[key] = FileLock(key)
    return _locks[key]


def corpus_lock_path(manifest_path: Path, index_root: Path) -> Path:
    """Beside the manifest; in the index root when the corpus folder cannot be written (a corpus
    shipped read-only with the code), named by the manifest's path so each corpus has its own."""
    if os.access(manifest_path.parent, os.W_OK):
        return manifest_path.with_name(f".{manifest_path.name}.lock")
    digest = hashlib.sha256(str(manifest_path.resolve()).encode()).hexdigest()[:12]
    return index_root / f".corpus-{digest}.lock"


@contextlib.contextmanager
def held(path: Path, what: str, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the lock file ``path`` (``what`` names it in the error); ``Busy`` after ``timeout`` s."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(path)
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise Busy(f"another add or ingest has held the {what} lock ({path}) for over {timeout:.0f}s; "
                   "try again when it has finished") from exc
    try:
        yield
    finally:
        lock.release()


def corpus_lock(
    manifest_path: Path, index_root: Path, timeout: float = DEFAULT_TIMEOUT
) -> contextlib.AbstractContextManager[None]:
    """The lock every change to the corpus (``add``, ``ingest``) holds from start to end."""
    return held(corpus_lock_path(manifest_path, index_root), "corpus", timeout)


def index_lock(index_root: Path, timeout: float = DEFAULT_TIMEOUT) -> contextlib.AbstractContextManager[None]:
    """The lock a build or an import holds while it writes the index root and swaps CURRENT."""
    return held(index_root / ".lock", "index", timeout)


def clean_temps(folder: Path) -> list[str]:
    """Remove what killed runs left in ``folder`` (``.tmp-*`` files and folders, ``CURRENT.tmp``,
    the manifest's old ``manifest.tmp``); the caller holds the lock that guards ``folder``.
    Returns the names removed."""
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.iterdir():
        if path.name.startswith(TEMP_PREFIX) or path.name in ("CURRENT.tmp", "manifest.tmp"):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    if removed:
        log.info("removed %d leftover temp file(s) in %s: %s", len(removed), folder, ", ".join(sorted(removed)))
    return removed


def writable(folder: Path) -> bool:
    """Whether ``folder`` (or, if it does not exist yet, its nearest existing parent) can be written.
    ``os.access`` sees a read-only mount even for root, who ignores permission bits."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def ensure_writable(index_root: Path, read_only: bool, action: str) -> None:
    """``ReadOnlyIndex`` (one line) when the index is served read-only, by setting or by mount."""
    if read_only or not writable(index_root):
        why = "WTGUIDE_INDEX_READ_ONLY is set" if read_only else "it is on a read-only mount or not writable"
        raise ReadOnlyIndex(
            f"cannot {action}: the index at {index_root} is read-only ({why}); build it where it is writable "
            "and ship it with 'wtguide index export' and 'wtguide index import'"
        )
