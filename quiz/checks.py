"""Checks on every item and across a quiz, and the report that lists them with pass counts."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from quiz.corpus import Corpus, norm
from quiz.types import Draft

# Chi-square critical values at p = 0.05 for 1-5 degrees of freedom.
CHI2_CRITICAL_05 = {1: 3.841, 2: 5.991, 3: 7.815, 4: 9.488, 5: 11.070}
ITEM_CHECKS = ("answer_supported", "distractors_false", "unique")
# The keyed option is longest of four by chance 1 time in 4; the check fails only when it is longest
# more often than chance explains (one-sided binomial test at this level), so a 7-item quiz with
# 3 longest answers passes and one with 6 does not.
LONGEST_ALPHA = 0.05


def check_item(d: Draft, corpus: Corpus, seen: set[str]) -> dict[str, bool]:
    """answer_supported: the cited paragraph contains the true sentence (for mcq and cloze, with the
    keyed words in the gap). distractors_false: no paragraph contains a wrong option put in the gap,
    or the altered statement. unique: no other item has the same question or the same sentence."""
    key = (d.source.doc_id, d.source.paragraph)
    dup = {norm(d.question), "sentence:" + norm(d.source.sentence)}
    out = {
        "answer_supported": corpus.supported_by(key, d.supported),
        "distractors_false": not any(corpus.anywhere(w) for w in d.wrong)
        and norm(d.supported) not in {norm(w) for w in d.wrong},
        "unique": not (dup & seen),
    }
    d.checks = out
    return out


def chi_square(counts: list[int]) -> float:
    total = sum(counts)
    if not counts or total == 0:
        return 0.0
    expected = total / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts)


def evenness(counts: list[int]) -> dict[str, Any]:
    stat = chi_square(counts)
    critical = CHI2_CRITICAL_05.get(len(counts) - 1, 0.0)
    return {"counts": counts, "chi_square": round(stat, 3), "critical_value": critical, "passed": stat <= critical}


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def report(drafts: list[Draft], rejected: Counter[str], options: int = 4) -> dict[str, Any]:
    """The quiz report: each check with how many items it was applied to and how many passed."""
    out: dict[str, Any] = {}
    for name in ITEM_CHECKS:
        out[name] = {"checked": len(drafts), "passed": sum(1 for d in drafts if d.checks.get(name))}
    mcq = [d for d in drafts if d.type == "mcq"]
    positions = [0] * options
    longest = 0
    for d in mcq:
        assert isinstance(d.answer, int)
        positions[d.answer] += 1
        lengths = [len(o) for o in d.options]
        if lengths[d.answer] == max(lengths) and lengths.count(max(lengths)) == 1:
            longest += 1
    out["answer_positions"] = {"checked": len(mcq), **evenness(positions)}
    p_value = binomial_tail(longest, len(mcq), 1 / options)
    out["answer_not_longest"] = {
        "checked": len(mcq),
        "answer_longest": longest,
        "share": round(longest / len(mcq), 3) if mcq else 0.0,
        "chance": 1 / options,
        "p_value": round(p_value, 4),
        "passed": p_value > LONGEST_ALPHA,
    }
    tf = Counter(bool(d.answer) for d in drafts if d.type == "true_false")
    out["true_false_balance"] = {
        "checked": tf[True] + tf[False],
        "true": tf[True],
        "false": tf[False],
        "passed": abs(tf[True] - tf[False]) <= 1,
    }
    superseded = [d for d in drafts if "superseded" in d.flags]
    out["superseded"] = {"checked": len(drafts), "flagged": len(superseded)}
    out["rejected_drafts"] = dict(sorted(rejected.items()))
    out["all_passed"] = all(out[n]["passed"] == len(drafts) for n in ITEM_CHECKS) and all(
        out[n]["passed"] for n in ("answer_positions", "answer_not_longest", "true_false_balance")
    )
    return out
