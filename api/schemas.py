"""Pydantic models at the HTTP edge: every input has limits, so bad input is a 422 before any work."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_QUESTION = 2000
MAX_TURN = 4000
MAX_TURNS = 20
MAX_TOP_K = 20

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION)]
TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K)]


class StrictInput(BaseModel):
    # strict: "5" is not an int and 5 is not a string; forbid: a misspelt field is an error, not ignored.
    model_config = ConfigDict(strict=True, extra="forbid")


class Turn(StrictInput):
    role: Literal["user", "assistant"]
    content: Annotated[str, StringConstraints(max_length=MAX_TURN)]


class AskRequest(StrictInput):
    question: Question
    history: Annotated[list[Turn], Field(max_length=MAX_TURNS)] = []
    top_k: TopK | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"question": "Who are the safeguarding partners?", "top_k": 5}]}
    )


class SearchRequest(StrictInput):
    query: Question
    top_k: TopK = 5


class FeedbackRequest(StrictInput):
    rating: Literal["up", "down"]
    target: Literal["answer", "citation"] = "answer"
    question: Annotated[str, StringConstraints(max_length=MAX_QUESTION)] | None = None
    comment: Annotated[str, StringConstraints(max_length=MAX_QUESTION)] | None = None
    doc_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    paragraph: Annotated[str, StringConstraints(max_length=40)] | None = None
    citation_id: Annotated[int, Field(ge=1, le=1000)] | None = None


class CitationOut(BaseModel):
    id: int
    doc_id: str
    doc_title: str
    kind: Literal["statutory", "commentary", "local"]
    edition: str | None
    status: str
    paragraph: str | None
    page: int | None
    page_end: int | None = Field(None, description="last page of the cited text, when it runs onto the next")
    heading: str | None
    text: str
    score: float
    url: str
    verified: bool
    quoted: bool = Field(True, description="the answer quotes it; false: a related paragraph retrieval found")
    reference: str = Field(description="ready reference: 'Working Together to Safeguard Children 2023, paragraph 10'")
    replaced_by: str | None = Field(None, description="title of the edition that replaced this one, if any")


class SafeguardingOut(BaseModel):
    crisis: bool = Field(description="a child may be in danger now: notices[0] is the 999 notice")
    harm_type: str | None = Field(None, description="the likeliest harm when crisis is true")
    writer: Literal["child", "adult", "unsure"] = Field(
        description="child: a child or young person about themselves (Childline); unsure: the notices speak to both"
    )
    case: bool = Field(description="about a particular child or family")
    personal_details: list[str] = Field(
        description="kinds of personal detail found and redacted: name, dob, address, postcode, nhs_number, phone, "
        "email, ni_number"
    )
    notices: list[str] = Field(
        description="the kind of each safeguarding notice, in the order of the answer's notices: crisis_child, "
        "crisis_adult, crisis_any, child, case, case_any, personal"
    )
    carried: list[str] = Field(
        default_factory=list,
        description="what holds because an earlier message of the conversation (history) said it, not this one: "
        "crisis, writer, case",
    )
    help: Literal["called", "cannot_call"] | None = Field(
        None, description="in a crisis, what this message says of help: called (999 rung, police there) or "
        "cannot_call (the writer cannot call or talk); the notices are the same, the answer's words differ"
    )
    question: str = Field(
        "", description="the question as kept, personal details replaced by placeholders ('[name]'): what a page "
        "shows in place of what was typed"
    )


class AskResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    abstained: bool = Field(description="true unless status is 'answered'")
    status: Literal["answered", "uncertain", "declined"] = Field(
        description="answered; uncertain: the closest passages, which may not answer it directly; declined"
    )
    reasons: list[str] = Field(description="machine-readable: which stage decided what ('decide:answered', ...)")
    notices: list[str] = Field(
        description="safeguarding notices first (a crisis notice is notices[0]), then notes on the sources"
    )
    safeguarding: SafeguardingOut


class SearchResponse(BaseModel):
    results: list[CitationOut]


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    kind: str
    edition: str | None
    status: str
    paragraphs: int
    replaced_by: str | None = None
    warnings: int = Field(0, description="how many ingest warnings the document has (wtguide ingest --json lists them)")


class FootnoteOut(BaseModel):
    number: int
    text: str


class ParagraphOut(BaseModel):
    doc_id: str
    paragraph: str
    numbered: bool
    page: int | None
    page_end: int | None = Field(None, description="the last page the paragraph runs onto")
    heading: str | None
    headings: list[str]
    text: str
    footnotes: list[FootnoteOut]
    prev: str | None
    next: str | None
    url: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int
    index: str = Field(description="the build this worker serves (changes when a new index is swapped in)")
    built_at: str = Field(description="when that index was built (ISO 8601, UTC)")


class FeedbackOut(BaseModel):
    status: Literal["recorded"]
    id: int


class ErrorOut(BaseModel):
    detail: str
