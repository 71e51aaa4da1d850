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
