"""Quiz generation: every item checked against its paragraph, answers spread evenly, seeds repeat."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from quiz.build import build_quiz
from quiz.checks import CHI2_CRITICAL_05, binomial_tail, chi_square
from quiz.corpus import corpus_for, norm
from quiz.lexicon import find_terms
from quiz.types import GAP, QuizRequest
from rag.service import Assistant
from wtguide.errors import BadRequest, NotFound
from wtguide.settings import Settings

TOPIC = "multi-agency safeguarding arrangements"
CONTRACT_ITEM = {"id", "type", "question", "options", "answer", "explanation", "citation"}
CONTRACT_CITATION = {
    "id",
    "doc_id",
    "doc_title",
    "kind",
    "edition",
    "status",
    "paragraph",
    "page",
    "heading",
    "text",
    "score",
    "url",
}


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake"))


def test_lexicon_finds_roles_and_acts_from_the_corpus() -> None:
    s = "For local authorities, the LSP should be the Head of Paid Service, also known as the Chief Executive."
    found = {(t.text, t.category) for t in find_terms(s)}
    assert ("Head of Paid Service", "role") in found and ("Chief Executive", "role") in found
    acts = {t.text for t in find_terms("The Children Act 2004 placed a duty on the local authority.")}
    assert "Children Act 2004" in acts


def test_twenty_item_quiz_is_fast_and_every_item_passes(assistant: Assistant) -> None:
    build_quiz(assistant, QuizRequest(TOPIC, count=1))  # opens the index's collections once
    start = time.perf_counter()
    quiz = build_quiz(assistant, QuizRequest(TOPIC, count=20, seed=7))
    seconds = time.perf_counter() - start
    print(f"\n20-item quiz on '{TOPIC}' in {seconds:.3f}s (index warm)")
    assert seconds < 2.0
    assert len(quiz.items) == 20
    checks = quiz.checks
    assert checks["all_passed"] is True
    for name in ("answer_supported", "distractors_false", "unique"):
        assert checks[name] == {"checked": 20, "passed": 20}
    assert {i["type"] for i in quiz.items} == {"mcq", "true_false", "cloze"}
    assert len({i["id"] for i in quiz.items}) == 20


def test_items_have_the_contract_shape_and_quote_their_paragraph(assistant: Assistant) -> None:
    quiz = build_quiz(assistant, QuizRequest(TOPIC, count=20, seed=3))
    corpus = corpus_for(assistant.store, assistant.glossary)
    for item in quiz.items:
        assert CONTRACT_ITEM <= set(item) and CONTRACT_CITATION <= set(item["citation"])
        c = item["citation"]
        para = assistant.store.paragraphs[(c["doc_id"], c["paragraph"])]
        assert c["text"] == para.text and c["page"] == para.page and c["edition"] == "2023"
        sentence = item["source"]["sentence"]
        assert f"“{sentence}”" in item["explanation"] and norm(sentence) in norm(para.text)
        if item["type"] == "mcq":
            assert isinstance(item["answer"], int) and len(item["options"]) == 4
            keyed = item["options"][item["answer"]]
            if GAP in item["question"]:
                stem = item["question"].split("“", 1)[1].rstrip("”")
                assert norm(stem.replace(GAP, keyed)) == norm(sentence)
                for i, wrong in enumerate(item["options"]):
                    if i != item["answer"]:
                        assert not corpus.anywhere(stem.replace(GAP, wrong)), wrong
        elif item["type"] == "true_false":
            assert isinstance(item["answer"], bool) and item["options"] == ["True", "False"]
            statement = item["question"].split("“", 1)[1].rstrip("”")
            assert corpus.anywhere(statement) is item["answer"]
        else:
            assert isinstance(item["answer"], str) and item["options"] == []
            assert item["answer"] in item["accept"] and GAP in item["question"]


def test_superseded_edition_items_are_flagged(assistant: Assistant) -> None:
    quiz = build_quiz(assistant, QuizRequest(TOPIC, count=5))
    assert all("superseded" in i["flags"] for i in quiz.items)  # wt2023 is replaced by wt2026 in the manifest
    assert quiz.checks["superseded"] == {"checked": 5, "flagged": 5}
    assert any("replaced by Working Together to Safeguard Children 2026" in n for n in quiz.notices)


def test_same_seed_same_quiz_other_seed_other_quiz(assistant: Assistant) -> None:
    a = build_quiz(assistant, QuizRequest(TOPIC, count=10, seed=11))
    b = build_quiz(assistant, QuizRequest(TOPIC, count=10, seed=11))
    c = build_quiz(assistant, QuizRequest(TOPIC, count=10, seed=12))
    assert [i["id"] for i in a.items] == [i["id"] for i in b.items]
    assert [i["id"] for i in a.items] != [i["id"] for i in c.items]


def test_correct_positions_pass_a_chi_square_evenness_test_over_seeds(assistant: Assistant) -> None:
    positions = [0, 0, 0, 0]
    truths = {True: 0, False: 0}
    longest = mcq = 0
    for seed in range(8):
        quiz = build_quiz(assistant, QuizRequest(TOPIC, count=20, seed=seed))
        for item in quiz.items:
            if item["type"] == "mcq":
                mcq += 1
                positions[item["answer"]] += 1
                lengths = [len(o) for o in item["options"]]
                longest += lengths[item["answer"]] == max(lengths) and lengths.count(max(lengths)) == 1
            elif item["type"] == "true_false":
                truths[item["answer"]] += 1
        assert quiz.checks["answer_positions"]["passed"] and quiz.checks["true_false_balance"]["passed"]
    stat = chi_square(positions)
    print(f"\npositions over 8 seeds {positions}: chi-square {stat:.3f} (critical {CHI2_CRITICAL_05[3]})")
    assert stat < CHI2_CRITICAL_05[3]
    assert chi_square([truths[True], truths[False]]) < CHI2_CRITICAL_05[1]
    assert longest / mcq <= 0.4, f"keyed option longest in {longest} of {mcq}"


def test_chi_square_rejects_a_skewed_key() -> None:
    assert chi_square([20, 0, 0, 0]) > CHI2_CRITICAL_05[3]
    assert chi_square([5, 5, 5, 5]) == 0.0


def test_longest_answer_check_fails_only_beyond_chance() -> None:
    assert binomial_tail(3, 7, 0.25) > 0.05  # 3 of 7 longest: chance
    assert binomial_tail(6, 7, 0.25) < 0.05  # 6 of 7: the length gives the answer away
    assert binomial_tail(0, 7, 0.25) == pytest.approx(1.0)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_difficulty_types_chapter_and_edition_filters(assistant: Assistant, difficulty: str) -> None:
    quiz = build_quiz(
        assistant, QuizRequest("lead safeguarding partner", count=6, types=("mcq",), chapter="2", difficulty=difficulty)
    )
    assert quiz.items and {i["type"] for i in quiz.items} == {"mcq"}
    assert all(i["citation"]["heading"] and i["checks"]["answer_supported"] for i in quiz.items)
    chapters = {
        assistant.store.paragraphs[(i["citation"]["doc_id"], i["citation"]["paragraph"])].chapter for i in quiz.items
    }
    assert chapters == {"Chapter 2: Multi-agency safeguarding arrangements"}
    old = build_quiz(assistant, QuizRequest("safeguarding partners", count=3, edition="2018"))
    assert {i["citation"]["doc_id"] for i in old.items} == {"wt2018"}


def test_a_short_pool_says_so(assistant: Assistant) -> None:
    quiz = build_quiz(assistant, QuizRequest("Head of Paid Service", count=100, types=("cloze",)))
    assert len(quiz.items) < 100
    assert quiz.notices[0].startswith(f"Only {len(quiz.items)} of the 100 items asked for")


@pytest.mark.parametrize(
    ("req", "error", "message"),
    [
        (QuizRequest(TOPIC, count=0), BadRequest, "count: must be between 1 and 100"),
        (QuizRequest(TOPIC, count=10_000), BadRequest, "count: must be between 1 and 100"),
        (QuizRequest(TOPIC, types=("essay",)), BadRequest, "types: must be some of mcq, true_false, cloze (got essay)"),
        (
            QuizRequest(TOPIC, chapter="9"),
            NotFound,
            "no chapter '9' in the guidance held; chapters held: Introduction;",
        ),
        (
            QuizRequest(TOPIC, edition="1999"),
            NotFound,
            "no edition '1999' of the guidance is held; editions held: 2018",
        ),
        (QuizRequest("quantum chromodynamics"), NotFound, "no text in the guidance held matches the topic"),
    ],
)
def test_bad_requests(assistant: Assistant, req: QuizRequest, error: type, message: str) -> None:
    with pytest.raises(error) as exc:
        build_quiz(assistant, req)
    assert str(exc.value).startswith(message)
