"""Read a corpus file into raw pages of text (text, PDF or HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wtguide.errors import EmptyDocument, UnsupportedDocument


@dataclass(frozen=True)
class RawPage:
    """Text of one page; ``number`` is None when the format has no pages (text, HTML)."""

    number: int | None
    text: str


def decode_text(name: str, data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), else Windows-1252; binary is refused."""
    if b"\x00" in data[:4096]:
        raise UnsupportedDocument(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_text_file(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise EmptyDocument(f"{path.name}: the file is empty")
    return decode_text(path.name, data)


def load_text(path: Path) -> list[RawPage]:
    return [RawPage(None, read_text_file(path).replace("\r\n", "\n").replace("\r", "\n"))]


def load(path: Path, fmt: str) -> list[RawPage]:
    """Dispatch on the manifest's format; every failure is a one-line error naming the file."""
    if not path.is_file():
        raise UnsupportedDocument(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise EmptyDocument(f"{path.name}: the file is empty")
    if fmt == "text":
        return load_text(path)
    if fmt == "pdf":
        from ingest.pdf import load_pdf

        return load_pdf(path)
    if fmt == "html":
        from ingest.html import load_html

        return load_html(path)
    raise UnsupportedDocument(f"{path.name}: unsupported format '{fmt}' (use text, pdf or html)")


def format_for(path: Path) -> str:
    from ingest.manifest import FORMATS

    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedDocument(
            f"{path.name}: unsupported file type '{path.suffix or 'none'}' (use .txt, .pdf or .html)"
        )
    return fmt
