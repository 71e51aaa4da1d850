"""Command line: parses arguments, calls the stages, prints one-line errors (no tracebacks)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from wtguide.errors import BadRequest, WtguideError
from wtguide.logs import configure_logging, log_format
from wtguide.settings import Settings, get_settings

log = logging.getLogger("wtguide")


def _embedder_factory(settings: Settings) -> Callable[[], Any]:
    from ingest.embed import make_embedder

    return lambda: make_embedder(settings.embedder, settings.model_path, settings.onnx_dir)


def model_name(settings: Settings) -> str:
    from ingest.embed import FakeEmbedder

    return FakeEmbedder.name if settings.embedder == "fake" else "all-MiniLM-L6-v2"


def _progress_factory(enabled: bool) -> Callable[[int], Callable[[int], None]] | None:
    if not enabled:
        return None

    def make(total: int) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="embedding chunks", unit="chunk", file=sys.stderr)
        return lambda n: (bar.update(n), bar.refresh()) and None

    return make


def run_ingest(settings: Settings, rebuild: bool = False, progress: bool = False, strict: bool = False) -> Any:
    from ingest.pipeline import ingest

    return ingest(
        settings.manifest_path,
        settings.index_root,
        _embedder_factory(settings),
        model_name(settings),
        settings.max_chunk_chars,
        rebuild=rebuild,
        progress_factory=_progress_factory(progress),
        strict=strict,
        read_only=settings.index_read_only,
        lock_timeout=settings.lock_timeout_seconds,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _print_warnings(warnings: list[dict[str, Any]], doc_id: str | None = None) -> None:
    """Each ingest warning on its own line on stderr ("warning: wt2026: page 7 (PDF page 9) has ...")."""
    for w in warnings:
        if doc_id is None or w["doc"] == doc_id:
            print(f"warning: {w['message']}", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    if args.corpus:
        settings.corpus_dir = Path(args.corpus)
    result = run_ingest(
        settings, rebuild=args.rebuild, progress=sys.stderr.isatty() and not args.json, strict=args.strict
    )
    if args.json:
        print(json.dumps(asdict(result), ensure_ascii=False))
    else:
        _print_warnings(result.warnings)
        if result.rolled_back:
            print(f"Rolled back an interrupted '{result.rolled_back}': the corpus is as it was before it")
        if result.repaired:
            print(f"The live index was damaged ({result.repaired}): rebuilt it")
        verb = "Index is up to date" if result.status == "up-to-date" else "Built index"
        print(
            f"{verb}: {result.documents} documents, {result.paragraphs} paragraphs, {result.chunks} chunks "
            f"({result.embedded} embedded) in {result.seconds:.1f}s -> {result.index_dir}"
            + (f"; {_count(len(result.warnings), 'warning')}" if result.warnings else "")
        )
    return 0


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.add import add_document, amend_document

    results: list[Any] = []
    if args.amends:
        if not args.note:
            raise BadRequest("--amends needs --note saying what the amendment is ('factual update February 2024')")
        doc = amend_document(
            settings, Path(args.file), doc_id=args.amends, note=args.note or "amended", strict=args.strict,
            reindex=lambda: results.append(run_ingest(settings, progress=sys.stderr.isatty(), strict=args.strict)),
        )
        _print_warnings([w for r in results for w in r.warnings if w["doc"] == doc.doc_id])
        print(f"Amended {doc.doc_id} ({doc.title}): the amended text ({args.note}) is now the one indexed; "
              f"the earlier text is kept as {doc.versions[-1].split(' — ')[0]}")
        return 0
    missing = [flag for flag, value in (("--title", args.title), ("--kind", args.kind)) if not value]
    if missing:
        raise BadRequest(f"add needs {', '.join(missing)} (or --amends DOC_ID to record a new version of a held one)")
    doc = add_document(
        settings,
        Path(args.file),
        title=args.title,
        edition=args.edition,
        kind=args.kind,
        status=args.status,
        supersedes=args.supersedes,
        superseded_by=args.superseded_by,
        doc_id=args.doc_id,
        publisher=args.publisher,
        source_url=args.source_url,
        licence=args.licence,
        strict=args.strict,
        reindex=lambda: results.append(run_ingest(settings, progress=sys.stderr.isatty(), strict=args.strict)),
    )
    warnings = [w for r in results for w in r.warnings if w["doc"] == doc.doc_id]
    _print_warnings(warnings)
    print(
        f"Added {doc.doc_id} ({doc.title}, {doc.kind}, edition {doc.edition or 'n/a'}) and rebuilt the index"
        + (f"; {_count(len(warnings), 'warning')}" if warnings else "")
    )
    return 0


def _store(settings: Settings) -> Any:
    from rag.store import IndexStore

    return IndexStore.load(settings.index_root)


def cmd_documents(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    rows = []
    for doc in store.documents.values():
        paras = store.doc_paragraphs(doc.doc_id)
        rows.append({**doc.to_dict(), "paragraphs": len(paras), "warnings": len(store.warnings(doc.doc_id))})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        status = r["status"] + (f" (replaced by {r['superseded_by']})" if r.get("superseded_by") else "")
        print(
            f"{r['doc_id']:<15} {r['kind']:<11} {str(r['edition'] or '-'):<6} {status:<32} "
            f"{r['paragraphs']:>4}  {r['title']}"
            + (f"  ({_count(r['warnings'], 'warning')}: wtguide ingest --json)" if r["warnings"] else "")
        )
    return 0


def cmd_paragraph(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    para = store.paragraph(args.doc_id, args.paragraph)
    doc = store.document(args.doc_id)
    if args.json:
        print(json.dumps(asdict(para), ensure_ascii=False, indent=1))
        return 0
    where = f"paragraph {para.paragraph}" if para.numbered else f"section '{para.heading}'"
    page = f", page {para.page}" if para.page else ""
    print(f"{doc.title}, {where}{page}")
    if para.heading:
        print(f"Heading: {para.heading}")
    print()
    print(para.text)
    for fn in para.footnotes:
        print(f"  [^{fn.number}] {fn.text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wtguide", description="Grounded answers over Working Together to Safeguard Children"
    )
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="build or refresh the index from corpus/")
    s.add_argument("--corpus", help="corpus directory (default: the project's corpus/)")
    s.add_argument("--rebuild", action="store_true", help="rebuild even if the index is up to date")
    s.add_argument("--strict", action="store_true", help="treat every warning (e.g. a page with no text) as an error")
    s.add_argument("--json", action="store_true", help="print the result, with every warning, as JSON")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("add", help="add a document (PDF, text, HTML) to the corpus and index it")
    s.add_argument("file")
    s.add_argument("--title")
    s.add_argument("--edition")
    s.add_argument("--kind", choices=["statutory", "commentary", "local"],
                   help="local: a partnership's own procedures (needs --publisher), never shown as national guidance")
    s.add_argument("--status", default="current", choices=["current", "superseded"])
    s.add_argument("--superseded-by", metavar="DOC_ID", help="with --status superseded: the edition that replaced it")
    s.add_argument("--supersedes", help="doc_id of the edition this document replaces")
    s.add_argument("--doc-id", help="readable id (default: derived from the title and edition)")
    s.add_argument("--strict", action="store_true", help="refuse the file if reading it gives any warning")
    s.add_argument("--amends", metavar="DOC_ID",
                   help="an in-place amendment of a held edition: a new version of DOC_ID, not a new edition")
    s.add_argument("--note", help="with --amends: what the version is ('factual update February 2024')")
    s.add_argument("--publisher", help="who published it (default for statutory: HM Government; required otherwise)")
    s.add_argument("--source-url", help="where it was published")
    s.add_argument("--licence", help="default for statutory: Open Government Licence v3.0")
    s.set_defaults(func=cmd_add)

    s = sub.add_parser("documents", help="list the documents in the index")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_documents)

    s = sub.add_parser("paragraph", help="print one paragraph with its page and heading")
    s.add_argument("doc_id")
    s.add_argument("paragraph")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_paragraph)

    _register_optional(sub)
    return p


def _register_optional(sub: Any) -> None:
    """Subcommands that live with their stage (ask/search in rag, eval in evals, serve in api)."""
    import importlib

    for module in ("ingest.cli", "rag.cli", "api.cli", "evals.cli", "checker.cli", "quiz.cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        print(f"wtguide: error: WTGUIDE_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        # A list or mapping setting that is not JSON: pydantic-settings names the field in its message.
        field = str(exc).split('"')[1] if '"' in str(exc) else "a setting"
        print(f"wtguide: error: WTGUIDE_{field.upper()}: must be JSON, e.g. '[\"a\", \"b\"]' for a list",
              file=sys.stderr)
        return 2
    # WTGUIDE_LOG_QUESTIONS puts the (redacted) questions at INFO on its own, -v or not.
    configure_logging(settings, log_format(settings, args.command), verbose=args.verbose,
                      server=args.command == "serve")
    try:
        return int(args.func(args, settings) or 0)
    except WtguideError as exc:
        print(f"wtguide: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # "wtguide crosswalk … | head": the reader has gone; stop quietly, as Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
