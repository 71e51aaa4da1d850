"""Drafting items from sentences: a gap to fill or choose for, an acronym to expand, a statement
to judge (verbatim, or with one role, body, act, number or duty word swapped for another)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from quiz.corpus import Corpus
from quiz.lexicon import GAP_CATEGORIES, Term, find_terms, similarity
from quiz.types import GAP, Draft, Source

# Roles, bodies and acts make the best questions, so they rank as if their paragraph were this many
# places higher; duty words only make true/false items.
CATEGORY_BONUS = {
    "role": 0.0,
    "body": 0.0,
    "act": 0.5,
    "definition": 1.0,
    "number": 1.5,
    "timescale": 1.5,
    "acronym": 2.5,
    "duty": 3.0,
}
DISTRACTORS = 3


@dataclass(frozen=True)
class Candidate:
    source: Source
    term: Term
    definition: str = ""  # "delegated safeguarding partner (DSP)" when the sentence defines an acronym


def _acronyms(sentence: str, glossary: dict[str, str]) -> list[Candidate | Term]:
    out: list[Candidate | Term] = []
    for acronym, long in glossary.items():
        for m in re.finditer(rf"\b{re.escape(acronym)}s?\b", sentence):
            # "(ICBs)" after its long form defines it: swapping it would only make a typo, not a claim.
            if not sentence[: m.start()].endswith("("):
                out.append(Term(m.group(0), "acronym", m.start(), m.end()))
        d = re.search(rf"\b{re.escape(long)}s?\s*\({re.escape(acronym)}s?\)", sentence, re.IGNORECASE)
        if d:
            out.append(Term(d.group(0), "definition", d.start(), d.end()))
    return out


def candidates(sources: list[Source], corpus: Corpus) -> list[Candidate]:
    """Every (sentence, term) an item could be made from; a term must occur once in its sentence."""
    out = []
    for src in sources:
        s = src.sentence
        for t in [*find_terms(s), *_acronyms(s, corpus.glossary)]:
            assert isinstance(t, Term)
            if t.category == "definition":
                out.append(Candidate(src, t, definition=t.text))
            elif len(re.findall(rf"(?<!\w){re.escape(t.text)}(?!\w)", s)) == 1:
                out.append(Candidate(src, t))
    return out


class Drafter:
    def __init__(self, corpus: Corpus, rng: random.Random, difficulty: str, short_titles: dict[str, str]) -> None:
        self.corpus = corpus
        self.rng = rng
        self.difficulty = difficulty
        self.short_titles = short_titles

    # ---- choosing wrong options --------------------------------------------------------
    def _valid_alternatives(self, cand: Candidate, stem: str) -> list[str]:
        """Same-category terms that are not in the source paragraph and that, put in the gap,
        make a sentence no paragraph contains (so no distractor is also true by the corpus)."""
        key = (cand.source.doc_id, cand.source.paragraph)
        return [
            alt
            for alt in self.corpus.lexicon.alternatives(cand.term)
            if not self.corpus.supported_by(key, alt) and not self.corpus.anywhere(stem.replace(GAP, alt))
        ]

    def _ordered(self, answer: str, alts: list[str]) -> list[str]:
        """Hard items take the closest alternatives ('Chief Constable' for 'Chief Executive'),
        easy ones the furthest; a little shuffling so seeds differ."""
        jitter = {a: self.rng.random() * 0.15 for a in alts}
        if self.difficulty == "medium":
            return sorted(alts, key=lambda a: jitter[a] * 4)
        sign = -1 if self.difficulty == "hard" else 1
        return sorted(alts, key=lambda a: sign * similarity(answer, a) + jitter[a])

    def _distractors(self, answer: str, alts: list[str]) -> list[str] | None:
        if len(alts) < DISTRACTORS:
            return None
        ordered = self._ordered(answer, alts)
        chosen = ordered[:DISTRACTORS]
        # The keyed answer should not give itself away by being the longest option.
        longer = [a for a in ordered[DISTRACTORS:] if len(a) >= len(answer)]
        if all(len(c) < len(answer) for c in chosen) and longer:
            chosen[-1] = min(longer, key=lambda a: len(a) - len(answer))
        return chosen

    # ---- item types ----------------------------------------------------------------------
    def _stem(self, cand: Candidate) -> str:
        s, t = cand.source.sentence, cand.term
        return s[: t.start] + GAP + s[t.end :]

    def mcq(self, cand: Candidate) -> Draft | None:
        if cand.definition:
            return self._definition(cand)
        if cand.term.category not in (*GAP_CATEGORIES, "acronym"):
            return None
        stem = self._stem(cand)
        distractors = self._distractors(cand.term.text, self._valid_alternatives(cand, stem))
        if distractors is None:
            return None
        return Draft(
            type="mcq",
            source=cand.source,
            question=f"Which words complete this statement from {self._title(cand)}? “{stem}”",
            options=[cand.term.text, *distractors],
            answer=0,
            supported=cand.source.sentence,
            wrong=[stem.replace(GAP, d) for d in distractors],
            category=cand.term.category,
            correct=cand.term.text,
        )

    def _definition(self, cand: Candidate) -> Draft | None:
        acronym = re.search(r"\(([A-Z-]+?)s?\)$", cand.definition)
        if not acronym:
            return None
        key = acronym.group(1)
        long = self.corpus.glossary.get(key)
        others = [v for k, v in self.corpus.glossary.items() if k != key and v != long]
        alts = [o for o in others if not self.corpus.anywhere(f"{o} ({key})")]
        distractors = self._distractors(long or "", alts) if long else None
        if distractors is None or long is None:
            return None
        return Draft(
            type="mcq",
            source=cand.source,
            question=f"In {self._title(cand)}, what does ‘{key}’ stand for?",
            options=[long, *distractors],
            answer=0,
            supported=cand.definition,
            wrong=[f"{d} ({key})" for d in distractors],
            category="definition",
            correct=long,
        )

    def cloze(self, cand: Candidate) -> Draft | None:
        if cand.definition or cand.term.category not in (*GAP_CATEGORIES, "acronym"):
            return None
        stem = self._stem(cand)
        # Any other term of the category that fits the gap must make a sentence the corpus does not
        # contain, so the keyed words are the only answer the guidance supports.
        others = self.corpus.lexicon.alternatives(cand.term)
        answer = cand.term.text
        accept = [answer]
        long = self.corpus.glossary.get(answer.rstrip("s")) if cand.term.category == "acronym" else None
        if long:
            accept.append(long)
        return Draft(
            type="cloze",
            source=cand.source,
            question=f"Fill in the gap in this statement from {self._title(cand)}: “{stem}”",
            options=[],
            answer=answer,
            supported=cand.source.sentence,
            wrong=[stem.replace(GAP, o) for o in others],
            category=cand.term.category,
            correct=answer,
            accept=accept,
        )

    def true_false(self, cand: Candidate, truth: bool) -> Draft | None:
        if cand.definition:
            return None
        if cand.term.category == "duty" and self.difficulty == "easy":
            return None
        s = cand.source.sentence
        statement = s
        if not truth:
            alts = self._ordered(cand.term.text, self._valid_alternatives(cand, self._stem(cand)))
            if not alts:
                return None
            statement = self._stem(cand).replace(GAP, alts[0])
        return Draft(
            type="true_false",
            source=cand.source,
            question=f"True or false? According to {self._title(cand)}: “{statement}”",
            options=["True", "False"],
            answer=truth,
            supported=s,
            wrong=[] if truth else [statement],
            category=cand.term.category,
            correct=statement,
        )

    def _title(self, cand: Candidate) -> str:
        return self.short_titles.get(cand.source.doc_id, cand.source.doc_id)
