"""Each build's ``files.json``: the size and SHA-256 of every file in it, written last.

An index is an artifact: once built, nothing changes a byte of it (serving opens Chroma on a
private copy, ``rag.chroma_copy``). So a file whose size or hash differs from ``files.json`` was
damaged on disk (a truncated copy, a full disk, a bad sync to a replica), and the build must not
be served. Hashing the seed corpus's index (27 files, 9 MB) takes 13 ms, so loading hashes in
full by default; ``size`` mode only stats the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from wtguide.errors import IndexDamaged

log = logging.getLogger(__name__)
FILES = "files.json"
FORMAT = 1


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_files_manifest(build: Path) -> dict[str, Any]:
    """Write ``build/files.json`` for every file under ``build`` (call it last, when nothing else
    will be written); returns what it wrote: {"format": 1, "files": {relpath: {size, sha256}}}."""
    files = {
        p.relative_to(build).as_posix(): {"size": p.stat().st_size, "sha256": file_sha256(p)}
        for p in sorted(build.rglob("*"))
        if p.is_file() and p.name != FILES
    }
    data = {"format": FORMAT, "files": files}
    (build / FILES).write_text(json.dumps(data, indent=1, sort_keys=True))
    return data


def read_files_manifest(build: Path) -> dict[str, dict[str, Any]] | None:
    """{relpath: {"size": bytes, "sha256": hex}} from ``build/files.json``; None when the build has
    none (built before builds were checked). ``IndexDamaged`` when it cannot be read."""
    path = build / FILES
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        files = data["files"]
        if not isinstance(files, dict) or not all({"size", "sha256"} <= set(v) for v in files.values()):
            raise ValueError("unexpected shape")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise IndexDamaged(f"index {build.name} is damaged: {FILES} cannot be read; run 'wtguide ingest'") from exc
    return files


def verify_build(build: Path, full: bool = True, legacy_ok: bool = False) -> None:
    """Check every file of ``build`` against its ``files.json``: present, the same size and (with
    ``full``) the same SHA-256. Raises ``IndexDamaged`` naming the first damaged file. A build with
    no ``files.json`` passes with ``legacy_ok`` (logged), else is ``IndexDamaged`` too."""
    files = read_files_manifest(build)
    if files is None:
        if legacy_ok:
            log.warning("index %s has no %s (built by an older version): not checked", build.name, FILES)
            return
        raise IndexDamaged(f"index {build.name} has no {FILES} (built by an older version), so it cannot be checked")
    for rel, want in files.items():
        path = build / rel
        if not path.is_file():
            raise IndexDamaged(f"index {build.name} is damaged: {rel} is missing; run 'wtguide ingest'", rel)
        size = path.stat().st_size
        if size != want["size"]:
            raise IndexDamaged(
                f"index {build.name} is damaged: {rel} has {size} bytes, {want['size']} when built; "
                "run 'wtguide ingest'",
                rel,
            )
        if full and file_sha256(path) != want["sha256"]:
            raise IndexDamaged(
                f"index {build.name} is damaged: {rel} has changed since it was built (SHA-256 differs); "
                "run 'wtguide ingest'",
                rel,
            )
