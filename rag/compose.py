"""Stage 3, compose: an extractive answer from the best passages, and every relevant passage cited.

The answer leads with the best statutory passage's answering sentences (a definition question with
the defining sentence); commentary follows the guidance and is named as commentary; a lead-in
("as follows:") always brings its list, also when the list is the next block; headings, list
numbers and footnote bodies are never run into a sentence. The passages retrieval found and the
answer does not quote stay in the citations as related paragraphs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ingest.chunks import Chunk
from ingest.sentences import split_sentences, tokens
from rag.answer import Idf, clean_sentence, defines, definiendum
from rag.query import Query
from rag.retrieve import Retriever
from rag.store import IndexStore
from rag.types import Citation, Hit
from rag.understand import word_lists

LIST_MARK = re.compile(r"^(?:•|-|\d{1,2}[.)]|[a-z][.)]|\([a-z0-9]{1,4}\)|[ivx]{1,4}[.)])\s+")
# A numbered heading run into its first sentence ("2. New roles within safeguarding partners Each
# Safeguarding Partner needs to..."): the number, a short title in lower case, then a capital.
RUN_IN = re.compile(r"^\d{1,2}[.)]\s+((?:[A-Z][\w'’-]*)(?:\s+[a-z][\w'’-]*|\s+[A-Z]{2,}s?){1,7})\s+(?=[A-Z][a-z])")
SMALL = frozenset("a an the of and or to in on for with by at from as".split())


@dataclass(frozen=True)
class Claim:
    """Verbatim pieces of one passage (a sentence; or a lead-in and its list items), shown as one."""

    parts: tuple[str, ...]
    cid: int
    label: str = ""  # said before it: "The schools blog (commentary) says:"

    def render(self) -> str:
        """One sentence: a lead-in (a caption gains its colon) and its items, joined by ";"."""
        head, *items = self.parts
        if items:
            lead = head if head.rstrip().endswith(":") else head.rstrip(" .") + ":"
            head = f"{lead} " + "; ".join(x.rstrip(" .;:") for x in items) + "."
        return f"{self.label} {head}" if self.label else head


@dataclass(frozen=True)
class Draft:
    claims: tuple[Claim, ...]
    citations: tuple[Citation, ...]  # the passages quoted from and then the rest retrieval found


def clean(sentence: str) -> str:
    """A sentence as shown: footnote marks and spare white space gone, no list number or run-in
    numbered heading in front."""
    s = clean_sentence(sentence)
    m = RUN_IN.match(s)
    if m and not set(w.lower() for w in m.group(1).split()) <= SMALL:
        return s[m.end() :]
    return LIST_MARK.sub("", s)


def is_list_item(line: str) -> bool:
    return bool(LIST_MARK.match(line.strip()))


def is_lead_in(line: str) -> bool:
    return line.rstrip().endswith(":")


def _is_note(line: str) -> bool:
    """A footnote body that is not a sentence ("Children Act 2004 Section 16E", a URL)."""
    return len(line.split()) < 8 or not line.rstrip().endswith(".") or "http" in line


def candidates(chunk: Chunk) -> list[str]:
    """A chunk's lines an answer may quote: its sentences and list items, then the footnotes
    that are sentences in their own right (Working Together 2018 defines a child in one)."""
    lines = [s.strip() for s in split_sentences(chunk.text)]
    notes = [re.sub(r"^\d{1,3}\.\s*", "", f) for f in chunk.footnotes]
    return lines + [n for n in notes if not _is_note(n)]


HEADING_MAX_WORDS = 14  # the corpus's headings and box titles: all but one at most 12 words


def _heading_only(lines: list[str], pos: int) -> bool:
    """A short line with no sentence end that no list follows: a heading or a box title, not a
    claim. A long line is a sentence whose full stop the extraction lost (before a footnote mark)."""
    line = lines[pos]
    if line[-1:] in ".!?:;)" or is_list_item(line) or len(line.split()) > HEADING_MAX_WORDS:
        return False
    return not (pos + 1 < len(lines) and is_list_item(lines[pos + 1]))


def _list_after(lines: list[str], pos: int) -> list[str]:
    items: list[str] = []
    for line in lines[pos + 1 :]:
        if not is_list_item(line):
            break
        items.append(line)
    return items


@dataclass(frozen=True)
class Passage:
    cid: int
    rank: int
    lines: tuple[str, ...]
    commentary: bool
    following: tuple[str, ...] = ()  # the next block's lead-in and list, for a lead-in that ends this one
    following_cid: int = 0


def pick(
    terms: list[str],
    passages: list[Passage],
    idf: Idf,
    similarity: Callable[[int, str], float],
    max_words: int,
    max_claims: int,
    per_passage: int,
    commentary_first: bool,
    labels: dict[int, str],
) -> list[Claim]:
    """The best claims, best first by score, then shown guidance first and in passage order."""
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    scored: list[tuple[float, Passage, int, list[Claim]]] = []
    for p in passages:
        for pos, line in enumerate(p.lines):
            if len(line.split()) < 4 or _heading_only(list(p.lines), pos):
                continue
            text = clean(line)
            present = set(tokens(text))
            lexical = sum(w for t, w in weights.items() if t in present) / total
            score = 0.5 * lexical + 0.5 * similarity(p.cid, line) + 0.15 / (p.rank + 1)
            claims = _claims(p, pos, text)
            if claims:
                scored.append((score, p, pos, claims))
    scored.sort(key=lambda x: (-x[0], x[1].rank, x[2]))
    chosen: list[tuple[float, Passage, int, list[Claim]]] = []
    words = 0
    used: Counter[int] = Counter()
    seen: set[str] = set()
    for score, p, pos, claims in scored:
        key = " ".join(tokens(claims[0].parts[0]))
        if key in seen or used[p.cid] >= per_passage:
            continue
        if chosen and score < chosen[0][0] * 0.6:
            break
        size = sum(len(x.split()) for c in claims for x in c.parts)
        if chosen and words + size > max_words:
            continue
        chosen.append((score, p, pos, claims))
        seen.update(" ".join(tokens(x)) for c in claims for x in c.parts)
        used[p.cid] += 1
        words += size
        if len(chosen) >= max_claims or words >= max_words:
            break
    chosen.sort(key=lambda x: (x[1].commentary != commentary_first, x[1].rank, x[2]))
    out: list[Claim] = []
    labelled: set[int] = set()
    for *_, claims in chosen:
        for c in claims:
            if c.cid in labels and c.cid not in labelled:
                c = replace(c, label=labels[c.cid])
                labelled.add(c.cid)
            out.append(c)
    return out


def _claims(p: Passage, pos: int, text: str) -> list[Claim]:
    """The claim a line makes: itself, a lead-in with its list, or a lead-in ending its block with
    the next block's list. A list item is said with its lead-in and the whole list ("is bereaved"
    alone says nothing), unless no lead-in is found. A lead-in whose list cannot be found makes no claim."""
    lines = list(p.lines)
    if is_list_item(lines[pos]):
        start = pos
        while start > 0 and is_list_item(lines[start - 1]):
            start -= 1
        if start > 0 and not _heading_only(lines, start - 1):
            return _claims(p, start - 1, clean(lines[start - 1]))
        return [Claim((text,), p.cid)]
    before = _antecedent(lines, pos, p.cid)
    if not (is_lead_in(lines[pos]) or _list_after(lines, pos)):
        return [*before, Claim((text,), p.cid)]
    items = [clean(x) for x in _list_after(lines, pos)]
    if items:
        return [*before, Claim((text, *items), p.cid)]
    if pos == len(lines) - 1 and p.following:
        head, *rest = p.following
        if rest:
            return [Claim((text,), p.cid), Claim((clean(head), *(clean(x) for x in rest)), p.following_cid)]
        return [Claim((text,), p.cid), Claim((clean(head),), p.following_cid)]
    return []


def _antecedent(lines: list[str], pos: int, cid: int) -> list[Claim]:
    """The sentence a line points back to ("They (hereafter 'LSP') have been named because..."
    needs the sentence naming who "they" are): the plain sentence just before it, if any."""
    first = re.match(r"[A-Za-z]+", clean(lines[pos]))
    if not (first and first.group().lower() in word_lists()["points_back"]) or pos == 0:
        return []
    prev = lines[pos - 1]
    if is_list_item(prev) or is_lead_in(prev) or _heading_only(lines, pos - 1) or len(prev.split()) < 4:
        return []
    return [Claim((clean(prev),), cid)]


def defining_similarity(
    base: Callable[[int, str], float], thing: list[str], bonus: float, acronym_long: str | None
) -> Callable[[int, str], float]:
    """A similarity that lifts the sentence saying what the asked-about thing is."""

    def similarity(cid: int, line: str) -> float:
        s = base(cid, line)
        if thing and (defines(line, thing) or (acronym_long and acronym_long in line.lower())):
            s += bonus
        return s

    return similarity


REPLY = re.compile(r"^(?:No|Yes)\b[,.]")


def label(kind: str, title: str, publisher: str) -> str:
    """What is said before a passage that is not national statutory guidance."""
    if kind == "local":
        return f"Local procedure, not national guidance — {publisher}'s {title} says:"
    return f"The {title} (commentary) says:"


def compose(
    q: Query,
    hits: list[Hit],
    store: IndexStore,
    retriever: Retriever,
    cite: Callable[[int, int, float | None], Citation],
    max_words: int,
    definition_bonus: float,
    explicit: bool = False,
) -> Draft:
    """Claims (each with the id of the citation it quotes) and the citations, quoted ones first.

    ``cite(id, chunk_index, score)`` makes a citation; ``explicit``: the question asked for the
    paragraphs ``hits`` starts with, which are quoted from their start."""
    if not hits:
        return Draft((), ())
    citations: list[Citation] = []
    chunk_of: dict[int, int] = {}
    passages: list[Passage] = []
    labels: dict[int, str] = {}
    reach = [h for h in hits if store.chunks[h.chunk_index].paragraph in q.paragraphs][:2] if explicit else hits[:4]
    for rank, h in enumerate(reach):
        c = store.chunks[h.chunk_index]
        parts = store.chunks_of(c.doc_id, c.paragraph)
        for part in parts:
            cid = len(citations) + 1
            index = store.chunk_index[part.id]
            citations.append(cite(cid, index, h.score))
            chunk_of[cid] = index
            doc = store.documents[part.doc_id]
            if doc.kind != "statutory":
                labels[cid] = label(doc.kind, doc.short_title or doc.title, doc.publisher)
            elif not part.numbered and part.heading and REPLY.match(part.text):
                # A block that replies to its heading (a myth-buster: "No, this is not the case")
                # means nothing without it: the answer says what is being answered first.
                labels[cid] = f"On “{part.heading.rstrip(' .?')}”:"
            nxt = store.following(part) if part is parts[-1] else None
            following: tuple[str, ...] = ()
            following_cid = 0
            if nxt is not None and split_sentences(part.text)[-1].rstrip().endswith(":"):
                following_cid = len(citations) + 1
                citations.append(cite(following_cid, store.chunk_index[nxt.id], h.score))
                chunk_of[following_cid] = store.chunk_index[nxt.id]
                lines = split_sentences(nxt.text)
                following = (lines[0], *_list_after(lines, 0))
            passages.append(
                Passage(cid, rank, tuple(candidates(part)), doc.kind != "statutory", following, following_cid)
            )
    for h in hits:  # the rest of what retrieval found: related paragraphs
        cid = len(citations) + 1
        citations.append(cite(cid, h.chunk_index, h.score))
        chunk_of[cid] = h.chunk_index
    if explicit:
        claims = [c for p in passages for c in _opening(p, max_words // len(passages))]
    else:
        vectors = store.sentence_vectors
        qv = retriever.query_vector(q.semantic or q.resolved)

        def base(cid: int, line: str) -> float:
            # Stored by the sentence without its footnote marks.
            v = vectors.get((store.chunks[chunk_of[cid]].id, clean_sentence(line)))
            return float(v @ qv) if v is not None else 0.0

        thing = definiendum(q.plain or q.text)
        long = q.acronyms.get(thing[0].upper()) if len(thing) == 1 else None
        similarity = defining_similarity(base, thing, definition_bonus, long)
        terms = retriever.key_terms(q)
        claims = pick(terms, passages, retriever.idf, similarity, max_words, 4, 3, q.commentary, labels)
    return Draft(tuple(claims), tuple(citations))


def _opening(p: Passage, max_words: int) -> list[Claim]:
    """A paragraph asked for by number, from its start: each line a claim (a lead-in with its list,
    also from the next block), up to ``max_words`` (at least 30)."""
    out: list[Claim] = []
    words = 0
    lines = list(p.lines)
    for pos, line in enumerate(lines):
        if is_list_item(line) and pos and (is_lead_in(lines[pos - 1]) or out and len(out[-1].parts) > 1):
            continue  # already in its lead-in's claim
        claims = _claims(p, pos, clean(line))
        size = sum(len(x.split()) for c in claims for x in c.parts)
        if out and words + size > max(30, max_words):
            break
        out += claims
        words += size
    return out
