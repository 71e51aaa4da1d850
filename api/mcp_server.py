"""wtguide as an MCP server: the guidance's tools and paragraphs for assistants that call MCP.

The same engine as the HTTP API, through the official SDK's ``MCPServer``: over stdio
(``wtguide mcp``) and over streamable HTTP at ``/mcp`` on the app (same keys and rate limit as
``/api``). Tools: ``search_guidance``, ``get_paragraph``, ``ask``, ``check_citations``,
``crosswalk``, ``list_documents``; each paragraph is a resource ``wtguide://<doc_id>/<paragraph>``.
A bad argument (a document or paragraph not held, empty text) is a tool error with the same
one-line message the API gives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from api.present import answer_json, answer_text, citation_json
from api.schemas import MAX_QUESTION, MAX_TOP_K, MAX_TURN, MAX_TURNS
from api.security import api_guard
from checker.read import MAX_TEXT_CHARS, check_text
from checker.report import report_json
from checker.service import checker_for
from rag.notices import replacement
from wtguide.errors import RateLimited, WtguideError

INSTRUCTIONS = (
    "Statutory guidance for England: Working Together to Safeguard Children (the editions held are in "
    "list_documents). Quote it by paragraph: every answer and passage carries its document, edition, "
    "paragraph and page. Use `ask` for a short cited answer, `search_guidance` for passages, `get_paragraph` "
    "to read one paragraph, `check_citations` to check the references in a text, `crosswalk` to follow a "
    "paragraph between editions. Show safeguarding notices (999, Childline) before anything else. "
    "Commentary is not guidance; a replaced edition is not current."
)


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_TURN)]


def _uri(doc_id: str, paragraph: str | None) -> str | None:
    return f"wtguide://{doc_id}/{paragraph}" if paragraph else None


def build_server(assistant: Callable[[], Any], base_url: str = "",
                 answering_off: Callable[[], str | None] = lambda: None,
                 on_answer: Callable[[Any], Any] = lambda ans: ans) -> MCPServer:
    """The MCP server over ``assistant()`` (called per request, so a server following a new index
    answers from it). ``base_url`` makes citation links absolute (e.g. "https://wt.example.org");
    while ``answering_off()`` gives a message (the operator's switch, api/switch.py), ``ask`` and
    ``search_guidance`` answer it as a tool error. ``on_answer(answer)`` sees every answer
    ``ask`` gives (``api.routes.ask.record``: counted in /metrics, logged when questions are)."""
    server = MCPServer("wtguide", instructions=INSTRUCTIONS, version="0.1.0")

    def run(fn: Callable[[Any], Any], answers: bool = False) -> Any:
        message = answering_off() if answers else None
        if message is not None:
            raise ToolError(message)
        try:
            return fn(assistant())
        except WtguideError as exc:
            raise ToolError(str(exc)) from exc

    def cite(a: Any, c: Any) -> dict[str, Any]:
        out = citation_json(a.store, c)
        return {**out, "url": f"{base_url}{c.url}", "resource": _uri(c.doc_id, c.paragraph)}

    @server.tool()
    def search_guidance(
        query: Annotated[str, Field(min_length=1, max_length=MAX_QUESTION, description="What to look for")],
        top_k: Annotated[int, Field(ge=1, le=MAX_TOP_K, description="How many passages")] = 5,
    ) -> list[dict[str, Any]]:
        """Passages of the guidance that best match ``query``, best first: each with its document,
        edition, status (current or replaced), paragraph, page, ready reference and text."""
        return run(lambda a: [cite(a, c) for c in a.search(query, top_k=top_k)], answers=True)  # type: ignore[no-any-return]

    @server.tool()
    def get_paragraph(
        doc_id: Annotated[str, Field(max_length=100, description="A document id from list_documents, e.g. wt2023")],
        paragraph: Annotated[str, Field(max_length=40, description="The paragraph number, e.g. 48")],
    ) -> dict[str, Any]:
        """One paragraph's full text with its heading, pages, footnotes and neighbours."""

        def read(a: Any) -> dict[str, Any]:
            para = a.store.paragraph(doc_id, paragraph)
            doc = a.store.document(doc_id)
            prev, nxt = a.store.neighbours(doc_id, para.paragraph)
            return {
                "doc_id": doc_id, "doc_title": doc.title, "edition": doc.edition, "kind": doc.kind,
                "status": doc.status, "replaced_by": replacement(a.store, doc), "paragraph": para.paragraph,
                "page": para.page, "page_end": para.page_end, "heading": para.heading, "text": para.text,
                "footnotes": [{"number": f.number, "text": f.text} for f in para.footnotes],
                "prev": prev, "next": nxt, "resource": _uri(doc_id, para.paragraph),
            }

        return run(read)  # type: ignore[no-any-return]

    @server.tool()
    def ask(
        question: Annotated[str, Field(min_length=1, max_length=MAX_QUESTION)],
        history: Annotated[list[Turn], Field(max_length=MAX_TURNS, description="Earlier turns, oldest first")] = [],  # noqa: B006
    ) -> dict[str, Any]:
        """A short answer from the guidance whose claims carry [n] markers, n being a citation's id.
        ``text`` is ready to show (safeguarding notices first, then the answer, then references);
        ``status`` is answered, uncertain or declined, and ``notices`` must be shown to the user."""

        def answer(a: Any) -> dict[str, Any]:
            ans = on_answer(a.ask(question, history=[t.model_dump() for t in history]))
            out = answer_json(a.store, ans)
            out["citations"] = [cite(a, c) for c in ans.citations]
            return {"text": answer_text(ans, base_url), **out}

        return run(answer, answers=True)  # type: ignore[no-any-return]

    @server.tool()
    def check_citations(
        text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, description="A policy or any text")],
    ) -> dict[str, Any]:
        """Every reference to Working Together in ``text`` checked against the text held: ok,
        mismatch, not_found, superseded (a replaced edition), not_held or unrecognised, each with
        a message, character offsets and a suggested current paragraph where there is one."""
        return run(lambda a: report_json(checker_for(a).check(check_text(text))))  # type: ignore[no-any-return]

    @server.tool()
    def crosswalk(
        doc_id: Annotated[str, Field(max_length=100, description="An edition's id, e.g. wt2018")],
        paragraph: Annotated[str, Field(max_length=40, description="A paragraph of that edition")],
    ) -> dict[str, Any]:
        """Where a paragraph went between editions: its counterparts in the edition that replaced
        it (or that it replaced), with a similarity score and unchanged/changed/removed/new status."""

        def follow(a: Any) -> dict[str, Any]:
            para = a.store.paragraph(doc_id, paragraph)
            links = [
                {"old": {"doc_id": link.old_doc, "paragraph": link.old_paragraph},
                 "new": {"doc_id": link.new_doc, "paragraph": link.new_paragraph},
                 "score": round(link.score, 3), "status": link.status}
                for links in a.crosswalks.values() for link in links
                if (link.old_doc, link.old_paragraph) == (doc_id, para.paragraph)
                or (link.new_doc, link.new_paragraph) == (doc_id, para.paragraph)
            ]
            return {"doc_id": doc_id, "paragraph": para.paragraph, "links": links}

        return run(follow)  # type: ignore[no-any-return]

    @server.tool()
    def list_documents() -> list[dict[str, Any]]:
        """The documents held: id, title, kind (statutory, commentary or local), edition, status
        and the document that replaced it, if any."""
        return run(lambda a: [  # type: ignore[no-any-return]
            {"doc_id": d.doc_id, "title": d.title, "kind": d.kind, "edition": d.edition, "status": d.status,
             "replaced_by": replacement(a.store, d), "paragraphs": len(a.store.doc_paragraphs(d.doc_id))}
            for d in a.store.documents.values()
        ])

    @server.resource("wtguide://{doc_id}/{paragraph}", mime_type="text/markdown",
                     description="One paragraph of a document held: its reference, its text, its footnotes")
    def paragraph_resource(doc_id: str, paragraph: str) -> str:
        try:
            a = assistant()
            para = a.store.paragraph(doc_id, paragraph)
            doc = a.store.document(doc_id)
        except WtguideError as exc:
            raise ResourceError(str(exc)) from exc
        pages = f", page {para.page}" if para.page else ""
        # The text marks its footnotes "[^20]": their bodies follow as Markdown footnotes.
        notes = "".join(f"\n\n[^{f.number}]: {f.text}" for f in para.footnotes)
        return f"{doc.title}, paragraph {para.paragraph}{pages}\n\n{para.text}{notes}"

    return server


ROUTE = SimpleNamespace(path_format="/mcp")


class McpEndpoint:
    """``/mcp`` on the app: streamable HTTP (stateless, JSON responses) behind the same keys and
    rate limit as ``/api``. The session manager lives in the app's lifespan (``http_lifespan``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            api_guard(request)
        except WtguideError as exc:
            headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
            await JSONResponse({"detail": str(exc)}, exc.http_status, headers)(scope, receive, send)
            return
        scope["route"] = ROUTE  # the template /metrics labels this route with
        handler = getattr(request.app.state, "mcp_http", None)
        if handler is None:
            await JSONResponse({"detail": "the MCP server is starting"}, 503)(scope, receive, send)
            return
        await handler(scope, receive, send)


@asynccontextmanager
async def http_lifespan(state: Any, assistant: Callable[[], Any], base_url: str,
                        answering_off: Callable[[], str | None],
                        on_answer: Callable[[Any], Any]) -> AsyncIterator[None]:
    """Build the MCP server for ``/mcp`` and run its session manager for the app's lifetime.

    DNS-rebinding protection (Host/Origin allow-lists) is off: the endpoint is served under
    whatever name the operator's proxy uses and is guarded by the API's keys instead."""
    server = build_server(assistant, base_url, answering_off, on_answer)
    server.streamable_http_app(stateless_http=True, json_response=True,
                               transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    manager = server.session_manager
    state.mcp_http = StreamableHTTPASGIApp(manager)
    async with manager.run():
        yield
    state.mcp_http = None
