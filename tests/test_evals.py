"""evals/: metrics on hand-made rankings, question-file validation, gold resolution, gate, export."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from evals import gate, metrics
from evals.dataset import DEFAULT_QUESTIONS, DatasetError, GoldRef, GoldResolver, load_questions, parse_lines
from evals.run import OURS, evaluate

A, B, C, D = ("wt2023", "1"), ("wt2023", "2"), ("wt2018", "1"), ("schools-guide", "intro-1")


# ---- fixtures: one small fake-embedder index over the real corpus, built once ----------------
@pytest.fixture(scope="module")
def eval_settings(tmp_path_factory: pytest.TempPathFactory):
    from wtguide.settings import Settings

    return Settings(data_dir=tmp_path_factory.mktemp("evaldata"), embedder="fake")


@pytest.fixture(scope="module")
def eval_assistant(eval_settings):
    from ingest.embed import FakeEmbedder
    from ingest.pipeline import ingest
    from rag.service import Assistant

    ingest(eval_settings.manifest_path, eval_settings.index_root, lambda: FakeEmbedder(), FakeEmbedder.name, 1200)
    return Assistant.from_settings(eval_settings)


@pytest.fixture(scope="module")
def questions():
    return load_questions(DEFAULT_QUESTIONS, "all")


@pytest.fixture(scope="module")
def good_run(eval_assistant, questions):
    from evals.baselines import Bm25Only

    return evaluate(eval_assistant, questions, [Bm25Only(eval_assistant.store)], "all", DEFAULT_QUESTIONS)


# ---- retrieval metrics --------------------------------------------------------------------
def one(*keys):
    return [frozenset({k}) for k in keys]


def test_recall_mrr_ndcg_single_gold():
    ranking = one(B, C, A, D)
    assert metrics.recall_at(ranking, {A}, 1) == 0.0
    assert metrics.recall_at(ranking, {A}, 3) == 1.0
    assert metrics.reciprocal_rank(ranking, {A}) == pytest.approx(1 / 3)
    assert metrics.ndcg_at(ranking, {A}, 5) == pytest.approx(0.5)  # 1/log2(4) over ideal 1
    assert metrics.reciprocal_rank(one(B, C), {A}) == 0.0
    assert metrics.ndcg_at([], {A}, 5) == 0.0


def test_comparison_recall_is_the_share_of_gold_found():
    ranking = one(A, D, B)
    gold = {A, C}
    assert metrics.recall_at(ranking, gold, 1) == 0.5
    assert metrics.recall_at(ranking, gold, 5) == 0.5
    assert metrics.recall_at(one(A, C), gold, 2) == 1.0
    assert metrics.reciprocal_rank(ranking, gold) == 1.0
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal for two gold = 1 + 1/log2(3)
    assert metrics.ndcg_at(one(A, B, C), gold, 5) == pytest.approx(1.5 / (1 + 1 / 1.5849625007))


def test_duplicates_and_multi_paragraph_items():
    # The same gold twice earns nothing the second time.
    assert metrics.ndcg_at(one(A, A), {A, C}, 5) == pytest.approx(1 / (1 + 1 / 1.5849625007))
    # A naive chunk covering two paragraphs hits both at its rank.
    ranking = [frozenset({B}), frozenset({A, C})]
    assert metrics.recall_at(ranking, {A, C}, 2) == 1.0
    assert metrics.reciprocal_rank(ranking, {A, C}) == 0.5


def test_no_gold_is_not_applicable():
    assert metrics.retrieval_scores(one(A), set()) == dict.fromkeys(metrics.RETRIEVAL)


# ---- answer metrics -----------------------------------------------------------------------
PASSAGES = {
    1: (A, "The lead safeguarding partner for a local authority is the Head of Paid Service."),
    2: (B, "Integrated care boards commission health services for their area."),
}


def test_answer_sentences_split_on_markers():
    text = "The LSP is the Head of Paid Service [1]. ICBs commission services [2][1] Trailing claim."
    assert metrics.answer_sentences(text) == [
        ("The LSP is the Head of Paid Service", (1,)),
        (". ICBs commission services", (2, 1)),
        ("Trailing claim.", ()),
    ]


def test_support_check_counts_content_words():
    passage = PASSAGES[1][1]
    assert metrics.supports("The lead partner for a local authority is the Head of Paid Service.", passage)
    assert not metrics.supports("Schools must publish their arrangements every year.", passage)
    # 3 of 5 content words (lead, partner, authority | schools, publish) = 0.6, on the threshold.
    assert metrics.supports("lead partner authority schools publish", passage)
    assert not metrics.supports("lead partner schools publish annually", passage)


def test_citation_precision_recall_and_faithfulness():
    answer = (
        "The lead safeguarding partner for a local authority is the Head of Paid Service. [1] "
        "Schools must publish their arrangements every year. [2]"
    )
    # [1] supports its sentence; [2] does not and is not gold.
    assert metrics.citation_precision(answer, PASSAGES, {C}) == 0.5
    # ... unless [2] is gold: a gold passage counts even if the sentence is loose.
    assert metrics.citation_precision(answer, PASSAGES, {B}) == 1.0
    assert metrics.citation_recall(answer, PASSAGES, {A, C}) == 0.5
    assert metrics.faithfulness(answer, PASSAGES) == 0.5
    assert metrics.faithfulness(answer + " And an uncited sentence here.", PASSAGES) == pytest.approx(1 / 3)
    assert metrics.citation_precision("No markers at all.", PASSAGES, {A}) is None


def test_keyword_coverage_and_abstention_scores():
    keywords = ["head of paid service", "chief executive", "icb"]
    assert metrics.keyword_coverage("The Head of Paid Service, the Chief  Executive", keywords) == pytest.approx(2 / 3)
    s = metrics.answer_scores("I don't hold that.", {}, {A}, ["x"], answerable=True, abstained=True)
    assert s["false_abstention"] == 1.0 and s["keyword_coverage"] == 0.0 and s["oos_abstention"] is None
    s = metrics.answer_scores("I don't hold that.", {}, set(), [], answerable=False, abstained=True)
    assert s["oos_abstention"] == 1.0 and s["false_abstention"] is None and s["citation_precision"] is None


def test_percentile_is_nearest_rank():
    xs = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 7.0, 8.0, 9.0]
    assert metrics.percentile(xs, 50) == 5.0
    assert metrics.percentile(xs, 95) == 10.0
    assert metrics.percentile([], 50) is None
    assert metrics.mean([1.0, None, 0.0]) == 0.5


# ---- question file validation --------------------------------------------------------------
GOOD = {
    "id": "q1",
    "split": "dev",
    "type": "fact",
    "question": "Who?",
    "history": [],
    "gold": [{"doc_id": "wt2023", "paragraph": "48"}],
    "gold_snippet": "x",
    "keywords": ["x"],
    "answerable": True,
}


def lines(*objs) -> list[str]:
    return [o if isinstance(o, str) else json.dumps(o) for o in objs]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({k: v for k, v in GOOD.items() if k != "keywords"}, "qs.jsonl line 2: field 'keywords' is missing"),
        ({**GOOD, "split": "train"}, "line 2 (q1): field 'split' must be 'dev', 'test' or 'blind'"),
        ({**GOOD, "type": "trivia"}, "line 2 (q1): field 'type' must be one of"),
        ({**GOOD, "answerable": "yes"}, "line 2 (q1): field 'answerable' must be true or false"),
        ({**GOOD, "gold": []}, "line 2 (q1): field 'gold' must name at least one passage"),
        ({**GOOD, "gold": [{"doc_id": "wt2023", "paragraph": "4", "quote": "a b c"}]}, "field 'gold[0]' must have"),
        ({**GOOD, "answerable": False}, "field 'gold' must be empty when 'answerable' is false"),
        ({**GOOD, "history": [{"role": "bot", "content": "hi"}]}, "field 'history[0]' must be"),
        ({**GOOD, "colour": "red"}, "field 'colour' is not in the schema"),
        ({**GOOD, "id": "q0"}, "line 2 (q0): field 'id' duplicates line 1"),
        ("{not json", "line 2: not valid JSON"),
    ],
)
def test_validation_errors_name_line_and_field(bad, message):
    first = {**GOOD, "id": "q0"}
    with pytest.raises(DatasetError) as err:
        parse_lines(lines(first, bad), "qs.jsonl")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_split_filter(questions):
    dev, test = load_questions(DEFAULT_QUESTIONS, "dev"), load_questions(DEFAULT_QUESTIONS, "test")
    assert {q.split for q in dev} == {"dev"} and {q.split for q in test} == {"test"}
    assert len(dev) + len(test) == len(questions)
    with pytest.raises(DatasetError, match="unknown split"):
        load_questions(DEFAULT_QUESTIONS, "train")


# ---- gold resolution ----------------------------------------------------------------------
def test_every_gold_in_the_question_file_resolves(eval_assistant, questions):
    resolver = GoldResolver(eval_assistant.store.paragraphs)
    for q in questions:
        keys = resolver.resolve(q)
        assert len(keys) == len(q.gold) or q.type == "comparison", q.id


def test_quote_resolution(eval_assistant):
    store = eval_assistant.store
    r = GoldResolver(store.paragraphs)
    quote = "authorities are the key points of professional and political accountability"
    key = r.resolve_ref(GoldRef("wt2023", quote=quote.replace("key", "key ").replace("political", "POLITICAL")))
    assert key[0] == "wt2023" and not key[1].isdigit()
    assert "political accountability" in store.paragraphs[key].text
    # A footnote's words name the paragraph that carries the footnote.
    footnote = "In this document, a child is defined as anyone who has not yet reached"
    key = r.resolve_ref(GoldRef("wt2018", quote=footnote))
    assert any("child is defined" in f.text for f in store.paragraphs[key].footnotes)
    # Fuzzy fallback: a misspelt word still finds its block.
    typo = quote.replace("professional", "profesional")
    assert r.resolve_ref(GoldRef("wt2023", quote=typo)) == r.resolve_ref(GoldRef("wt2023", quote=quote))
    with pytest.raises(DatasetError, match="not found in wt2023"):
        r.resolve_ref(GoldRef("wt2023", quote="the quick brown fox jumps over the lazy dog"), "line 9 (q9)")
    with pytest.raises(DatasetError, match="line 9 \\(q9\\): gold paragraph wt2018 40 is not in the index"):
        r.resolve_ref(GoldRef("wt2018", paragraph="40"), "line 9 (q9)")


# ---- run, gate ----------------------------------------------------------------------------
def test_run_scores_every_question(good_run, questions):
    summary = good_run.summary()
    assert summary["overall"]["n"] == len(questions)
    assert set(summary["systems"]) == {OURS, "bm25"}
    assert summary["by_type"]["out_of_scope"][OURS]["recall@5"] is None
    assert summary["overall"][OURS]["latency_p95_ms"] >= summary["overall"][OURS]["latency_p50_ms"]
    json.dumps(good_run.to_dict())  # machine output is plain JSON


def test_broken_retriever_fails_the_gate(eval_assistant, questions, good_run, tmp_path, monkeypatch):
    baseline_file = tmp_path / "baseline.json"
    gate.update_baseline(good_run.summary(), baseline_file)
    baseline = gate.load_baseline(baseline_file)
    failures, _ = gate.check(good_run.summary(), baseline)
    assert not [f for f in failures if "baseline" in f]  # the accepted run is at its own baseline

    rng = random.Random(7)
    chunks = eval_assistant.store.chunks

    def random_search(query, top_k=5, history=None):
        return [eval_assistant.citation(i + 1, rng.randrange(len(chunks))) for i in range(top_k)]

    monkeypatch.setattr(eval_assistant, "search", random_search)
    broken = evaluate(eval_assistant, questions, (), "all", DEFAULT_QUESTIONS).summary()
    failures, _ = gate.check(broken, baseline)
    assert any(f.startswith("recall@5 ") and "below its floor of 0.800" in f for f in failures)
    assert any(f.startswith("recall@5 ") and "worse than the baseline" in f for f in failures)
    assert any(f.startswith("mrr ") for f in failures)


def test_gate_floors_and_baseline_tolerance():
    def summary(**ours):
        base = {"recall@5": 0.95, "mrr": 0.8, "citation_precision": 0.97, "oos_abstention": 1.0}
        base |= {"false_abstention": 0.0, "answer_recall@5": 0.94, "offtopic_declined": 1.0, "clean_answer": 1.0}
        return {"split": "test", "questions_sha": "abc", "overall": {OURS: base | ours}}

    assert gate.check(summary()) == ([], ["no accepted baseline for split 'test': floors only"])
    failures, _ = gate.check(summary(**{"answer_recall@5": 0.90, "offtopic_declined": 0.9}))
    assert failures == [
        "answer_gap 0.050 is above its ceiling of 0.030",
        "offtopic_declined 0.900 is below its floor of 0.950",
    ]
    accepted = {"questions_sha": "abc", "ours": {"recall@5": 0.99, "mrr": 0.82}}
    baseline = {"tolerance": 0.03, "splits": {"test": accepted}}
    failures, _ = gate.check(summary(), baseline)
    assert failures == ["recall@5 0.950 is 0.040 worse than the baseline 0.990 (tolerance 0.03)"]
    _, notes = gate.check(summary(), {"splits": {"test": {"questions_sha": "other", "ours": {}}}})
    assert "different question file" in notes[0]


# ---- export -------------------------------------------------------------------------------
def read_qrels(path: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for ln in path.read_text().splitlines()[1:]:
        qid, doc, score = ln.split("\t")
        if int(score) > 0:
            out.setdefault(qid, set()).add(doc)
    return out


def read_run(path: Path) -> dict[str, list[str]]:
    rows: dict[str, list[tuple[float, str]]] = {}
    for ln in path.read_text().splitlines():
        qid, _, doc, _, score, _ = ln.split()
        rows.setdefault(qid, []).append((float(score), doc))
    return {q: [d for _, d in sorted(r, key=lambda x: -x[0])] for q, r in rows.items()}


def test_export_round_trips(eval_assistant, good_run, tmp_path):
    from evals.export import export

    titles = {d.doc_id: d.title for d in eval_assistant.store.documents.values()}
    corpus, queries, qrels_path, run_path = export(good_run, eval_assistant.store.paragraphs, titles, tmp_path)
    assert len(corpus.read_text().splitlines()) == len(eval_assistant.store.paragraphs)
    assert len(queries.read_text().splitlines()) == len(good_run.results)
    qrels, run = read_qrels(qrels_path), read_run(run_path)
    recall = [len(set(run.get(q, [])[:5]) & rel) / len(rel) for q, rel in qrels.items()]
    ours = good_run.summary()["overall"][OURS]["recall@5"]
    assert sum(recall) / len(recall) == pytest.approx(ours)

    ir_measures = pytest.importorskip("ir_measures")
    qrels_iter = [ir_measures.Qrel(q, d, 1) for q, ds in qrels.items() for d in ds]
    run_iter = list(ir_measures.read_trec_run(str(run_path)))
    agg = ir_measures.calc_aggregate([ir_measures.R @ 5, ir_measures.RR], qrels_iter, run_iter)
    assert agg[ir_measures.R @ 5] == pytest.approx(ours)
    assert agg[ir_measures.RR] == pytest.approx(good_run.summary()["overall"][OURS]["mrr"])


# ---- baselines, report, CLI ----------------------------------------------------------------
def test_naive_baseline_maps_chunks_to_paragraphs(eval_settings, eval_assistant, tmp_path):
    from evals.baselines import EmbedderAdapter, NaiveLangChain
    from ingest.embed import FakeEmbedder

    embeddings = EmbedderAdapter(FakeEmbedder())
    naive = NaiveLangChain(eval_settings.manifest_path, eval_assistant.store.paragraphs, embeddings, tmp_path)
    try:
        covered = set().union(*naive.covered)
        assert covered == set(eval_assistant.store.paragraphs)  # every paragraph is reachable
        ranking = naive.rank(eval_assistant.store.paragraphs[("wt2023", "48")].text, 5)
        assert len(ranking) == 5
        assert ("wt2023", "48") in set().union(*ranking)
    finally:
        naive.close()


def test_cli_json_gate_report_and_baseline(eval_settings, eval_assistant, tmp_path, capsys):
    from evals.cli import cmd_eval
    from wtguide.cli import build_parser

    argv = ["eval", "--split", "dev", "--json", "--gate", "--report", "--reports-dir", str(tmp_path / "reports")]
    argv += ["--baseline-file", str(tmp_path / "baseline.json"), "--update-baseline"]
    argv += ["--failures", str(tmp_path / "f.txt")]
    args = build_parser().parse_args(argv)
    code = cmd_eval(args, eval_settings)
    out = json.loads(capsys.readouterr().out)
    assert out["split"] == "dev" and out["systems"] == [OURS, "bm25"]  # --gate skips the naive baseline
    assert code == (1 if out["gate"]["failures"] else 0)
    assert all(out["gate"]["failures"]) and "\n" not in "".join(out["gate"]["failures"])
    reports = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert reports[0].endswith("-dev-recall.png") and reports[1].endswith("-dev.md")
    assert "ours" in json.loads((tmp_path / "baseline.json").read_text())["splits"]["dev"]
    assert (tmp_path / "f.txt").read_text()


def test_several_splits_in_one_run_each_gated_and_one_regression_only(eval_settings, eval_assistant, tmp_path,
                                                                        capsys):
    from evals.cli import cmd_eval
    from wtguide.cli import build_parser
    from wtguide.errors import WtguideError

    argv = ["eval", "--split", "test,blind", "--regression-only", "blind", "--json", "--gate", "--no-report",
            "--no-baselines", "--baseline-file", str(tmp_path / "baseline.json")]
    code = cmd_eval(build_parser().parse_args(argv), eval_settings)
    captured = capsys.readouterr()
    runs, text, at = [], captured.out, 0
    while text[at:].strip():
        obj, at = json.JSONDecoder().raw_decode(text, len(text) - len(text[at:].lstrip()))
        runs.append(obj)
    assert [r["split"] for r in runs] == ["test", "blind"]
    test_gate, blind_gate = runs[0]["gate"], runs[1]["gate"]
    # blind has no accepted baseline here and is held to it only: its floors are notes, never failures.
    assert blind_gate["passed"] and blind_gate["notes"]
    assert code == (0 if test_gate["passed"] else 1)
    assert "gate: passed (blind)" in captured.err
    with pytest.raises(WtguideError, match="not a split of this run"):
        cmd_eval(build_parser().parse_args(["eval", "--split", "test", "--regression-only", "blind_c"]), eval_settings)
    # The adapter is fitted on the dev sets, never on what measures it.
    with pytest.raises(WtguideError, match="fitted on the dev sets only"):
        cmd_eval(build_parser().parse_args(["eval", "--split", "blind", "--fit-adapter"]), eval_settings)
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["eval", "--split", "test,blnd"])
    assert exc.value.code == 2 and "unknown split 'blnd'" in capsys.readouterr().err


def test_text_report_has_every_type(good_run):
    from evals.report import markdown_report, text_report

    summary = good_run.summary()
    text = text_report(summary)
    for t in summary["by_type"]:
        assert t in text
    assert "![Recall@5 per question type](x.png)" in markdown_report(summary, "x.png")


@pytest.mark.slow
def test_naive_baseline_with_minilm(eval_settings, eval_assistant, tmp_path):
    from evals.baselines import NaiveLangChain, minilm_embeddings

    naive = NaiveLangChain(eval_settings.manifest_path, eval_assistant.store.paragraphs, minilm_embeddings(), tmp_path)
    try:
        ranking = naive.rank("For local authorities, the LSP should be the Head of Paid Service", 5)
        assert len(ranking) == 5
        assert ("wt2023", "48") in set().union(*ranking)
    finally:
        naive.close()


def test_regression_only_gate_reports_floors_but_fails_only_on_a_slide() -> None:
    from evals import gate

    summary = {
        "split": "test",
        "questions_sha": "abc",
        "overall": {
            "ours": {
                "recall@5": 0.75,
                "mrr": 0.8,
                "citation_precision": 1.0,
                "oos_abstention": 1.0,
                "false_abstention": 0.0,
            }
        },
    }
    baseline = {"tolerance": 0.03, "splits": {"test": {"questions_sha": "abc", "ours": {"recall@5": 0.76}}}}
    failures, notes = gate.check(summary, baseline, floors=False)
    assert failures == [] and any("recall@5 0.750 is below its floor" in n for n in notes)
    slid = {**summary, "overall": {"ours": {**summary["overall"]["ours"], "recall@5": 0.70}}}
    failures, _ = gate.check(slid, baseline, floors=False)
    assert len(failures) == 1 and "worse than the baseline" in failures[0]
    failures, _ = gate.check(summary, baseline)
    assert failures and "below its floor" in failures[0]


def test_scope_only_messages_teach_the_scope_but_leave_the_answer_threshold() -> None:
    """dev_offtopic's everyday messages fit the off-topic model alone: the answers model and its
    threshold are fitted on the question sets, whose mix of questions they would otherwise change."""
    from evals import fit
    from evals.dataset import Question
    from rag.decide import FEATURES

    rng = random.Random(0)

    def row(i: int, kind: str, answerable: bool, dense: float) -> tuple[Question, dict[str, float]]:
        q = Question(f"x{i}", "dev", kind, f"question {i}", (), (), "", (), answerable)
        feats = dict.fromkeys(FEATURES, 0.0) | {"dense_top": dense + rng.uniform(-0.1, 0.1),
                                                 "passage_coverage": rng.random()}
        return q, feats

    rows = [row(i, "fact", True, 0.7) for i in range(40)] + [row(40 + i, "not_held", False, 0.45) for i in range(10)]
    rows += [row(50 + i, "out_of_scope", False, 0.2) for i in range(4)]
    extra = [row(100 + i, "out_of_scope", False, 0.3) for i in range(60)]
    alone, both = fit.fit(rows), fit.fit(rows, extra)
    assert both["answer_at"] == alone["answer_at"] and both["coef"] == alone["coef"]
    assert both["scope"]["coef"] != alone["scope"]["coef"]
    assert both["fitted_on"]["off_topic_scored"] == 64 and both["fitted_on"]["scope_only"] == 60
