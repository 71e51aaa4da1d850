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
from rag.answer import Idf, clean_sentence, defines, introduces_acronym
from rag.query import Query
from rag.retrieve import Retriever
from rag.store import IndexStore
from rag.types import Citation, Hit
from rag.understand import word_lists

LIST_MARK = re.compile(r"^(?:•|-|\d{1,2}[.)]|[a-z][.)]|\([a-z0-9]{1,4}\)|[ivx]{1,4}[.)])\s+")
# A numbered heading run into its first sentence ("2. New roles within safeguarding partners Each
# Safeguarding Partner needs to..."): the number, a short title in lower case, then a capital.
RUN_IN = re.compile(r"^\d{1,2}[.)]\s+((?:[A-Z][\w'’-]*)(?:\s+[a-z][\w'’-]*|\s+[A-Z]{2,}s?){1,7})\s+(?=[A-Z][a-z])")
# A list said for its lead-in may take this many times the answer's words (``answer_max_words``):
# "what are the joint functions?" is answered by the whole list; a longer one keeps what fits and
# says how many it leaves out. A list reached through one of its items gets an eighth of that.
LIST_WORDS = 2
SMALL = frozenset("a an the of and or to in on for with by at from as".split())


@dataclass(frozen=True)
class Claim:
    """Verbatim pieces of one passage (a sentence; or a lead-in and its list items), shown as one.

    A list that runs on into the paragraph's next stored chunk is said as consecutive claims, each
    citing the chunk it quotes: the first holds the lead-in, each next one ``continues`` it (its
    parts are all items)."""

    parts: tuple[str, ...]
    cid: int
    label: str = ""  # said before it: "The schools blog (commentary) says:"
    continues: bool = False
    more: int = 0  # list items left out (a list longer than the answer's length)

    @property
    def listed(self) -> bool:
        """Whether it is said as a list (a lead-in and its items, or items going on from one)."""
        return self.continues or len(self.parts) > 1

    def render(self) -> str:
        """A sentence; or a lead-in (a caption gains its colon) and its items, one "• " line each,
        so that a list reads as a list on a phone ("• and 5 more" for items left out)."""
        head, *items = self.parts
        bullets = [f"• {x.rstrip(' .;:')}" for x in (self.parts if self.continues else items)]
        bullets += [f"• and {self.more} more"] if self.more else []
        if self.continues:
            head = "\n".join(bullets)
        elif items:
            lead = head if head.rstrip().endswith(":") else head.rstrip(" .") + ":"
            head = "\n".join([lead, *bullets])
        elif head.rstrip()[-1:] not in (".", "!", "?", ":", ";"):
            head = head.rstrip() + "."  # a sentence whose full stop the extraction lost (before a footnote mark)
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


def candidates(chunks: list[tuple[int, Chunk]]) -> list[tuple[int, str]]:
    """A paragraph's lines an answer may quote, each with the id of the citation of the stored
    chunk it is in: its sentences and list items in order, then the footnotes that are sentences
    in their own right (Working Together 2018 defines a child in one)."""
    lines = [(cid, s.strip()) for cid, chunk in chunks for s in split_sentences(chunk.text)]
    notes = [(cid, re.sub(r"^\d{1,3}\.\s*", "", f)) for cid, chunk in chunks for f in chunk.footnotes]
    return lines + [(cid, n) for cid, n in notes if not _is_note(n)]


HEADING_MAX_WORDS = 14  # the corpus's headings and box titles: all but one at most 12 words


def _heading_only(lines: list[str], pos: int) -> bool:
    """A short line with no sentence end that no list follows: a heading or a box title, not a
    claim. A long line is a sentence whose full stop the extraction lost (before a footnote mark)."""
    line = lines[pos]
    if line[-1:] in ".!?:;)" or is_list_item(line) or len(line.split()) > HEADING_MAX_WORDS:
        return False
    return not (pos + 1 < len(lines) and is_list_item(lines[pos + 1]))


ORDINAL = re.compile(r"^\(?(\d{1,2}|[a-z])[.)]\s")


def _ordinal(line: str) -> tuple[bool, int] | None:
    """A numbered or lettered item's place: (lettered, n) for "3)", "2.", "(b)"; else None."""
    m = ORDINAL.match(line.strip())
    if not m:
        return None
    mark = m.group(1)
    return (False, int(mark)) if mark.isdigit() else (True, ord(mark) - ord("a") + 1)


def _list_after(lines: list[str], pos: int) -> list[tuple[int, str]]:
    """The list a lead-in at ``pos`` introduces, as (position, line): the list items that follow it;
    for a list numbered from 1 whose items hold nested lists or text between them ("1) ... by:
    • ... 2) ..."), its numbered items in sequence to the end of the paragraph."""
    items: list[tuple[int, str]] = []
    for i in range(pos + 1, len(lines)):
        if not is_list_item(lines[i]):
            break
        items.append((i, lines[i]))
    first = _ordinal(items[0][1]) if items else None
    if first is None or first[1] != 1 or all(_ordinal(x) for _, x in items):
        return items
    numbered = [items[0]]
    for i in range(items[0][0] + 1, len(lines)):
        o = _ordinal(lines[i])
        if o == (first[0], len(numbered) + 1):
            numbered.append((i, lines[i]))
        elif o == first:
            break  # another list starts
    return numbered


@dataclass(frozen=True)
class Passage:
    """One paragraph as the answer may quote it: its lines and, per line, the id of the citation of
    the stored chunk the line is in (``cids``; empty: all ``cid``)."""

    cid: int
    rank: int
    lines: tuple[str, ...]
    commentary: bool
    following: tuple[str, ...] = ()  # the next block's lead-in and list, for a lead-in that ends this one
    following_cid: int = 0
    cids: tuple[int, ...] = ()

    def cid_at(self, pos: int) -> int:
        return self.cids[pos] if self.cids else self.cid

    def claim(self, positions: list[int], texts: list[str]) -> list[Claim]:
        """The claim the lines at ``positions`` make (shown as ``texts``): one per run of lines from
        one stored chunk, so that each quotes the chunk it cites."""
        runs: list[tuple[int, list[str]]] = []
        for pos, text in zip(positions, texts, strict=True):
            if runs and runs[-1][0] == self.cid_at(pos):
                runs[-1][1].append(text)
            else:
                runs.append((self.cid_at(pos), [text]))
        return [Claim(tuple(parts), cid, continues=n > 0) for n, (cid, parts) in enumerate(runs)]


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
            score = 0.5 * lexical + 0.5 * similarity(p.cid_at(pos), line) + 0.15 / (p.rank + 1)
            claims = _claims(p, pos, text, LIST_WORDS * max_words)
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
    # Shown guidance first, passages in rank order; within a passage its best claim leads and the
    # rest follow in reading order (a sentence before it, after it).
    lead: dict[int, tuple[float, int]] = {}
    for score, p, pos, _ in chosen:
        if p.cid not in lead or score > lead[p.cid][0]:
            lead[p.cid] = (score, pos)
    chosen.sort(key=lambda x: (x[1].commentary != commentary_first, x[1].rank, x[2] != lead[x[1].cid][1], x[2]))
    out: list[Claim] = []
    labelled: set[int] = set()
    for _, p, _, claims in chosen:
        for c in claims:
            if c.cid in labels and c.cid not in labelled and not c.continues:
                c = replace(c, label=labels[c.cid])
                labelled.update(p.cids or (p.cid,))
            out.append(c)
    return out


def _introduces(lines: list[str], pos: int) -> bool:
    """Whether the line at ``pos`` introduces the list after it: not when that list goes on from
    an earlier one (its first item is numbered past 1: "3) Practitioners empower...")."""
    following = pos + 1 < len(lines) and _ordinal(lines[pos + 1])
    return not following or following[1] == 1


def _claims(p: Passage, pos: int, text: str, budget: int = 0, keep: int | None = None) -> list[Claim]:
    """The claim a line makes: itself, a lead-in with its list, or a lead-in ending its block with
    the next block's list. A list item is said with its lead-in and the list ("is bereaved" alone
    says nothing), unless no lead-in is found. A list longer than ``budget`` words (0: any) keeps
    the item ``keep`` and as many others, in order, as fit, and says how many it leaves out.
    A lead-in whose list cannot be found makes no claim."""
    lines = list(p.lines)
    listed = _list_after(lines, pos) if _introduces(lines, pos) else []
    if is_list_item(lines[pos]) and not (is_lead_in(lines[pos]) and listed):
        # Its lead-in: the nearest line above ending in ":" (a nested list's is an item itself),
        # or the line before the run of items.
        start = pos
        while start > 0 and is_list_item(lines[start - 1]) and not is_lead_in(lines[start - 1]):
            start -= 1
        if start > 0 and _introduces(lines, start - 1) and not _heading_only(lines, start - 1):
            # Said for one of its items: the lead-in, that item and what else fits in an eighth of
            # the list's words ("do they have to publish a yearly report?" is not asking for all six).
            return _claims(p, start - 1, clean(lines[start - 1]), budget // 8, pos)
        return [Claim((text,), p.cid_at(pos))]
    before = _antecedent(lines, pos, p.cid_at(pos))
    if not (is_lead_in(lines[pos]) or listed):
        return [*before, Claim((text,), p.cid_at(pos))]
    if listed:
        kept = _within(listed, max(1, budget - len(text.split())) if budget else 0, keep)
        claims = p.claim([pos, *(i for i, _ in kept)], [text, *(clean(x) for _, x in kept)])
        if len(kept) < len(listed):
            claims[-1] = replace(claims[-1], more=len(listed) - len(kept))
        return [*before, *claims]
    if pos == len(lines) - 1 and p.following:
        head, *rest = p.following
        if rest:
            return [Claim((text,), p.cid_at(pos)), Claim((clean(head), *(clean(x) for x in rest)), p.following_cid)]
        return [Claim((text,), p.cid_at(pos)), Claim((clean(head),), p.following_cid)]
    return []


def _within(items: list[tuple[int, str]], budget: int, keep: int | None) -> list[tuple[int, str]]:
    """The items (position, line) to say in ``budget`` words (0: all): the one at ``keep``, then
    the others in order as they fit; at least one."""
    if not budget or sum(len(x.split()) for _, x in items) <= budget:
        return items
    chosen = {i for i, _ in items if i == keep}
    words = sum(len(x.split()) for i, x in items if i in chosen)
    for i, x in items:
        if i not in chosen and (not chosen or words + len(x.split()) <= budget):
            chosen.add(i)
            words += len(x.split())
    return [(i, x) for i, x in items if i in chosen]


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


def _key(store: IndexStore, h: Hit) -> tuple[str, str]:
    c = store.chunks[h.chunk_index]
    return c.doc_id, c.paragraph


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
    thing = list(q.definiendum)
    long = q.acronyms.get(thing[0].upper()) if len(thing) == 1 else None
    if long and not explicit:
        # "whats an LSP": the passage retrieval found that introduces the acronym ("... (DSP)",
        # "hereafter 'lead safeguarding partner' or 'LSP'") leads, wherever it ranked.
        hits = sorted(hits, key=lambda h: not introduces_acronym(store.chunks[h.chunk_index].text, thing[0]))
    citations: list[Citation] = []
    chunk_of: dict[int, int] = {}
    passages: list[Passage] = []
    labels: dict[int, str] = {}
    reach = [h for h in hits if store.chunks[h.chunk_index].paragraph in q.paragraphs][:2] if explicit else hits[:4]
    paragraphs = {_key(store, h): h for h in reversed(reach)}  # each paragraph once, at its best hit
    for rank, h in enumerate(h for h in reach if paragraphs[_key(store, h)] is h):
        c = store.chunks[h.chunk_index]
        parts = store.chunks_of(c.doc_id, c.paragraph)
        doc = store.documents[c.doc_id]
        ids: list[tuple[int, Chunk]] = []
        for part in parts:
            cid = len(citations) + 1
            index = store.chunk_index[part.id]
            citations.append(cite(cid, index, h.score))
            chunk_of[cid] = index
            ids.append((cid, part))
            if doc.kind != "statutory":
                labels[cid] = label(doc.kind, doc.short_title or doc.title, doc.publisher)
            elif not part.numbered and part.heading and REPLY.match(part.text):
                # A block that replies to its heading (a myth-buster: "No, this is not the case")
                # means nothing without it: the answer says what is being answered first.
                labels[cid] = f"On “{part.heading.rstrip(' .?')}”:"
        nxt = store.following(parts[-1])
        following: tuple[str, ...] = ()
        following_cid = 0
        if nxt is not None and split_sentences(parts[-1].text)[-1].rstrip().endswith(":"):
            following_cid = len(citations) + 1
            citations.append(cite(following_cid, store.chunk_index[nxt.id], h.score))
            chunk_of[following_cid] = store.chunk_index[nxt.id]
            lines = split_sentences(nxt.text)
            following = (lines[0], *(x for _, x in _list_after(lines, 0)))
        said = candidates(ids)
        passages.append(Passage(ids[0][0], rank, tuple(t for _, t in said), doc.kind != "statutory", following,
                                following_cid, tuple(cid for cid, _ in said)))
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
    listed_to = -1  # the last line of the list a claim already says
    for pos, line in enumerate(lines):
        if is_list_item(line) and pos <= listed_to:
            continue  # already in its lead-in's claim
        # A sentence that leans on the one before ("It is therefore...") brings it along: said once.
        said = {c.parts for c in out}
        claims = [c for c in _claims(p, pos, clean(line)) if c.parts not in said]
        size = sum(len(x.split()) for c in claims for x in c.parts)
        if out and words + size > max(30, max_words):
            break
        out += claims
        words += size
        if is_lead_in(line) or not is_list_item(line):
            listed_to = max([listed_to, pos, *(i for i, _ in _list_after(lines, pos))])
    return out
