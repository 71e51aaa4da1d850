"""A journal for changes to the corpus, so a killed ``add`` leaves it as it was before.

Before an ``add`` (or an amendment) touches the corpus it writes ``.journal.json`` beside the
manifest: the manifest's bytes as they were, the files it will create, and the files it will
replace with where their old bytes are kept. The change is committed by deleting the journal,
after the index is rebuilt. A journal still there when the next ``add`` or ``ingest`` takes the
corpus lock belongs to a run that died: ``recover`` puts every file back and deletes it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest import durable
from ingest.durable import atomic_write, clean_temps, fsync_dir
from wtguide.errors import ManifestError

log = logging.getLogger(__name__)
JOURNAL = ".journal.json"
_mine: set[str] = set()  # journals this process has open: never rolled back by its own reindex


def journal_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(JOURNAL)


@contextlib.contextmanager
def journaled(
    manifest_path: Path, action: str, created: Sequence[str] = (), restore: dict[str, str] | None = None
) -> Iterator[None]:
    """Run a change to the corpus under a journal. ``created``: file names (in the corpus folder)
    the change makes; ``restore``: file name -> name of the copy of its old bytes, made by the
    change before it replaces the file. On any exception the corpus is put back, then the
    exception goes on; if the process dies, the next ``recover`` puts it back. The caller holds
    the corpus lock."""
    token = f"{os.getpid()}-{uuid.uuid4().hex}"
    record: dict[str, Any] = {
        "owner": token,
        "action": action,
        "manifest": manifest_path.read_text(encoding="utf-8"),
        "created": list(created),
        "restore": dict(restore or {}),
    }
    path = journal_path(manifest_path)
    atomic_write(path, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
    _mine.add(token)
    try:
        durable.checkpoint("journal-written")
        yield
    except BaseException:
        _roll_back(manifest_path, record)
        raise
    else:
        path.unlink()
        fsync_dir(path.parent)
    finally:
        _mine.discard(token)


def recover(manifest_path: Path) -> str | None:
    """Undo what a dead run left half done (its journal), and remove its temp files. Returns
    what was undone ("add riverside-2026") or None. The caller holds the corpus lock."""
    clean_temps(manifest_path.parent)
    path = journal_path(manifest_path)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        # Written whole or not at all (atomic_write): an unreadable journal was never ours.
        log.warning("ignoring unreadable %s", path)
        return None
    if record.get("owner") in _mine:
        return None  # this process's own change, still in progress (add -> reindex -> ingest)
    _roll_back(manifest_path, record)
    log.warning("rolled back an interrupted '%s': the corpus is as it was before it", record.get("action"))
    return str(record.get("action"))


def _roll_back(manifest_path: Path, record: dict[str, Any]) -> None:
    root = manifest_path.parent
    names = [*(record.get("restore") or {}).items(), *((n, n) for n in record.get("created") or [])]
    if any(Path(str(n)).name != str(n) for pair in names for n in pair):
        raise ManifestError(f"{journal_path(manifest_path)} names a path outside the corpus folder; remove it by hand")
    for name, kept in (record.get("restore") or {}).items():
        if (root / kept).is_file():
            os.replace(root / kept, root / name)
    for name in record.get("created") or []:
        (root / str(name)).unlink(missing_ok=True)
    before = str(record["manifest"]).encode("utf-8")
    if not manifest_path.is_file() or manifest_path.read_bytes() != before:
        atomic_write(manifest_path, before)
    clean_temps(root)
    journal_path(manifest_path).unlink(missing_ok=True)
    fsync_dir(root)
