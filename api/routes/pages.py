"""The pages people see: chat page, embeddable widget script, paragraph viewer (plain HTML, no build step)."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from string import Template
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from api.deps import AssistantDep, SettingsDep, current_assistant
from rag.notices import coverage_statement, edition_status, replacement
from wtguide.errors import NotFound, WtguideError

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
router = APIRouter(include_in_schema=False)
# The viewer's text on its own, for when API keys are on (app.py guards it like /api).
viewer_text = APIRouter(include_in_schema=False)
DocId = Annotated[str, PathParam(max_length=100)]


@router.get("/")
def chat_page(request: Request) -> HTMLResponse:
    """The chat page, saying under the box what the assistant holds before anyone asks (a seventh
    trial found out only by failing that the held text stops at WT 2023 paragraph 62): the index's
    coverage and which edition is current. Without an index loaded the page is served without it."""
    held = ""
    try:
        store = current_assistant(request.app.state).store
        held = f'<p class="held">{_links(escape(f"{coverage_statement(store)} {edition_status(store)}"))}</p>'
    except WtguideError:
        pass
    return HTMLResponse((STATIC / "index.html").read_text().replace("<!--held-->", held))


@router.get("/widget.js")
def widget() -> FileResponse:
    return FileResponse(STATIC / "widget.js", media_type="text/javascript")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = Template((TEMPLATES / "page.html").read_text()).substitute(title=escape(title), body=body)
    return HTMLResponse(html, status_code=status)


def status_line(store: Any, doc: Any) -> str:
    """'2023 — replaced by Working Together to Safeguard Children 2026' style line for the top of the viewer."""
    if doc.kind == "local":
        edition = f"local procedure of {doc.publisher}" + (f", {doc.edition}" if doc.edition else "")
    else:
        about = f"commentary on the {doc.about_edition} edition" if doc.about_edition else "commentary"
        edition = doc.edition or about
    newer = replacement(store, doc)
    if newer:
        return f"{edition} — replaced by {newer}"
    return f"{edition} — {'current' if doc.status == 'current' else doc.status}"


FOOTNOTE_MARK = re.compile(r"\[\^(\d{1,3})\]")


def _crosswalk_notes(store: Any, cached: dict[tuple[str, str], list[Any]], doc_id: str) -> dict[str, str]:
    """Paragraph -> a line saying where it went in the edition that replaced it, or where it came
    from in the one it replaced (from the crosswalk; a weak match is "possibly")."""
    from rag.crosswalk import CONFIDENT

    notes: dict[str, list[str]] = {}
    for (old, new), links in cached.items():
        if doc_id not in (old, new):
            continue
        other = store.documents[new if doc_id == old else old]
        name = escape(other.short_title or other.title)
        for link in sorted(links, key=lambda x: -x.score):
            mine, theirs = (link.old_paragraph, link.new_paragraph) if doc_id == old else (
                link.new_paragraph, link.old_paragraph)
            if mine is None:
                continue
            if theirs is None:
                said = f"Removed in {name}." if doc_id == old else f"New in this edition (not in {name})."
            else:
                how = "unchanged" if link.status == "unchanged" else "changed"
                maybe = "possibly " if link.score < CONFIDENT else ""
                href = f"/documents/{escape(other.doc_id)}#para-{escape(theirs)}"
                where = f'<a href="{href}">paragraph {escape(theirs)}</a>'
                said = f"In {name}: {maybe}{where} ({how})."
            notes.setdefault(mine, []).append(said)
    return {pid: " ".join(dict.fromkeys(lines)) for pid, lines in notes.items()}


def _paragraph_html(p: Any, crosswalk_note: str = "") -> str:
    label = f"Paragraph {escape(p.paragraph)}" if p.numbered else escape(p.heading or "Section")
    pages = f"pages {p.page}–{p.page_end}" if p.page and p.page_end and p.page_end != p.page else f"page {p.page}"
    page = f' <span class="page">{pages}</span>' if p.page else ""
    notes = "".join(
        f'<li id="fn-{escape(p.paragraph)}-{f.number}"><sup>{f.number}</sup> {_links(escape(f.text))}</li>'
        for f in p.footnotes
    )
    notes_html = f'<ol class="footnotes" aria-label="Footnotes">{notes}</ol>' if notes else ""
    return (
        f'<section class="para" id="para-{escape(p.paragraph)}" tabindex="-1" '
        f'aria-labelledby="label-{escape(p.paragraph)}">'
        f'<h3 class="para-label" id="label-{escape(p.paragraph)}">'
        f'<a href="#para-{escape(p.paragraph)}">{label}</a>{page}</h3>'
        f"{_body_html(p)}{notes_html}"
        + (f'<p class="crosswalk">{crosswalk_note}</p>' if crosswalk_note else "")
        + "</section>"
    )


URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")


def _links(escaped: str) -> str:
    """Web addresses in escaped text as links (they wrap on a phone: site.css)."""
    return URL.sub(lambda m: f'<a href="{m.group(0)}" class="url">{m.group(0)}</a>', escaped)


LIST_ITEM = re.compile(r"^\s*(?:[\u2022\u25aa\u2013-]|\([a-z0-9]{1,3}\))\s+")


def _body_html(p: Any) -> str:
    """The paragraph as the index holds it: its lines as paragraphs, list items as a list; footnote
    marks become links to the notes, web addresses links."""
    def line_html(line: str) -> str:
        return FOOTNOTE_MARK.sub(
            lambda m: f'<sup><a href="#fn-{escape(p.paragraph)}-{m.group(1)}">{m.group(1)}</a></sup>',
            _links(escape(line)),
        )

    out: list[str] = []
    items: list[str] = []
    for line in [ln for ln in p.text.split("\n") if ln.strip()]:
        if LIST_ITEM.match(line):
            items.append(f"<li>{line_html(LIST_ITEM.sub('', line, count=1))}</li>")
            continue
        if items:
            out.append(f"<ul>{''.join(items)}</ul>")
            items = []
        out.append(f"<p>{line_html(line)}</p>")
    if items:
        out.append(f"<ul>{''.join(items)}</ul>")
    return "".join(out)


def _paragraphs_html(assistant: Any, doc_id: str, kind: str) -> str:
    """Every paragraph of a document as the viewer shows it, with section headings and, for
    statutory guidance, where each paragraph went in the edition that replaced it."""
    store = assistant.store
    parts: list[str] = []
    heading = None
    moved = _crosswalk_notes(store, assistant.crosswalks, doc_id) if kind == "statutory" else {}
    for p in store.doc_paragraphs(doc_id):
        if p.heading and p.heading != heading and p.numbered:
            parts.append(f'<h2 class="section-heading">{escape(p.heading)}</h2>')
        heading = p.heading
        parts.append(_paragraph_html(p, moved.get(p.paragraph, "")))
    return "".join(parts)


@viewer_text.get("/documents/{doc_id}/text", response_class=HTMLResponse)
def document_text(doc_id: DocId, assistant: AssistantDep) -> HTMLResponse:
    """The viewer's paragraphs as an HTML fragment (guarded like /api: a key or a page session
    when keys are on). Raises NotFound (404) for a document not held."""
    doc = assistant.store.document(doc_id)
    return HTMLResponse(_paragraphs_html(assistant, doc_id, doc.kind))


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(doc_id: DocId, assistant: AssistantDep, settings: SettingsDep) -> HTMLResponse:
    store = assistant.store
    try:
        doc = store.document(doc_id)
    except NotFound:
        held = "".join(
            f'<li><a href="/documents/{escape(d.doc_id)}">{escape(d.title)}</a></li>'
            for d in store.documents.values()
        )
        return _page(
            "Document not found",
            "<h1>We could not find that document</h1>"
            "<p>The link may be mistyped, or the document is not one this assistant holds.</p>"
            f'<h2>The documents it holds</h2><ul>{held}</ul><p><a href="/">Back to the assistant</a></p>',
            status=404,
        )
    except WtguideError as exc:
        return _page("Not available", f"<h1>Not available</h1><p>{escape(str(exc))}</p>", status=exc.http_status)
    badge = {
        "commentary": '<strong class="tag tag-commentary">Commentary</strong> ',
        "local": '<strong class="tag tag-local">Local procedure</strong> ',
    }.get(doc.kind, "")
    warning = ""
    if doc.status == "superseded":
        warning = (
            f'<div class="warning" role="note"><strong>This edition has been replaced'
            f"{' by ' + escape(replacement(store, doc) or '') if doc.superseded_by else ''}.</strong> "
            "Check the current edition before relying on it.</div>"
        )
    # A compact bar that stays on screen (title, edition and status), so a paragraph opened from a
    # citation is never read without knowing which edition it is from.
    bar = (
        f'<div class="doc-bar"><span class="doc-bar-title">{escape(doc.title)}</span> '
        f'{badge}<span class="tag{" tag-old" if doc.status == "superseded" else ""}">'
        f"{escape(status_line(store, doc))}</span></div>"
    )
    if settings.api_keys:
        # With keys on, the text is data like /api: viewer.js fetches it with the page session
        # this page has just started (a script without the cookie or a key gets a 401).
        src = escape(f"/documents/{doc.doc_id}/text")
        text = (f'<div class="paragraphs" data-src="{src}" aria-busy="true"></div>'
                "<noscript><p>Turn on JavaScript to read the text here.</p></noscript>")
    else:
        text = f'<div class="paragraphs">{_paragraphs_html(assistant, doc_id, doc.kind)}</div>'
    body = (
        f'{bar}<p><a href="/" class="back">Back to the assistant</a></p>'
        f"<h1>{escape(doc.title)}</h1>"
        f'{warning}<p class="publisher">{escape(doc.publisher)}. {escape(doc.attribution)}</p>'
        '<p class="vh" role="status" id="announce"></p>'
        f"{text}"
        '<script src="/static/viewer.js" defer></script>'
    )
    return _page(doc.title, body)
