"""Ship a built index to replicas: export the live build as a .tar.gz, import one and swap it in.

The archive holds one folder, the build (``build-…/``), with its ``files.json``. Import trusts
nothing in it: only plain files and folders under that one folder (``tarfile``'s ``data`` filter
also refuses absolute paths, ``..`` and device files), every file listed in ``files.json`` with
its size and SHA-256, nothing unlisted, an embedding model this install runs. Only then is it
moved beside the live build and CURRENT swapped, so running servers follow it
(``api.deps.follow_index``); on any refusal the live index is untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import uuid
import zlib
from pathlib import Path

from ingest.checksums import FILES, read_files_manifest, verify_build
from ingest.durable import DEFAULT_TIMEOUT, TEMP_PREFIX, clean_temps, ensure_writable, fsync_dir, index_lock, writable
from ingest.index import current_dir, read_info, swap
from wtguide.errors import BadRequest, IndexDamaged, IndexNotBuilt, WtguideError

BUILD_NAME = re.compile(r"^build-[A-Za-z0-9-]{1,120}$")
MAX_UNPACKED = 4 << 30  # bytes: a bound on what an archive may unpack to (the seed index is 9 MB)


def export_index(index_root: Path, archive: Path, lock_timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Write the live build, checked in full against its ``files.json``, to ``archive`` (a
    .tar.gz, written whole or not at all). Returns the build exported. ``IndexNotBuilt``,
    ``IndexDamaged`` (an index built before files.json: run ``wtguide ingest --rebuild``),
    ``BadRequest`` when ``archive`` cannot be written."""
    if writable(index_root):
        with index_lock(index_root, lock_timeout):  # no build is pruned while it is read
            return _export(index_root, archive)
    return _export(index_root, archive)  # a read-only replica: nothing there changes


def _export(index_root: Path, archive: Path) -> Path:
    live = current_dir(index_root)
    if live is None:
        raise IndexNotBuilt("no index yet: run 'wtguide ingest' first")
    verify_build(live, full=True)
    files = read_files_manifest(live) or {}
    tmp = archive.with_name(f"{TEMP_PREFIX}{archive.name}.{os.getpid()}")
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for rel in [*sorted(files), FILES]:
                tar.add(live / rel, arcname=f"{live.name}/{rel}", recursive=False)
        os.replace(tmp, archive)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BadRequest(f"cannot write {archive}: {exc.strerror or exc}") from exc
    return live


def import_index(
    index_root: Path,
    archive: Path,
    model: str,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Unpack ``archive`` (from ``export_index``) into a new build beside the live one, check it,
    and point CURRENT at it. Returns the new build's folder (the live one, unchanged, when the
    archive holds the build already live: a deploy may run the same import twice). ``BadRequest`` (one line, the live
    index untouched) for a file that is not such an archive, holds links or paths outside its
    folder, is damaged (a size or SHA-256 differs from its files.json), or was built with another
    embedding ``model``; ``ReadOnlyIndex`` for a read-only data dir."""
    ensure_writable(index_root, read_only, "import an index")
    if not archive.is_file():
        raise BadRequest(f"{archive}: no such file")
    index_root.mkdir(parents=True, exist_ok=True)
    with index_lock(index_root, lock_timeout):
        clean_temps(index_root)
        tmp = index_root / f"{TEMP_PREFIX}import-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            name = _unpack(archive, tmp)
            build = _check(archive, tmp / name, model)
            target = index_root / name
            if target.exists():
                if current_dir(index_root) == target:
                    return target  # already live: importing it again changes nothing (deploys re-run)
                target = index_root / f"{name}-{uuid.uuid4().hex[:6]}"
            os.rename(build, target)
            fsync_dir(index_root)
            swap(index_root, target)
            return target
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _unpack(archive: Path, into: Path) -> str:
    """Extract ``archive`` into ``into``; returns the one build folder's name."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            tops = {m.name.split("/", 1)[0] for m in members}
            if len(tops) != 1 or not BUILD_NAME.match(next(iter(tops))):
                raise BadRequest(f"{archive.name}: not an index archive (expected one build-… folder, "
                                 "as 'wtguide index export' writes)")
            for m in members:
                if m.name.startswith("/") or ".." in Path(m.name).parts:
                    raise BadRequest(f"{archive.name}: {m.name} points outside its folder")
                if not (m.isfile() or m.isdir()):
                    raise BadRequest(f"{archive.name}: {m.name} is a link or a special file; an index holds "
                                     "only files")
            if sum(m.size for m in members) > MAX_UNPACKED:
                raise BadRequest(f"{archive.name}: unpacks to over {MAX_UNPACKED >> 30} GB; not an index")
            tar.extractall(into, filter="data")
    except WtguideError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BadRequest(f"{archive.name}: not a readable .tar.gz index archive ({exc})") from exc
    return next(iter(tops))


def _check(archive: Path, build: Path, model: str) -> Path:
    """The unpacked build, if every file is as its files.json says and nothing else is there."""
    try:
        files = read_files_manifest(build)
        if files is None:
            raise BadRequest(f"{archive.name}: has no {FILES}, so it cannot be checked")
        verify_build(build, full=True)
        info = read_info(build)
    except IndexDamaged as exc:
        raise BadRequest(f"{archive.name}: {exc}".split("; run ")[0]) from exc
    extra = sorted(
        p.relative_to(build).as_posix() for p in build.rglob("*")
        if p.is_file() and p.name != FILES and p.relative_to(build).as_posix() not in files
    )
    if extra:
        raise BadRequest(f"{archive.name}: {extra[0]} is not listed in its {FILES}")
    if info.model != model:
        raise BadRequest(f"{archive.name}: built with the embedding model {info.model}, but this install "
                         f"embeds questions with {model} (WTGUIDE_EMBEDDER)")
    return build
