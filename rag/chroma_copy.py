"""Chroma opened on a private copy, so serving never writes the index.

Chroma's ``PersistentClient`` writes to its sqlite file and HNSW segments even when it only
answers queries (measured: one query changed ``chroma.sqlite3`` and four segment files). An index
served from a read-only mount would fail, and a shared one would no longer match its
``files.json``. So each process that serves copies the build's ``chroma/`` folder into its own
temp folder (7.3 MB for the seed corpus: 3 ms from a warm page cache, measured) and opens that.

The copy holds a lock file for its life; a copy whose lock nobody holds belongs to a process that
died, and the next one to start removes it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ingest.index import chroma_client

log = logging.getLogger(__name__)
PREFIX = "wtguide-chroma-"
OWNER = ".owner.lock"


class PrivateChroma:
    """A Chroma client over a private copy of ``source`` (a build's ``chroma/`` folder). The copy
    is removed by ``close()``, when the object is collected, or at exit."""

    def __init__(self, source: Path, temp_root: Path | None = None) -> None:
        temp_root = temp_root or Path(tempfile.gettempdir())
        sweep(temp_root)
        self.folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=temp_root))
        owner = FileLock(str(self.folder / OWNER))
        owner.acquire()
        try:
            self.path = self.folder / "chroma"
            shutil.copytree(source, self.path)
            self.client: Any = chroma_client(self.path)
        except BaseException:
            _release(None, owner, self.folder)
            raise
        self._finalizer = weakref.finalize(self, _release, self.client, owner, self.folder)

    def close(self) -> None:
        self._finalizer()


def _release(client: Any, owner: FileLock, folder: Path) -> None:
    if client is not None:
        with contextlib.suppress(Exception):  # a client over a damaged copy may fail to close
            client.close()
    owner.release()
    shutil.rmtree(folder, ignore_errors=True)


def sweep(temp_root: Path) -> list[str]:
    """Remove the private copies of processes that died (their owner lock is free). Returns their names."""
    removed = []
    for folder in temp_root.glob(f"{PREFIX}*"):
        lock = folder / OWNER
        # A copy younger than a minute may be one whose owner is still taking its lock.
        if not folder.is_dir() or not lock.is_file() or time.time() - folder.stat().st_mtime < 60:
            continue
        probe = FileLock(str(lock), timeout=0)
        try:
            probe.acquire()
        except Timeout:
            continue  # a live process serves from it
        try:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
        finally:
            probe.release()
    if removed:
        log.info("removed %d Chroma copies left by stopped processes", len(removed))
    return removed
