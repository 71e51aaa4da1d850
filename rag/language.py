"""Which language a question is written in: the assistant answers in English only, and says so.

lingua (n-gram models bundled in its wheel, no download) names the most likely language among
those most spoken in England after English; on short English questions it is often wrong
("whats an LCSPR" reads as German), so a question is taken as another language only when, as well,
fewer than half its words are English: common English words by wordfreq's frequency lists, or
words the corpus itself uses (acronyms, typos of its words), and in either case more common in
English than in the language lingua names (a Spanish question quoting "early help" is Spanish).
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
# Below this share of English words an English reading is not certain: 1 of the 401 curated
# questions, 11 of the 13 labelled other-language messages that ``detect`` reads as English.
CERTAIN_ENGLISH_SHARE = 0.7
# A language's everyday words, by wordfreq Zipf: Polish "jak" 6.9 and "kto" 5.9, Romanian "si" 6.6,
# Portuguese "ele" 6.4; first names sit below (Turkish "ali" 5.5, "maria" 5.2, Polish "kasia" 3.8).
EVERYDAY = 5.7
COMMON_ENGLISH = 3.0  # wordfreq Zipf frequency ("whats" 3.9, "neighbour" 3.7); the corpus words count too
# A word; in scripts written without spaces (Han, kana, Thai) each character counts as one, so a
# Chinese question with three English words in it is mostly Chinese.
UNSPACED = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{UNSPACED}]|(?:(?![{UNSPACED}])[^\W\d_])+", re.UNICODE)


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, name) for name in LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def english_share(text: str, vocabulary: frozenset[str], other: str | None = None) -> float:
    """The share of a text's words that are common English words or words the corpus uses; with
    ``other`` (an ISO 639-1 code), only those more common in English than in that language ("la",
    "que" and "le" are common English words by frequency lists, and more common in Spanish or French)."""
    from wordfreq import zipf_frequency

    # Acronyms ("LCSPR") are no language's words.
    words = [w.lower() for w in WORD.findall(text) if not (w.isupper() and len(w) > 1)]
    if not words:
        return 1.0

    def english(w: str) -> bool:
        en = zipf_frequency(w, "en")
        if not (w in vocabulary or en >= COMMON_ENGLISH):
            return False
        theirs = _zipf(w, other) if other else None
        return theirs is None or en >= theirs

    return sum(english(w) for w in words) / len(words)


def latin_share(text: str) -> float:
    """The share of a text's letters that are Latin (basic and extended: U+0000 to U+024F); 1.0 with none."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ord(ch) < 0x250 for ch in letters) / len(letters) if letters else 1.0


@lru_cache(maxsize=1)
def _frequency_lists() -> frozenset[str]:
    """The languages wordfreq has word frequencies for (not Welsh, Somali or Albanian)."""
    from wordfreq import available_languages

    return frozenset(available_languages())


def common_english(word: str) -> bool:
    """Whether ``word`` is a common English word (wordfreq Zipf ``COMMON_ENGLISH`` or more):
    "bread" is, "fucntions" and "recieve" are not."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en") >= COMMON_ENGLISH


def common_in_its_language(word: str, text: str) -> bool:
    """Whether ``word`` is an everyday word (wordfreq Zipf at least ``EVERYDAY``) of the language
    lingua finds most likely for ``text``, where wordfreq has that language; False when it has not."""
    values = _confidences(text)
    code = values[0].language.iso_code_639_1.name.lower() if values else None
    zipf = _zipf(word, code) if code in _frequency_lists() else None
    return zipf is not None and zipf >= EVERYDAY


def _zipf(word: str, code: str) -> float | None:
    """wordfreq's Zipf frequency of ``word`` in the language ``code`` (ISO 639-1); None when wordfreq
    cannot read that language here (Chinese needs jieba, Japanese and Korean MeCab: not installed)."""
    from wordfreq import zipf_frequency

    try:
        return float(zipf_frequency(word, code))
    except ImportError:
        return None


@lru_cache(maxsize=8)  # a request asks about its question more than once
def _confidences(text: str) -> tuple[Any, ...]:
    return tuple(_detector().compute_language_confidence_values(text))


def detect(text: str, vocabulary: frozenset[str]) -> str:
    """"en", or the lingua name (lower case) of the other language a question is written in, or
    "other" for one lingua does not name, mostly in another script."""
    values = _confidences(text)
    top = values[0] if values else None
    if top is None or top.language.name == "ENGLISH" or top.value < MIN_CONFIDENCE:
        # Mostly letters of another script (Amharic, Tigrinya: lingua names neither) is not English.
        return "other" if latin_share(text) < MAX_ENGLISH_SHARE else "en"
    # A question in another language may quote the guidance in English ("¿Qué es la ayuda temprana
    # (early help) según Working Together?"): its words count as English only where they are more
    # English than the language the detector names.
    other = top.language.iso_code_639_1.name.lower()
    if english_share(text, vocabulary, other if other in _frequency_lists() else None) >= MAX_ENGLISH_SHARE:
        return "en"
    return str(top.language.name).lower()


def mixed(text: str, vocabulary: frozenset[str]) -> bool:
    """Whether a message ``detect`` reads as English may not be: fewer than ``CERTAIN_ENGLISH_SHARE``
    of its words are English (Roman Urdu, another language quoting English terms). The safeguarding
    check reads such a message both ways. (lingua alone is no guide here: it names another language
    for "What is a DSP?".)"""
    return english_share(text, vocabulary) < CERTAIN_ENGLISH_SHARE


def warm_up() -> None:
    """Load the models before the first question (they load lazily: about 0.1 s)."""
    detect("¿Qué dice la guía sobre compartir información?", frozenset())
