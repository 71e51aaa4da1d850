"""The 2026 drill (issue 16): a ~200-page stand-in for the 2026 PDF, generated here from the held
2023 text (benchmarks/drill.py), added as a running administrator would, and every part moves to it."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.drill import Drill, make_wt2026, wt2023_texts
from ingest.add import add_document
from ingest.embed import FakeEmbedder
from ingest.manifest import load_manifest
from ingest.pipeline import ingest, parse_corpus
from rag.service import Assistant
from rag.store import IndexStore
from wtguide.settings import Settings

TITLE = "Working Together to Safeguard Children 2026"


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> tuple[Drill, Settings]:
    from tests.conftest import CORPUS

    root = tmp_path_factory.mktemp("drill")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", embedder="fake",  # type: ignore[call-arg]
                        _env_file=None)
    _, by_doc = parse_corpus(load_manifest(root / "corpus" / "manifest.yaml"))
    made = make_wt2026(wt2023_texts(by_doc["wt2023"]))
    pdf = root / "Working_together_2026.pdf"
    pdf.write_bytes(made.pdf)

    def reindex() -> None:
        ingest(settings.manifest_path, settings.index_root, FakeEmbedder, FakeEmbedder.name, settings.max_chunk_chars)

    add_document(settings, pdf, title=TITLE, edition="2026", kind="statutory", supersedes="wt2023",
                 strict=True, reindex=reindex)
    return made, settings


@pytest.fixture(scope="module")
def store(drill: tuple[Drill, Settings]) -> IndexStore:
    return IndexStore.load(drill[1].index_root)


def test_the_drill_is_about_200_pages(drill: tuple[Drill, Settings]) -> None:
    assert 190 <= drill[0].truth.pages <= 230
    assert len(drill[0].truth.paragraphs) > 1000 and len(drill[0].truth.footnotes) > 100


def test_paragraphs_pages_chapters_and_footnotes_come_out_right(
    drill: tuple[Drill, Settings], store: IndexStore
) -> None:
    truth = drill[0].truth
    got = {int(p.paragraph): p for p in store.doc_paragraphs("wt2026") if p.numbered}
    assert sorted(got) == sorted(truth.paragraphs)  # every paragraph, none invented
    wrong = []
    for n, (page, page_end, chapter, text, notes) in truth.paragraphs.items():
        p = got[n]
        have = (p.page, p.page_end, p.chapter, " ".join(p.text.split()), tuple(f.number for f in p.footnotes))
        if have != (page, page_end, chapter, " ".join(text.split()), notes):
            wrong.append((n, have, (page, page_end, chapter, text[:60], notes)))
    assert not wrong, wrong[:3]
    assert store.warnings("wt2026") == []  # added with --strict


def test_answers_prefer_2026_and_say_2023_is_replaced_by_a_text_now_held(drill: tuple[Drill, Settings]) -> None:
    assistant = Assistant.from_settings(drill[1])
    answer = assistant.ask("Who are the safeguarding partners?")
    quoted = [c for c in answer.citations if c.quoted]
    assert quoted and quoted[0].doc_id == "wt2026", answer.answer
    old = assistant.ask("What does Working Together 2023 say about the safeguarding partners?")
    if any(c.doc_id == "wt2023" and c.quoted for c in old.citations):
        notice = next(n for n in old.notices if "Working Together to Safeguard Children 2023" in n)
        assert f"replaced by {TITLE}" in notice and "not in the guidance I hold" not in notice


def test_the_crosswalk_pairs_2023_with_2026(drill: tuple[Drill, Settings], store: IndexStore) -> None:
    from rag import crosswalk

    fate = drill[0].truth.fate
    links = crosswalk.build(store, "wt2023", "wt2026")
    best = {}
    for link in sorted(links, key=lambda x: -x.score):
        if link.old_paragraph and link.old_paragraph.isdigit():
            best.setdefault(int(link.old_paragraph), link)
    agree = 0
    wrong = []
    for old, (what, new) in fate.items():
        link = best[old]
        if what == "removed":  # removed, or at most offered as "possibly" (below a confident match)
            ok = link.status == "removed" or link.score < crosswalk.CONFIDENT
        else:
            ok = link.new_paragraph == str(new) and (link.status == "unchanged") == (what == "unchanged")
        agree += ok
        if not ok:
            wrong.append((old, what, new, link.status, link.new_paragraph, link.score))
    assert agree / len(fate) >= 0.9, wrong
    assert {link.status for link in links} >= {"unchanged", "changed", "removed", "new"}


def test_the_checker_moves_2023_references_to_2026(drill: tuple[Drill, Settings], store: IndexStore) -> None:
    from checker.check import Checker

    fate = drill[0].truth.fate
    old = next(n for n, (what, _) in sorted(fate.items()) if what == "unchanged" and n > 10)
    (ref,) = Checker(store).check(f"Working Together 2023, paragraph {old} applies.")
    assert ref.status == "superseded"
    assert ref.suggestion is not None and (ref.suggestion.doc_id, ref.suggestion.paragraph) == (
        "wt2026", str(fate[old][1]))
    assert f"paragraph {fate[old][1]} of" in ref.message


def test_the_quiz_staleness_check_flags_items_built_on_2023(drill: tuple[Drill, Settings], store: IndexStore) -> None:
    from quiz.corpus import text_hash
    from quiz.stale import check_quiz

    para = store.paragraph("wt2023", "14")
    item = {"id": "q1", "citation": {"doc_id": "wt2023", "paragraph": "14", "text": para.text, "status": "current",
                                     "doc_title": "Working Together to Safeguard Children 2023"},
            "source": {"sentence": para.text.split(".")[0], "paragraph_hash": text_hash(para.text)}}
    result = check_quiz(Assistant.from_settings(drill[1]), {"items": [item]})
    assert result["items"][0]["status"] == "superseded" and TITLE in result["items"][0]["message"]


def test_eval_gold_follows_the_crosswalk_when_no_edition_is_named(store: IndexStore) -> None:
    from evals.dataset import GoldRef, GoldResolver, Question, successors

    q = Question(id="x", split="dev", type="factual", question="Who are the safeguarding partners?", history=(),
                 gold=(GoldRef("wt2023", "37", None),), gold_snippet="", keywords=(), answerable=True)
    mapped = successors(store, [q])
    keys = GoldResolver(store.paragraphs).resolve(q, mapped)
    assert keys and all(k[0] == "wt2026" for k in keys)
    named = GoldResolver(store.paragraphs).resolve(
        Question(**{**q.__dict__, "question": "Who were the safeguarding partners in Working Together 2023?"}), mapped)
    assert named == (("wt2023", "37"),)


def test_what_changed_in_2026_pairs_both_editions(drill: tuple[Drill, Settings]) -> None:
    answer = Assistant.from_settings(drill[1]).ask("What changed in 2026 about the safeguarding partners?")
    docs = {c.doc_id for c in answer.citations if c.quoted}
    assert {"wt2023", "wt2026"} <= docs, (answer.status, answer.answer)


def test_the_viewer_shows_where_each_paragraph_went(drill: tuple[Drill, Settings]) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    fate = drill[0].truth.fate
    kept = next(n for n, (what, _) in sorted(fate.items()) if what == "unchanged" and n > 10)
    gone = next(n for n, (what, _) in sorted(fate.items()) if what == "removed")
    with TestClient(create_app(drill[1])) as client:
        old = client.get("/documents/wt2023").text
        new = client.get("/documents/wt2026").text
    section = old.split(f'id="para-{kept}"', 1)[1].split("</section>", 1)[0]
    assert f'href="/documents/wt2026#para-{fate[kept][1]}">paragraph {fate[kept][1]}</a> (unchanged)' in section
    removed = old.split(f'id="para-{gone}"', 1)[1].split("</section>", 1)[0]
    assert "Removed in" in removed or "possibly" in removed
    assert "New in this edition" in new


def test_a_2018_reference_follows_the_chain_to_2026(store: IndexStore) -> None:
    from checker.check import Checker

    (ref,) = Checker(store).check("WT2018 para 11 applies.")
    assert ref.status == "superseded"
    assert "has itself been replaced by Working Together to Safeguard Children 2026" in ref.message
    assert ref.suggestion is not None and ref.suggestion.doc_id == "wt2026"
