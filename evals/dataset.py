"""Load `evals/questions.jsonl` (schema in evals/QUESTIONS.md) and resolve gold quotes to paragraphs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtguide.errors import WtguideError

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"
# Written from the source texts by someone who had not read the code or the rules, then frozen:
# never tuned on. `--split blind` reads it (its sha256 is in every report).
BLIND_QUESTIONS = Path(__file__).resolve().parent / "blind.jsonl"
SPLITS = ("dev", "test", "blind", "all")
# Sets with their own file, named as splits: (file, the split their lines carry). dev2 was written
# blind, like blind_b, but is for tuning; blind_b, written after the first blind set had been
# measured many times, and blind_c, written after both had, are frozen and never tuned on.
SET_FILES = {
    "blind": (BLIND_QUESTIONS, "blind"),
    "dev2": (Path(__file__).resolve().parent / "dev2.jsonl", "dev"),
    # Written the same way by a fresh helper on 2026-12-07, for tuning (its lines carry split "dev").
    "dev3": (Path(__file__).resolve().parent / "dev3.jsonl", "dev"),
    # The everyday messages of the guardrail tuning sets (guardrails_dev.jsonl and guardrails_dev3.jsonl:
    # category "ordinary", noted "off-topic" or "idiom"), as out-of-scope questions: what the decision
    # learns "not about the guidance at all" from, beside the few out_of_scope questions of the dev sets.
    "dev_offtopic": (Path(__file__).resolve().parent / "dev_offtopic.jsonl", "dev"),
    "blind_b": (Path(__file__).resolve().parent / "blind_b.jsonl", "blind"),
    # Written by a fresh helper from the source texts and evals/QUESTIONS.md alone on 2026-12-06
    # (sha256 2fc5152a…), frozen as written and never tuned on.
    "blind_c": (Path(__file__).resolve().parent / "blind_c.jsonl", "blind"),
}
TYPES = (
    "fact",
    "list",
    "definition",
    "acronym",
    "paragraph_lookup",
    "comparison",
    "commentary",
    "followup",
    "informal",
    "false_premise",
    "not_held",
    "out_of_scope",
    # Practitioner wording: an edition named, three words or fewer, context before the question,
    # a long case story, a standalone question after unrelated turns, another language.
    "edition",
    "short",
    "preamble",
    "story",
    "standalone",
    "other_language",
)
# Questions nothing in the guidance is about: they must be declined, not merely hedged.
OFF_TOPIC = ("out_of_scope", "other_language")
# The question sets written for tuning beside the dev split: the answer decision is fitted on all of them.
TUNING_SETS = ("dev2", "dev3")


def tuning_files() -> dict[str, Path]:
    """Every question file written for tuning, by name: the dev split's and TUNING_SETS'."""
    return {"dev": DEFAULT_QUESTIONS, **{name: SET_FILES[name][0] for name in TUNING_SETS}}


# Messages that only teach the decision what is off-topic (its scope), not when the held text answers.
SCOPE_SETS = ("dev_offtopic",)
FIELDS = ("id", "split", "type", "question", "history", "gold", "gold_snippet", "keywords", "answerable")
# Below this rapidfuzz partial-ratio a quote is reported as not found rather than guessed.
FUZZY_FLOOR = 85.0

Key = tuple[str, str]  # (doc_id, paragraph or block id)


class DatasetError(WtguideError):
    """A question file that does not follow the schema, or gold that the index cannot resolve."""


@dataclass(frozen=True)
class GoldRef:
    doc_id: str
    paragraph: str | None = None
    quote: str | None = None


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


@dataclass(frozen=True)
class Question:
    id: str
    split: str
    type: str
    question: str
    history: tuple[Turn, ...]
    gold: tuple[GoldRef, ...]
    gold_snippet: str
    keywords: tuple[str, ...]
    answerable: bool
    line: int = 0

    def history_dicts(self) -> list[dict[str, str]]:
        return [{"role": t.role, "content": t.content} for t in self.history]


# ---- loading and validation ---------------------------------------------------------------
def _fail(where: str, field: str, problem: str) -> DatasetError:
    return DatasetError(f"{where}: field '{field}' {problem}")


def _string(obj: dict[str, Any], field: str, where: str, allow_empty: bool = False) -> str:
    value = obj[field]
    if not isinstance(value, str):
        raise _fail(where, field, f"must be a string, not {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise _fail(where, field, "must not be empty")
    return value


def _gold(value: Any, where: str) -> tuple[GoldRef, ...]:
    if not isinstance(value, list):
        raise _fail(where, "gold", "must be a list")
    refs = []
    for i, g in enumerate(value):
        at = f"gold[{i}]"
        if not isinstance(g, dict) or not isinstance(g.get("doc_id"), str) or not g["doc_id"]:
            raise _fail(where, at, "must be an object with a 'doc_id' string")
        has_para, has_quote = "paragraph" in g, "quote" in g
        if has_para == has_quote or set(g) - {"doc_id", "paragraph", "quote"}:
            raise _fail(where, at, "must have 'doc_id' and exactly one of 'paragraph' or 'quote'")
        if has_para and (not isinstance(g["paragraph"], str) or not g["paragraph"].strip()):
            raise _fail(where, at, "'paragraph' must be a non-empty string such as \"48\"")
        if has_quote and (not isinstance(g["quote"], str) or len(g["quote"].split()) < 3):
            raise _fail(where, at, "'quote' must be a string of at least 3 words")
        refs.append(GoldRef(g["doc_id"], g.get("paragraph"), g.get("quote")))
    return tuple(refs)


def _history(value: Any, where: str) -> tuple[Turn, ...]:
    if not isinstance(value, list):
        raise _fail(where, "history", "must be a list of {role, content} objects")
    turns = []
    for i, t in enumerate(value):
        ok = isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        if not ok:
            raise _fail(where, f"history[{i}]", 'must be {"role": "user"|"assistant", "content": str}')
        turns.append(Turn(t["role"], t["content"]))
    return tuple(turns)


def parse_question(obj: Any, where: str, line: int = 0) -> Question:
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    for field in FIELDS:
        if field not in obj:
            raise _fail(where, field, "is missing")
    extra = sorted(set(obj) - set(FIELDS))
    if extra:
        raise _fail(where, extra[0], "is not in the schema (see evals/QUESTIONS.md)")
    qid = _string(obj, "id", where)
    where = f"{where} ({qid})"
    if obj["split"] not in ("dev", "test", "blind"):
        raise _fail(where, "split", f"must be 'dev', 'test' or 'blind', not {obj['split']!r}")
    if obj["type"] not in TYPES:
        raise _fail(where, "type", f"must be one of {', '.join(TYPES)}; got {obj['type']!r}")
    if not isinstance(obj["answerable"], bool):
        raise _fail(where, "answerable", "must be true or false")
    keywords = obj["keywords"]
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise _fail(where, "keywords", "must be a list of non-empty strings")
    gold = _gold(obj["gold"], where)
    if obj["answerable"] and not gold:
        raise _fail(where, "gold", "must name at least one passage for an answerable question")
    if not obj["answerable"] and gold:
        raise _fail(where, "gold", "must be empty when 'answerable' is false")
    return Question(
        id=qid,
        split=obj["split"],
        type=obj["type"],
        question=_string(obj, "question", where),
        history=_history(obj["history"], where),
        gold=gold,
        gold_snippet=_string(obj, "gold_snippet", where, allow_empty=True),
        keywords=tuple(k.lower() for k in keywords),
        answerable=obj["answerable"],
        line=line,
    )


def parse_lines(lines: Iterable[str], source: str = "questions") -> list[Question]:
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{source} line {n}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        q = parse_question(obj, where, n)
        if q.id in seen:
            raise _fail(f"{where} ({q.id})", "id", f"duplicates line {seen[q.id]}")
        seen[q.id] = n
        questions.append(q)
    if not questions:
        raise DatasetError(f"{source}: no questions")
    return questions


def load_questions(path: Path = DEFAULT_QUESTIONS, split: str = "all") -> list[Question]:
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such question file")
    questions = parse_lines(path.read_text(encoding="utf-8").splitlines(), path.name)
    return [q for q in questions if split == "all" or q.split == split]


# ---- gold resolution --------------------------------------------------------------------
_FOOTNOTE = re.compile(r"\[\^\d+\]")


def normalise(text: str) -> str:
    """Lowercase, footnote refs and bullets removed, whitespace collapsed: how quotes are compared."""
    text = _FOOTNOTE.sub("", text).replace("•", " ").replace("’", "'").replace("‘", "'")
    return " ".join(text.lower().split())


class GoldResolver:
    """Maps each gold reference to the (doc_id, paragraph) key of a paragraph in the index."""

    def __init__(self, paragraphs: dict[Key, Any]) -> None:
        self.keys = set(paragraphs)
        self.by_doc: dict[str, list[tuple[str, str]]] = {}
        # A footnote belongs to the paragraph that carries it (WT2018's definition of a child is footnote 1).
        self.notes_by_doc: dict[str, list[tuple[str, str]]] = {}
        for (doc_id, pid), para in paragraphs.items():
            self.by_doc.setdefault(doc_id, []).append((pid, normalise(para.text)))
            notes = " ".join(f.text for f in getattr(para, "footnotes", ()))
            self.notes_by_doc.setdefault(doc_id, []).append((pid, normalise(notes)))

    def resolve_ref(self, ref: GoldRef, where: str = "") -> Key:
        if ref.doc_id not in self.by_doc:
            raise DatasetError(f"{where}: gold doc_id '{ref.doc_id}' is not in the index")
        if ref.paragraph is not None:
            key = (ref.doc_id, ref.paragraph.strip().rstrip("."))
            if key not in self.keys:
                raise DatasetError(f"{where}: gold paragraph {ref.doc_id} {ref.paragraph} is not in the index")
            return key
        quote = normalise(ref.quote or "")
        for texts in (self.by_doc, self.notes_by_doc):
            found = [pid for pid, text in texts[ref.doc_id] if quote in text]
            # Quotes name unnumbered blocks; when a box repeats a numbered paragraph's words, the box is meant.
            found.sort(key=lambda pid: pid.isdigit())
            if found:
                return (ref.doc_id, found[0])
        return (ref.doc_id, self._fuzzy(ref.doc_id, quote, where))

    def _fuzzy(self, doc_id: str, quote: str, where: str) -> str:
        """Cleaning can change a word or two (unglued words, joined hyphens); take the closest block."""
        from rapidfuzz import fuzz

        scored = [(fuzz.partial_ratio(quote, text), pid) for pid, text in self.by_doc[doc_id]]
        best, pid = max(scored, key=lambda s: s[0])
        if best < FUZZY_FLOOR:
            raise DatasetError(f"{where}: gold quote {quote[:60]!r} not found in {doc_id} (best match {best:.0f}%)")
        return pid

    def resolve(self, q: Question, successors: dict[Key, tuple[Key, ...]] | None = None) -> tuple[Key, ...]:
        """The question's gold paragraphs. With ``successors`` (see ``successors``), a question that
        names no edition, in itself or its history, and is not a comparison, has its gold in the
        replaced edition moved to that paragraph's partners in the edition now held (a paragraph
        the new edition removed keeps its old gold)."""
        where = f"line {q.line} ({q.id})" if q.line else q.id
        keys = [self.resolve_ref(ref, where) for ref in q.gold]
        said = " ".join([q.question, *(t.content for t in q.history)])
        if successors and not EDITION_NAMED.search(said) and q.type != "comparison":
            keys = [new for key in keys for new in (successors.get(key) or (key,))]
        return tuple(dict.fromkeys(keys))


EDITION_NAMED = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|\b(?:both|either|previous|earlier|old|new)\s+editions?\b", re.I)


def successors(
    store: Any, questions: Sequence[Question], crosswalks: dict[tuple[str, str], list[Any]] | None = None
) -> dict[Key, tuple[Key, ...]]:
    """The questions were written against the newest statutory edition their gold names; when a
    newer edition replacing it is now held, each of its paragraphs -> its partners in the new one
    (``rag.crosswalk``: unchanged and changed links at a confident score). {} otherwise, so the
    seed's 2018 gold is never moved to 2023. ``crosswalks``: the assistant's cached ones, if built."""
    from rag import crosswalk

    named = {ref.doc_id for q in questions for ref in q.gold}
    statutory = [d for d in store.documents.values() if d.kind == "statutory" and d.doc_id in named]
    if not statutory:
        return {}
    written = max(statutory, key=lambda d: d.edition or "")
    if written.superseded_by not in store.documents:
        return {}
    out: dict[Key, list[Key]] = {}
    pair = (written.doc_id, written.superseded_by or "")
    links = (crosswalks or {}).get(pair)
    for link in links if links is not None else crosswalk.build(store, *pair):
        if link.old_paragraph and link.new_paragraph and link.score >= crosswalk.CONFIDENT:
            out.setdefault((written.doc_id, link.old_paragraph), []).append((link.new_doc, link.new_paragraph))
    return {k: tuple(v) for k, v in out.items()}
