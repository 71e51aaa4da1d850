"""PDF loader: one RawPage per PDF page, with the printed page number where there is one."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ingest.loaders import RawPage
from ingest.report import IngestWarning
from wtguide.errors import EmptyDocument, UnsupportedDocument

log = logging.getLogger(__name__)
PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?(\d{1,4})(?:\s+of\s+\d+)?\s*$", re.IGNORECASE)


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
    pages = [RawPage(_printed_number(text, i + 1), text, i + 1) for i, text in enumerate(texts)]
    for i, page in enumerate(pages):
        if not page.text.strip():
            # Its printed number is unknown: count on from the page before it.
            before = pages[i - 1].number if i else None
            number = before + 1 if before is not None else i + 1
            pages[i] = RawPage(number, "", i + 1)
            if warnings is not None:
                warnings.append(
                    IngestWarning(
                        doc or path.name,
                        "no-text-layer",
                        f"{path.name}: page {number} (PDF page {i + 1}) has no text layer (a scanned image?); "
                        "its text is not indexed",
                        page=number,
                    )
                )
    return pages


def _printed_number(text: str, physical: int) -> int:
    """The page number printed alone on the first or last line, else the physical page."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for line in (lines[-1:] + lines[:1]) if lines else []:
        m = PAGE_NUMBER.match(line)
        if m:
            return int(m.group(1))
    return physical
