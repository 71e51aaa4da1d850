"""Which language a question is written in: the assistant answers in English only, and says so.

lingua (n-gram models bundled in its wheel, no download) names the most likely language among
those most spoken in England after English; on short English questions it is often wrong
("whats an LCSPR" reads as German), so a question is taken as another language only when, as well,
fewer than half its words are English: common English words by wordfreq's frequency lists, or
words the corpus itself uses (acronyms, typos of its words).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Languages the detector chooses among (lingua names); English first.
LANGUAGES = (
    "ENGLISH", "POLISH", "ROMANIAN", "PUNJABI", "URDU", "BENGALI", "ARABIC", "SPANISH", "PORTUGUESE",
    "FRENCH", "ITALIAN", "GERMAN", "LITHUANIAN", "SOMALI", "TURKISH", "WELSH", "GUJARATI", "PERSIAN",
    "ALBANIAN", "BULGARIAN", "RUSSIAN", "UKRAINIAN", "CHINESE", "TAMIL", "HINDI",
)
MIN_CONFIDENCE = 0.5  # lingua's relative confidence in the other language
MAX_ENGLISH_SHARE = 0.5  # at most this share of the words may be English
COMMON_ENGLISH = 3.0  # wordfreq Zipf frequency ("whats" 3.9, "neighbour" 3.7); the corpus words count too
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, name) for name in LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def english_share(text: str, vocabulary: frozenset[str]) -> float:
    """The share of a text's words that are common English words or words the corpus uses."""
    from wordfreq import zipf_frequency

    # Acronyms ("LCSPR") are no language's words.
    words = [w.lower() for w in WORD.findall(text) if not (w.isupper() and len(w) > 1)]
    if not words:
        return 1.0
    return sum(w in vocabulary or zipf_frequency(w, "en") >= COMMON_ENGLISH for w in words) / len(words)


def common_english(word: str) -> bool:
    """Whether ``word`` is a common English word (wordfreq Zipf ``COMMON_ENGLISH`` or more):
    "bread" is, "fucntions" and "recieve" are not."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en") >= COMMON_ENGLISH


def detect(text: str, vocabulary: frozenset[str]) -> str:
    """"en", or the lingua name (lower case) of the other language a question is written in."""
    if english_share(text, vocabulary) >= MAX_ENGLISH_SHARE:
        return "en"
    values = _detector().compute_language_confidence_values(text)
    top = values[0] if values else None
    if top is None or top.language.name == "ENGLISH" or top.value < MIN_CONFIDENCE:
        return "en"
    return str(top.language.name).lower()


def warm_up() -> None:
    """Load the models before the first question (they load lazily: about 0.1 s)."""
    detect("¿Qué dice la guía sobre compartir información?", frozenset())
