"""`wtguide check FILE` and `wtguide crosswalk OLD NEW`: parse arguments, call the checker, print."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from wtguide.settings import Settings


def _store(settings: Settings) -> Any:
    from rag.store import IndexStore

    return IndexStore.load(settings.index_root)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from checker.check import Checker
    from checker.read import check_text, read_path
    from checker.report import report_json, to_csv, to_markdown, to_table

    if args.file == "-":
        text = check_text(sys.stdin.read(), "standard input")
        name = "standard input"
    else:
        text = read_path(Path(args.file), settings.max_upload_bytes)
        name = Path(args.file).name
    refs = Checker(_store(settings)).check(text)
    if args.csv:
        Path(args.csv).write_text(to_csv(refs), encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(to_markdown(refs, f"Citation check: {name}"), encoding="utf-8")
    if args.json:
        print(json.dumps(report_json(refs), ensure_ascii=False, indent=1))
    else:
        print(to_table(refs))
    return 0


def cmd_crosswalk(args: argparse.Namespace, settings: Settings) -> int:
    from checker.report import crosswalk_json, crosswalk_table
    from checker.service import crosswalk_links

    store = _store(settings)
    links = crosswalk_links(store, {}, args.old, args.new)
    data = crosswalk_json(store.document(args.old), store.document(args.new), links)
    print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else crosswalk_table(data))
    return 0


def register(sub: Any) -> None:
    s = sub.add_parser("check", help="check a policy's references to the guidance (.txt, .pdf, .docx, .html)")
    s.add_argument("file", help="the policy file, or - for standard input")
    s.add_argument("--json", action="store_true", help="print the same object as POST /api/check")
    s.add_argument("--csv", metavar="OUT", help="also write the report as CSV")
    s.add_argument("--markdown", metavar="OUT", help="also write the report as Markdown")
    s.set_defaults(func=cmd_check)
    s = sub.add_parser("crosswalk", help="paragraph pairs between two editions, with score and status")
    s.add_argument("old", help="older edition's doc_id, e.g. wt2018")
    s.add_argument("new", help="newer edition's doc_id, e.g. wt2023")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_crosswalk)
