"""Optional generative answers with any LangChain chat model, checked like extractive ones.

The model only rewords: each sentence it writes must cite a passage and be supported by
it (most of its content words found there), or it is dropped; if nothing survives, the
caller falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.sentences import split_sentences
from rag.types import Citation
from rag.verify import supported
from wtguide.settings import Settings

log = logging.getLogger(__name__)
PROMPTS = Path(__file__).parent / "prompts"
# The marker styles chat models write: "[1]", "[1][2]", "[1, 2]", "[1,2]", "[1-2]" is not one.
MARKERS = r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+"
# Markers written after the full stop ("... Chief Executive. [1]") are moved before it, so every
# sentence carries its own: "... Chief Executive [1]."
AFTER_STOP = re.compile(rf"([.!?])({MARKERS})")
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass(frozen=True)
class Generated:
    """What the model wrote, checked: ``kept`` are (sentence, citation id) pairs each supported
    by the passage it cites; ``dropped`` counts the sentences that were not (no marker, a marker
    to no passage, or words the passages do not hold); ``fallback`` says why the extractive answer
    stands instead ("model_error", "not_covered", "nothing_supported"), or is None."""

    kept: tuple[tuple[str, int], ...]
    dropped: int
    fallback: str | None


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


def cited_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The model's text as (sentence without markers, the passage numbers it cites) pairs, in order.

    Reads markers before or after the full stop, runs of markers ("[1][2]") and lists ("[1, 2]").
    A sentence without a marker comes back with ``()``."""
    text = AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", " ".join(text.split()))
    out = []
    for sentence in split_sentences(text):
        numbers = tuple(int(n) for m in MARKER.finditer(sentence) for n in re.split(r"\s*,\s*", m.group(1)))
        claim = " ".join(MARKER.sub(" ", sentence).split())
        claim = re.sub(r"\s+([.!?,;:])", r"\1", claim)
        if claim:
            out.append((claim, numbers))
    return out


def generate(llm: Any, question: str, citations: list[Citation], max_words: int) -> Generated:
    """The model's answer over ``citations``, each sentence kept only when a passage it cites
    supports it (``rag.verify.supported``). Never raises: a model error is a fallback."""
    passages = "\n\n".join(f"[{c.id}] {c.text}" for c in citations)
    try:
        text = str(
            llm.invoke(prompt("answer").format(passages=passages, question=question, max_words=max_words)).content
        )
    except Exception as exc:  # noqa: BLE001
        log.warning("generation failed (%s); falling back to extractive", type(exc).__name__)
        return Generated((), 0, "model_error")
    if "NOT COVERED" in text:
        return Generated((), 0, "not_covered")
    by_id = {c.id: c for c in citations}
    kept: list[tuple[str, int]] = []
    dropped = 0
    for claim, numbers in cited_sentences(text):
        n = next((n for n in numbers if n in by_id and supported(claim, by_id[n])), None)
        if n is None:
            dropped += 1
            log.info("dropped an unsupported generated sentence")
        else:
            kept.append((claim if claim.endswith((".", "!", "?", ":")) else f"{claim}.", n))
    return Generated(tuple(kept), dropped, None if kept else "nothing_supported")
