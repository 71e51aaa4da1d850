"""Read a corpus file into raw pages of text (text, PDF or HTML)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.normalise import normalise_text
from ingest.report import IngestWarning
from wtguide.errors import EmptyDocument, UnsupportedDocument


@dataclass(frozen=True)
class RawPage:
    """Text of one page; ``number`` is None when the format has no pages (text, HTML).

    ``physical`` is the page's position in a PDF (1-based), which may differ from the printed
    ``number``."""

    number: int | None
    text: str
    physical: int | None = None


BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A multi-byte UTF-8 sequence: a file holding one is UTF-8 with some stray bytes, not another encoding.
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 read as Windows-1252 (the usual stray: 0x92 ’)."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start : exc.end]
    return bad.decode("cp1252", errors="replace"), exc.end


codecs.register_error("wtguide-cp1252", _as_cp1252)


def _lines_named(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def decode_text(name: str, data: bytes, warnings: list[IngestWarning] | None = None, doc: str | None = None) -> str:
    """Text from bytes, never a silent guess (see docs: charset-normalizer detects what is not UTF-8).

    - a byte-order mark decides (UTF-8, UTF-16, UTF-32);
    - valid UTF-8 is read as it is;
    - UTF-8 with stray bytes (one Windows-1252 apostrophe): each bad line is repaired, reading only
      its bad bytes as Windows-1252, with a ``decoding`` warning naming the lines;
    - no UTF-8 at all: the detected encoding (UTF-16 without a BOM, Windows-1252, ...) with an
      ``encoding`` warning;
    - binary data raises ``UnsupportedDocument``.
    """
    out = warnings if warnings is not None else []
    who = doc or name
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                message = f"{name}: some bytes are not valid {encoding}; they are shown as \ufffd"
                out.append(IngestWarning(who, "decoding", message))
                return data.decode(encoding, errors="replace")
    if b"\x00" not in data:  # NUL bytes: UTF-16/32 without a BOM, or binary
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if b"\x00" not in data and UTF8_MULTIBYTE.search(data):
        lines = data.split(b"\n")
        bad: list[int] = []
        texts: list[str] = []
        for number, raw in enumerate(lines, start=1):
            try:
                texts.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(raw.decode("utf-8", errors="wtguide-cp1252"))
                bad.append(number)
        out.append(
            IngestWarning(
                who,
                "decoding",
                f"{name}: {_lines_named(bad)} had bytes that are not UTF-8; read those bytes as Windows-1252",
                line=bad[0],
            )
        )
        return "\n".join(texts)
    if b"\x00" not in data:
        # Not UTF-8 and no NULs: in an English document that is almost always Windows-1252 (a
        # superset of Latin-1's letters); a detector guesses wrong on short texts (cp775 for "£5").
        # Bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are shown as \ufffd on
        # their lines (named below) rather than sending the whole file to a worse guess.
        undefined = sum(data.count(b) for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))
        non_ascii = sum(1 for b in data if b > 0x7F)
        text = data.decode("cp1252", errors="replace") if undefined <= max(1, non_ascii // 20) else ""
        if text and _looks_like_text(text):
            marked = [n for n, raw in enumerate(data.split(b"\n"), start=1) if any(b > 0x7F for b in raw)]
            if undefined:
                holes = b"\x81\x8d\x8f\x90\x9d"
                bad = [n for n, raw in enumerate(data.split(b"\n"), start=1) if any(b in raw for b in holes)]
                out.append(IngestWarning(who, "decoding", f"{name}: {_lines_named(bad)} had bytes that are not "
                                         "Windows-1252 characters; they are shown as \ufffd", line=bad[0]))
            out.append(
                IngestWarning(
                    who,
                    "encoding",
                    f"{name}: not UTF-8; read as Windows-1252 (check the accented letters and symbols on "
                    f"{_lines_named(marked)})",
                    line=marked[0] if marked else None,
                )
            )
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    text = str(best) if best is not None else ""
    if best is None or not _looks_like_text(text):
        raise UnsupportedDocument(f"{name}: looks like a binary file, not text")
    encoding = codecs.lookup(best.encoding).name
    out.append(IngestWarning(who, "encoding", f"{name}: not UTF-8; read as {encoding} (detected)"))
    return text


def _looks_like_text(text: str) -> bool:
    """Mostly letters and punctuation, almost no control characters (binary decodes to those)."""
    if not any(ch.isalpha() for ch in text):
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f" or ch == "\ufffd")
    return controls <= max(1, len(text) // 200)


def read_text_file(path: Path, warnings: list[IngestWarning] | None = None, doc: str | None = None) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise EmptyDocument(f"{path.name}: the file is empty")
    return decode_text(path.name, data, warnings, doc)


def load_text(path: Path, warnings: list[IngestWarning] | None = None, doc: str | None = None) -> list[RawPage]:
    text = read_text_file(path, warnings, doc)
    return [RawPage(None, text.replace("\r\n", "\n").replace("\r", "\n"))]


def load(
    path: Path, fmt: str, warnings: list[IngestWarning] | None = None, doc: str | None = None
) -> list[RawPage]:
    """Pages of text from the manifest's format, Unicode-normalised (``ingest.normalise``).

    Warnings (``ingest.report``) are appended to ``warnings``; every failure is a one-line error
    naming the file."""
    if not path.is_file():
        raise UnsupportedDocument(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise EmptyDocument(f"{path.name}: the file is empty")
    return [replace(p, text=normalise_text(p.text)) for p in _load(path, fmt, warnings, doc)]


def _load(path: Path, fmt: str, warnings: list[IngestWarning] | None, doc: str | None) -> list[RawPage]:
    if fmt == "text":
        return load_text(path, warnings, doc)
    if fmt == "pdf":
        from ingest.pdf import load_pdf

        return load_pdf(path, warnings, doc)
    if fmt == "html":
        from ingest.html import load_html

        return load_html(path, warnings, doc)
    raise UnsupportedDocument(f"{path.name}: unsupported format '{fmt}' (use text, pdf or html)")


def format_for(path: Path) -> str:
    from ingest.manifest import FORMATS

    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedDocument(
            f"{path.name}: unsupported file type '{path.suffix or 'none'}' (use .txt, .pdf or .html)"
        )
    return fmt
