"""HTML loader: visible text with one line per block element."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import RawPage, read_text_file
from wtguide.errors import EmptyDocument

BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "div", "section", "blockquote", "br")


def load_html(path: Path) -> list[RawPage]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text_file(path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    lines: list[str] = []
    for el in soup.find_all(BLOCKS):
        if el.find(BLOCKS):
            continue  # only leaf blocks, so text is not repeated
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name == "li":
            text = "• " + text
        lines.append(text)
        lines.append("")
    if not any(lines):
        raise EmptyDocument(f"{path.name}: the HTML has no visible text")
    return [RawPage(None, "\n".join(lines))]
