"""`wtguide quiz …` makes a checked quiz; `wtguide quiz check FILE` re-checks an exported one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from quiz.types import DIFFICULTIES, TYPES, QuizRequest
from wtguide.errors import BadRequest
from wtguide.settings import Settings


def _assistant(settings: Settings) -> Any:
    from rag.service import Assistant

    return Assistant.from_settings(settings)


def _format(args: argparse.Namespace) -> str:
    from quiz.export import EXTENSIONS

    if args.format:
        return str(args.format)
    return EXTENSIONS.get(Path(args.output).suffix.lower(), "json") if args.output else "json"


def cmd_quiz(args: argparse.Namespace, settings: Settings) -> int:
    if args.quiz_command == "check":
        return cmd_check(args, settings)
    if not args.topic:
        raise BadRequest("quiz: --topic is required (e.g. --topic 'multi-agency safeguarding arrangements')")
    from quiz.build import build_quiz
    from quiz.export import export

    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    fmt = _format(args)
    if fmt == "anki" and not args.output:
        raise BadRequest("quiz: an Anki deck is a binary file; give -o FILE.apkg")
    req = QuizRequest(args.topic, args.count, types, args.edition, args.chapter, args.difficulty, args.seed)
    quiz = build_quiz(_assistant(settings), req)
    data = export(quiz.to_json(), fmt)
    if args.output:
        out = Path(args.output)
        out.write_bytes(data) if isinstance(data, bytes) else out.write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data if isinstance(data, str) else "")
    checks = quiz.checks
    summary = ", ".join(
        f"{k} {v['passed']}/{v['checked']}" if type(v["passed"]) is int else f"{k} {'ok' if v['passed'] else 'FAILED'}"
        for k, v in checks.items()
        if isinstance(v, dict) and "passed" in v
    )
    print(
        f"{len(quiz.items)} items in {quiz.seconds:.2f}s (seed {req.seed}); checks: {summary}; "
        f"all passed: {checks['all_passed']}",
        file=sys.stderr,
    )
    for n in quiz.notices:
        print(f"! {n}", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from quiz.stale import check_quiz

    path = Path(args.file)
    try:
        quiz = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadRequest(f"no such file: {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"{path} is not a JSON quiz export (use --format json when exporting)") from exc
    result = check_quiz(_assistant(settings), quiz)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        for r in result["items"]:
            print(f"{r['status']:<10} {r['id']}  {r['doc_id']} paragraph {r['paragraph']}: {r['message']}")
        print(f"{result['stale']} of {len(result['items'])} items need review")
    return 1 if result["stale"] else 0


def register(sub: Any) -> None:
    s = sub.add_parser("quiz", help="make a checked quiz from the guidance, or re-check an exported one")
    s.add_argument("--topic", help="what the quiz is about (matched by retrieval)")
    s.add_argument("--count", type=int, default=10)
    s.add_argument("--types", default=",".join(TYPES), help=f"comma-separated, from {','.join(TYPES)}")
    s.add_argument("--edition", help="edition year or doc_id (default: the newest held)")
    s.add_argument("--chapter", help="'2', 'Chapter 2' or words from its title")
    s.add_argument("--difficulty", choices=DIFFICULTIES, default="medium")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument(
        "--format",
        choices=("json", "gift", "moodle-xml", "csv", "anki"),
        help="default: from -o's extension, else json",
    )
    s.add_argument("-o", "--output", help="write to FILE instead of standard output")
    s.set_defaults(func=cmd_quiz, quiz_command=None)
    inner = s.add_subparsers(dest="quiz_command")
    c = inner.add_parser("check", help="re-check an exported JSON quiz against the current index")
    c.add_argument("file")
    c.add_argument("--json", action="store_true")
