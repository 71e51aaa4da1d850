"""The assistant: one object built once (model, stores), answering search and ask."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from ingest.chunks import Chunk
from ingest.embed import Embedder, MultilingualEmbedder, make_embedder
from ingest.manifest import DocumentInfo
from rag import crosswalk, decide, generate, language, safeguard
from rag.compose import Claim, compose
from rag.notices import coverage_statement, edition_status, source_notices
from rag.query import CHAPTER_REF, Query
from rag.retrieve import Filters, QueryAdapter, Retriever
from rag.safeguard import WRITER_TURNS, Guardrails, Safeguard, redact_text, without_placeholders
from rag.store import IndexStore
from rag.types import Answer, Citation, Hit
from rag.understand import Lexicon, normalise, understand
from rag.verify import verify
from wtguide.errors import NotFound
from wtguide.settings import Settings

log = logging.getLogger(__name__)
NOTE_NUMBER = re.compile(r"^(\d{1,3})\.\s*")  # a stored footnote reads "1. In this document..."
MESSAGES = Path(__file__).resolve().parent / "data" / "messages.yaml"


@lru_cache(maxsize=1)
def messages() -> dict[str, str]:
    data: dict[str, str] = yaml.safe_load(MESSAGES.read_text())
    return data


@lru_cache(maxsize=1)
def in_language() -> dict[str, str]:
    """"I can only answer in English" in the languages ``rag.language.detect`` names (other_language.yaml)."""
    data: dict[str, str] = yaml.safe_load((MESSAGES.parent / "other_language.yaml").read_text())
    return data


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
    page_end: int | None = None,
) -> Citation:
    """A citation of (part of) one paragraph, with its document's title, edition and status.
    ``page``/``page_end``: the first and last page of ``text``."""
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
        page_end=page_end if page_end is not None else page,
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
            adapter=QueryAdapter.load(settings.query_adapter, embedder.name),
        )
        self.idf = self.retriever.idf
        self.glossary = self.retriever.glossary
        self.lexicon = _lexicon(store, self.glossary)
        self.guardrails = Guardrails(self.retriever.vectors, self.lexicon.vocabulary, embedder.embed, embedder.name,
                                     multilingual=MultilingualEmbedder().embed)

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        store = IndexStore.load(settings.index_root, verify=settings.index_verify)
        embedder = make_embedder(settings.embedder, settings.model_path, settings.onnx_dir)
        return cls(settings, store, embedder, generate.make_llm(settings))

    # ---- shared pieces -------------------------------------------------------------
    def understand(self, question: str, history: list[dict[str, str]] | None = None) -> Query:
        """Stage 1 (rag.understand), with the question's language detected."""
        lang = language.detect(question, self.lexicon.vocabulary)
        q = understand(question, history, self.lexicon, lang)
        if q.follow_up and history and self.llm is not None:
            # With a model configured, a follow-up is rewritten as a standalone question.
            standalone = generate.condense(self.llm, q.text, history)
            q = replace(understand(standalone, None, self.lexicon, lang), text=q.text, asked=question, follow_up=True)
        return q

    def citation(self, cid: int, hit_or_chunk: Hit | int, score: float | None = None) -> Citation:
        index = hit_or_chunk.chunk_index if isinstance(hit_or_chunk, Hit) else hit_or_chunk
        if score is None:
            score = hit_or_chunk.score if isinstance(hit_or_chunk, Hit) else 1.0
        c = self.store.chunks[index]
        return make_citation(
            self.store, cid, c.doc_id, c.paragraph, with_notes(c), c.page, c.heading, c.numbered, score, c.page_end
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

    # ---- search ---------------------------------------------------------------------
    def explicit_hits(self, query: Query, doc_id: str | None = None) -> list[Hit]:
        """The passages a question asks for by paragraph (or page) number, in ``doc_id`` (by default
        the document the reference is to: ``_doc_for_reference``)."""
        doc_id = doc_id or self._doc_for_reference(query)
        hits: list[Hit] = []
        for n in query.paragraphs:
            try:
                self.store.paragraph(doc_id, n)
            except NotFound:
                continue
            hits += [Hit(self.store.chunk_index[c.id], 1.0) for c in self.store.chunks_of(doc_id, n)][:1]
        if query.page is not None and not query.paragraphs:
            page = query.page
            hits += [  # a chunk is on every page from its first to its last
                Hit(i, 0.9)
                for i, c in enumerate(self.store.chunks)
                if c.doc_id == doc_id and c.page is not None and c.page <= page <= (c.page_end or c.page)
            ]
        return hits

    def retrieve(self, q: Query, top_k: int) -> tuple[list[Hit], tuple[str, ...]]:
        """Stage 2: the passages for a question, and the paragraphs it names that are not held.
        An edition the question names (or carries from the turn it follows) keeps retrieval to it."""
        doc_id = self._doc_for_reference(q)
        missing = tuple(n for n in q.paragraphs if (doc_id, n) not in self.store.paragraphs)
        filters = Filters()
        if q.overview:  # what changed as a whole: what the commentary on the changes says
            filters = Filters(kinds=tuple({d.kind for d in self.store.documents.values()} - {"statutory"}))
        elif q.edition:
            # That edition and the commentary written about it ("what criticism has been made of
            # WT2023's section on ...?"); the prior keeps the guidance above the commentary.
            docs = self.store.documents.values()
            filters = Filters(doc_ids=tuple(
                d.doc_id for d in docs
                if (d.edition if d.kind == "statutory" else d.about_edition) == q.edition
            ))
        hits = self.search_hits(q, top_k, filters)
        return (hits or self.search_hits(q, top_k)), missing

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
        statutory = self._compared(query)
        per_doc = {d.doc_id: self.retriever.search(query, Filters(doc_ids=(d.doc_id,)), top_k) for d in statutory}
        # A paragraph asked for by number comes first: in each edition the question names ("what does
        # paragraph 14 say in 2018 and in 2023"), else in the one the reference is to (its partner in
        # the other edition follows it by the crosswalk).
        named = [d.doc_id for d in statutory if d.edition in query.years]
        for doc_id in (named if len(named) >= 2 else [self._doc_for_reference(query)]) if query.paragraphs else []:
            asked = self.explicit_hits(query, doc_id)
            keys = {self._key(h) for h in asked}
            per_doc[doc_id] = asked + [h for h in per_doc.get(doc_id, []) if self._key(h) not in keys]
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
        # What changed is what the commentary is about: its best passage, when a search over
        # everything ranks one in its top k, takes the last place.
        remarks = [h for h in self.retriever.search(query, Filters(), top_k)
                   if self.store.chunks[h.chunk_index].kind != "statutory" and self._key(h) not in seen]
        return deduped[: top_k - 1] + remarks[:1] if remarks else deduped[:top_k]

    def _compared(self, query: Query) -> list[DocumentInfo]:
        """The two editions a comparison is between, newest first: the two it names; one it names
        and the edition it replaced (or that replaced it); else the newest and the one it replaced."""
        statutory = sorted(
            (d for d in self.store.documents.values() if d.kind == "statutory"),
            key=lambda d: d.edition or "",
            reverse=True,
        )
        named = [d for d in statutory if d.edition in query.years]
        if len(named) >= 2:
            return named[:2]
        anchor = named[0] if named else (statutory[0] if statutory else None)
        if anchor is None:
            return []
        neighbour = next((d for d in statutory if d.superseded_by == anchor.doc_id), None) or self.store.documents.get(
            anchor.superseded_by or ""
        )
        pair = [anchor] + ([neighbour] if neighbour is not None and neighbour.kind == "statutory" else [])
        return sorted(pair, key=lambda d: d.edition or "", reverse=True)

    def _partners(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """Crosswalk partners both ways, best score first."""
        return {k: [p for _, p in v] for k, v in self._scored_partners.items()}

    @cached_property
    def _scored_partners(self) -> dict[tuple[str, str], list[tuple[float, tuple[str, str]]]]:
        """Crosswalk links both ways as (score, partner), best first."""
        pairs: dict[tuple[str, str], list[tuple[float, tuple[str, str]]]] = {}
        for links in self.crosswalks.values():
            for link in links:
                if link.old_paragraph is None or link.new_paragraph is None:
                    continue
                old, new = (link.old_doc, link.old_paragraph), (link.new_doc, link.new_paragraph)
                pairs.setdefault(old, []).append((link.score, new))
                pairs.setdefault(new, []).append((link.score, old))
        return {k: sorted(v, reverse=True) for k, v in pairs.items()}

    def search(self, query: str, top_k: int = 5, history: list[dict[str, str]] | None = None) -> list[Citation]:
        q = self.understand(query, history)
        return [self.citation(i + 1, h) for i, h in enumerate(self.retrieve(q, top_k)[0])]

    # ---- ask: understand -> retrieve -> compose -> verify -> decide -> notices ----------
    def ask(self, question: str, history: list[dict[str, str]] | None = None, top_k: int | None = None,
            generative: bool = True) -> Answer:
        """The answer to ``question`` (understand -> retrieve -> compose -> verify -> decide ->
        notices). ``generative=False`` keeps to the extractive answer even when an LLM is set;
        with one, ``reasons`` say how many of its sentences were kept and dropped, and
        ``generate:fallback_extractive:<why>`` when none was kept."""
        t0 = time.perf_counter()
        top_k = top_k or self.settings.top_k
        # Safeguarding first: personal details are redacted before any later stage (or log, or
        # echo) sees them, and a child in danger is told to call 999 whatever else happens. The
        # check's sentences are embedded in one batch with retrieval's wordings (one model call).
        vocabulary = self.lexicon.vocabulary
        history = [{**t, "content": redact_text(t["content"], vocabulary)} for t in history or []]
        redacted = redact_text(normalise(question), vocabulary)
        # Understanding reads the question without the placeholders ("[name]", "[date of birth]"):
        # the details were never part of what is asked of the guidance.
        q = self.understand(without_placeholders(redacted), history)
        earlier = [t["content"] for t in history if t.get("role") == "user"][-WRITER_TURNS:]
        self.retriever.prepare([*(x for t in (*earlier, redacted) for x in self.guardrails.texts(t)),
                                *self.retriever.wordings(q)])
        guard = self.guardrails.assess(question)
        question = guard.redacted
        # The notices are the conversation's: a child who said so earlier, or a danger told earlier,
        # still gets them, and a decline after them is worded for them. What is retrieved, quoted
        # and decided reads this message alone.
        talk = self.guardrails.in_conversation(guard, earlier)
        alerts = talk.notices(self.settings.helplines, q.language)
        notices = [text for _, text in alerts]
        guarded = _guard_summary(talk, [kind for kind, _ in alerts])
        if q.request == "source":
            # "which para says that?": the answer before, asked again as it was, gives its references.
            return self._sources(q, question, history, notices, t0, guarded)
        hits, missing = self.retrieve(q, top_k)
        reason = decide.screen(q, missing)
        trace: dict[str, object] = {"safeguard": guarded, "query": _query_trace(q), "missing_paragraphs": list(missing)}
        if reason:
            return self._declined(q, question, reason, (f"screen:{reason}",), notices, trace, t0, guarded)
        first = self.store.chunks[hits[0].chunk_index] if hits else None
        explicit = bool(q.paragraphs) and first is not None and first.paragraph in q.paragraphs
        draft = compose(
            q, hits, self.store, self.retriever, self.citation, self.settings.answer_max_words,
            self.settings.definition_bonus, explicit,
        )
        claims = list(draft.claims)
        generated: tuple[str, ...] = ()
        if self.llm is not None and generative and not explicit and claims:
            written = generate.generate(self.llm, q.text, list(draft.citations), self.settings.answer_max_words)
            # The model's sentences are kept only if each is supported by the passage it cites;
            # otherwise the extractive answer stands, and the reasons say so.
            claims = [Claim((s,), n) for s, n in written.kept] or claims
            generated = (f"generate:kept={len(written.kept)}", f"generate:dropped={written.dropped}",
                         *((f"generate:fallback_extractive:{written.fallback}",) if written.fallback else ()))
        checked = verify(claims, {c.id: c for c in draft.citations})
        said = " ".join(c.render() for c in checked)
        trace |= {"retrieved": [self._key(h) for h in hits], "claims": [c.render() for c in checked]}
        if explicit or q.comparison or (q.overview and checked):
            # Asked for a paragraph we hold, for both editions side by side, or for what changed as a
            # whole (the commentary on the new edition): the passages answer.
            decision = decide.Decision("answered" if checked else "declined", 1.0, ("decide:explicit",), {})
        elif not checked:
            decision = decide.Decision("declined", 0.0, ("verify:nothing_supported",), {})
        else:
            decision = decide.decide(decide.features(q, hits, said, self.retriever, guard.case or guard.crisis))
        trace |= {"features": decision.features, "probability": round(decision.probability, 4)}
        if decision.status == "declined":
            return self._declined(q, question, "not_covered", (*decision.reasons, *generated), notices, trace, t0,
                                  guarded)
        citations = _quoted_first(draft.citations, checked, self.store)
        number = {old: new.id for old, new in citations.items()}
        # A list running on into the paragraph's next chunk is one citation: one marker, at its end.
        # A list starts and ends on a line of its own.
        text = ""
        for c, before, nxt in zip(checked, [None, *checked[:-1]], [*checked[1:], None], strict=True):
            said = c.render()
            if not (nxt is not None and nxt.continues and number[nxt.cid] == number[c.cid]):
                said += f" [{number[c.cid]}]"
            text += ("\n" if before is not None and (c.listed or before.listed) else " " if before else "") + said
        shown = list({c.id: c for c in citations.values()}.values())  # one per paragraph quoted
        if decision.status == "uncertain":
            # Where else to look comes first: "Keeping Children Safe in Education is separate...".
            held = [messages()["not_held_title"].format(title=q.unknown_title)] if q.unknown_title else []
            text = " ".join([*held, *q.elsewhere, messages()["uncertain"], text])
        if q.request == "edition":
            # Asked which edition is current: the manifest says, before any passage of a replaced
            # edition that calls itself "this document" or "the latest" (a new user's trial).
            text = f"{edition_status(self.store, q.years)} {text}"
        notices += source_notices(self.store, [c for c in shown if c.quoted])
        return Answer(
            text,
            tuple(shown),
            decision.status != "answered",
            tuple(notices),
            question,
            q.resolved,
            {"total": round((time.perf_counter() - t0) * 1000, 2)},
            decision.status,
            (*decision.reasons, *generated),
            trace,
            guarded,
        )

    def _sources(
        self, q: Query, question: str, history: list[dict[str, str]], notices: list[str], t0: float,
        guarded: dict[str, object],
    ) -> Answer:
        """The references of the answer before (its last user turn asked again, with the turns
        before it, extractively): what "which paragraph says that?" asks for. Declined, saying so,
        when that answer quoted nothing."""
        last = max(i for i, t in enumerate(history) if t.get("role") == "user")
        before = self.ask(history[last]["content"], history=history[:last] or None, generative=False)
        quoted = tuple(c for c in before.citations if c.quoted)
        trace: dict[str, object] = {"safeguard": guarded, "query": _query_trace(q), "sources_of": before.question}
        timings = {"total": round((time.perf_counter() - t0) * 1000, 2)}
        if not quoted:
            return Answer(messages()["no_sources"], (), True, tuple(notices), question, q.resolved, timings,
                          "declined", ("understand:source_request", "sources:none"), trace, guarded)
        edition = self._other_edition(q, quoted)
        if edition is not None:
            return self._sources_in(edition, quoted, q, question, notices, trace, t0, guarded)
        lines = [f"[{c.id}] {c.reference()}" for c in quoted]
        text = "\n".join([messages()["sources"], *(f"• {line}" for line in lines)])
        return Answer(text, quoted, False, tuple(notices), question, q.resolved, timings, "answered",
                      ("understand:source_request", f"sources:{len(quoted)}"), trace, guarded)

    def _other_edition(self, q: Query, quoted: tuple[Citation, ...]) -> DocumentInfo | None:
        """The statutory edition a source request names ("which 2018 paragraph is that?") when the
        answer before quoted statutory text but none of that edition; else None."""
        named = [d for d in self.store.documents.values() if d.kind == "statutory" and d.edition in q.years]
        if len(named) != 1 or any(c.doc_id == named[0].doc_id for c in quoted):
            return None
        return named[0] if any(c.kind == "statutory" for c in quoted) else None

    def _sources_in(
        self, edition: DocumentInfo, quoted: tuple[Citation, ...], q: Query, question: str, notices: list[str],
        trace: dict[str, object], t0: float, guarded: dict[str, object],
    ) -> Answer:
        """The answer before's statutory passages (``quoted`` holds one at least; its commentary has
        no partner in an edition), each beside its partner in ``edition`` by the crosswalk (the best
        one). Declined, saying which edition's paragraphs are held, when none has a partner there:
        the earlier answer's references are given, not passages of ``edition`` that happen to share
        its words."""
        scored = self._scored_partners
        pairs: list[tuple[Citation, tuple[str, str], float]] = []
        unmatched: list[Citation] = []
        quoted = tuple(c for c in quoted if c.kind == "statutory")  # commentary has no edition's partner
        for c in quoted:
            match = next(((p, sc) for sc, p in scored.get((c.doc_id, c.paragraph or ""), []) if p[0] == edition.doc_id),
                         None)
            if match is None:
                unmatched.append(c)
            elif match[0] not in [p for _, p, _ in pairs]:
                pairs.append((c, *match))
        timings = {"total": round((time.perf_counter() - t0) * 1000, 2)}
        trace["sources_in"] = edition.doc_id
        m = messages()
        if not pairs:
            held = held_span(self.store, edition.doc_id)
            before = "; ".join(c.reference() for c in quoted)
            text = m["no_sources_in"].format(title=edition.title, held=held, before=before)
            return Answer(text, (), True, tuple(notices), question, q.resolved, timings, "declined",
                          ("understand:source_request", f"sources:none_in:{edition.doc_id}"), trace, guarded)
        cited: list[Citation] = []
        lines: list[str] = []
        for n, (c, (doc_id, paragraph), score) in enumerate(pairs, start=1):
            chunk = self.store.chunks_of(doc_id, paragraph)[0]
            cited.append(self.citation(n, self.store.chunk_index[chunk.id]))
            # The crosswalk states a partner from CONFIDENT; below it the match is offered.
            how = "the same passage as" if score >= crosswalk.CONFIDENT else "possibly the same passage as"
            lines.append(f"[{n}] {cited[-1].reference()}: {how} {c.reference()}")
        if unmatched:
            lines.append(m["sources_unmatched"].format(title=edition.title,
                                                      before="; ".join(c.reference() for c in unmatched)))
        text = "\n".join([m["sources_in"].format(title=edition.title), *(f"• {line}" for line in lines)])
        return Answer(text, tuple(cited), False, tuple(notices), question, q.resolved, timings, "answered",
                      ("understand:source_request", f"sources:{len(cited)}_in:{edition.doc_id}"), trace, guarded)

    def _declined(
        self, q: Query, question: str, reason: str, reasons: tuple[str, ...], notices: list[str],
        trace: dict[str, object], t0: float, guarded: dict[str, object],
    ) -> Answer:
        """A declined answer; ``question`` is the question as kept (personal details redacted)."""
        # The danger this message itself tells of; one told earlier keeps its notice above, but the
        # decline's wording is for this message ("would they tell my mum i said it", "ok thx" had got
        # "please call the numbers above now" again and again, in a new user's trial).
        found = guarded.get("carried")
        carried = found if isinstance(found, list) else []
        told_now = bool(guarded["crisis"]) and "crisis" not in carried
        if q.request == "edition" and reason == "not_covered":
            reason = "edition_status"  # which edition is current is known, whatever the passages say
        # Under a 999 notice, told now or earlier in the conversation, a message saying help was called
        # or cannot be ("police are on there way", "my phone has no credit") is answered on that.
        heard = {"called": "declined_crisis_called", "cannot_call": "declined_crisis_cannot_call"}.get(
            str(guarded.get("help"))) if guarded["crisis"] else None
        if reason in ("courtesy", "about_assistant", "other_language", "edition_status"):
            text = decline_message(self.store, q, reason, self._doc_for_reference(q))
        elif heard:
            text = messages()[heard]
        elif told_now or guarded["writer"] == "child":
            # Someone in danger, or a child, needs the notice above, not a list of what the guidance covers.
            text = messages()["declined_crisis" if told_now else "declined_child"]
        elif guarded["crisis"] and q.follow_up and reason == "not_covered":
            # A danger told earlier still stands (its notice is above), and this message goes on
            # from it ("its still going on"): no list of what else to ask. A question of its own
            # ("what is a strategy discussion") is declined as it is alone, with where to look.
            text = messages()["declined_after_crisis"]
        elif guarded["case"] and "case" not in carried and reason == "not_covered":
            # A case story the held text does not answer: who to contact is above; the story is not
            # echoed. A question of its own after one ("what is a strategy discussion") is declined as
            # any question is, with where else to look (a seventh trial).
            text = messages()["declined_case"]
        else:
            text = decline_message(self.store, q, reason, self._doc_for_reference(q))
        return Answer(
            text, (), True, tuple(notices), question, q.resolved,
            {"total": round((time.perf_counter() - t0) * 1000, 2)}, "declined", reasons, trace, guarded,
        )

    def warm_up(self) -> None:
        """Open the lazily loaded indexes and run one question, so the first user does not wait."""
        language.warm_up()
        safeguard.warm_up()
        self.ask("What are the safeguarding partners?")
        self.ask("What changed since 2018 about the safeguarding partners?")  # builds the crosswalk


def _quoted_first(citations: tuple[Citation, ...], claims: list[Claim], store: IndexStore) -> dict[int, Citation]:
    """Old id -> the citation as shown: those the claims quote first, in the order quoted and
    numbered from 1, then one per paragraph of the rest, as related paragraphs (``quoted=False``).
    Quoted chunks of one paragraph (a list running on into the next stored chunk) are shown as one
    citation of the paragraph. A quoted citation carries the pages of the sentences quoted, not of
    its whole paragraph."""
    by_id = {c.id: c for c in citations}
    groups: dict[tuple[str, str | None], list[int]] = {}
    for old in dict.fromkeys(c.cid for c in claims):
        groups.setdefault((by_id[old].doc_id, by_id[old].paragraph), []).append(old)
    out: dict[int, Citation] = {}
    for n, ((doc_id, paragraph), olds) in enumerate(groups.items(), start=1):
        parts = [by_id[old] for old in olds]
        ends = [end for c in parts if (end := c.page_end or c.page) is not None]
        cited = replace(parts[0], text=" ".join(c.text for c in parts), page_end=max(ends) if ends else None)
        para = store.paragraphs.get((doc_id, paragraph or ""))
        if para is not None and para.page_breaks:
            quoted = [part for c in claims if c.cid in olds for part in c.parts]
            pages = [p for q in quoted for p in para.pages_of(q) if p is not None]
            if pages:
                cited = replace(cited, page=min(pages), page_end=max(pages))
        for old in olds:
            out[old] = replace(cited, id=n, quoted=True)
    keys = set(groups)
    shown = len(groups)
    for c in citations:
        if c.id not in out and (c.doc_id, c.paragraph) not in keys:
            keys.add((c.doc_id, c.paragraph))
            shown += 1
            out[c.id] = replace(c, id=shown, quoted=False)
    return out


def _lexicon(store: IndexStore, glossary: dict[str, str]) -> Lexicon:
    statutory = [d for d in store.documents.values() if d.kind == "statutory" and d.edition]
    chapters: dict[str, tuple[int, ...]] = {}
    for d in statutory:
        parts = {c.chapter for c in store.chunks if c.doc_id == d.doc_id and c.chapter}
        chapters[d.edition or ""] = tuple(sorted(int(m.group(1)) for p in parts if (m := CHAPTER_REF.match(p))))
    names = [f"{d.title} {d.publisher}" for d in store.documents.values()]
    return Lexicon(
        vocabulary=frozenset(w for c in store.chunks for w in re.findall(r"[a-z]+", c.text.lower())),
        glossary=glossary,
        editions=tuple(sorted(d.edition for d in statutory if d.edition)),
        chapters=chapters,
        corpus_text=" ".join(" ".join(t.split()) for t in [*names, *(c.text for c in store.chunks)]).lower(),
        titles=tuple(sorted({" ".join(re.sub(r"\b(?:19|20)\d\d\b", " ", d.short_title or d.title).lower().split())
                             for d in store.documents.values()})),
        unheld=tuple(sorted({m.group(0) for d in statutory if d.superseded_by and d.superseded_by not in store.documents
                             for m in re.finditer(r"\b(?:19|20)\d\d\b", d.superseded_by_title or "")})),
    )


def _guard_summary(guard: Safeguard, kinds: list[str]) -> dict[str, object]:
    """The guardrails' findings as the API shows them (no text of the message)."""
    return {
        "crisis": guard.crisis,
        "harm_type": guard.harm_type,
        "writer": guard.writer,
        "case": guard.case,
        "personal_details": list(guard.personal),
        "notices": kinds,
        "carried": list(guard.carried),
        "help": guard.help,
        "scores": dict(guard.scores),
    }


def _query_trace(q: Query) -> dict[str, object]:
    """What understanding made of the question, for --explain and the reasons."""
    return {
        "text": q.text,
        "corrected": q.corrected,
        "language": q.language,
        "request": q.request,
        "follow_up": q.follow_up,
        "resolved": q.resolved,
        "paragraphs": list(q.paragraphs),
        "edition": q.edition,
        "years": list(q.years),
        "comparison": q.comparison,
        "overview": q.overview,
        "commentary": q.commentary,
        "chapter": q.chapter,
        "unheld_chapter": q.unheld_chapter,
        "unheld_edition": q.unheld_edition,
        "unknown_title": q.unknown_title,
        "typos": list(q.typos),
    }


def held_span(store: IndexStore, doc_id: str) -> str:
    """" (I hold paragraphs 1–19 of it)": the numbered paragraphs held of ``doc_id``; "" for none."""
    nums = [p.paragraph for p in store.doc_paragraphs(doc_id) if p.numbered]
    return f" (I hold paragraphs {nums[0]}–{nums[-1]} of it)" if nums else ""


def decline_message(store: IndexStore, q: Query, reason: str, doc_id: str) -> str:
    """What a declined answer says: why, where else to look, and what the held text covers.
    ``doc_id``: the document a paragraph reference was looked up in (Assistant._doc_for_reference)."""
    m = messages()
    parts: list[str]
    if reason == "paragraph_not_held":
        doc = store.documents[doc_id]
        span = held_span(store, doc_id)
        title = doc.title
        parts = [m[reason].format(what=f"paragraph {', '.join(q.paragraphs)} of {title}", held=span)]
    elif reason == "edition_not_held":
        status = edition_status(store, q.years)
        # An edition the manifest knows of (the one that replaced a held one): what it knows, which
        # says its text is not held ("is the 2026 one in force yet": it is the current edition).
        known = bool(q.unheld_edition) and str(q.unheld_edition) in status
        parts = [status if known else m[reason].format(edition=q.unheld_edition)]
    elif reason == "edition_status":
        parts = [edition_status(store, q.years)]
    elif reason == "other_language":
        first = in_language().get(q.language)
        parts = [first, m[reason]] if first else [m[reason], m["other_language_unknown"]]
    elif reason == "not_covered":
        asked = q.corrected.rstrip("?!. ") or q.text
        parts = [m[reason].format(question=asked if len(asked) <= 120 else asked[:117] + "…")]
        if q.unknown_title:
            parts.append(m["not_held_title"].format(title=q.unknown_title))
    else:
        parts = [m[reason]]
    parts += list(q.elsewhere)
    if reason not in ("empty_question", "writing_request", "courtesy"):
        parts.append(coverage_statement(store))
    if reason in ("not_covered", "empty_question", "about_assistant"):
        parts.append(m["ask_instead"])
    return " ".join(parts)
