"""The optional LLM path with LangChain's fake chat model: reworded, verified, or extractive."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from ingest.embed import FakeEmbedder
from rag.service import Assistant
from rag.store import IndexStore
from wtguide.settings import Settings


def assistant(fake_index: Path, responses: list[str]) -> Assistant:
    settings = Settings(data_dir=fake_index.parent, embedder="fake")
    return Assistant(settings, IndexStore.load(fake_index), FakeEmbedder(), FakeListChatModel(responses=responses))


def test_supported_generated_sentences_are_kept(fake_index: Path) -> None:
    a = assistant(fake_index, ["Each LSP should appoint a delegated safeguarding partner (DSP) for its agency [1]."])
    ans = a.ask("What is a DSP?")
    assert not ans.abstained
    assert ans.answer.startswith("Each LSP should appoint a delegated safeguarding partner (DSP) for its agency")
    assert ans.citations[0].paragraph == "56"


def test_unsupported_generated_sentences_fall_back_to_extractive(fake_index: Path) -> None:
    invented = "DSPs are appointed by the Secretary of State every five years [1]."
    a = assistant(fake_index, [invented])
    ans = a.ask("What is a DSP?")
    assert not ans.abstained
    assert "Secretary of State every five years" not in ans.answer
    cited = {c.id: c for c in ans.citations}
    assert all(c.verified for c in cited.values())


def test_not_covered_reply_falls_back_to_extractive(fake_index: Path) -> None:
    ans = assistant(fake_index, ["NOT COVERED"]).ask("What is a DSP?")
    assert not ans.abstained and "[1]" in ans.answer


def test_follow_up_is_condensed_by_the_model(fake_index: Path) -> None:
    a = assistant(fake_index, ["Who chairs the multi-agency safeguarding arrangements?"])
    history = [{"role": "user", "content": "What do DSPs do?"}]
    q = a.understand("and who chairs them?", history)
    assert q.text == "and who chairs them?"
    assert "chairs the multi-agency safeguarding arrangements" in q.resolved


@pytest.mark.parametrize("failure", [RuntimeError("connection refused")])
def test_an_unreachable_model_never_breaks_an_answer(fake_index: Path, failure: Exception) -> None:
    class Broken(FakeListChatModel):
        def invoke(self, *args, **kwargs):  # type: ignore[no-untyped-def,override]
            raise failure

    settings = Settings(data_dir=fake_index.parent, embedder="fake")
    a = Assistant(settings, IndexStore.load(fake_index), FakeEmbedder(), Broken(responses=["x"]))
    ans = a.ask("What is a DSP?", [{"role": "user", "content": "Tell me about LSPs"}])
    assert "[1]" in ans.answer


# ---- what real chat models write --------------------------------------------------------------

DSP = "Each LSP should appoint a delegated safeguarding partner (DSP) for its agency"
INVENTED = "DSPs are appointed by the Secretary of State every five years"


@pytest.mark.parametrize("written", [
    f"{DSP} [1].",              # the marker before the full stop, as chat models commonly write it
    f"{DSP}. [1]",              # after it
    f"{DSP} [1][2].",           # a run of markers
    f"{DSP} [1, 2].",           # a list
    f"{DSP} [2,1].",
])
def test_every_marker_style_keeps_a_supported_sentence(fake_index: Path, written: str) -> None:
    ans = assistant(fake_index, [f"{written} {INVENTED} [1]."]).ask("What is a DSP?")
    assert ans.answer.startswith(f"{DSP}. [1]"), ans.answer
    assert INVENTED not in ans.answer
    assert "generate:kept=1" in ans.reasons and "generate:dropped=1" in ans.reasons
    assert not any(r.startswith("generate:fallback") for r in ans.reasons)


@pytest.mark.parametrize(("written", "why"), [
    (f"{INVENTED} [1].", "nothing_supported"),
    (f"{DSP}.", "nothing_supported"),  # no marker: not kept, however true
    (f"{DSP} [9].", "nothing_supported"),  # a passage that was never given
    ("NOT COVERED", "not_covered"),
])
def test_the_answer_says_when_it_fell_back_to_extractive(fake_index: Path, written: str, why: str) -> None:
    ans = assistant(fake_index, [written]).ask("What is a DSP?")
    assert f"generate:fallback_extractive:{why}" in ans.reasons
    assert "[1]" in ans.answer and INVENTED not in ans.answer


def test_extractive_can_be_asked_for_with_a_model_configured(fake_index: Path) -> None:
    ans = assistant(fake_index, [f"{DSP} [1]."]).ask("What is a DSP?", generative=False)
    assert not any(r.startswith("generate:") for r in ans.reasons)


def test_cited_sentences_reads_markers_anywhere() -> None:
    from rag.generate import cited_sentences

    text = "Partners share data [1]. They meet yearly. [2] Chairs are independent [1, 3]! No marker here."
    assert cited_sentences(text) == [("Partners share data.", (1,)), ("They meet yearly.", (2,)),
                                     ("Chairs are independent!", (1, 3)), ("No marker here.", ())]


def test_an_openai_compatible_endpoint_is_used_as_the_readme_says(fake_index: Path) -> None:
    """WTGUIDE_LLM_MODEL + WTGUIDE_LLM_BASE_URL against a real HTTP endpoint (a stub speaking the
    OpenAI chat API on loopback): the provider's package is installed with the project, and a
    model that writes its marker before the full stop is kept (both failed in issue 18's trial)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from rag.generate import make_llm
    from tests.serving import ThreadServer

    seen: list[dict] = []

    async def completions(request: Request) -> JSONResponse:
        seen.append(await request.json())
        return JSONResponse({
            "id": "c1", "object": "chat.completion", "created": 0, "model": "stub",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": f"{DSP} [1]. {INVENTED} [1]."}}],
        })

    with ThreadServer(Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])) as stub:
        settings = Settings(data_dir=fake_index.parent, embedder="fake", llm_model="stub-model",
                            llm_base_url=f"{stub.url}/v1", llm_api_key="sk-test")
        a = Assistant(settings, IndexStore.load(fake_index), FakeEmbedder(), make_llm(settings))
        ans = a.ask("What is a DSP?")
    assert seen and seen[0]["model"] == "stub-model"
    assert ans.answer.startswith(f"{DSP}. [1]") and INVENTED not in ans.answer
    assert "generate:kept=1" in ans.reasons and "generate:dropped=1" in ans.reasons
