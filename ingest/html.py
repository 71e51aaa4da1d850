"""HTML loader: the main content's visible text, one line per block, nothing lost in between.

BeautifulSoup (already used here, and well kept) parses the page; rules in ``data/html.yaml`` drop
hidden elements and page furniture (cookie banners, navigation, headers and footers, print and
share links) and choose the main content (``<main>``, ``role=main``, ``<article>``). The tree is
then walked in document order, so text standing in a block that also holds child blocks keeps its
place, and a list item keeps its own text before its nested list.

Why not a main-content extractor: trafilatura (2.3) on our robustness page kept a ``hidden``
element's text glued into a paragraph and merged a block's own text with its child paragraph,
two of the faults this loader must not have, and its scoring drops short blocks, which for
guidance would lose text silently. Explicit rules, kept as data, fail visibly instead.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ingest.loaders import RawPage, read_text_file
from ingest.report import IngestWarning
from wtguide.errors import EmptyDocument

RULES = Path(__file__).parent / "data" / "html.yaml"
BLOCKS = frozenset(
    "p div section article main li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table thead tbody tfoot "
    "blockquote figure figcaption pre address details summary hr caption center".split()
)
CELLS = frozenset({"td", "th"})


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(RULES.read_text())
    data["furniture_line"] = re.compile(r"^(?:" + "|".join(data["furniture_lines"]) + r")$", re.IGNORECASE)
    return data


def load_html(path: Path, warnings: list[IngestWarning] | None = None, doc: str | None = None) -> list[RawPage]:
    """One RawPage of lines: each block's text on its own line, blocks separated by a blank line,
    list items as "• " bullets and table cells joined by " | ". Raises ``EmptyDocument`` when the
    page has no visible text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text_file(path, warnings, doc), "html.parser")
    rules = _rules()
    for tag in soup(rules["drop_tags"]):
        tag.decompose()
    for selector in rules["hidden"] + rules["furniture"]:
        for el in soup.select(selector):
            el.decompose()
    root = next((el for sel in rules["main"] for el in soup.select(sel) if el.get_text(strip=True)), None)
    tokens: list[tuple[str, str]] = []
    _walk(root or soup.body or soup, tokens)
    lines = [ln for ln in _lines(tokens) if not rules["furniture_line"].match(ln.lstrip("• "))]
    if not lines:
        raise EmptyDocument(f"{path.name}: the HTML has no visible text")
    return [RawPage(None, "\n\n".join(lines))]


def _walk(el: Any, out: list[tuple[str, str]]) -> None:
    """The element's content in document order as ("text", s), ("open"/"close", name), ("br"|"cell", "")."""
    from bs4 import NavigableString
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    for child in el.children:
        if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            out.append(("text", str(child)))
        elif child.name == "br":
            out.append(("br", ""))
        elif child.name in BLOCKS:
            out.append(("open", child.name))
            _walk(child, out)
            out.append(("close", child.name))
        else:
            if child.name in CELLS:
                out.append(("cell", ""))
            _walk(child, out)


def _lines(tokens: list[tuple[str, str]]) -> list[str]:
    """Assemble lines: a block boundary or <br> ends the current line; the first line of a list
    item gets its bullet."""
    lines: list[str] = []
    buf: list[str] = []
    bullet_due = 0  # list items opened whose first line is still to come

    def flush() -> None:
        nonlocal bullet_due
        text = " ".join("".join(buf).split())
        buf.clear()
        if not text:
            return
        if bullet_due:
            text = "• " + text
            bullet_due = 0
        lines.append(text)

    for kind, value in tokens:
        if kind == "text":
            buf.append(value)
        elif kind == "cell":
            if "".join(buf).strip():
                buf.append(" | ")
        else:
            flush()
            if kind == "open" and value == "li":
                bullet_due += 1
            elif kind == "close" and value == "li":
                bullet_due = 0
    flush()
    return lines
