"""`wtguide eval`: parse arguments, run the evaluation, print, report, gate."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from evals.dataset import (
    DEFAULT_QUESTIONS,
    SCOPE_SETS,
    SET_FILES,
    SPLITS,
    TUNING_SETS,
    load_questions,
    tuning_files,
)
from evals.guardrails import SETS as GUARDRAIL_SETS
from wtguide.settings import Settings


def make_baselines(settings: Settings, assistant: Any, naive: bool, stack: ExitStack) -> list[Any]:
    from evals.baselines import Bm25Only, EmbedderAdapter, NaiveLangChain, minilm_embeddings

    out: list[Any] = []
    if naive:
        if settings.embedder == "fake":
            from ingest.embed import FakeEmbedder

            embeddings: Any = EmbedderAdapter(FakeEmbedder())
        else:
            embeddings = minilm_embeddings(settings.model_path)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wtguide-naive-")))
        baseline = NaiveLangChain(settings.manifest_path, assistant.store.paragraphs, embeddings, tmp)
        stack.callback(baseline.close)
        out.append(baseline)
    out.append(Bm25Only(assistant.store))
    return out


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="evaluating", unit="question", file=sys.stderr)
    return bar.update


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from rag.service import Assistant
    from wtguide.errors import WtguideError

    if args.guardrails or args.fit_guardrails:
        return _guardrails(args, settings)
    splits = args.split.split(",")
    if len(splits) > 1 and (args.fit_decision or args.fit_adapter or args.export or args.failures):
        raise WtguideError("--fit-decision, --fit-adapter, --export and --failures take one split")
    for split in splits:
        if split not in (*SPLITS, *SET_FILES):
            raise WtguideError(f"--split {split} names guardrail sets: use it with --guardrails")
    named = filter(None, (args.regression_only or "").split(","))
    regression_only = set(splits if args.regression_only == "all" else named)
    if regression_only - set(splits):
        raise WtguideError(f"--regression-only names {', '.join(sorted(regression_only - set(splits)))}, "
                           "not a split of this run")
    if args.fit_adapter:
        if args.split != "dev" or Path(args.questions) != DEFAULT_QUESTIONS:
            raise WtguideError("the adapter is fitted on the dev sets only: use --split dev")
        # Fitted on the model's own vectors, whatever adapter is in place now.
        return _fit_adapter(Assistant.from_settings(settings.model_copy(update={"query_adapter": ""})), args)
    assistant = Assistant.from_settings(settings)
    if args.fit_decision:
        questions_file, field = _questions_file(args, args.split)
        questions = load_questions(questions_file, field)
        scope_only = []
        if args.split == "dev" and questions_file == DEFAULT_QUESTIONS:  # every set written for tuning
            for name in TUNING_SETS:
                questions += load_questions(*SET_FILES[name])
            for name in SCOPE_SETS:
                scope_only += load_questions(*SET_FILES[name])
        return _fit_decision(assistant, questions, scope_only, args.split)
    failed = False
    # More than one split ("test,blind,blind_b"): one process, the model and index loaded once.
    with ExitStack() as stack:
        baselines = [] if args.no_baselines else make_baselines(settings, assistant, args.naive or not args.gate, stack)
        for split in splits:
            failed = _eval_split(args, split, split in regression_only, assistant, baselines) or failed
    return 1 if failed else 0


def _questions_file(args: argparse.Namespace, split: str) -> tuple[Path, str]:
    """The question file and the field naming its split: a blind set's own file, else --questions."""
    questions_file = Path(args.questions)
    if split in SET_FILES and questions_file == DEFAULT_QUESTIONS:
        return SET_FILES[split]
    return questions_file, split


def _eval_split(args: argparse.Namespace, split: str, regression_only: bool, assistant: Any,
                baselines: list[Any]) -> bool:
    """Run, print, report and gate one split; True when its gate failed."""
    from evals import gate, report
    from evals.run import evaluate

    questions_file, field = _questions_file(args, split)
    questions = load_questions(questions_file, field)
    progress = _progress(len(questions), sys.stderr.isatty() and not args.json)
    run = evaluate(assistant, questions, baselines, split, questions_file, progress)
    summary = run.summary()

    baseline = gate.load_baseline(Path(args.baseline_file))
    failures, notes = gate.check(summary, baseline, floors=not regression_only) if args.gate else ([], [])
    gate_lines = (failures or ["passed"]) + notes if args.gate else []
    if args.json:
        payload = run.to_dict()
        if args.gate:
            payload["gate"] = {"passed": not failures, "failures": failures, "notes": notes}
        print(json.dumps(payload, ensure_ascii=False, indent=1))
    else:
        print(report.text_report(summary))
    info = sys.stderr if args.json else sys.stdout

    if args.report if args.report is not None else not args.gate:
        path = report.write_report(summary, Path(args.reports_dir), gate_lines)
        print(f"\nReport: {path}", file=info)
    if args.failures:
        Path(args.failures).write_text(report.failures(run))
        print(f"Failures: {args.failures}", file=info)
    if args.export:
        from evals.export import export

        titles = {d.doc_id: d.title for d in assistant.store.documents.values()}
        files = export(run, assistant.store.paragraphs, titles, Path(args.export))
        print(f"Exported: {', '.join(str(f) for f in files)}", file=info)
    if args.update_baseline:
        gate.update_baseline(summary, Path(args.baseline_file))
        print(f"Baseline for split '{split}' written to {args.baseline_file}", file=info)
    if args.gate:
        where = f" ({split})" if "," in args.split else ""
        for line in notes:
            print(f"gate: note{where}: {line}", file=sys.stderr)
        for line in failures:
            print(f"gate: FAIL{where}: {line}", file=sys.stderr)
        if not failures:
            print(f"gate: passed{where}", file=sys.stderr)
    return bool(failures)


def _guardrails(args: argparse.Namespace, settings: Settings) -> int:
    from evals import guardrails
    from ingest.embed import MultilingualEmbedder
    from rag.service import Assistant
    from wtguide.errors import WtguideError

    if args.split not in guardrails.SETS and args.split != "blinds":
        raise WtguideError(f"the guardrail sets are {', '.join(guardrails.SETS)} (or blinds, all the blind ones)")
    assistant = Assistant.from_settings(settings)
    guard = assistant.guardrails
    if args.fit_guardrails:
        if args.split != "dev":
            raise WtguideError("the guardrails are fitted on the examples and the dev set only: use --split dev")
        # The name tagger first: the other models read its names (a feature, and the redaction).
        dev = guardrails.load(guardrails.SETS["dev"])
        texts = guardrails.name_texts(dev)
        words = guardrails.name_rows(texts, guard.vocabulary)
        names, name_meta = guardrails.fit_names(texts, words)
        names_file = guardrails.NAMES_FILE
        name_meta["fitted_on"] = {"names": names_file.name, "sha256": guardrails.digest(names_file)}
        print(f"Name tagger -> {guardrails.write_names(names, name_meta, words[0])}")
        print(f"  names   threshold {name_meta['threshold']:.3f}  cross-validated {name_meta['cv']}")
        rows = guardrails.training_rows(guard, dev)
        fitted_on = {"embedder": guard.embedder, "examples": len(guard.examples), "dev": guardrails.SETS["dev"].name,
                     "dev_sha256": guardrails.digest(guardrails.SETS["dev"])}
        model, arrays = guardrails.fit(rows, fitted_on)
        other_rows, select = guardrails.other_language_rows(guard, dev)
        model["other_language"] = guardrails.fit_other_language(other_rows, select, {
            "embedder": MultilingualEmbedder.name, "examples": len(guard.other_language_examples),
            "dev": fitted_on["dev"], "other": guardrails.OTHER_DEV.name,
            "other_sha256": guardrails.digest(guardrails.OTHER_DEV)})
        model["other_language"]["bank_sha256"] = guardrails.write_bank(guard)
        path = guardrails.write(model, arrays)
        guard.__dict__.pop("model", None)  # read the new one
        print(f"Guardrails fitted on {fitted_on} -> {path}")
        for label, m in guard.model["labels"].items():
            print(f"  {label:7s} threshold {m['threshold']:.3f}  cross-validated {m['cv']}")
        for label, m in guard.model["other_language"]["labels"].items():
            print(f"  {label:7s} in another language: threshold {m['threshold']:.3f}  cross-validated {m['cv']}")
    # "blinds": every set written blind, in one process (the model and index load once).
    splits = [s for s in guardrails.SETS if s.startswith("blind")] if args.split == "blinds" else [args.split]
    failed = False
    for split in splits:
        path = guardrails.SETS[split]
        messages = guardrails.load(path)
        result = guardrails.score(messages, guardrails.embedded_in_batches(assistant, messages), settings.helplines)
        failures = guardrails.gate(result["summary"], split) if args.gate else []
        if args.json:
            print(json.dumps({**result, "split": split, "sha256": guardrails.digest(path), "gate": failures},
                             ensure_ascii=False, indent=1))
        else:
            print(guardrails.text_report(result["summary"], split, guardrails.digest(path)))
        for line in failures:
            print(f"gate: FAIL: {split}: {line}", file=sys.stderr)
        if args.gate and not failures:
            print(f"gate: passed ({split})", file=sys.stderr)
        failed = failed or bool(failures)
    return 1 if failed else 0


def _fit_decision(assistant: Any, questions: list[Any], scope_only: list[Any], split: str) -> int:
    from evals import fit
    from wtguide.errors import WtguideError

    if split != "dev":
        raise WtguideError("the decision is fitted on the dev split only: use --split dev")
    params = fit.fit(fit.collect(assistant, questions), fit.collect(assistant, scope_only))
    path = fit.write(params)
    print(f"Decision fitted on {params['fitted_on']} -> {path}")
    print(f"answer at p >= {params['answer_at']:.3f}; decline at on-topic p < {params['scope']['decline_below']:.3f}")
    for name, c in zip(params["features"], params["coef"], strict=True):
        print(f"  {name:20s} {c:+.3f}")
    return 0


def _fit_adapter(assistant: Any, args: argparse.Namespace) -> int:
    from datetime import date

    from evals import fit
    from evals.run import file_sha

    files = tuning_files()
    questions = load_questions(DEFAULT_QUESTIONS, "dev")
    for name in TUNING_SETS:
        questions += load_questions(*SET_FILES[name])
    rows = fit.adapter_rows(assistant, questions)
    delta = fit.fit_adapter(rows, assistant.store)
    meta = {
        "embedder": assistant.embedder.name,
        "fitted_on": f"{' + '.join(files)}: {len(rows)} answerable questions",
        "sets": {name: file_sha(path) for name, path in files.items()},
        "epochs": fit.ADAPTER_EPOCHS, "learning_rate": fit.ADAPTER_LR,
        "temperature": fit.ADAPTER_TEMPERATURE, "weight_decay": fit.ADAPTER_WEIGHT_DECAY,
        "date": date.today().isoformat(),
    }
    path = fit.write_adapter(delta, meta, Path(args.adapter_file))
    print(f"Query adapter fitted on {meta['fitted_on']} for {meta['embedder']} -> {path}")
    return 0


def _split_names(value: str) -> str:
    """--split's value: one name, or several comma-separated; argparse's one-line error otherwise."""
    names = [n.strip() for n in value.split(",")]
    known = (*SPLITS, *SET_FILES, *GUARDRAIL_SETS, "blinds")
    unknown = [n for n in names if n not in known]
    if unknown:
        choices = ", ".join(dict.fromkeys(known))
        raise argparse.ArgumentTypeError(f"unknown split {unknown[0]!r} (choose from {choices})")
    return ",".join(names)


def register(sub: Any) -> None:
    from evals.gate import BASELINE_FILE
    from evals.report import REPORTS_DIR

    s = sub.add_parser("eval", help="score retrieval and answers on the curated questions, beside the baselines")
    s.add_argument("--questions", default=str(DEFAULT_QUESTIONS), help="question file (schema: evals/QUESTIONS.md)")
    s.add_argument(
        "--split", type=_split_names, default="test",
        help="dev (tuning), dev2 (evals/dev2.jsonl: written blind, for tuning), test (reporting), blind, "
        "blind_b and blind_c (evals/blind*.jsonl: written blind, never tuned on) or all; several, "
        "comma-separated, run in one process (test,blind,blind_b); "
        "with --guardrails: dev or dev_other (tuning; dev_other in 28 other languages), blind to blind8 "
        "(written blind, never tuned on), or blinds (all of those)",
    )
    s.add_argument("--json", action="store_true", help="print the summary and every question's result as JSON")
    s.add_argument("--gate", action="store_true", help="exit 1 when a metric is below its floor or the baseline")
    s.add_argument(
        "--regression-only", nargs="?", const="all", metavar="SPLITS",
        help="with --gate: fail only on a slide below evals/baseline.json; floors are reported, not enforced "
        "(for every split, or for the comma-separated SPLITS named)",
    )
    s.add_argument("--no-baselines", action="store_true", help="score ours only (no naive LangChain, no BM25)")
    s.add_argument("--naive", action="store_true", help="run the naive LangChain baseline even with --gate")
    s.add_argument("--export", metavar="DIR", help="write BEIR corpus/queries/qrels and our TREC run to DIR")
    s.add_argument("--update-baseline", action="store_true", help="accept this run's figures into the baseline file")
    s.add_argument("--baseline-file", default=str(BASELINE_FILE), help=argparse.SUPPRESS)
    s.add_argument(
        "--report",
        dest="report",
        action="store_true",
        default=None,
        help="write evals/reports/<date>.md and its chart (default, except with --gate)",
    )
    s.add_argument("--no-report", dest="report", action="store_false")
    s.add_argument("--reports-dir", default=str(REPORTS_DIR), help=argparse.SUPPRESS)
    s.add_argument(
        "--fit-decision", action="store_true",
        help="fit the answer decision (rag/data/decision.json) on the dev split and choose its thresholds",
    )
    s.add_argument(
        "--fit-adapter", action="store_true",
        help="fit the question vectors' adapter (rag/data/query_adapter.npz) on the dev sets",
    )
    s.add_argument("--adapter-file", default=str(Settings.model_fields["query_adapter"].default),
                   help=argparse.SUPPRESS)
    s.add_argument("--failures", metavar="FILE", help="write the questions we got wrong, with our top 5, to FILE")
    s.add_argument(
        "--guardrails", action="store_true",
        help="score the safeguarding guardrails on evals/guardrails_<split>.jsonl (dev or blind) instead",
    )
    s.add_argument(
        "--fit-guardrails", action="store_true",
        help="fit the guardrails (rag/data/safeguarding/model.json) on the curated examples and the dev messages",
    )
    s.set_defaults(func=cmd_eval)
