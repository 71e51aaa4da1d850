"""The generative path with a real model (issue 18, part 4): Gemma 3 270M on CPU writes the
answers to eval questions, and the citation guard keeps only sentences their cited passage
supports. Prints the figures: sentences written, kept, dropped; answers that fell back to extractive.
Skipped when the model packages (the `dev` extra) are missing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from evals.dataset import load_questions
from ingest.embed import FakeEmbedder
from rag.generate import cited_sentences
from rag.service import Assistant
from rag.store import IndexStore
from rag.verify import supported
from wtguide.settings import Settings

pytestmark = pytest.mark.slow
# Two dev questions, 13-25 s each on 2 CPU cores: on this machine the guard drops every sentence
# the model writes for q003 (the answer falls back to extractive) and keeps one for q011. Six
# questions (q001-q013) took 110 s and showed nothing these two do not: five fell back, one kept.
QUESTIONS = ("q003", "q011")


class Recorder:
    """The chat model, with what it wrote kept for the figures."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.written: list[str] = []

    def invoke(self, prompt: Any) -> Any:
        out = self.llm.invoke(prompt)
        self.written.append(str(out.content))
        return out


LABEL = re.compile(
    r"^(?:The .+? \(commentary\) says:|Local procedure, not national guidance — .+? says:|On “[^”]+”:)\s*"
)


def _count(reasons: tuple[str, ...], name: str) -> int:
    return next((int(r.split("=")[1]) for r in reasons if r.startswith(f"generate:{name}=")), 0)


def test_a_small_real_model_is_kept_only_where_its_passages_support_it(fake_index: Path) -> None:
    try:
        from tests.gemma import gemma_chat

        llm = Recorder(gemma_chat(max_new_tokens=64))
    except ImportError as exc:
        pytest.skip(f"the Gemma 3 270M packages are not installed ({exc})")
    settings = Settings(data_dir=fake_index.parent, embedder="fake")
    assistant = Assistant(settings, IndexStore.load(fake_index), FakeEmbedder(), llm)
    questions = [q for q in load_questions(split="dev") if q.id in QUESTIONS]
    assert len(questions) == len(QUESTIONS) and all(q.answerable and not q.history for q in questions)
    kept = dropped = fell_back = generated_answers = 0
    for q in questions:
        ans = assistant.ask(q.question)
        kept += _count(ans.reasons, "kept")
        dropped += _count(ans.reasons, "dropped")
        fell_back += any(r.startswith("generate:fallback_extractive") for r in ans.reasons)
        generated_answers += _count(ans.reasons, "kept") > 0
        # Every sentence shown, generated or extractive, is supported by the passage it cites.
        by_id = {c.id: c for c in ans.citations}
        for claim, numbers in cited_sentences(re.sub(r"^.*?closest passages:\s*", "", ans.answer)):
            if ans.status == "declined" or not numbers:
                continue
            # Whose words a quotation is ("The Schools consultant's blog (commentary) says:") is said
            # by the answer, not by the passage.
            claim = LABEL.sub("", claim)
            assert any(n in by_id and supported(claim, by_id[n]) for n in numbers), (q.id, claim)
    asked = len(llm.written)
    print(f"\nGemma 3 270M on {len(questions)} dev questions: the model was asked {asked} times and wrote "
          f"{kept + dropped} cited sentences; {kept} kept, {dropped} dropped by the citation guard; "
          f"{generated_answers} answers used its sentences, {fell_back} fell back to extractive")
    assert asked >= len(questions) // 2  # the model really wrote (a question it could not help with is declined first)
    assert fell_back + generated_answers == asked
