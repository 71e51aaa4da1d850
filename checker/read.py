"""Read a policy into plain text: pasted text, .txt, .pdf, .docx or .html, with size limits.

Every failure is a one-line ``WtguideError`` naming the file (415 unreadable, 422 empty, 413 too big).
PDF and HTML go through the ingest loaders so a policy is read exactly as the corpus is.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from ingest.loaders import RawPage, decode_text
from wtguide.errors import EmptyDocument, TooLarge, UnsupportedDocument

MAX_TEXT_CHARS = 1_000_000
MAX_FILE_BYTES = 10 * 1024 * 1024
FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
# A .docx is a zip: its own directory says how big each part unpacks to, and Python's zipfile never
# inflates a part past that size, so these limits are checked before anything is inflated.
# A real 200-page policy unpacks to a few MB of XML; images are stored nearly as they are.
MAX_DOCX_UNPACKED = 64 * 1024 * 1024
MAX_DOCX_PART = 16 * 1024 * 1024  # one XML part (document.xml, styles.xml ...)
MAX_DOCX_PARTS = 2000
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .doc, and a password-protected .docx (Office wraps it in OLE)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def check_text(text: str, name: str = "the text") -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise TooLarge(f"{name} is too long: {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    if not text.strip():
        raise EmptyDocument(f"{name} is empty: there is no text to check")
    return text


def sniff(name: str, data: bytes) -> str:
    """The format from the content where it is unambiguous, else from the file name's extension."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    suffix = Path(name).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if not suffix:
        return "html" if re.match(rb"(?i)\s*(<!doctype html|<html)", head) else "text"
    raise UnsupportedDocument(f"{name}: unsupported file type '{suffix}' (use .txt, .pdf, .docx or .html)")


def check_docx_size(name: str, data: bytes) -> None:
    """Refuse a .docx that would unpack past the limits (a "zip bomb") before it is inflated.

    Reads only the zip's central directory. Raises ``TooLarge`` (413) naming the file and the
    limit, ``UnsupportedDocument`` (415) when the zip directory cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnsupportedDocument(f"{name}: corrupt or unreadable Word document ({type(exc).__name__})") from exc
    if len(parts) > MAX_DOCX_PARTS:
        raise TooLarge(f"{name}: the Word file has {len(parts):,} parts; the limit is {MAX_DOCX_PARTS:,}")
    total = sum(p.file_size for p in parts)
    if total > MAX_DOCX_UNPACKED:
        raise TooLarge(f"{name}: the Word file unpacks to {_size(total)}; the limit is {_size(MAX_DOCX_UNPACKED)}")
    big = next((p for p in parts if p.filename.endswith((".xml", ".rels")) and p.file_size > MAX_DOCX_PART), None)
    if big is not None:
        raise TooLarge(
            f"{name}: the Word file's part {big.filename} unpacks to {_size(big.file_size)}; "
            f"the limit is {_size(MAX_DOCX_PART)}"
        )


def _docx_text(name: str, data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_docx_size(name, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise UnsupportedDocument(f"{name}: corrupt or unreadable Word document ({type(exc).__name__})") from exc
    except Exception as exc:  # noqa: BLE001 - zipfile and lxml raise many types on damaged files
        raise UnsupportedDocument(f"{name}: corrupt or unreadable Word document ({type(exc).__name__})") from exc
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text for cell in row.cells))
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def _via_loader(name: str, data: bytes, fmt: str) -> list[RawPage]:
    """The ingest loaders read paths: write the upload under its own (sanitised) name so errors name it."""
    safe = re.sub(r"[^\w.-]+", "_", Path(name).name) or f"upload.{fmt}"
    with tempfile.TemporaryDirectory(prefix="wtguide-check-") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        if fmt == "pdf":
            from ingest.pdf import load_pdf

            return load_pdf(path)
        from ingest.html import load_html

        return load_html(path)


def read_bytes(name: str, data: bytes, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of an uploaded file; line ends normalised so offsets are the same on every platform."""
    name = Path(name or "upload").name
    if len(data) > max_bytes:
        raise TooLarge(f"{name} is too large: {_size(len(data))}; the limit is {_size(max_bytes)}")
    if not data.strip():
        raise EmptyDocument(f"{name}: the file is empty")
    fmt = sniff(name, data)
    if fmt == "ole":
        raise UnsupportedDocument(
            f"{name}: a password-protected or old-style (.doc) Word file; save it as an unprotected .docx"
        )
    if fmt == "docx":
        text = _docx_text(name, data)
    elif fmt in ("pdf", "html"):
        text = "\n\n".join(p.text for p in _via_loader(name, data, fmt))
    else:
        text = decode_text(name, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return check_text(text, name)


def read_path(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    if not path.is_file():
        raise UnsupportedDocument(f"{path}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLarge(f"{path.name} is too large: {_size(size)}; the limit is {_size(max_bytes)}")
    return read_bytes(path.name, path.read_bytes(), max_bytes)
