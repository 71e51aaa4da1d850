"""Plain data passed between the rag stages and to the API edge."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its fused score."""

    chunk_index: int
    score: float
    dense: float = 0.0
    lexical: float = 0.0


@dataclass(frozen=True)
class Citation:
    id: int
    doc_id: str
    doc_title: str
    kind: str
    edition: str | None
    status: str
    paragraph: str | None
    page: int | None
    heading: str | None
    text: str
    score: float
    url: str
    verified: bool = True
    numbered: bool = True
    quoted: bool = True  # the answer quotes it; False: a related paragraph retrieval found
    page_end: int | None = None  # the last page of the cited text (== page when on one page)


    def reference(self) -> str:
        """Ready reference: 'Working Together to Safeguard Children 2023, paragraph 10, page 11'."""
        where = f"paragraph {self.paragraph}" if self.numbered else f"section '{self.heading or self.paragraph}'"
        if self.page and self.page_end and self.page_end != self.page:
            page = f", pages {self.page}–{self.page_end}"
        else:
            page = f", page {self.page}" if self.page else ""
        return f"{self.doc_title}, {where}{page}"


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: tuple[Citation, ...]
    abstained: bool
    notices: tuple[str, ...] = ()
    question: str = ""
    resolved_question: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    status: str = "answered"  # "answered", "uncertain" (closest passages shown) or "declined"
    reasons: tuple[str, ...] = ()  # machine-readable: which stage decided what
    trace: dict[str, object] = field(default_factory=dict)  # each stage's output, for --explain
    # What the safeguarding guardrails found (rag/safeguard.py): crisis, harm_type, writer, case,
    # personal_details and the kind of each notice, in the order of ``notices``.
    safeguarding: dict[str, object] = field(default_factory=dict)
