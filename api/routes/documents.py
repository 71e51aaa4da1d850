from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import AssistantDep
from api.routes.ask import ERRORS
from api.schemas import DocumentOut, ErrorOut, ParagraphOut
from rag.notices import replacement
from rag.service import paragraph_url

router = APIRouter(tags=["documents"])
DocId = Annotated[str, Path(max_length=100)]
ParagraphNo = Annotated[str, Path(max_length=40)]


@router.get("/documents", response_model=list[DocumentOut], responses=ERRORS)
def documents(assistant: AssistantDep) -> list[dict[str, Any]]:
    store = assistant.store
    return [
        {
            "doc_id": d.doc_id, "title": d.title, "kind": d.kind, "edition": d.edition, "status": d.status,
            "paragraphs": len(store.doc_paragraphs(d.doc_id)), "replaced_by": replacement(store, d),
            "warnings": len(store.warnings(d.doc_id)),
        }
        for d in store.documents.values()
    ]


@router.get(
    "/documents/{doc_id}/paragraphs/{paragraph}",
    response_model=ParagraphOut,
    responses={**ERRORS, 404: {"model": ErrorOut}},
)
def paragraph(doc_id: DocId, paragraph: ParagraphNo, assistant: AssistantDep) -> dict[str, Any]:
    store = assistant.store
    para = store.paragraph(doc_id, paragraph)
    prev, nxt = store.neighbours(doc_id, para.paragraph)
    return {
        "doc_id": para.doc_id, "paragraph": para.paragraph, "numbered": para.numbered, "page": para.page,
        "page_end": para.page_end,
        "heading": para.heading, "headings": list(para.headings), "text": para.text,
        "footnotes": [{"number": f.number, "text": f.text} for f in para.footnotes],
        "prev": prev, "next": nxt, "url": paragraph_url(para.doc_id, para.paragraph),
    }
