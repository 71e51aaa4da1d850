"""Plain data for quizzes: what was asked for, and one drafted item before it leaves as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

TYPES = ("mcq", "true_false", "cloze")
DIFFICULTIES = ("easy", "medium", "hard")
MAX_COUNT = 100
GAP = "____"


@dataclass(frozen=True)
class QuizRequest:
    topic: str
    count: int = 10
    types: tuple[str, ...] = TYPES
    edition: str | None = None
    chapter: str | None = None
    difficulty: str = "medium"
    seed: int = 0


@dataclass(frozen=True)
class Source:
    doc_id: str
    paragraph: str
    sentence: str  # footnote markers dropped; otherwise verbatim from the paragraph
    rank: int  # position of its paragraph in the topic ranking, 0 = best


@dataclass
class Draft:
    """One item with what its checks need: the true text its paragraph must contain, and the
    wrong texts (each distractor put in the gap, or the altered statement) no paragraph may contain."""

    type: str
    source: Source
    question: str
    options: list[str]
    answer: int | bool | str
    supported: str
    wrong: list[str]
    category: str
    correct: str = ""  # the keyed option's text (mcq) or the missing words (cloze)
    accept: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
