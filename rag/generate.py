"""Optional generative answers with any LangChain chat model, checked like extractive ones.

The model only rewords: each sentence it writes must cite a passage and be supported by
it (most of its content words found there), or it is dropped; if nothing survives, the
caller falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.types import Citation
from rag.verify import supported
from wtguide.settings import Settings

log = logging.getLogger(__name__)
PROMPTS = Path(__file__).parent / "prompts"
SENTENCE = re.compile(r"(.+?\[\d+\])(?=\s|$)")
CITED = re.compile(r"\[(\d+)\]\s*$")


@lru_cache(maxsize=4)
def prompt(name: str) -> str:
    return (PROMPTS / f"{name}.md").read_text(encoding="utf-8")


def make_llm(settings: Settings) -> Any | None:
    """The operator's chat model (OpenAI-compatible endpoint), or None for extractive only."""
    if not settings.llm_model:
        return None
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"temperature": 0}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key:
        kwargs["api_key"] = settings.llm_api_key
    return init_chat_model(settings.llm_model, model_provider=settings.llm_provider, **kwargs)


def condense(llm: Any, question: str, history: list[dict[str, str]]) -> str:
    turns = "\n".join(f"{t.get('role', 'user')}: {t.get('content', '')}" for t in history[-6:])
    try:
        out = str(llm.invoke(prompt("condense").format(history=turns, question=question)).content).strip()
    except Exception as exc:  # noqa: BLE001 - an unreachable model must not break answers
        log.warning("condensing failed (%s); using the question as asked", type(exc).__name__)
        return question
    return out.splitlines()[0].strip() if out else question


def generate(llm: Any, question: str, citations: list[Citation], max_words: int) -> list[tuple[str, int]]:
    """(sentence, citation id) pairs the model wrote and the passages support; [] if none."""
    passages = "\n\n".join(f"[{c.id}] {c.text}" for c in citations)
    try:
        text = str(
            llm.invoke(prompt("answer").format(passages=passages, question=question, max_words=max_words)).content
        )
    except Exception as exc:  # noqa: BLE001
        log.warning("generation failed (%s); falling back to extractive", type(exc).__name__)
        return []
    if "NOT COVERED" in text:
        return []
    by_id = {c.id: c for c in citations}
    out: list[tuple[str, int]] = []
    for m in SENTENCE.finditer(" ".join(text.split())):
        sentence = m.group(1).strip()
        n = int(CITED.search(sentence).group(1))  # type: ignore[union-attr]
        claim = CITED.sub("", sentence).strip()
        if n in by_id and supported(claim, by_id[n]):
            out.append((claim, n))
        else:
            log.info("dropped an unsupported generated sentence")
    return out
