"""Extractive answers: the passages' own sentences that best answer the question, each cited."""

from __future__ import annotations

import math
import re
from collections import Counter

from ingest.chunks import Chunk
from ingest.paragraphs import FOOTNOTE_MARK
from ingest.sentences import tokens

GENERIC = frozenset(
    tokens(
        "guidance working together safeguard safeguarding children child wt document paragraph para "
        "according need needs must should does say said mean means tell about new old edition 2023 2018 "
        "current version what who whom which how why when where many much "
        # Contractions and chat words say how a question is asked, not what about.
        "don't doesn't didn't isn't aren't wasn't can't cannot won't shouldn't hi hello lol pls please thanks "
        "dont doesnt didnt isnt arent wasnt cant wont shouldnt "
        "right ok okay anyone actually stand "  # "what does LSP stand for?"
        "gonna wanna gotta ur u r n yr yrs im ive id thx cheers quick question anyway just wondering whats "
        "between"  # "what changed between 2018 and 2023?" names no subject
    )
)
class Idf:
    def __init__(self, chunks: list[Chunk]) -> None:
        df: Counter[str] = Counter()
        for c in chunks:
            df.update(set(tokens(c.text)))
        self.n = max(1, len(chunks))
        self.df = df

    def __call__(self, token: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(token, 0)))


def key_terms(question_tokens: list[str]) -> list[str]:
    return [t for t in dict.fromkeys(question_tokens) if t not in GENERIC and len(t) > 1]


def holds(words: set[str], stem: str) -> bool:
    """Whether a text's stems hold a word in some form: itself, or, from five letters on, one
    starting the other ("attend", "attendance"; but "response" is not "responsibility")."""
    return stem in words or any(
        min(len(w), len(stem)) >= 5 and (w.startswith(stem) or stem.startswith(w)) for w in words
    )


def holds_form(words: set[str], forms: list[frozenset[str]]) -> bool:
    """Whether a text's stems hold one of a word's forms (each a set of words, all needed)."""
    return any(all(holds(words, t) for t in form) for form in forms)


def unseen_share(terms: list[str], corpus_prefixes: set[str], idf: Idf) -> float:
    """IDF-weighted share of key terms the corpus never uses at all ("radiator", "timescale")."""
    total = sum(idf(t) for t in terms)
    # Short words ("yr", "info", "doc") are too often casual spellings to count against a question.
    unseen = [t for t in terms if len(t) > 4 and t[:5] not in corpus_prefixes and not t.isdigit()]
    return sum(idf(t) for t in unseen) / total if total else 0.0


# "What is a joint agency response after...?": the thing asked about runs up to the first small word.
_UNTIL = (
    r"(?=\s+(?:of|for|in|on|at|after|before|under|by|to|with|from|that|which|who|and|or|when|where|do|does|did|is|"
    r"are|must|should|can|could|will|would|have|has|managed|used)\b|\s*[?,.;:!]|$)"
)
SUBJECT_Q = re.compile(
    r"^\s*(?:what(?:'s|’s|s|\s+is|\s+are|\s+was|\s+were)|who(?:'re|’re|\s+are|\s+r|\s+were))\s+((?:a|an|the)\s+)?(.+?)"
    + _UNTIL,
    re.I,
)
OF_PHRASE = re.compile(r"\s+of\s+(?:(?:a|an|the)\s+)?(.+?)" + _UNTIL, re.I)
NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten first second third main key".split())
# "What's the point of...?", "What is the role of the DSP?": an aspect or a part someone plays,
# not a thing the answer must name; the thing is what follows "of", where anything does.
ASPECT_WORDS = frozenset(
    tokens(
        "point purpose aim idea deal difference meaning definition situation story answer position status thing "
        "role job duty duties responsibility responsibilities function functions task remit"
    )
)


def subject_of(question: str) -> tuple[str, list[str]]:
    """The thing a "What is/are X...?" question asks about, as written and as key words
    (empty for other questions)."""
    m = SUBJECT_Q.match(question)
    if not m:
        return "", []
    skip = GENERIC | NUMBER_WORDS | ASPECT_WORDS
    article, phrase = m.group(1) or "", m.group(2)
    words = [t for t in tokens(phrase) if t not in skip and not t.isdigit()]
    if not words:
        of = OF_PHRASE.match(question, m.end())
        phrase = of.group(1) if of else ""
        words = [t for t in tokens(phrase) if t not in skip and not t.isdigit()]
    # Said back as asked: "the criteria for ending a child protection plan".
    said = article + question[m.start(2) :].strip().rstrip("?!. ")
    return (said if len(said) <= 90 else phrase, words) if 0 < len(words) <= 4 else ("", [])


# "How is child protection defined?", "How did WT 2018 define a child?", "What does the term
# practitioner mean?", "What is meant by early help?", "What is the definition of X?"
DEFINE_Q = re.compile(
    r"^\s*(?:how\s+(?:is|are|was|were)\s+(?P<a>.+?)\s+defined"
    r"|how\s+(?:does|do|did)\s+.+?\s+define\s+(?P<b>.+?)"
    r"|what\s+(?:does|do|did)\s+(?:the\s+(?:term|word|phrase)\s+)?(?P<c>.+?)\s+mean"
    r"|what\s+is\s+meant\s+by\s+(?P<d>.+?)"
    r"|(?:what\s+is\s+)?the\s+definition\s+of\s+(?P<e>.+?)"
    r"|define\s+(?P<f>.+?)"
    # An acronym's long form asked for: "what does LSP stand for?", "what's DSP short for?", "ICB
    # meaning?", "dsp stands for?", "what is the meaning of early help?".
    r"|what(?:\s+(?:does|do|did|is)|'s|’s|s)\s+(?P<g>.+?)\s+(?:stand|stands|short)\s+for"
    r"|(?P<h>\S+(?:\s+\S+){0,2})\s+(?:stands?\s+for|meaning|means)(?:\s+what)?"
    r"|(?:what(?:\s+is|'s|’s|s)\s+)?(?:the\s+)?meaning\s+of\s+(?P<i>.+?))"
    r"(?:\s+(?:in|by|under|according)\b.*)?\s*[?.!]*\s*$",
    re.I,
)
# Words that say where a definition is, not what is defined.
_WHERE = frozenset(tokens("guidance document working together wt edition version 2018 2023 term word phrase"))
# A defining sentence: the thing, then one of these ("Early help is support...", "'Relevant
# agencies' are those organisations...", "In this guidance, a child is defined as anyone...").
# "ICBs are required to..." says what they must do, not what they are.
DEFINING = re.compile(
    r"\b(?:(?:is|are)(?!\s+(?:\w+ed|not|also|able|likely|still|now|expected|responsible)\b)|means|mean|refers?"
    r"|defined|describes?)\b",
    re.I,
)


def definiendum(question: str) -> list[str]:
    """The key words of the thing a definition question asks about (empty for other questions)."""
    m = DEFINE_Q.match(question)
    if m:
        phrase = next(g for g in m.groups() if g)
    else:
        phrase = " ".join(subject_of(question)[1])
    return [t for t in tokens(phrase) if t not in _WHERE and not t.isdigit()][:4]


def defines(sentence: str, thing: list[str]) -> bool:
    """Whether a sentence opens by naming the thing and saying what it is: every word of the
    thing before the first "is/are/means/defined", and at most one other content word there."""
    m = DEFINING.search(sentence)
    if not m or not thing:
        return False
    before = set(tokens(sentence[: m.start()]))
    if len(before) > len(thing) + 3:
        return False
    if not all(holds(before, t) for t in thing):
        return False
    extra = [w for w in before if w not in GENERIC and w not in _WHERE and not any(holds({w}, t) for t in thing)]
    return len(extra) <= 1


def clean_sentence(sentence: str) -> str:
    return " ".join(FOOTNOTE_MARK.sub("", sentence).split())


def introduces_acronym(text: str, acronym: str) -> bool:
    """Whether ``text`` introduces ``acronym`` as the guidance does: in brackets after its long form
    ("delegated safeguarding partner (DSP)") or quoted ("hereafter 'lead safeguarding partner' or 'LSP'")."""
    short = re.escape(acronym.upper())
    return bool(re.search(rf"\(\s*[‘'“]?{short}s?[’'”]?\s*\)|[‘'“]{short}s?[’'”]", text))

