"""A synthetic guidance document shaped like text extracted from a statutory-guidance PDF.

Numbered paragraphs under chapters and headings, bullet lists whose glyphs came out as
``e``, footnote markers glued to the word before them with the footnote bodies at the foot
of the page, and a printed page number alone on a line at the end of each page. The
generator records where each paragraph really starts (page and character offset), so a
benchmark can check what an ingest pipeline kept.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass, field

WORDS = """safeguarding children practitioners agencies partners local authority police health education
welfare needs family families assessment information sharing early help protection plan
multi-agency arrangements designated leads statutory duty review learning support services
risk harm abuse neglect exploitation referral social care wellbeing voice child young people
carers parents professionals training oversight scrutiny priorities resources decisions record
concerns timely effective proportionate collaborative response outcomes communities settings""".split()
TOPICS = """Information sharing|Early help|Assessment of need|Strategic leadership|Independent scrutiny
|Working with parents and carers|Child protection conferences|Learning from serious incidents
|Education and childcare settings|Health services|Police|Voluntary and community sector
|Allegations against people who work with children|Disabled children|Young carers""".replace("\n", "").split("|")
ACTS = ["Children Act 1989", "Children Act 2004", "Education Act 2002", "Equality Act 2010", "Data Protection Act 2018"]


@dataclass
class Synthetic:
    text: str
    pages: int
    paragraphs: int
    # paragraph number -> (page where it starts, character offset of its "N." in text)
    starts: dict[int, tuple[int, int]] = field(default_factory=dict)
    footnotes: int = 0

    def spans(self) -> list[tuple[int, int, int]]:
        """(paragraph, start, end) character spans of the numbered paragraphs, in order."""
        order = sorted(self.starts.items(), key=lambda kv: kv[1][1])
        out = []
        for i, (number, (_, start)) in enumerate(order):
            end = order[i + 1][1][1] if i + 1 < len(order) else len(self.text)
            out.append((number, start, end))
        return out


class _Writer:
    """Lays lines onto pages; a full page gets its footnotes, its number and a page break."""

    def __init__(self, lines_per_page: int) -> None:
        self.lines_per_page = lines_per_page
        self.out: list[str] = []
        self.page = 1
        self.on_page = 0
        self.notes: list[str] = []
        self.chars = 0

    def line(self, text: str) -> tuple[int, int]:
        """Write one line; returns (page, character offset) where its text starts."""
        if self.on_page >= self.lines_per_page:
            self.end_page()
            text = " " + text if text else text  # extraction leaves a space on a page's first line
        start = self.chars + (1 if text.startswith(" ") else 0)
        self._emit(text)
        self.on_page += 1
        return self.page, start

    def end_page(self) -> None:
        for text in ["", *self.notes, "", str(self.page), "", "", ""]:
            self._emit(text)
        self.page += 1
        self.on_page = 0
        self.notes = []

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.chars += len(text) + 1


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def generate(pages: int = 200, seed: int = 7, lines_per_page: int = 24, width: int = 88) -> Synthetic:
    rng = random.Random(seed)
    w = _Writer(lines_per_page)
    doc = Synthetic(text="", pages=0, paragraphs=0)
    number = note = chapter = 0
    while w.page <= pages:
        if number % 40 == 0:
            chapter += 1
            for text in ("", f"Chapter {chapter}: {rng.choice(TOPICS)}", ""):
                w.line(text)
        elif rng.random() < 0.2:
            for text in ("", rng.choice(TOPICS), ""):
                w.line(text)
        number += 1
        sentences = [_words(rng, 10, 24).capitalize() + "." for _ in range(rng.randint(2, 6))]
        glued = ""
        if rng.random() < 0.15:
            note += 1
            act = rng.choice(ACTS)
            glued = f"{act[-4:]}{note}"  # "Children Act 20042": the superscript 2 glued to the year
            i = rng.randrange(len(sentences))
            sentences[i] = f"{sentences[i][:-1]} under the {act}{note}."
        bullets = rng.random() < 0.25
        if bullets:
            sentences[-1] = sentences[-1][:-1] + ", which means:"
        for i, text in enumerate(textwrap.wrap(f"{number}. " + " ".join(sentences), width)):
            page, offset = w.line(text)
            if i == 0:
                doc.starts[number] = (page, offset)
            if glued and glued in text:
                w.notes.append(f"{note} {act} (https://www.legislation.gov.uk/)")
        if bullets:
            for _ in range(rng.randint(2, 5)):
                w.line("")
                for i, text in enumerate(textwrap.wrap(_words(rng, 6, 16), width - 2)):
                    w.line(("e " if i == 0 else "") + text)  # a bullet glyph read as "e"
        w.line("")
    w.end_page()
    doc.text = "\n".join(w.out) + "\n"
    doc.pages, doc.paragraphs, doc.footnotes = w.page - 1, number, note
    for n, (_, offset) in doc.starts.items():
        assert doc.text.startswith(f"{n}. ", offset), n
    return doc
