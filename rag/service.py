"""The assistant: one object built once (model, stores), answering search and ask."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from functools import cached_property
from typing import Any

from ingest.chunks import Chunk
from ingest.embed import Embedder, make_embedder
from ingest.sentences import tokens
from rag import answer as extract
from rag import crosswalk, generate
from rag.notices import coverage_statement, question_notices, source_notices
from rag.query import CHAPTER_REF, Query, parse
from rag.retrieve import Filters, Retriever
from rag.store import IndexStore
from rag.types import Answer, Citation, Hit
from rag.verify import verify
from wtguide.errors import NotFound
from wtguide.settings import Settings

log = logging.getLogger(__name__)
OTHER_EDITION = re.compile(
    r"\b(?:working together|wt)\s*(?:to safeguard children\s*)?((?:19|20)\d\d)\b"
    r"|\b((?:19|20)\d\d) (?:edition|version|guidance)\b",
    re.I,
)


# "Can you help me write a cover letter...?" asks for a piece of writing, not about the guidance.
WRITING_TASK = re.compile(
    r"^\s*(?:(?:can|could|would|will) you\s+)?(?:please\s+)?(?:help me\s+(?:to\s+)?)?"
    r"(?:write|draft|compose|rewrite|proofread)\b(?!.*\b(?:working together|guidance|paragraph)\b)",
    re.I,
)
NOTE_NUMBER = re.compile(r"^(\d{1,3})\.\s*")  # a stored footnote reads "1. In this document..."
NAMED = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:in|of|to|for|and|the)?\s*[A-Z][a-z]+){2,}\b")


def paragraph_url(doc_id: str, paragraph: str | None) -> str:
    return f"/documents/{doc_id}" + (f"#para-{paragraph}" if paragraph else "")


def with_notes(chunk: Chunk) -> str:
    """A chunk's text followed by its footnotes, each under its mark ("[^1] In this document, a child
    is defined as..."): a footnote is part of what its paragraph says, and may be quoted from it."""
    notes = [NOTE_NUMBER.sub(lambda m: f"[^{m.group(1)}] ", f, count=1) for f in chunk.footnotes]
    return "\n\n".join([chunk.text, "\n".join(notes)]) if notes else chunk.text


def make_citation(
    store: IndexStore,
    cid: int,
    doc_id: str,
    paragraph: str,
    text: str,
    page: int | None,
    heading: str | None,
    numbered: bool,
    score: float = 1.0,
) -> Citation:
    """A citation of (part of) one paragraph, with its document's title, edition and status."""
    doc = store.documents[doc_id]
    return Citation(
        id=cid,
        doc_id=doc_id,
        doc_title=doc.title,
        kind=doc.kind,
        edition=doc.edition or doc.about_edition,
        status=doc.status,
        paragraph=paragraph,
        page=page,
        heading=heading,
        text=text,
        score=round(float(score), 4),
        url=paragraph_url(doc_id, paragraph),
        numbered=numbered,
    )


class Assistant:
    def __init__(self, settings: Settings, store: IndexStore, embedder: Embedder, llm: Any | None = None) -> None:
        self.settings = settings
        self.llm = llm  # optional LangChain chat model: rewords answers, condenses follow-ups
        self.store = store
        self.embedder = embedder
        self.retriever = Retriever(
            store,
            embedder,
            rrf_k=settings.rrf_k,
            weights=settings.fusion_weights,
            rerank_depth=settings.rerank_depth,
            rerank_weight=settings.rerank_weight,
            definition_weight=settings.definition_weight,
        )
        self.idf = self.retriever.idf
        self.glossary = self.retriever.glossary
        self.vocabulary = frozenset(w for c in store.chunks for w in re.findall(r"[a-z]+", c.text.lower()))
        names = [f"{d.title} {d.publisher}" for d in store.documents.values()]
        self.corpus_lower = " ".join(" ".join(t.split()) for t in [*names, *(c.text for c in store.chunks)]).lower()
        self.editions = tuple(d.edition for d in store.documents.values() if d.kind == "statutory" and d.edition)
        self.prefixes = {t[:5] for c in store.chunks for t in tokens(c.text)}

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        store = IndexStore.load(settings.index_root)
        embedder = make_embedder(settings.embedder, settings.model_path, settings.onnx_dir)
        return cls(settings, store, embedder, generate.make_llm(settings))

    # ---- shared pieces -------------------------------------------------------------
    def understand(self, question: str, history: list[dict[str, str]] | None = None) -> Query:
        if history and self.llm is not None:
            # With a model configured, a follow-up is rewritten as a standalone question.
            standalone = generate.condense(self.llm, question, history)
            q = parse(standalone, [], self.glossary, self.vocabulary, self.editions)
            return replace(q, text=question)
        return parse(question, history or [], self.glossary, self.vocabulary, self.editions)

    def citation(self, cid: int, hit_or_chunk: Hit | int, score: float | None = None) -> Citation:
        index = hit_or_chunk.chunk_index if isinstance(hit_or_chunk, Hit) else hit_or_chunk
        if score is None:
            score = hit_or_chunk.score if isinstance(hit_or_chunk, Hit) else 1.0
        c = self.store.chunks[index]
        return make_citation(
            self.store, cid, c.doc_id, c.paragraph, with_notes(c), c.page, c.heading, c.numbered, score
        )

    def _doc_for_reference(self, query: Query) -> str:
        statutory = [d for d in self.store.documents.values() if d.kind == "statutory"]
        for d in statutory:
            if d.edition and d.edition in query.years:
                return d.doc_id
        if query.old_edition:
            older = [d for d in statutory if d.doc_id not in self.retriever.latest]
            if older:
                return sorted(older, key=lambda d: d.edition or "")[-1].doc_id
        latest = sorted((d for d in statutory if d.doc_id in self.retriever.latest), key=lambda d: d.edition or "")
        return latest[-1].doc_id if latest else statutory[0].doc_id

    def _unheld_chapter(self, query: Query) -> str | None:
        """A chapter of the guidance the question names that the text we hold does not include."""
        if query.chapter is None or query.commentary or query.comparison:
            return None
        doc = self.store.documents[self._doc_for_reference(query)]
        parts = list(dict.fromkeys(c.chapter for c in self.store.chunks if c.doc_id == doc.doc_id and c.chapter))
        held = sorted(int(m.group(1)) for part in parts if (m := CHAPTER_REF.match(part)))
        if query.chapter in held:
            return None
        if len(held) > 1:
            have = f"chapters {held[0]}–{held[-1]} of it"
        elif held:
            have = f"chapter {held[0]} of it"
        else:
            have = "its " + " and ".join(parts) if parts else "other parts"
        return f"chapter {query.chapter} of {doc.title} is not in the text I have (I hold {have})."

    def _unheld_edition(self, query: Query) -> str | None:
        """An edition of Working Together the question names but we do not hold (e.g. 2026)."""
        held = {d.edition for d in self.store.documents.values() if d.kind == "statutory"}
        for m in OTHER_EDITION.finditer(query.text):
            year = m.group(1) or m.group(2)
            if year and year not in held:
                return year
        return None

    # ---- search ---------------------------------------------------------------------
    def explicit_hits(self, query: Query) -> list[Hit]:
        doc_id = self._doc_for_reference(query)
        hits: list[Hit] = []
        for n in query.paragraphs:
            try:
                self.store.paragraph(doc_id, n)
            except NotFound:
                continue
            hits += [Hit(self.store.chunk_index[c.id], 1.0) for c in self.store.chunks_of(doc_id, n)][:1]
        if query.page is not None and not query.paragraphs:
            hits += [
                Hit(i, 0.9) for i, c in enumerate(self.store.chunks) if c.doc_id == doc_id and c.page == query.page
            ]
        return hits

    def search_hits(self, query: Query, top_k: int, filters: Filters | None = None) -> list[Hit]:
        filters = filters or Filters()
        explicit = self.explicit_hits(query)
        if explicit and not query.comparison:
            rest = self.retriever.search(query, filters, top_k)
            keys = {self._key(h) for h in explicit}
            return (explicit + [h for h in rest if self._key(h) not in keys])[:top_k]
        if query.comparison:
            return self._comparison_hits(query, top_k)
        return self.retriever.search(query, filters, top_k)

    def _key(self, h: Hit) -> tuple[str, str]:
        c = self.store.chunks[h.chunk_index]
        return (c.doc_id, c.paragraph)

    @cached_property
    def crosswalks(self) -> dict[tuple[str, str], list[crosswalk.Link]]:
        out = {}
        for d in self.store.documents.values():
            if d.kind == "statutory" and d.superseded_by in self.store.documents:
                out[(d.doc_id, d.superseded_by)] = crosswalk.build(self.store, d.doc_id, d.superseded_by)
        return out

    def _comparison_hits(self, query: Query, top_k: int) -> list[Hit]:
        """Both editions side by side: each edition's best paragraph next to its crosswalk partner."""
        statutory = sorted(
            (d for d in self.store.documents.values() if d.kind == "statutory"),
            key=lambda d: d.edition or "",
            reverse=True,
        )
        per_doc = {d.doc_id: self.retriever.search(query, Filters(doc_ids=(d.doc_id,)), top_k) for d in statutory}
        partners = self._partners()
        out: list[Hit] = []
        rounds = max((len(v) for v in per_doc.values()), default=0)
        for r in range(rounds):
            for d in statutory:
                if r >= len(per_doc[d.doc_id]):
                    continue
                hit = per_doc[d.doc_id][r]
                out.append(hit)
                # The same passage in the other edition, by the crosswalk, right beside it.
                for doc_id, paragraph in partners.get(self._key(hit), [])[:1]:
                    for chunk in self.store.chunks_of(doc_id, paragraph)[:1]:
                        out.append(Hit(self.store.chunk_index[chunk.id], hit.score * 0.99))
        seen: set[tuple[str, str]] = set()
        deduped: list[Hit] = []
        for h in out:
            if self._key(h) not in seen:
                seen.add(self._key(h))
                deduped.append(h)
        return deduped[:top_k]

    def _partners(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """Crosswalk links both ways, best score first."""
        pairs: dict[tuple[str, str], list[tuple[float, tuple[str, str]]]] = {}
        for links in self.crosswalks.values():
            for link in links:
                if link.old_paragraph is None or link.new_paragraph is None:
                    continue
                old, new = (link.old_doc, link.old_paragraph), (link.new_doc, link.new_paragraph)
                pairs.setdefault(old, []).append((link.score, new))
                pairs.setdefault(new, []).append((link.score, old))
        return {k: [p for _, p in sorted(v, reverse=True)] for k, v in pairs.items()}

    def search(self, query: str, top_k: int = 5, history: list[dict[str, str]] | None = None) -> list[Citation]:
        q = self.understand(query, history)
        return [self.citation(i + 1, h) for i, h in enumerate(self.search_hits(q, top_k))]

    # ---- ask ------------------------------------------------------------------------
    def decline(self, question: str, reason: str, notices: list[str], q: Query | None = None) -> Answer:
        text = f"{reason} {coverage_statement(self.store)}"
        return Answer(text, (), True, tuple(notices), question, q.resolved if q else question)

    def ask(self, question: str, history: list[dict[str, str]] | None = None, top_k: int | None = None) -> Answer:
        t0 = time.perf_counter()
        top_k = top_k or self.settings.top_k
        q = self.understand(question, history)
        notices = question_notices(question)
        unheld = self._unheld_edition(q)
        if unheld and not q.paragraphs:
            return self.decline(
                question, f"That isn't in the guidance I hold: I do not hold the {unheld} edition's text.", notices, q
            )
        if q.paragraphs:
            doc_id = self._doc_for_reference(q)
            missing = [n for n in q.paragraphs if (doc_id, n) not in self.store.paragraphs]
            if unheld or len(missing) == len(q.paragraphs):
                title = self.store.documents[doc_id].title
                nums = [p.paragraph for p in self.store.doc_paragraphs(doc_id) if p.numbered]
                what = f"the {unheld} edition" if unheld else f"paragraph {', '.join(missing)} of {title}"
                held = f" (I hold paragraphs {nums[0]}–{nums[-1]} of it)" if nums and not unheld else ""
                return self.decline(
                    question, f"That isn't in the guidance I hold: {what} is not in the text I have{held}.", notices, q
                )
        if WRITING_TASK.match(question):
            reason = "I explain the guidance I hold and cite it; I do not write letters, poems or other documents."
            return self.decline(question, reason, notices, q)
        missing_chapter = self._unheld_chapter(q)
        if missing_chapter:
            return self.decline(question, f"That isn't in the guidance I hold: {missing_chapter}", notices, q)
        hits = self.search_hits(q, top_k)
        if not hits:
            return self.decline(question, "That isn't in the guidance I hold.", notices, q)
        explicit = bool(q.paragraphs) and self.store.chunks[hits[0].chunk_index].paragraph in q.paragraphs
        terms = self.retriever.key_terms(q)
        if not explicit and not q.comparison:
            uncovered = self._not_covered(question, terms, hits)
            if uncovered:
                return self.decline(question, uncovered, notices, q)
        sentences, citations = self._compose(q, hits, terms, explicit)
        if self.llm is not None and not explicit:
            written = generate.generate(self.llm, question, citations, self.settings.answer_max_words)
            # The model's sentences are kept only if each is supported by the passage it cites;
            # otherwise the extractive answer stands.
            sentences = written or sentences
        checked = verify(sentences, {c.id: c for c in citations})
        if not checked:
            return self.decline(question, "That isn't in the guidance I hold.", notices, q)
        if not explicit and not q.comparison:
            said = " ".join(sentence for sentence, _ in checked)
            if self.retriever.text_coverage(said, q) < self.settings.min_answer_coverage:
                # The passages touch the subject but the sentences that best answer it leave most
                # of the question unsaid: a part of the guidance we do not hold, most likely.
                reason = "That isn't in the guidance I hold: the passages I have touch on it but do not answer it."
                return self.decline(question, reason, notices, q)
        asked = q.plain.split("?")[0] if q.plain else question
        phrase, subject = extract.subject_of(asked)
        if subject and not explicit and not q.comparison and not self._names(subject, checked):
            # "What is a joint agency response?" answered without ever naming one is no answer.
            reason = f"That isn't in the guidance I hold: the parts I have do not explain {phrase}."
            return self.decline(question, reason, notices, q)
        sources = frozenset(self.retriever.ignored(q))
        # What the question is about must be named: "What duties do governors of young offender
        # institutions have?" answered with school governors, or "Who can ask for a young carer's
        # needs assessment?" with needs in general, is no answer. The doer may run on into a verb
        # ("...partners involve"), so one of its words may go unmatched; the thing asked for is
        # bounded, so all of it must be there but for words the corpus never uses (typos).
        actor_phrase, actor = extract.actor_of(asked, sources)
        object_phrase, thing = extract.object_of(asked, sources)
        thing = [w for w in thing if self.retriever.known(w)]
        for phrase, named, spare in ((actor_phrase, actor, 1), (object_phrase, thing, 0)):
            if named and not explicit and not q.comparison and not self._names(named, checked, spare):
                reason = f"That isn't in the guidance I hold: the parts I have do not cover {phrase}."
                return self.decline(question, reason, notices, q)
        shape = extract.answer_shape(question)
        if shape and not explicit and not any(shape[0].search(s) for s, _ in checked):
            # "How long…?" answered without any timescale is no answer.
            reason = f"That isn't in the guidance I hold: the parts I have do not {shape[1]}."
            return self.decline(question, reason, notices, q)
        used = {n for _, n in checked}
        kept = [c for c in citations if c.id in used]
        renumber = {c.id: i + 1 for i, c in enumerate(kept)}
        kept = [replace(c, id=renumber[c.id]) for c in kept]
        text = " ".join(f"{s} [{renumber[n]}]" for s, n in checked)
        notices += source_notices(self.store, kept)
        return Answer(
            text,
            tuple(kept),
            False,
            tuple(notices),
            question,
            q.resolved,
            {"total": round((time.perf_counter() - t0) * 1000, 2)},
        )

    def _names(self, subject: list[str], sentences: list[tuple[str, int]], spare: int = 0) -> bool:
        """Whether one answer sentence holds every word of the subject (in some form, spelled out, or
        as its synonym's corpus words: "schools" as "education"), or all but ``spare`` of them."""
        need = len(subject) - spare if len(subject) > spare else len(subject)
        forms = [self.retriever.forms(t) for t in subject]
        return any(
            sum(extract.holds_form(words, alts) for alts in forms) >= need
            for words in (self.retriever.words_of(sentence) for sentence, _ in sentences)
        )

    def _unknown_title(self, question: str) -> str | None:
        """A named document ("Keeping Children Safe in Education") that the corpus never mentions."""
        for m in NAMED.finditer(question):
            name = m.group(0)
            if name.lower() not in self.corpus_lower and "working together" not in name.lower():
                return name
        return None

    def _not_covered(self, question: str, terms: list[str], hits: list[Hit]) -> str | None:
        name = self._unknown_title(question)
        if name:
            return f"That isn't in the guidance I hold: I do not hold {name}."
        top = hits[:3]
        texts = [self.store.chunks[h.chunk_index].text for h in top]
        best = max(extract.coverage(terms, t, self.idf) for t in texts)
        dense = max(h.dense for h in top)
        unseen = extract.unseen_share(terms, self.prefixes, self.idf)
        if (
            best < self.settings.min_coverage
            # A passage holding every key word answers even a question the model reads poorly
            # ("What is a DSCO?": the model has never seen the acronym).
            or (dense < self.settings.min_dense_score and best < 1.0)
            # Words the corpus never uses sink a question only when its best sentence is no close
            # match either: casual in-scope wording ("17 yr olds") still matches well.
            or (unseen >= self.settings.max_unseen_share and best < 0.75 and dense < self.settings.confident_dense)
        ):
            return "That isn't in the guidance I hold: the passages I have do not cover it."
        return None

    def _compose(
        self, q: Query, hits: list[Hit], terms: list[str], explicit: bool
    ) -> tuple[list[tuple[str, int]], list[Citation]]:
        limit = self.settings.answer_max_words
        if explicit:
            found = [self.citation(i + 1, h) for i, h in enumerate(hits)]
            wanted = [c for c in found if c.paragraph in q.paragraphs][:2]
            per = max(30, limit // max(1, len(wanted)))
            return [(s, c.id) for c in wanted for s in extract.first_sentences(c.text, per)], found
        # Every part of the top paragraphs is a candidate, so the sentence that answers
        # is found even when it sits in another part of a long paragraph than the one retrieved.
        citations: list[Citation] = []
        chunk_of: dict[int, str] = {}
        for h in hits[:4]:
            c = self.store.chunks[h.chunk_index]
            for part in self.store.chunks_of(c.doc_id, c.paragraph):
                cid = len(citations) + 1
                citations.append(self.citation(cid, self.store.chunk_index[part.id], h.score))
                chunk_of[cid] = part.id
        qv = self.retriever.query_vector(q.semantic or q.resolved)
        vectors = self.store.sentence_vectors
        thing = extract.definiendum(q.text)

        def similarity(cid: int, sentence: str) -> float:
            v = vectors.get((chunk_of[cid], sentence))
            if thing and extract.defines(sentence, thing):
                # "How did WT 2018 define a child?": the sentence that says what it is answers it,
                # even one in a footnote (footnotes have no stored vector: embedded here, rarely).
                v = self.retriever.query_vector(sentence) if v is None else v
                return float(v @ qv) + self.settings.definition_bonus
            return float(v @ qv) if v is not None else 0.0

        if not q.comparison:
            passages = [(c.id, c.text) for c in citations]
            return extract.pick_sentences(terms, passages, self.idf, limit, similarity=similarity), citations
        out: list[tuple[str, int]] = []
        for edition in dict.fromkeys(c.edition for c in citations if c.kind == "statutory"):
            best = next(c for c in citations if c.edition == edition and c.kind == "statutory")
            out += extract.pick_sentences(terms, [(best.id, best.text)], self.idf, limit // 2, 2, 2, similarity)
        return out, citations

    def warm_up(self) -> None:
        """Open the lazily loaded indexes and run one question, so the first user does not wait."""
        self.ask("What are the safeguarding partners?")
        self.ask("What changed since 2018 about the safeguarding partners?")  # builds the crosswalk
