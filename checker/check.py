"""Check each found reference against the index: exists, quotation matches, edition current.

Statuses (CONTRACT): ``ok``; ``mismatch`` (a quotation that is not in the cited paragraph,
with where it does appear); ``not_found`` (a paragraph, page or chapter that cannot
exist, e.g. paragraph 0 or a gap inside the text we hold); ``superseded`` (an edition
replaced by one we hold, with the matching paragraphs from the crosswalk);
``not_held`` (a document or edition we do not hold, or a number beyond the part we hold).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from checker.find import Found, Quote, Source, find
from checker.quotes import MATCH, closest_passage, normalise, pieces, score
from ingest.manifest import DocumentInfo
from ingest.normalise import normalise_with_offsets
from rag import crosswalk
from rag.store import IndexStore

YEAR = re.compile(r"(?:19|20)\d\d")
ORDER = {"mismatch": 0, "not_found": 1, "superseded": 2, "unrecognised": 3, "not_held": 4, "ok": 5}


@dataclass(frozen=True)
class Suggestion:
    doc_id: str
    paragraph: str | None
    edition: str | None


@dataclass(frozen=True)
class Reference:
    text: str
    start: int
    end: int
    doc_id: str | None
    edition: str | None
    paragraph: str | None
    status: str
    message: str
    suggestion: Suggestion | None
    kind: str = "paragraph"
    label: str | None = None
    quote: str | None = None
    quote_score: float | None = None
    cited_text: str | None = None  # the real words of the cited paragraph when a quotation does not match
    suggestions: tuple[Suggestion, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        def sug(s: Suggestion | None) -> dict[str, Any] | None:
            return None if s is None else {"doc_id": s.doc_id, "paragraph": s.paragraph, "edition": s.edition}

        return {
            "text": self.text, "start": self.start, "end": self.end, "doc_id": self.doc_id,
            "edition": self.edition, "paragraph": self.paragraph, "status": self.status,
            "message": self.message, "suggestion": sug(self.suggestion),
            "kind": self.kind, "label": self.label, "quote": self.quote, "quote_score": self.quote_score,
            "cited_text": self.cited_text, "suggestions": [sug(s) for s in self.suggestions],
        }


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def _plural(kind: str, label: str | None, numbers: tuple[int, ...]) -> str:
    return f"{kind}{'s' if len(numbers) > 1 else ''} {label}"


class Checker:
    """Built once per index; ``check(text)`` is pure and fast (no model, no network)."""

    def __init__(self, store: IndexStore, crosswalks: dict[tuple[str, str], list[crosswalk.Link]] | None = None):
        self.store = store
        self._crosswalks = crosswalks
        statutory = [d for d in store.documents.values() if d.kind == "statutory" and d.edition]
        self.editions: dict[str, DocumentInfo] = {d.edition: d for d in statutory if d.edition}
        self.default = self.editions[max(self.editions)] if self.editions else None
        # Quotations are looked for in the guidance and commentary; a partnership's local procedures
        # are kept apart (a policy's quotation is never "found" in the policy's own local text).
        self.norm = {
            key: normalise(p.text) for key, p in store.paragraphs.items() if store.documents[key[0]].kind != "local"
        }
        self._elsewhere: dict[tuple[tuple[str, ...], str], tuple[float, tuple[str, str]] | None] = {}
        self.numbered: dict[str, list[int]] = {}
        self.pages: dict[str, dict[int, list[str]]] = {}
        self.chapters: dict[str, dict[int, list[str]]] = {}
        for doc_id in store.documents:
            for p in store.doc_paragraphs(doc_id):
                if p.numbered and p.paragraph.isdigit():
                    self.numbered.setdefault(doc_id, []).append(int(p.paragraph))
                if p.page:  # every page the paragraph is on: a page reference finds text run onto it
                    for page in range(p.page, max(p.page, p.page_end or p.page) + 1):
                        self.pages.setdefault(doc_id, {}).setdefault(page, []).append(p.paragraph)
                m = re.match(r"Chapter\s+(\d+)", p.chapter or "")
                if m:
                    self.chapters.setdefault(doc_id, {}).setdefault(int(m.group(1)), []).append(p.paragraph)

    @property
    def crosswalks(self) -> dict[tuple[str, str], list[crosswalk.Link]]:
        if self._crosswalks is None:
            self._crosswalks = {
                (d.doc_id, d.superseded_by): crosswalk.build(self.store, d.doc_id, d.superseded_by)
                for d in self.store.documents.values()
                if d.kind == "statutory" and d.superseded_by in self.store.documents
            }
        return self._crosswalks

    def check(self, text: str) -> list[Reference]:
        """Every reference in ``text``, checked. The text is read as ingest reads the guidance
        (``ingest.normalise``: ligatures, zero-width and bidi marks, no-break spaces), and each
        reference keeps its offsets in ``text`` as given."""
        norm, where = normalise_with_offsets(text)
        if norm == text:
            return [self.check_one(f) for f in find(text)]
        return [self.check_one(_back(f, text, where)) for f in find(norm)]

    # ---- one reference -------------------------------------------------------------------
    def name(self, doc: DocumentInfo) -> str:
        return doc.short_title or doc.title

    def check_one(self, f: Found) -> Reference:
        if f.kind == "unrecognised":
            return self._ref(
                f, None, "unrecognised",
                f"“{f.text}” looks like a reference to the guidance, but not in a form we can check "
                "(decimal or lettered numbers, abbreviations): cite it as, for example, "
                "“Working Together to Safeguard Children 2023, paragraph 14”.",
            )
        src = f.source or Source("wt")
        if src.family == "other":
            return self._ref(f, None, "not_held", f"We do not hold {src.name}, so this reference cannot be checked.")
        if src.year is None:
            doc = self.default
        else:
            doc = self.editions.get(src.year)
        if doc is None:
            return self._ref(f, None, "not_held", self._unheld_edition(src.year), edition=src.year)
        note = "" if src.year else f"No edition is named, so this was checked against {self.name(doc)}. "
        missing_msg, missing_status, cited = self._locate(doc, f)
        if missing_status:
            if missing_status == "not_held" and doc.superseded_by in self.store.documents:
                # Moving to the current edition is the fix whatever the number: say that first.
                newer = self.store.documents[doc.superseded_by or ""]
                return self._ref(f, doc, "superseded", note + self._replaced(doc) + " " + missing_msg,
                                 suggestion=Suggestion(newer.doc_id, None, newer.edition))
            return self._ref(f, doc, missing_status, note + missing_msg)
        where = self._where(doc, f)
        mismatch, matched, quote_score = self._quotes(doc, f, cited)
        if mismatch is not None:
            return self._ref(f, doc, "mismatch", note + mismatch.pop("message"), **mismatch)
        if doc.superseded_by in self.store.documents:
            return self._superseded(f, doc, note, quote_score)
        tail = ""
        newer_title = doc.superseded_by_title or doc.superseded_by
        if newer_title:
            year = newer_title.split()[-1]
            tail = (f" {self.name(doc)} has been replaced by {newer_title}, which we do not hold: check this "
                    f"reference against the {year if YEAR.fullmatch(year) else 'new'} edition.")
        quoted = " The quotation matches." if f.quotes else ""
        suggestion = None
        if f.kind == "document" and matched:
            quoted = f" The quotation is from paragraph {matched}; consider citing it."
            suggestion = Suggestion(doc.doc_id, matched, doc.edition)
        verb = "are" if len(f.numbers) > 1 else "is"
        # A reference that names a replaced edition is out of date, whether or not we hold the newer
        # text; with no edition named it was only checked against the newest we hold.
        if doc.status == "superseded" and src.year:
            return self._ref(f, doc, "superseded", f"{tail.strip()} {where} {verb} in the text we hold.{quoted}",
                             suggestion=suggestion, quote_score=quote_score)
        return self._ref(f, doc, "ok", f"{note}{where} {verb} in the text we hold.{quoted}{tail}",
                         suggestion=suggestion, quote_score=quote_score)

    def _ref(self, f: Found, doc: DocumentInfo | None, status: str, message: str, edition: str | None = None,
             **extra: Any) -> Reference:
        quote = f.quotes[0].text if f.quotes else None
        return Reference(
            text=f.text, start=f.start, end=f.end, doc_id=doc.doc_id if doc else None,
            edition=doc.edition if doc else edition, paragraph=f.label if f.kind == "paragraph" else None,
            status=status, message=" ".join(message.split()), kind=f.kind, label=f.label,
            quote=extra.pop("quote", quote), **{"suggestion": None, **extra},
        )

    def _where(self, doc: DocumentInfo, f: Found) -> str:
        if f.kind == "document":
            return self.name(doc)
        return f"{_plural(f.kind, f.label, f.numbers).capitalize()} of {self.name(doc)}"

    def _unheld_edition(self, year: str | None) -> str:
        held = " and ".join(sorted(self.editions))
        replaced_by = {d.superseded_by_title or "": d for d in self.editions.values() if d.superseded_by_title}
        for title, older in replaced_by.items():
            if year and year in title:
                return (f"We do not hold the {year} edition of Working Together ({title}), which replaced "
                        f"{self.name(older)}; we hold the {held} editions, so this reference cannot be checked.")
        newest = max(self.editions) if self.editions else None
        if year and newest and year < newest:
            return (f"We do not hold the {year} edition of Working Together, which has been replaced: "
                    f"cite the current edition (we hold the {held} editions).")
        return f"We do not hold a {year} edition of Working Together (we hold the {held} editions)."

    def _replaced(self, doc: DocumentInfo) -> str:
        newer = self.store.documents[doc.superseded_by or ""]
        return f"{self.name(doc)} has been replaced by {self.name(newer)}."

    def _locate(self, doc: DocumentInfo, f: Found) -> tuple[str, str | None, list[str]]:
        """(message about the numbers we lack, status for them or None, paragraph ids cited)."""
        if f.kind == "document":
            return "", None, [p.paragraph for p in self.store.doc_paragraphs(doc.doc_id)]
        if f.kind == "paragraph":
            held = self.numbered.get(doc.doc_id, [])
            table = {n: [str(n)] for n in held}
            noun, span = "paragraphs", f"{held[0]}–{held[-1]}" if held else ""
        elif f.kind == "page":
            table = self.pages.get(doc.doc_id, {})
            noun, span = "pages", f"{min(table)}–{max(table)}" if table else ""
        else:
            table = self.chapters.get(doc.doc_id, {})
            noun, span = "chapters", f"{min(table)}–{max(table)}" if table else ""
        top = max(table) if table else 0
        impossible = [n for n in f.numbers if n == 0 or (n not in table and n < top and f.kind == "paragraph")]
        beyond = [n for n in f.numbers if n not in table and n not in impossible]
        cited = [pid for n in f.numbers for pid in table.get(n, [])]
        if impossible:
            msg = (f"{self.name(doc)} has no {f.kind} {', '.join(map(str, impossible))}"
                   + (f" (its {noun} run {span} in the text we hold)." if span else "."))
            return msg, "not_found", cited
        if beyond:
            what = ", ".join(map(str, beyond))
            if not table:
                msg = f"The text we hold of {self.name(doc)} has no {noun}, so {f.kind} {what} cannot be checked."
            else:
                msg = (f"We hold {noun} {span} only of {self.name(doc)}, so {f.kind} {what} cannot be checked "
                       f"(the full document has more).")
            return msg, "not_held", cited
        return "", None, cited

    def _best_elsewhere(self, qp: list[str], prefer: str) -> tuple[float, tuple[str, str]] | None:
        def rank(key: tuple[str, str], s: float) -> tuple[float, int, int, str]:
            d = self.store.documents[key[0]]
            return (round(s), d.kind == "statutory", key[0] == prefer, d.edition or "")

        cache_key = (tuple(qp), prefer)
        if cache_key in self._elsewhere:
            return self._elsewhere[cache_key]
        scored = [(score(qp, norm), key) for key, norm in self.norm.items()]
        scored = [x for x in scored if x[0] >= MATCH]
        best = max(scored, key=lambda x: rank(x[1], x[0])) if scored else None
        if len(self._elsewhere) < 10_000:
            self._elsewhere[cache_key] = best
        return best

    def _quote_scores(self, doc: DocumentInfo, q: Quote, cited: list[str]) -> tuple[float, str | None]:
        qp = pieces(q.text)
        best, best_pid = 0.0, None
        for pid in cited:
            s = score(qp, self.norm.get((doc.doc_id, pid), ""))
            if s > best:
                best, best_pid = s, pid
        return best, best_pid

    def _quotes(self, doc: DocumentInfo, f: Found, cited: list[str]
                ) -> tuple[dict[str, Any] | None, str | None, float | None]:
        """(None, paragraph quoted, score) when every quotation is in a cited paragraph; else the mismatch's fields."""
        matched, lowest = None, None
        for q in f.quotes:
            best, pid = self._quote_scores(doc, q, cited)
            if best >= MATCH:
                matched = matched or pid
                lowest = round(best if lowest is None else min(lowest, best), 1)
                continue
            where = self._where(doc, f)
            cited_text = None
            if pid and f.kind != "document":
                cited_text = closest_passage(q.text, self.store.paragraphs[(doc.doc_id, pid)].text)
            elsewhere = self._best_elsewhere(pieces(q.text), doc.doc_id)
            fields: dict[str, Any] = {"quote": q.text, "quote_score": round(best, 1), "cited_text": cited_text}
            replaced = f" {self._replaced(doc)}" if doc.superseded_by in self.store.documents else ""
            if elsewhere:
                (s, (other_doc, other_pid)) = elsewhere
                other = self.store.documents[other_doc]
                label = f"paragraph {other_pid}" if self.store.paragraphs[(other_doc, other_pid)].numbered else (
                    f"the section '{self.store.paragraphs[(other_doc, other_pid)].heading}'")
                fields["suggestion"] = Suggestion(other_doc, other_pid, other.edition)
                fields["suggestions"] = (fields["suggestion"],)
                msg = f"The quotation is not in {_lower_first(where) if f.kind != 'document' else where}; " \
                      f"it is in {label} of {self.name(other)}.{replaced}"
            elif cited_text:
                msg = f"The quotation does not match {_lower_first(where)}, which reads: “{cited_text}”" \
                      f"{replaced}"
            else:
                msg = f"The quotation was not found in {where} or anywhere else in the guidance we hold.{replaced}"
            return {"message": msg, **fields}, None, None
        return None, matched, lowest

    def _superseded(self, f: Found, doc: DocumentInfo, note: str, quote_score: float | None) -> Reference:
        new_id = doc.superseded_by or ""
        new = self.store.documents[new_id]
        links = self.crosswalks.get((doc.doc_id, new_id), [])
        olds = {str(n) for n in f.numbers} if f.kind == "paragraph" else set()
        partners: list[str] = []
        weak: dict[str, float] = {}  # partner -> its crosswalk score, when below a confident match
        for link in sorted(links, key=lambda x: -x.score):
            if link.old_paragraph in olds and link.new_paragraph and link.new_paragraph not in partners:
                partners.append(link.new_paragraph)
                if link.score < crosswalk.CONFIDENT:
                    weak[link.new_paragraph] = link.score
        if f.quotes:  # the quotation's own home in the newer edition is the best partner
            s, pid = self._quote_scores(new, f.quotes[0], [p.paragraph for p in self.store.doc_paragraphs(new_id)])
            if s >= MATCH and pid:
                partners = [pid] + [p for p in partners if p != pid]
                weak.pop(pid, None)
        suggestions = tuple(Suggestion(new_id, p, new.edition) for p in partners)
        sure = [p for p in partners if p not in weak]
        maybe = [f"{p} (similarity {weak[p]:.2f})" for p in partners if p in weak]
        if sure and (f.kind == "paragraph" or f.quotes):
            fix = f"The matching text is in paragraph{'s' if len(sure) > 1 else ''} " \
                  f"{', '.join(sure)} of {self.name(new)}."
            if maybe:
                fix += f" Possibly also paragraph{'s' if len(maybe) > 1 else ''} {', '.join(maybe)}."
        elif maybe and (f.kind == "paragraph" or f.quotes):
            fix = f"The closest text is possibly paragraph{'s' if len(maybe) > 1 else ''} {', '.join(maybe)} " \
                  f"of {self.name(new)}: check that it says the same thing."
        elif f.kind == "paragraph":
            fix = f"No paragraph of {self.name(new)} says the same thing (the crosswalk marks it removed)."
        else:
            fix = f"Cite {self.name(new)} instead."
        if new.superseded_by and new.superseded_by not in self.store.documents:
            fix += f" Note that {self.name(new)} has itself been replaced by " \
                   f"{new.superseded_by_title or new.superseded_by}, which we do not hold."
        elif new.superseded_by in self.store.documents:
            # Follow the chain to the edition in force (2018 -> 2023 -> 2026), through the next crosswalk.
            newest = self.store.documents[new.superseded_by or ""]
            onward = [
                link.new_paragraph for p in sure for link in self.crosswalks.get((new_id, newest.doc_id), [])
                if link.old_paragraph == p and link.new_paragraph and link.score >= crosswalk.CONFIDENT
            ]
            onward = list(dict.fromkeys(p for p in onward if p))
            where = f": there it is paragraph{'s' if len(onward) > 1 else ''} {', '.join(onward)}" if onward else ""
            fix += f" {self.name(new)} has itself been replaced by {self.name(newest)}{where}."
            suggestions = tuple(Suggestion(newest.doc_id, p, newest.edition) for p in onward) + suggestions
            if not onward:
                suggestions = (Suggestion(newest.doc_id, None, newest.edition), *suggestions)
        first = suggestions[0] if suggestions else Suggestion(new_id, None, new.edition)
        quoted = " The quotation matches." if f.quotes else ""
        return self._ref(f, doc, "superseded", f"{note}{self._replaced(doc)}{quoted} {fix}",
                         suggestion=first, suggestions=suggestions, quote_score=quote_score)


def _back(f: Found, text: str, where: list[int]) -> Found:
    """A reference found in the normalised text, with its offsets and words in the original."""

    def span(start: int, end: int) -> tuple[int, int]:
        if start >= len(where):
            return len(text), len(text)
        return where[start], (where[end - 1] + 1 if end > start else where[start])

    start, end = span(f.start, f.end)
    quotes = tuple(replace(q, start=s, end=e) for q in f.quotes for s, e in [span(q.start, q.end)])
    return replace(f, start=start, end=end, text=text[start:end], quotes=quotes)


def check_text(store: IndexStore, text: str) -> list[Reference]:
    return Checker(store).check(text)
