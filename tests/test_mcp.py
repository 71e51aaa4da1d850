"""The MCP server (issue 18), driven by the official `mcp` client: over stdio (`wtguide mcp` as a
subprocess) and over streamable HTTP (`/mcp` on a served app, with keys on): list the tools,
call each, read a paragraph resource, and get a clear tool error for a bad argument."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from api.app import create_app
from rag.service import Assistant
from tests.serving import ThreadServer
from wtguide.settings import Settings

TOOLS = {"search_guidance", "get_paragraph", "ask", "check_citations", "crosswalk", "list_documents"}
KEY = "sk-mcp-test"


def _json(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        data = result.structured_content
        return data.get("result", data) if isinstance(data, dict) and set(data) == {"result"} else data
    return json.loads(result.content[0].text)


async def _exercise(client: Client) -> dict[str, Any]:
    """Every tool once, a resource, and two bad arguments; returns what each gave."""
    out: dict[str, Any] = {}
    out["tools"] = {t.name: t for t in (await client.list_tools()).tools}
    out["documents"] = _json(await client.call_tool("list_documents", {}))
    out["search"] = _json(await client.call_tool("search_guidance", {"query": "who are the safeguarding partners"}))
    out["paragraph"] = _json(await client.call_tool("get_paragraph", {"doc_id": "wt2023", "paragraph": "48"}))
    out["ask"] = _json(await client.call_tool("ask", {"question": "What is early help?"}))
    out["follow_up"] = _json(await client.call_tool("ask", {
        "question": "who provides it?",
        "history": [{"role": "user", "content": "What is early help?"}]}))
    out["check"] = _json(await client.call_tool("check_citations", {
        "text": "Our policy follows Working Together 2018, paragraph 11."}))
    out["crosswalk"] = _json(await client.call_tool("crosswalk", {"doc_id": "wt2018", "paragraph": "11"}))
    out["resource"] = await client.read_resource("wtguide://wt2023/48")
    out["missing"] = await client.call_tool("get_paragraph", {"doc_id": "wt2023", "paragraph": "9999"})
    out["invalid"] = await client.call_tool("search_guidance", {"query": "", "top_k": 500})
    return out


def _check(out: dict[str, Any]) -> None:
    tools = out["tools"]
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name  # a docstring an assistant can act on
        assert tool.input_schema["type"] == "object"
    assert tools["get_paragraph"].input_schema["required"] == ["doc_id", "paragraph"]
    assert {d["doc_id"] for d in out["documents"]} >= {"wt2018", "wt2023"}
    assert out["search"][0]["reference"].startswith("Working Together to Safeguard Children")
    assert out["search"][0]["resource"].startswith("wtguide://")
    assert out["paragraph"]["paragraph"] == "48" and out["paragraph"]["text"]
    ask = out["ask"]
    assert ask["status"] in ("answered", "uncertain") and ask["citations"] and "[1]" in ask["answer"]
    assert ask["text"].split("\n\n")[:len(ask["notices"]) + 1] == [*ask["notices"], ask["answer"]]
    assert out["follow_up"]["citations"]
    assert [r["status"] for r in out["check"]["references"]] == ["superseded"]
    assert out["crosswalk"]["links"] and out["crosswalk"]["links"][0]["old"] == {"doc_id": "wt2018", "paragraph": "11"}
    text = out["resource"].contents[0].text
    assert text.startswith("Working Together to Safeguard Children 2023, paragraph 48")
    assert out["paragraph"]["text"] in text
    for note in out["paragraph"]["footnotes"]:  # every "[^n]" in the text has its body
        assert f"[^{note['number']}]: {note['text']}" in text
    missing = out["missing"]
    assert missing.is_error and "paragraph" in missing.content[0].text and "9999" in missing.content[0].text
    assert out["invalid"].is_error and "query" in out["invalid"].content[0].text


def test_stdio(fake_index: Path) -> None:
    env = {**os.environ, "WTGUIDE_DATA_DIR": str(fake_index.parent), "WTGUIDE_EMBEDDER": "fake",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "wtguide.cli", "mcp"], env=env,
                                   cwd=str(Path(__file__).resolve().parent.parent))

    async def main() -> dict[str, Any]:
        async with Client(params, read_timeout_seconds=120) as client:
            return await _exercise(client)

    _check(asyncio.run(main()))


@pytest.fixture(scope="module")
def served(fake_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    assistant = Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))
    settings = Settings(data_dir=tmp_path_factory.mktemp("mcp"), embedder="fake", rate_limit="100000/minute",
                        api_keys=[KEY])
    with ThreadServer(create_app(settings, assistant)) as server:
        yield server


def _answers(metrics: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith("wtguide_answers_total{"))


def test_streamable_http_with_a_key(served: ThreadServer) -> None:
    async def main() -> dict[str, Any]:
        async with httpx2.AsyncClient(headers={"X-API-Key": KEY}, timeout=60) as http:
            async with Client(streamable_http_client(f"{served.url}/mcp", http_client=http)) as client:
                return await _exercise(client)

    before = httpx.get(f"{served.url}/metrics").text
    _check(asyncio.run(main()))
    after = httpx.get(f"{served.url}/metrics").text
    assert _answers(after) - _answers(before) == 2  # the two asks, counted like /api/ask's
    assert 'route="/mcp"' in after


def test_http_without_a_key_is_refused(served: ThreadServer) -> None:
    r = httpx.post(f"{served.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                   headers={"Accept": "application/json, text/event-stream"})
    assert r.status_code == 401 and r.json()["detail"].startswith("an API key is required")


def test_the_answering_switch_stops_ask_and_search_only(fake_index: Path) -> None:
    from api.mcp_server import build_server

    assistant = Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))
    server = build_server(lambda: assistant, answering_off=lambda: "Answering is off for maintenance until 14:00.")

    async def main() -> tuple[Any, Any, Any]:
        async with Client(server) as client:
            return (await client.call_tool("ask", {"question": "What is early help?"}),
                    await client.call_tool("search_guidance", {"query": "early help"}),
                    await client.call_tool("list_documents", {}))

    ask, search, documents = asyncio.run(main())
    for off in (ask, search):
        assert off.is_error and off.content[0].text.endswith("Answering is off for maintenance until 14:00.")
    assert not documents.is_error
