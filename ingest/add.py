"""Add one document to the corpus: validate it, copy it in, write its manifest entry, re-index.

The file is parsed before anything changes; the change runs under the corpus lock and a journal
(``ingest.journal``), so a bad file, a failed re-index, a second ``add`` at the same time or a
``kill -9`` never damages the corpus or the live index: it ends fully before or fully after.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ingest import durable
from ingest.durable import atomic_copy, corpus_lock, ensure_writable, writable
from ingest.integrity import check_edition_line, check_not_held, derive_doc_id, held_fingerprints, provenance
from ingest.journal import journaled, recover
from ingest.loaders import format_for
from ingest.manifest import DOC_ID, DocumentInfo, Manifest, append_entry, load_manifest, update_entry
from ingest.parse import Body, parse_report, read_body
from ingest.pipeline import strict_check
from wtguide.errors import ManifestError, ReadOnlyIndex, UnsupportedDocument
from wtguide.settings import Settings


def add_document(
    settings: Settings,
    file: Path,
    *,
    title: str,
    edition: str | None,
    kind: str,
    status: str = "current",
    supersedes: str | None = None,
    superseded_by: str | None = None,
    doc_id: str | None = None,
    publisher: str | None = None,
    source_url: str | None = None,
    licence: str | None = None,
    strict: bool = False,
    reindex: Callable[[], Any],
) -> DocumentInfo:
    """Validate, copy in, write the manifest entry and re-index, all under the corpus lock (a
    second ``add`` or ``ingest`` waits) and a journal (``ingest.journal``): if anything fails or
    the process is killed, the corpus is left as it was before. Refused before anything changes
    (``ManifestError``, one line): a copy of a held document (same bytes or same words), a second
    current statutory edition without ``supersedes``, a broken chain of replacements, a non-
    statutory document without its publisher (``ingest.integrity``); with ``strict``, a file
    whose reading gives any warning (``ingest.report``). ``ReadOnlyIndex`` for a read-only data
    dir or corpus; ``Busy`` when another run holds the lock past ``settings.lock_timeout_seconds``."""
    _check_writable(settings, "add a document")
    with corpus_lock(settings.manifest_path, settings.index_root, settings.lock_timeout_seconds):
        recover(settings.manifest_path)
        return _add(settings, file, title=title, edition=edition, kind=kind, status=status, supersedes=supersedes,
                    superseded_by=superseded_by, doc_id=doc_id, publisher=publisher, source_url=source_url,
                    licence=licence, strict=strict, reindex=reindex)


def _check_writable(settings: Settings, action: str) -> None:
    ensure_writable(settings.index_root, settings.index_read_only, action)
    if not writable(settings.corpus_dir):
        raise ReadOnlyIndex(f"cannot {action}: the corpus folder {settings.corpus_dir} cannot be written")


def _add(
    settings: Settings,
    file: Path,
    *,
    title: str,
    edition: str | None,
    kind: str,
    status: str,
    supersedes: str | None,
    superseded_by: str | None,
    doc_id: str | None,
    publisher: str | None,
    source_url: str | None,
    licence: str | None,
    strict: bool,
    reindex: Callable[[], Any],
) -> DocumentInfo:
    manifest_path = settings.manifest_path
    manifest = load_manifest(manifest_path)
    if kind == "statutory" and not edition:
        raise ManifestError("--edition is required for statutory guidance (the year of the edition)")
    doc_id = doc_id or derive_doc_id(title, edition or "")
    if not DOC_ID.match(doc_id):
        raise ManifestError(f"--doc-id {doc_id!r}: use lower-case letters, digits and hyphens (at most 63)")
    if not file.is_file():
        raise UnsupportedDocument(f"{file}: no such file")
    fmt = format_for(file)
    # A copy of a held document is the likeliest mistake: say so first, whatever else is wrong.
    copy_probe = DocumentInfo(doc_id=doc_id, title=title, kind=kind, status=status, file=file.name, format=fmt,
                              publisher="", source_url="", licence="", attribution="",
                              paragraphs="numbered" if kind == "statutory" else "unnumbered")
    copy_body = read_body(copy_probe, file)
    _refuse_copies(manifest, file, copy_body)
    if manifest.get(doc_id):
        raise ManifestError(f"manifest already has a document '{doc_id}' (pass --doc-id to choose another)")
    if supersedes and not manifest.get(supersedes):
        raise ManifestError(f"--supersedes {supersedes}: no such document in the manifest")
    if status == "superseded" and not superseded_by:
        raise ManifestError("--status superseded needs --superseded-by DOC_ID (the edition that replaced it)")
    check_edition_line(manifest, kind, status, supersedes, doc_id)
    entry: dict[str, Any] = {
        "doc_id": doc_id,
        "title": title,
        "short_title": title,
        "edition": edition or None,
        "kind": kind,
        "status": status,
        **({"superseded_by": superseded_by} if superseded_by else {}),
        **provenance(kind, publisher, licence, source_url),
        "file": f"{doc_id}{file.suffix.lower()}",
        "format": fmt,
        "paragraphs": "numbered" if kind == "statutory" else "unnumbered",
    }
    from ingest.manifest import parse_entry

    # Validate the file by parsing it where it is, before touching the corpus.
    probe = parse_entry(0, {**entry, "file": file.name}, file.parent)
    parsed = parse_report(probe, file, body=copy_body)
    if strict:
        strict_check(list(parsed.warnings))

    target = manifest.root / entry["file"]
    in_place = target.exists() and target.resolve() == file.resolve()
    if target.exists() and not in_place:
        raise ManifestError(f"{target.name} already exists in {manifest.root} (pass --doc-id to choose another name)")
    with journaled(manifest_path, f"add {doc_id}", created=[] if in_place else [target.name]):
        if not in_place:
            atomic_copy(file, target)
        durable.checkpoint("file-copied")
        append_entry(manifest_path, entry)
        if supersedes:
            update_entry(manifest_path, supersedes, {"status": "superseded", "superseded_by": doc_id})
        durable.checkpoint("manifest-written")
        doc = load_manifest(manifest_path).get(doc_id)
        reindex()
        durable.checkpoint("index-built")
    if doc is None:  # cannot happen under the lock; say so plainly rather than assert
        raise ManifestError(f"{doc_id} is not in the manifest after it was added")
    return doc


def _lines(body: Body) -> list[str]:
    return [ln.text for ln in body.lines] + [n.text for n in body.notes.values()]


def _refuse_copies(manifest: Manifest, file: Path, body: Body) -> None:
    """``ManifestError`` when ``file`` (read as ``body``) has the bytes or the words of a held document."""
    held = held_fingerprints(manifest, lambda d: _lines(read_body(d, manifest.file_for(d))))
    check_not_held(manifest, file, _lines(body), held)


def amend_document(
    settings: Settings, file: Path, *, doc_id: str, note: str, strict: bool = False, reindex: Callable[[], Any]
) -> DocumentInfo:
    """See ``_amend``; run under the corpus lock and a journal, like ``add_document``."""
    _check_writable(settings, "amend a document")
    with corpus_lock(settings.manifest_path, settings.index_root, settings.lock_timeout_seconds):
        recover(settings.manifest_path)
        return _amend(settings, file, doc_id=doc_id, note=note, strict=strict, reindex=reindex)


def _amend(
    settings: Settings, file: Path, *, doc_id: str, note: str, strict: bool, reindex: Callable[[], Any]
) -> DocumentInfo:
    """Record an in-place amendment of an edition (2023 was updated in February 2024) as a new
    version of the same document, not a new edition: the file in force is replaced, the one it
    replaces is kept beside it as ``<doc_id>.v<n><ext>`` and listed under ``versions`` with
    ``note``; the id, edition and status stay. Refused (``ManifestError``) for an unknown
    document, another format, or a file with the same bytes or words as a held one."""
    manifest_path = settings.manifest_path
    manifest = load_manifest(manifest_path)
    doc = manifest.get(doc_id)
    if doc is None:
        raise ManifestError(f"--amends {doc_id}: no such document in the manifest")
    if not file.is_file():
        raise UnsupportedDocument(f"{file}: no such file")
    if format_for(file) != doc.format:
        raise ManifestError(f"{file.name}: {doc_id} is a {doc.format} document; amend it with a {doc.format} file")
    body = read_body(doc, file)
    parsed = parse_report(doc, file, body=body)
    if strict:
        strict_check(list(parsed.warnings))
    _refuse_copies(manifest, file, body)
    current = manifest.file_for(doc)
    count = len(doc.versions) + 1
    kept = current.with_name(f"{doc_id}.v{count}{current.suffix}")
    raw = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    entry = next(e for e in raw["documents"] if e.get("doc_id") == doc_id)
    versions = [*(entry.get("versions") or []), {"file": kept.name, "note": f"the text before: {note}"}]
    # Rolled back by moving the kept copy over the file in force again.
    with journaled(manifest_path, f"amend {doc_id}", restore={current.name: kept.name}):
        atomic_copy(current, kept)
        atomic_copy(file, current)
        durable.checkpoint("file-copied")
        update_entry(manifest_path, doc_id, {"versions": versions})
        durable.checkpoint("manifest-written")
        amended = load_manifest(manifest_path).get(doc_id)
        reindex()
        durable.checkpoint("index-built")
    if amended is None:
        raise ManifestError(f"{doc_id} is not in the manifest after it was amended")
    return amended
