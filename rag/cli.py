"""`wtguide ask` and `wtguide search`: human-readable by default, --json as in the contract."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from wtguide.settings import Settings


def _assistant(settings: Settings) -> Any:
    from rag.service import Assistant

    return Assistant.from_settings(settings)


def citation_json(c: Any) -> dict[str, Any]:
    d = asdict(c)
    d.pop("numbered", None)
    return d


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    ans = _assistant(settings).ask(args.question, top_k=args.top_k)
    if not args.json:
        # Safeguarding notices before anything else: a crisis notice is the first line printed.
        for n in ans.notices:
            print(f"! {n}")
    if args.explain:
        # Each stage's output and the decision's features, in pipeline order.
        print(json.dumps({"stages": ans.trace, "status": ans.status, "reasons": list(ans.reasons)},
                         ensure_ascii=False, indent=1, default=str))
        if not args.json:
            print()
    if args.json:
        print(
            json.dumps(
                {
                    # Notices first, so the crisis notice is also the first thing in the JSON text.
                    "notices": list(ans.notices),
                    "safeguarding": {k: v for k, v in ans.safeguarding.items() if k != "scores"},
                    "answer": ans.answer,
                    "citations": [citation_json(c) for c in ans.citations],
                    "abstained": ans.abstained,
                    "status": ans.status,
                    "reasons": list(ans.reasons),
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    print(ans.answer)
    if ans.citations:
        print()
    for c in ans.citations:
        print(f"[{c.id}] {c.reference()}" + ("" if c.quoted else "  (related)"))
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    results = _assistant(settings).search(args.query, top_k=args.top_k)
    if args.json:
        print(json.dumps({"results": [citation_json(c) for c in results]}, ensure_ascii=False, indent=1))
        return 0
    for c in results:
        print(f"[{c.id}] {c.score:.3f}  {c.reference()}")
        print(f"     {c.text[:160]}{'…' if len(c.text) > 160 else ''}")
    return 0


def register(sub: Any) -> None:
    s = sub.add_parser("ask", help="ask a question; get a short answer with verified citations")
    s.add_argument("question")
    s.add_argument("--json", action="store_true")
    s.add_argument("--top-k", type=int, default=None)
    s.add_argument("--explain", action="store_true", help="print each stage's output and the decision's features")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("search", help="find the passages that match a query")
    s.add_argument("query")
    s.add_argument("--json", action="store_true")
    s.add_argument("--top-k", type=int, default=5)
    s.set_defaults(func=cmd_search)
