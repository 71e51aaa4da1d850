"""PDF loader: one RawPage per PDF page, with the printed page number where there is one."""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from ingest.loaders import RawPage
from ingest.pages import number_in_sentence
from ingest.report import IngestWarning
from wtguide.errors import EmptyDocument, UnsupportedDocument

log = logging.getLogger(__name__)
PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?(\d{1,4})(?:\s+of\s+\d+)?\s*$", re.IGNORECASE)
GLYPH_NAME = re.compile(r"/(?:g|G|uni|glyph)\d+[A-F0-9]*|\(cid:\d+\)")


def load_pdf(path: Path, warnings: list[IngestWarning] | None = None, doc: str | None = None) -> list[RawPage]:
    """One RawPage per PDF page (printed and physical numbers). A page with no text layer (a scanned
    image among text pages) is kept, empty, with a ``no-text-layer`` warning naming it; a PDF with no
    text at all is refused (``UnsupportedDocument``)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs its repairs ("EOF marker not found"); the one-line error below says it all.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if not path.read_bytes()[:1024].lstrip().startswith(b"%PDF"):
        raise UnsupportedDocument(f"{path.name}: not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                ok = bool(reader.decrypt(""))  # opens only if there is no user password
            except Exception:  # noqa: BLE001 - any decrypt failure means we cannot read it
                ok = False
            if not ok:
                raise UnsupportedDocument(f"{path.name}: the PDF is encrypted; supply an unencrypted copy")
        texts = [page.extract_text() or "" for page in reader.pages]
    except UnsupportedDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnsupportedDocument(f"{path.name}: corrupt or unreadable PDF ({type(exc).__name__})") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise UnsupportedDocument(f"{path.name}: corrupt or unreadable PDF ({type(exc).__name__})") from exc
    if not texts:
        raise EmptyDocument(f"{path.name}: the PDF has no pages")
    if not any(t.strip() for t in texts):
        raise UnsupportedDocument(
            f"{path.name}: the PDF has no text layer (scanned images?); it needs OCR before it can be added"
        )
    texts = [_readable(path.name, text, i + 1, warnings, doc) for i, text in enumerate(texts)]
    pages = [RawPage(n, text, i + 1) for i, (text, n) in enumerate(zip(texts, _printed(texts), strict=True))]
    for page in pages:
        if not page.text.strip() and warnings is not None:
            warnings.append(
                IngestWarning(
                    doc or path.name,
                    "no-text-layer",
                    f"{path.name}: page {page.number} (PDF page {page.physical}) has no text layer "
                    "(a scanned image?); its text is not indexed",
                    page=page.number,
                )
            )
    return pages


def _readable(name: str, text: str, physical: int, warnings: list[IngestWarning] | None, doc: str | None) -> str:
    """A page's text without what the PDF could not map to characters: glyph names of a font with
    no Unicode map ("/g17", "(cid:42)") and NUL or replacement characters, with an
    ``undecodable-text`` warning naming the page."""
    bad = len(GLYPH_NAME.findall(text)) + sum(text.count(ch) for ch in "\x00\ufffd")
    if not bad:
        return text
    if warnings is not None:
        warnings.append(
            IngestWarning(
                doc or name,
                "undecodable-text",
                f"{name}: PDF page {physical} has {bad} character{'s' if bad != 1 else ''} the PDF gives no "
                "letters for (a font without a Unicode map); they are left out, so words there may be missing",
                page=physical,
            )
        )
    return GLYPH_NAME.sub("", text).replace("\x00", "").replace("\ufffd", "")


def _in_sentence(lines: list[str], j: int) -> bool:
    """The number on line ``j`` is a word of the sentence running through it ("age of" / "18" / "years")."""
    if j <= 1 or j == len(lines) - 1:
        return False  # right under the page's first line (a running header) it is the page number
    return number_in_sentence(lines[j - 1], lines[j + 1])


def _printed(texts: list[str]) -> list[int]:
    """Each page's printed number. A number alone on one of a page's first or last two lines is a
    candidate; the offset between printed and physical numbers that most pages agree on wins, so
    a running header or footnote between the number and the page edge does not hide it, and a
    page without one is numbered on from its neighbours. No agreement: physical page numbers."""
    offsets: Counter[int] = Counter()
    for physical, text in enumerate(texts, start=1):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        # The footer's number first, then the header's: one candidate per page.
        edges = [j for j in (len(lines) - 1, 0, 1, len(lines) - 2) if 0 <= j < len(lines)]
        found = next(
            (int(m.group(1)) for j in edges if (m := PAGE_NUMBER.match(lines[j])) and not _in_sentence(lines, j)), None
        )
        if found is not None:
            offsets[found - physical] += 1
    if not offsets:
        return list(range(1, len(texts) + 1))
    offset, votes = offsets.most_common(1)[0]
    if votes < 2 and len(texts) > 1:
        return list(range(1, len(texts) + 1))
    return [physical + offset if physical + offset > 0 else physical for physical in range(1, len(texts) + 1)]
