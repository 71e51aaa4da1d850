"""What the checks compare against: every paragraph's text normalised, sentences, lexicons.

Built once per loaded index (keyed by the index directory) because every quiz uses it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Any

from ingest.paragraphs import FOOTNOTE_MARK, Paragraph
from ingest.sentences import split_sentences
from quiz.lexicon import Lexicon

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_lock = threading.Lock()
_cache: dict[str, Corpus] = {}


def clean(text: str) -> str:
    """Text as a reader sees it: footnote markers dropped, whitespace collapsed."""
    return " ".join(FOOTNOTE_MARK.sub("", text).split())


def norm(text: str) -> str:
    """For 'does this appear in the corpus' tests: also case and quote style ignored."""
    return clean(text).translate(_QUOTES).lower()


def text_hash(text: str) -> str:
    return hashlib.sha256(clean(text).encode()).hexdigest()[:16]


def sentences(p: Paragraph) -> list[str]:
    return [clean(s) for s in split_sentences(p.text) if clean(s)]


@dataclass
class Corpus:
    paragraphs: dict[tuple[str, str], Paragraph]
    normalised: dict[tuple[str, str], str]
    everything: str
    lexicon: Lexicon
    glossary: dict[str, str]

    def supported_by(self, key: tuple[str, str], text: str) -> bool:
        return norm(text) in self.normalised.get(key, "")

    def anywhere(self, text: str) -> bool:
        return norm(text) in self.everything

    def locate(self, sentence: str, doc_id: str) -> list[str]:
        """The paragraphs of one document that contain a sentence (for staleness checks)."""
        n = norm(sentence)
        return [pid for (d, pid), t in self.normalised.items() if d == doc_id and n in t]


def corpus_for(store: Any, glossary: dict[str, str] | None = None) -> Corpus:
    key = str(store.path)
    with _lock:
        if key not in _cache:
            normalised = {k: norm(p.text) for k, p in store.paragraphs.items()}
            glossary = dict(glossary if glossary is not None else store.glossary)
            lexicon = Lexicon(s for p in store.paragraphs.values() for s in sentences(p))
            # Only the forms the corpus uses: "ICBs" is a distractor, an invented "MAPPAs" is not.
            texts = "\n".join(p.text for p in store.paragraphs.values())
            forms = [f for a in glossary for f in (a, f"{a}s") if re.search(rf"\b{re.escape(f)}\b", texts)]
            lexicon.add("acronym", forms)
            _cache[key] = Corpus(store.paragraphs, normalised, "\n".join(normalised.values()), lexicon, glossary)
        return _cache[key]
