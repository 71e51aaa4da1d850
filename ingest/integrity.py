"""Corpus integrity on add: no document twice, one current statutory edition, honest provenance,
ids that keep whole words and years.

Each check raises ``ManifestError`` with one line a person can act on, before anything changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from ingest.manifest import DocumentInfo, Manifest
from wtguide.errors import ManifestError

STATUTORY_PUBLISHER = "HM Government (Department for Education)"
OGL = "Open Government Licence v3.0"
OGL_ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
ID_LENGTH = 40


def derive_doc_id(title: str, edition: str) -> str:
    """A readable id from the title: "wt2026" for Working Together; otherwise the title's whole
    words up to 40 characters, then the edition once ("Local thresholds guidance 2030" ->
    "local-thresholds-guidance-2030"). Never cuts a word or a year."""
    if "working together" in title.lower():
        return f"wt{edition}"
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w != (edition or "").lower()]
    base = ""
    for word in words:
        longer = f"{base}-{word}" if base else word
        if len(longer) > ID_LENGTH:
            break
        base = longer
    base = base or "document"
    return f"{base}-{edition.lower()}" if edition else base


def provenance(kind: str, publisher: str | None, licence: str | None, source_url: str | None) -> dict[str, str]:
    """Publisher, licence, attribution and source by kind. Statutory guidance defaults to HM
    Government under the Open Government Licence; anything else must name its publisher and is
    never credited to the Crown by default."""
    if kind == "statutory":
        publisher = publisher or STATUTORY_PUBLISHER
        licence = licence or OGL
    elif not publisher:
        raise ManifestError(f"--publisher is required for a {kind} document (who wrote it?)")
    else:
        licence = licence or "Third-party material; quoted for reference."
    if "open government" in licence.lower():
        attribution = OGL_ATTRIBUTION
    else:
        what = "Commentary, not statutory guidance." if kind == "commentary" else "Not national statutory guidance."
        attribution = f"{publisher}. {what}"
    return {
        "publisher": publisher,
        "licence": licence,
        "attribution": attribution,
        "source_url": source_url or "supplied by the administrator",
    }


def fingerprint(lines: Iterable[str]) -> str:
    """A document's words as read, in order, case, spacing and line ends ignored (so a re-saved
    copy matches whatever kind it is added as)."""
    words = (w for line in lines for w in re.findall(r"\w+", line.lower()))
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def check_not_held(manifest: Manifest, file: Path, lines: Iterable[str], texts: dict[str, str]) -> None:
    """Refuse a file whose bytes, or whose words, are those of a document already held.
    ``texts``: doc_id -> fingerprint of each held document (``fingerprint``)."""
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    for doc in manifest.documents:
        if hashlib.sha256(manifest.file_for(doc).read_bytes()).hexdigest() == digest:
            raise ManifestError(f"{file.name} is a copy of {doc.doc_id} ({doc.title}), already held")
    mine = fingerprint(lines)
    for doc_id, theirs in texts.items():
        if theirs == mine:
            held = manifest.get(doc_id)
            title = f" ({held.title})" if held else ""
            raise ManifestError(f"{file.name} has the same text as {doc_id}{title}, already held")


def check_edition_line(manifest: Manifest, kind: str, status: str, supersedes: str | None, doc_id: str) -> None:
    """One current statutory document: a new current one must say which it replaces, and the
    chain of replacements stays a chain (a document replaced by a held one is not replaced again)."""
    if supersedes:
        old = manifest.get(supersedes)
        assert old is not None
        newer = manifest.get(old.superseded_by or "")
        if newer is not None and newer.doc_id != doc_id:
            raise ManifestError(f"--supersedes {supersedes}: it is already replaced by {newer.doc_id} ({newer.title})")
        if old.kind != kind:
            raise ManifestError(f"--supersedes {supersedes}: it is {old.kind}, this document is {kind}")
    if kind != "statutory" or status != "current":
        return
    current = [d for d in manifest.documents if d.kind == "statutory" and d.status == "current"]
    others = [d for d in current if d.doc_id != supersedes]
    if others:
        names = ", ".join(d.doc_id for d in others)
        raise ManifestError(
            f"{names} is the current statutory edition: pass --supersedes {others[0].doc_id} to replace it, "
            "or --status superseded --superseded-by DOC_ID to add an older edition"
        )


def held_fingerprints(manifest: Manifest, read: Callable[[DocumentInfo], Iterable[str]]) -> dict[str, str]:
    """doc_id -> fingerprint of each held document; ``read(doc)`` gives its lines."""
    out: dict[str, str] = {}
    for doc in manifest.documents:
        try:
            out[doc.doc_id] = fingerprint(read(doc))
        except Exception:  # noqa: BLE001 - a held document that no longer parses cannot be a duplicate
            continue
    return out
