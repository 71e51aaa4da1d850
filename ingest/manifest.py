"""The corpus manifest: one entry per document, validated with entry and field named."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.durable import atomic_write
from wtguide.errors import ManifestError

KINDS = ("statutory", "commentary", "local")  # local: a partnership's own procedures and thresholds
STATUSES = ("current", "superseded")
FORMATS = {".txt": "text", ".text": "text", ".md": "text", ".pdf": "pdf", ".html": "html", ".htm": "html"}
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # used in URLs and file names: nothing else
REQUIRED = ("doc_id", "title", "kind", "status", "publisher", "source_url", "licence", "attribution", "file")


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    title: str
    kind: str
    status: str
    file: str
    format: str
    publisher: str
    source_url: str
    licence: str
    attribution: str
    edition: str | None = None
    short_title: str = ""
    about_edition: str | None = None
    superseded_by: str | None = None
    superseded_by_title: str | None = None
    published: str = ""
    paragraphs: str = "numbered"
    drop_lines: tuple[str, ...] = ()
    notes: str = ""
    # Earlier versions of this same edition amended in place ("factual update February 2024"):
    # each "file — note", oldest first; ``file`` is the version in force.
    versions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Manifest:
    path: Path
    documents: tuple[DocumentInfo, ...] = field(default_factory=tuple)

    @property
    def root(self) -> Path:
        return self.path.parent

    def get(self, doc_id: str) -> DocumentInfo | None:
        return next((d for d in self.documents if d.doc_id == doc_id), None)

    def file_for(self, doc: DocumentInfo) -> Path:
        return self.root / doc.file

    def content_hash(self) -> str:
        """Hash of the manifest and every file it names: changes when the corpus does."""
        h = hashlib.sha256(self.path.read_bytes())
        for doc in self.documents:
            h.update(doc.doc_id.encode())
            h.update(self.file_for(doc).read_bytes())
        return h.hexdigest()


def _entry_name(i: int, raw: dict[str, Any]) -> str:
    return f"entry {i + 1} ({raw.get('doc_id', 'no doc_id')})"


def parse_entry(i: int, raw: Any, root: Path) -> DocumentInfo:
    if not isinstance(raw, dict):
        raise ManifestError(f"manifest entry {i + 1}: expected a mapping of fields")
    name = _entry_name(i, raw)
    for key in REQUIRED:
        if raw.get(key) in (None, ""):
            raise ManifestError(f"manifest {name}: missing field '{key}'")
    if not DOC_ID.match(str(raw["doc_id"])):
        raise ManifestError(
            f"manifest {name}: field 'doc_id' must be lower-case letters, digits and hyphens, "
            f"at most 63 (got {str(raw['doc_id'])!r})"
        )
    if Path(str(raw["file"])).name != str(raw["file"]) or str(raw["file"]).startswith("."):
        raise ManifestError(f"manifest {name}: field 'file' must be a file name in {root}, not a path")
    if raw["kind"] not in KINDS:
        raise ManifestError(f"manifest {name}: field 'kind' must be one of {', '.join(KINDS)}")
    if raw["status"] not in STATUSES:
        raise ManifestError(f"manifest {name}: field 'status' must be one of {', '.join(STATUSES)}")
    if raw["kind"] == "statutory" and not raw.get("edition"):
        raise ManifestError(f"manifest {name}: missing field 'edition' (required for statutory documents)")
    if raw["status"] == "superseded" and not raw.get("superseded_by"):
        raise ManifestError(f"manifest {name}: field 'superseded_by' is required when status is superseded")
    path = root / str(raw["file"])
    if not path.is_file():
        raise ManifestError(f"manifest {name}: field 'file': {raw['file']} does not exist in {root}")
    fmt = raw.get("format") or FORMATS.get(path.suffix.lower())
    if fmt not in set(FORMATS.values()):
        raise ManifestError(f"manifest {name}: field 'format' must be text, pdf or html (got {fmt!r})")
    paragraphs = raw.get("paragraphs") or ("numbered" if raw["kind"] == "statutory" else "unnumbered")
    if paragraphs not in ("numbered", "unnumbered"):
        raise ManifestError(f"manifest {name}: field 'paragraphs' must be numbered or unnumbered")
    edition = raw.get("edition")
    return DocumentInfo(
        doc_id=str(raw["doc_id"]),
        title=str(raw["title"]),
        kind=raw["kind"],
        status=raw["status"],
        file=str(raw["file"]),
        format=fmt,
        publisher=str(raw["publisher"]),
        source_url=str(raw["source_url"]),
        licence=str(raw["licence"]),
        attribution=str(raw["attribution"]),
        edition=str(edition) if edition is not None else None,
        short_title=str(raw.get("short_title") or raw["title"]),
        about_edition=str(raw["about_edition"]) if raw.get("about_edition") else None,
        superseded_by=raw.get("superseded_by"),
        superseded_by_title=raw.get("superseded_by_title"),
        published=str(raw.get("published") or ""),
        paragraphs=paragraphs,
        drop_lines=tuple(raw.get("drop_lines") or ()),
        notes=str(raw.get("notes") or ""),
        versions=tuple(
            f"{v.get('file', '')} — {v.get('note', '')}" for v in raw.get("versions") or () if isinstance(v, dict)
        ),
    )


def load_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise ManifestError(f"manifest {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ManifestError(f"manifest {path}: not valid YAML{where}") from exc
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"manifest {path}: expected a non-empty 'documents' list")
    docs: list[DocumentInfo] = []
    seen: set[str] = set()
    for i, raw in enumerate(entries):
        doc = parse_entry(i, raw, path.parent)
        if doc.doc_id in seen:
            raise ManifestError(f"manifest {_entry_name(i, raw)}: duplicate doc_id '{doc.doc_id}'")
        seen.add(doc.doc_id)
        docs.append(doc)
    return Manifest(path=path, documents=tuple(docs))


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    """Write the manifest whole (temp file, fsync, rename): a crash leaves the old one or the new."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    header = "# One entry per document. See corpus/README.md for the fields and how to add one.\n"
    atomic_write(path, (header + text).encode("utf-8"))


def append_entry(path: Path, entry: dict[str, Any]) -> None:
    """Add one entry to the manifest file, keeping the rest as it is (written atomically)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    data = data or {"documents": []}
    data.setdefault("documents", []).append(entry)
    write_manifest(path, data)


def update_entry(path: Path, doc_id: str, changes: dict[str, Any]) -> None:
    """Change fields of one entry in the manifest file (written atomically)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for raw in data["documents"]:
        if raw.get("doc_id") == doc_id:
            raw.update(changes)
    write_manifest(path, data)
