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
    list items as "• " bullets (or their number in an ordered list) and table cells joined by
    " | ". Text outside ``<main>`` is read too, with an ``html-outside-main`` warning, when it is
    more than a few words. Raises ``EmptyDocument`` when the page has no visible text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text_file(path, warnings, doc), "html.parser")
    rules = _rules()
    for tag in soup(rules["drop_tags"]):
        tag.decompose()
    for selector in rules["hidden"] + rules["furniture"]:
        for el in soup.select(selector):
            el.decompose()
    _mark_footnotes(soup, rules)
    main = next((el for sel in rules["main"] for el in soup.select(sel) if el.get_text(strip=True)), None)
    for selector in rules["outside_main"]:
        for el in soup.select(selector):
            if main is None or (el is not main and main not in el.parents):
                el.decompose()
    root = main
    if main is not None:
        body = soup.body or soup
        outside = len(body.get_text(" ", strip=True).split()) - len(main.get_text(" ", strip=True).split())
        if outside >= rules["outside_main_words"]:
            root = body
            if warnings is not None:
                warnings.append(
                    IngestWarning(
                        doc or path.name,
                        "html-outside-main",
                        f"{path.name}: {outside} words stand outside <main>; they were read too "
                        "(check they are not site furniture)",
                    )
                )
    tokens: list[tuple[str, str]] = []
    if root is None and soup.head is not None:
        soup.head.decompose()
    _walk(root or soup, tokens)  # the whole document: text after </body> or </html> is text too
    lines = [ln for ln in _lines(tokens) if not rules["furniture_line"].match(ln.lstrip("• "))]
    if not lines:
        raise EmptyDocument(f"{path.name}: the HTML has no visible text")
    return [RawPage(None, "\n\n".join(lines))]


def _mark_footnotes(soup: Any, rules: dict[str, Any]) -> None:
    """Footnote references become "[n]" and footnote bodies "[n] text" lines, the bracket style the
    footnote stage reads anywhere (``ingest.footnotes``); so "Act 1989<sup>1</sup>" is never "Act 19891"
    and the notes are attached to the paragraphs that cite them, not run into the last one."""
    from bs4 import NavigableString

    for selector in rules["footnote_backlinks"]:
        for el in soup.select(selector):
            el.decompose()
    for selector in rules["footnote_items"]:
        for item in soup.select(selector):
            number = re.search(r"\d+", str(item.get("id") or "")) or re.match(r"\s*(\d+)", item.get_text())
            if number:
                text = " ".join(item.get_text(" ", strip=True).replace("↩", "").split())
                item.replace_with(NavigableString(f"\n[{int(number.group(0))}] {text}\n"))
    for selector in rules["footnote_refs"]:
        for ref in soup.select(selector):
            digits = ref.get_text(strip=True).strip("[]()")
            if digits.isdigit() and len(digits) <= 3:
                ref.replace_with(NavigableString(f"[{int(digits)}]"))


def _walk(root: Any, out: list[tuple[str, str]]) -> None:
    """The element's content in document order as ("text", s), ("open"/"close", name), ("br"|"cell", "").

    Iterative, so a page nested thousands of levels deep is read like any other."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    stack: list[Any] = [iter(root.children)]
    closing: list[str | None] = [None]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            name = closing.pop()
            if name:
                out.append(("close", name))
            continue
        if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            out.append(("text", str(child)))
        elif isinstance(child, Tag):
            if child.name == "br":
                out.append(("br", ""))
                continue
            if child.name == "img":
                alt = " ".join(str(child.get("alt") or "").split())
                if alt:  # an image's text alternative is the document's words for it, where it stands
                    out.append(("text", f" {alt} "))
                continue
            block = child.name in BLOCKS
            if block:
                if child.name == "li" and str(child.get("value") or "").isdigit():
                    out.append(("value", str(child.get("value"))))  # <li value="7">: numbered 7 on
                out.append(("open", child.name))
                if child.name == "ol":
                    out.append(("start", str(child.get("start") or "1")))
            elif child.name in CELLS:
                out.append(("cell", ""))
            stack.append(iter(child.children))
            closing.append(child.name if block else None)


def _lines(tokens: list[tuple[str, str]]) -> list[str]:
    """Assemble lines: a block boundary or <br> ends the current line; the first line of a list
    item gets its bullet."""
    lines: list[str] = []
    buf: list[str] = []
    marker = ""  # "• " or "3. ": what the first line of the list item just opened starts with
    lists: list[list[int] | None] = []  # open lists: the next number of an <ol>, None for a <ul>

    def flush() -> None:
        nonlocal marker
        text = " ".join("".join(buf).split())
        buf.clear()
        if not text:
            return
        lines.append(marker + text)
        marker = ""

    for kind, value in tokens:
        if kind == "text":
            buf.append(value)
        elif kind == "cell":
            if "".join(buf).strip():
                buf.append(" | ")
        elif kind == "start":
            if lists and lists[-1] is not None:
                lists[-1][0] = int(value) if value.lstrip("-").isdigit() else 1
        else:
            flush()
            if kind == "open" and value in ("ul", "ol"):
                lists.append([1] if value == "ol" else None)
            elif kind == "close" and value in ("ul", "ol"):
                if lists:
                    lists.pop()
            elif kind == "value":
                if lists and lists[-1] is not None and value.isdigit():
                    lists[-1][0] = int(value)
            elif kind == "open" and value == "li":
                counter = lists[-1] if lists else None
                if counter is None:
                    marker = "• "
                else:  # an ordered list keeps its numbers: "3. ", as the page shows them
                    marker = f"{counter[0]}. "
                    counter[0] += 1
            elif kind == "close" and value == "li":
                marker = ""
    flush()
    return lines
