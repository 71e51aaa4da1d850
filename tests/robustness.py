"""The robustness corpus: one small document per way ingestion has lost or garbled text.

Each case is data: the document (text as a str or raw bytes, HTML as a str, a PDF as pages of
lines, ``[]`` for a page with no text layer), and what ingest must yield from it: every paragraph
(id, first page, last page, exact text), the warnings by kind (each with words its message must
hold), and text that must appear nowhere. ``tests/test_ingest_robustness.py`` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (paragraph id, first page, last page, text)
Para = tuple[str, int | None, int | None, str]


@dataclass(frozen=True)
class Case:
    name: str
    format: str  # "text", "html" or "pdf"
    content: str | bytes | list[list[str]]
    paragraphs: list[Para]
    warnings: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    absent: tuple[str, ...] = ()
    numbered: bool = True
    headings: dict[str, str] = field(default_factory=dict)  # paragraph id -> its heading


def utf16(text: str, bom: bool) -> bytes:
    data = text.encode("utf-16-le")
    return (b"\xff\xfe" + data) if bom else data


RUNNING = "Working Together to Safeguard Children 2026"

CASES: list[Case] = [
    # ---- paragraph numbering ---------------------------------------------------------------
    Case(
        "numbering-gap",
        "text",
        "1. Everyone shares the duty.\n\n2. Leaders set the direction.\n\n4. Schools name a lead.\n\n"
        "5. Health services take part.\n",
        [
            ("1", None, None, "Everyone shares the duty."),
            ("2", None, None, "Leaders set the direction."),
            ("4", None, None, "Schools name a lead."),
            ("5", None, None, "Health services take part."),
        ],
        [("numbering-gap", ("sample", "from 2 to 4", "paragraph 3 not found"))],
    ),
    Case(
        "numbering-gap-of-several",
        "text",
        "1. First paragraph.\n\n2. Second paragraph.\n\n6. Sixth paragraph.\n\n7. Seventh paragraph.\n",
        [
            ("1", None, None, "First paragraph."),
            ("2", None, None, "Second paragraph."),
            ("6", None, None, "Sixth paragraph."),
            ("7", None, None, "Seventh paragraph."),
        ],
        [("numbering-gap", ("from 2 to 6", "paragraphs 3–5"))],
    ),
    Case(
        "numbering-restart-in-an-appendix",
        "text",
        "1. The main text begins.\n\n2. The main text ends.\n\nAppendix A: Local forms\n\n"
        "1. Each form has an owner.\n\n2. Forms are reviewed yearly.\n",
        [
            ("1", None, None, "The main text begins."),
            ("2", None, None, "The main text ends."),
            ("appendix-a-1", None, None, "Each form has an owner."),
            ("appendix-a-2", None, None, "Forms are reviewed yearly."),
        ],
        [("numbering-restart", ("sample", "start again at 1", "appendix-a-1"))],
    ),
    Case(
        "inner-numbered-list-is-not-a-gap",
        "text",
        "1. The first paragraph.\n\n2. Partners should:\n1. agree priorities\n2. share data\n3. review cases\n"
        "4. publish a report\n\n3. The third paragraph.\n",
        [
            ("1", None, None, "The first paragraph."),
            ("2", None, None, "Partners should:\n1. agree priorities\n2. share data\n3. review cases\n"
             "4. publish a report"),
            ("3", None, None, "The third paragraph."),
        ],
    ),
    Case(
        "number-on-its-own-line",
        "text",
        "1.\nEveryone shares the duty.\n\n2.\nLeaders set the direction.\n",
        [("1", None, None, "Everyone shares the duty."), ("2", None, None, "Leaders set the direction.")],
    ),
    Case(
        "nested-numbering",
        "text",
        "1. Introduction\n\n1.1 This guidance is for everyone.\n\n1.2 It replaces the last edition.\n\n"
        "2. Roles\n\n2.1 The local authority leads.\n\n2.2 The police take part.\n",
        [
            ("1.1", None, None, "This guidance is for everyone."),
            ("1.2", None, None, "It replaces the last edition."),
            ("2.1", None, None, "The local authority leads."),
            ("2.2", None, None, "The police take part."),
        ],
        headings={"1.1": "Introduction", "2.1": "Roles"},
    ),
    Case(
        "nested-numbering-with-a-gap",
        "text",
        "1.1 First point.\n\n1.2 Second point.\n\n1.4 Fourth point.\n\n1.5 Fifth point.\n",
        [
            ("1.1", None, None, "First point."),
            ("1.2", None, None, "Second point."),
            ("1.4", None, None, "Fourth point."),
            ("1.5", None, None, "Fifth point."),
        ],
        [("numbering-gap", ("from 1.2 to 1.4", "paragraph 1.3 not found"))],
    ),
    # ---- Unicode ---------------------------------------------------------------------------
    Case(
        "ligatures-zero-width-bidi-nbsp-fullwidth",
        "text",
        "1. The ﬁrst duty is to pro\u00adtect chil\u200bdren\u00a0and young\u202fpeople.\n\n"
        "2. \u200fＥarly help is ofﬂine and online\u2060.\n",
        [
            ("1", None, None, "The first duty is to protect children and young people."),
            ("2", None, None, "Early help is offline and online."),
        ],
        absent=("ﬁ", "\u200b", "\u00a0", "\u200f", "Ｅ"),
    ),
    Case(
        "soft-hyphen-at-a-line-break",
        "text",
        "1. Everyone must work to pro\u00ad\ntect children from harm.\n",
        [("1", None, None, "Everyone must work to protect children from harm.")],
    ),
    Case(
        "superscript-footnote-digit-kept",
        "text",
        "1. The Children Act 2004\u00b2 sets the duty.\n",
        [("1", None, None, "The Children Act 2004\u00b2 sets the duty.")],
    ),
    # ---- encodings and line ends -------------------------------------------------------------
    Case(
        "utf16-with-bom",
        "text",
        utf16("1. The child’s voice matters.\n\n2. Listen to it.\n", bom=True),
        [("1", None, None, "The child’s voice matters."), ("2", None, None, "Listen to it.")],
    ),
    Case(
        "utf16-without-bom",
        "text",
        utf16("1. The child’s voice matters in every assessment.\n\n2. Practitioners listen to it.\n", bom=False),
        [
            ("1", None, None, "The child’s voice matters in every assessment."),
            ("2", None, None, "Practitioners listen to it."),
        ],
        [("encoding", ("utf-16", "detected"))],
    ),
    Case(
        "utf8-with-bom",
        "text",
        b"\xef\xbb\xbf" + "1. The child’s voice matters.\n".encode(),
        [("1", None, None, "The child’s voice matters.")],
        absent=("\ufeff",),
    ),
    Case(
        "one-stray-windows-1252-byte-in-utf8",
        "text",
        "1. The child’s plan is shared.\n\n".encode() + b"2. The carer\x92s view is heard.\n\n"
        + "3. The parent’s consent is sought.\n".encode(),
        [
            ("1", None, None, "The child’s plan is shared."),
            ("2", None, None, "The carer’s view is heard."),
            ("3", None, None, "The parent’s consent is sought."),
        ],
        [("decoding", ("line 3", "Windows-1252"))],
        absent=("â€", "\ufffd"),
    ),
    Case(
        "whole-file-windows-1252",
        "text",
        "1. The child’s plan is shared – with care – and reviewed by the team.\n\n"
        "2. The carer’s view is heard and recorded.\n".encode("cp1252"),
        [
            ("1", None, None, "The child’s plan is shared – with care – and reviewed by the team."),
            ("2", None, None, "The carer’s view is heard and recorded."),
        ],
        [("encoding", ("not UTF-8",))],
    ),
    Case(
        "windows-line-ends",
        "text",
        b"1. Everyone shares the duty\r\nto keep children safe.\r\n\r\n2. Leaders set the direction.\r\n",
        [("1", None, None, "Everyone shares the duty to keep children safe."),
         ("2", None, None, "Leaders set the direction.")],
        absent=("\r",),
    ),
    # ---- HTML ----------------------------------------------------------------------------------
    Case(
        "html-cookie-banner-nav-footer-print",
        "html",
        """<html><body>
        <div class="govuk-cookie-banner" role="region" aria-label="Cookies on GOV.UK">
          <p>We use some essential cookies to make this service work.</p><button>Accept</button></div>
        <a class="govuk-skip-link" href="#main">Skip to main content</a>
        <header><p>GOV.UK</p></header><nav><ul><li>Home</li><li>Education</li></ul></nav>
        <main id="main"><h1>Safeguarding guidance</h1>
          <p>1. Everyone who works with children has a duty to keep them safe.</p>
          <p>2. Leaders set the direction.</p>
          <p><a href="#">Print this page</a></p>
        </main>
        <footer><p>All content is available under the Open Government Licence.</p></footer>
        </body></html>""",
        [
            ("1", None, None, "Everyone who works with children has a duty to keep them safe."),
            ("2", None, None, "Leaders set the direction."),
        ],
        absent=("cookies", "Skip to", "Print this page", "Open Government Licence", "Education"),
    ),
    Case(
        "html-hidden-elements",
        "html",
        """<html><body><main>
        <p>1. Everyone shares the duty.<span hidden>Draft note: check with legal.</span></p>
        <p style="display: none">An old paragraph kept hidden.</p>
        <p>2. Leaders set the direction.<span aria-hidden="true">★</span></p>
        </main></body></html>""",
        [("1", None, None, "Everyone shares the duty."), ("2", None, None, "Leaders set the direction.")],
        absent=("Draft note", "old paragraph", "★"),
    ),
    Case(
        "html-text-in-a-block-that-holds-blocks",
        "html",
        """<html><body><main>
        <div>Text standing in the section itself.
          <p>A paragraph inside the section.</p>
          Text after the paragraph.</div>
        </main></body></html>""",
        [
            ("start-1", None, None, "Text standing in the section itself."),
            ("start-2", None, None, "A paragraph inside the section."),
            ("start-3", None, None, "Text after the paragraph."),
        ],
        numbered=False,
    ),
    Case(
        "html-list-item-with-a-nested-list",
        "html",
        """<html><body><main>
        <h2>What partners do</h2>
        <p>The partners should:</p>
        <ul><li>agree shared priorities, which include:
              <ul><li>early help</li><li>exploitation</li></ul></li>
            <li>publish their arrangements</li></ul>
        </main></body></html>""",
        [
            (
                "what-partners-do-1",
                None,
                None,
                "The partners should:\n• agree shared priorities, which include:\n• early help\n• exploitation\n"
                "• publish their arrangements",
            )
        ],
        numbered=False,
    ),
    Case(
        "html-table",
        "html",
        """<html><body><main>
        <h2>Who does what</h2>
        <p>The table shows each partner's lead.</p>
        <table><tr><th>Partner</th><th>Lead</th></tr><tr><td>Police</td><td>Chief Constable</td></tr></table>
        </main></body></html>""",
        [
            ("who-does-what-1", None, None, "The table shows each partner's lead."),
            ("who-does-what-2", None, None, "Partner | Lead Police | Chief Constable"),
        ],
        numbered=False,
    ),
    # ---- PDF -----------------------------------------------------------------------------------
    Case(
        "pdf-page-without-text-layer",
        "pdf",
        [
            ["1. The first paragraph is on the first page.", "1"],
            [],
            ["3. The third paragraph is on the third page.", "3"],
        ],
        [
            ("1", 1, 1, "The first paragraph is on the first page."),
            ("3", 3, 3, "The third paragraph is on the third page."),
        ],
        [("no-text-layer", ("page 2", "no text layer")), ("numbering-gap", ("from 1 to 3", "paragraph 2 not found"))],
    ),
    Case(
        "pdf-text-after-a-page-without-text-layer",
        "pdf",
        [
            ["1. The first paragraph is on the first page.", "2. The second paragraph starts here and", "10"],
            [],
            ["continues after the scanned page.", "3. The third paragraph.", "12"],
        ],
        [
            ("1", 10, 10, "The first paragraph is on the first page."),
            ("2", 10, 10, "The second paragraph starts here and"),
            ("start-1", 12, 12, "continues after the scanned page."),
            ("3", 12, 12, "The third paragraph."),
        ],
        [("no-text-layer", ("page 11", "PDF page 2"))],
    ),
    Case(
        "pdf-paragraph-over-a-page-break",
        "pdf",
        [
            [RUNNING, "1. The first paragraph.", "2. The second paragraph starts on this page.", "It says more",
             "here.", "7"],
            [RUNNING, "The last sentence is on the next page.", "3. The third paragraph.", "8"],
        ],
        [
            ("1", 7, 7, "The first paragraph."),
            ("2", 7, 8, "The second paragraph starts on this page. It says more here. The last sentence is on the "
             "next page."),
            ("3", 8, 8, "The third paragraph."),
        ],
        absent=(RUNNING,),
    ),
    Case(
        "pdf-running-header-on-every-page-including-the-first",
        "pdf",
        [
            [RUNNING, "Introduction", "This guidance is for everyone who works", "1"],
            [RUNNING, "with children in England.", "2"],
        ],
        [
            ("introduction-1", 1, 2, "This guidance is for everyone who works with children in England."),
        ],
        absent=(RUNNING,),
        numbered=False,
    ),
    Case(
        "pdf-running-headers-that-change-with-the-chapter",
        "pdf",
        [
            ["Chapter 1: Duties", "1. Everyone shares the duty.", "1"],
            ["Chapter 1: Duties", "2. Leaders set the direction.", "2"],
            ["Chapter 1: Duties", "3. Schools name a lead.", "3"],
            ["Chapter 1: Duties", "4. Health services take part.", "4"],
            ["Chapter 2: Arrangements", "5. Partners publish arrangements.", "5"],
            ["Chapter 2: Arrangements", "6. Arrangements are reviewed.", "6"],
            ["Chapter 2: Arrangements", "7. Reviews are published.", "7"],
            ["Chapter 2: Arrangements", "8. Scrutiny is independent.", "8"],
        ],
        [
            ("1", 1, 1, "Everyone shares the duty."),
            ("2", 2, 2, "Leaders set the direction."),
            ("3", 3, 3, "Schools name a lead."),
            ("4", 4, 4, "Health services take part."),
            ("5", 5, 5, "Partners publish arrangements."),
            ("6", 6, 6, "Arrangements are reviewed."),
            ("7", 7, 7, "Reviews are published."),
            ("8", 8, 8, "Scrutiny is independent."),
        ],
    ),
    Case(
        "pdf-number-on-its-own-line",
        "pdf",
        [["7.", "Everyone shares the duty.", "8.", "Leaders set the direction.", "3"]],
        [("7", 3, 3, "Everyone shares the duty."), ("8", 3, 3, "Leaders set the direction.")],
        [("numbering-gap", ("from the start to 7", "paragraphs 1–6 not found"))],
    ),
    Case(
        "pdf-table-rows-stay-in-their-paragraph",
        "pdf",
        [["1. Each partner names a lead:", "Partner    Lead", "Police    Chief Constable",
          "2. The next paragraph.", "1"]],
        [
            ("1", 1, 1, "Each partner names a lead: Partner Lead Police Chief Constable"),
            ("2", 1, 1, "The next paragraph."),
        ],
    ),
    Case(
        "pdf-two-columns-read-column-by-column",
        "pdf",
        [["1. The left column holds the first", "paragraph of the page.", "2. The right column holds the",
          "second paragraph.", "4"]],
        [("1", 4, 4, "The left column holds the first paragraph of the page."),
         ("2", 4, 4, "The right column holds the second paragraph.")],
    ),
    Case(
        "pdf-footnote-marker-glued-to-a-section-number",
        "pdf",
        [["1. Under the Domestic Abuse Act 2021, section 31 recognises a child as a victim.",
          "2. The next paragraph.", "1 Domestic Abuse Act 2021 Section 3", "5"]],
        [("1", 5, 5, "Under the Domestic Abuse Act 2021, section 3[^1] recognises a child as a victim."),
         ("2", 5, 5, "The next paragraph.")],
    ),
    # ---- seen in the shipped 2023 text, as small cases ----------------------------------------
    Case(
        "wrapped-myth-heading",
        "text",
        "1. The first paragraph ends the numbered part.\n\n"
        "Personal information collected by one organisation/agency cannot be disclosed\nto another\n\n"
        "No, this is not the case unless the information is to be used for another purpose.\n",
        [
            ("1", None, None, "The first paragraph ends the numbered part."),
            ("personal-information-collected-by-one-or-1", None, None,
             "No, this is not the case unless the information is to be used for another purpose."),
        ],
        headings={
            "personal-information-collected-by-one-or-1":
                "Personal information collected by one organisation/agency cannot be disclosed to another"
        },
    ),
    Case(
        "hyphenated-word-split-by-a-space",
        "text",
        "1. Partners need the full co- operation of schools.\n\n2. This co-operation should exist at all levels.\n",
        [("1", None, None, "Partners need the full co-operation of schools."),
         ("2", None, None, "This co-operation should exist at all levels.")],
    ),
    Case(
        "mac-line-ends",
        "text",
        b"1. Everyone shares the duty\rto keep children safe.\r\r2. Leaders set the direction.\r",
        [("1", None, None, "Everyone shares the duty to keep children safe."),
         ("2", None, None, "Leaders set the direction.")],
    ),
    Case(
        "html-bidi-marks-and-nbsp-in-numbered-paragraphs",
        "html",
        "<html><body><main><p>1.&nbsp;Everyone\u200e shares&#8203; the duty.</p>"
        "<p>2. Leaders&nbsp;set the direction.</p></main></body></html>",
        [("1", None, None, "Everyone shares the duty."), ("2", None, None, "Leaders set the direction.")],
        absent=("\u200e", "\u200b", "\u00a0"),
    ),
    # ---- found by a helper attacking ingestion (issue 17) ---------------------------------------
    Case(
        "number-inside-a-sentence-is-not-a-page-number",
        "text",
        "1. The guidance applies to all children under the age of\n18\nyears, whether living with their "
        "families or not.\n\n2. It lists the ages\n16\nand 17 separately.\n",
        [("1", None, None, "The guidance applies to all children under the age of 18 years, whether living with "
          "their families or not."),
         ("2", None, None, "It lists the ages 16 and 17 separately.")],
    ),
    Case(
        "pdf-number-inside-a-sentence-is-not-a-footnote",
        "pdf",
        [["1. The guidance applies to all children under the age of", "18", "years, wherever they live.",
          "2. Bravo.", "5"]],
        [("1", 5, 5, "The guidance applies to all children under the age of 18 years, wherever they live."),
         ("2", 5, 5, "Bravo.")],
    ),
    Case(
        "paragraph-numbers-above-999",
        "text",
        "".join(f"{n}. Paragraph {n}.\n\n" for n in range(998, 1003)),
        [(str(n), None, None, f"Paragraph {n}.") for n in range(998, 1003)],
        [("numbering-gap", ("from the start to 998", "paragraphs 1–997 not found"))],  # an extract
    ),
    Case(
        "html-nested-1500-levels-deep",
        "html",
        "<html><body><main><h2>Deep</h2>" + "<div>" * 1500 + "<p>1. Everyone shares the duty.</p>"
        + "</div>" * 1500 + "</main></body></html>",
        [("1", None, None, "Everyone shares the duty.")],
    ),
    Case(
        "html-text-outside-main-is-read-with-a-warning",
        "html",
        "<html><body><main><h2>Introduction</h2><p>1. Alpha.</p></main><div class='content'>"
        "<p>2. Bravo stands outside the main element.</p><p>3. Charlie too.</p></div></body></html>",
        [("1", None, None, "Alpha."), ("2", None, None, "Bravo stands outside the main element."),
         ("3", None, None, "Charlie too.")],
        [("html-outside-main", ("outside <main>", "read too"))],
    ),
    Case(
        "html-aside-header-footer-inside-main-are-text",
        "html",
        "<html><body><header>Site name</header><main><h2>Introduction</h2><p>1. Alpha.</p>"
        "<aside><p>Key point: act early.</p></aside><div class='cookie-policy-note'><p>Children's data is "
        "kept safe.</p></div><p>2. Bravo.</p><footer><p>Published 13 December 2023</p></footer></main>"
        "<footer>Crown copyright</footer></body></html>",
        [("1", None, None, "Alpha. Key point: act early. Children's data is kept safe."),
         ("2", None, None, "Bravo."),
         ("introduction-1", None, None, "Published 13 December 2023")],
        absent=("Site name", "Crown copyright"),
    ),
    Case(
        "html-screen-reader-only-text-is-not-glued-on",
        "html",
        "<html><body><main><p>1. Alpha.</p><div class='govuk-warning-text'><strong><span "
        "class='govuk-visually-hidden'>Warning</span>Call 999 if a child is in danger.</strong></div>"
        "</main></body></html>",
        [("1", None, None, "Alpha. Call 999 if a child is in danger.")],
        absent=("WarningCall",),
    ),
    Case(
        "html-ordered-list-keeps-its-numbers",
        "html",
        "<html><body><main><h2>Introduction</h2><ol><li>Alpha as item one.</li><li>Bravo as item two.</li></ol>"
        "<h2>More</h2><ol start='3'><li>Charlie as item three.</li></ol></main></body></html>",
        [("1", None, None, "Alpha as item one."), ("2", None, None, "Bravo as item two."),
         ("3", None, None, "Charlie as item three.")],
        headings={"3": "More"},
    ),
    Case(
        "html-image-text-alternative-is-kept",
        "html",
        "<html><body><main><h2>Referral</h2><p>The process is shown below.</p>"
        "<img src='f.png' alt='Flowchart of the referral process'></main></body></html>",
        [("referral-1", None, None, "The process is shown below."),
         ("referral-2", None, None, "Flowchart of the referral process")],
        numbered=False,
    ),
    Case(
        "a-number-wrapped-to-the-start-of-a-line-is-not-a-paragraph",
        "text",
        "1. Alpha.\n\n2. Bravo is explained further in paragraph\n3. below, which sets out the test.\n\n"
        "3. Charlie is the real paragraph three.\n",
        [("1", None, None, "Alpha."),
         ("2", None, None, "Bravo is explained further in paragraph\n3. below, which sets out the test."),
         ("3", None, None, "Charlie is the real paragraph three.")],
    ),
    Case(
        "lower-case-list-then-the-next-paragraph",
        "text",
        "1. Alpha.\n\n2. The steps are:\n\n1. assess the child\n\n2. make a plan\n\n3. Charlie is the "
        "real paragraph three.\n",
        [("1", None, None, "Alpha."), ("2", None, None, "The steps are:\n1. assess the child\n2. make a plan"),
         ("3", None, None, "Charlie is the real paragraph three.")],
    ),
    Case(
        "duplicate-paragraph-number",
        "text",
        "1. Alpha.\n\n2. Bravo.\n\n2. Bravo again.\n\n3. Charlie.\n",
        [("1", None, None, "Alpha."), ("2", None, None, "Bravo.\n2. Bravo again."), ("3", None, None, "Charlie.")],
        [("numbering-duplicate", ("paragraph 2 is numbered twice",))],
    ),
    Case(
        "paragraph-inserted-by-amendment",
        "text",
        "1. Alpha.\n\n1A. Alpha-A was inserted.\n\n2. Bravo.\n",
        [("1", None, None, "Alpha."), ("1A", None, None, "Alpha-A was inserted."), ("2", None, None, "Bravo.")],
    ),
    Case(
        "short-lines-after-a-lead-in-are-its-list",
        "text",
        "1. Partners should consider:\n\nEarly help\n\nSocial care\n\n2. Bravo paragraph.\n",
        [("1", None, None, "Partners should consider:\n• Early help\n• Social care"),
         ("2", None, None, "Bravo paragraph.")],
    ),
    Case(
        "pdf-glyph-names-of-a-font-without-unicode-map",
        "pdf",
        [["1. Alpha readable text. /g17/g42/g99", "2. Bravo readable.", "1"]],
        [("1", 1, 1, "Alpha readable text."), ("2", 1, 1, "Bravo readable.")],
        [("undecodable-text", ("PDF page 1", "3 characters"))],
        absent=("/g17",),
    ),
    Case(
        "pdf-page-number-above-a-footer",
        "pdf",
        [["1. Alpha on printed page seven.", "7", RUNNING], ["2. Bravo on printed page eight.", "8", RUNNING],
         ["3. Charlie on printed page nine.", "9", RUNNING]],
        [("1", 7, 7, "Alpha on printed page seven."), ("2", 8, 8, "Bravo on printed page eight."),
         ("3", 9, 9, "Charlie on printed page nine.")],
        absent=(RUNNING,),
    ),
    Case(
        "short-windows-1252-file",
        "text",
        "1. The fee is £5 – or €6.\n".encode("cp1252"),
        [("1", None, None, "The fee is £5 – or €6.")],
        [("encoding", ("Windows-1252", "line 1"))],
    ),
    Case(
        "year-range-broken-after-its-hyphen",
        "text",
        "1. The plan covers 2023-\n2024 and the co-\noperation of partners, as co-operation should.\n",
        [("1", None, None, "The plan covers 2023-2024 and the co-operation of partners, as co-operation should.")],
    ),
    Case(
        "statutory-document-with-no-numbered-paragraphs",
        "text",
        "Introduction\n\nThis guidance has no paragraph numbers at all.\n",
        [("introduction-1", None, None, "This guidance has no paragraph numbers at all.")],
        [("no-numbered-paragraphs", ("no numbered paragraphs",))],
    ),
    # ---- found by a second helper (issue 17) ------------------------------------------------
    Case(
        "pdf-paragraph-number-on-its-own-line-at-a-page-foot-is-not-furniture",
        "pdf",
        [[RUNNING, "5", "1.", "Alpha paragraph.", "2.", "Bravo paragraph."],
         [RUNNING, "6", "3.", "Charlie paragraph.", "4.", "Delta paragraph."]],
        [("1", 5, 5, "Alpha paragraph."), ("2", 5, 5, "Bravo paragraph."), ("3", 6, 6, "Charlie paragraph."),
         ("4", 6, 6, "Delta paragraph.")],
    ),
    Case(
        "pdf-raised-footnote-digit-starts-no-list",
        "pdf",
        [[RUNNING, "7", "1. Local authorities have duties under the Children Act 1989 to provide", "1",
          "services to children in need.", "2. Partners must work together.", "1 Children Act 1989, section 17."],
         [RUNNING, "8", "3. Charlie paragraph.", "4. Delta paragraph."]],
        [("1", 7, 7, "Local authorities have duties under the Children Act 1989 to provide 1 services to children "
          "in need."),
         ("2", 7, 7, "Partners must work together."), ("3", 8, 8, "Charlie paragraph."),
         ("4", 8, 8, "Delta paragraph.")],
    ),
    Case(
        "pdf-page-number-under-the-header-and-a-paragraph-over-the-break",
        "pdf",
        [[RUNNING, "20", "1. Alpha on page twenty.", "2. Bravo begins on page twenty and"],
         [RUNNING, "21", "ends on page twenty-one.", "3. Charlie on page twenty-one."]],
        [("1", 20, 20, "Alpha on page twenty."), ("2", 20, 21, "Bravo begins on page twenty and ends on page "
          "twenty-one."), ("3", 21, 21, "Charlie on page twenty-one.")],
    ),
    Case(
        "pdf-footnotes-that-differ-only-in-their-numbers-are-not-a-footer",
        "pdf",
        [["1. The Children Act 19891 and the Children Act 20042 apply.", "1 Children Act 1989, as amended",
          "2 Children Act 2004, as amended", "1"],
         ["2. The Children Act 19893 applies again.", "3 Children Act 1989, as amended", "2"],
         ["3. The Children Act 19894 and the Children Act 20045 apply.", "4 Children Act 1989, as amended",
          "5 Children Act 2004, as amended", "3"],
         ["4. The Children Act 19896 applies at last.", "6 Children Act 1989, as amended", "4"]],
        [("1", 1, 1, "The Children Act 1989[^1] and the Children Act 2004[^2] apply."),
         ("2", 2, 2, "The Children Act 1989[^3] applies again."),
         ("3", 3, 3, "The Children Act 1989[^4] and the Children Act 2004[^5] apply."),
         ("4", 4, 4, "The Children Act 1989[^6] applies at last.")],
    ),
    Case(
        "html-accordion-hidden-until-found-is-text",
        "html",
        "<html><body><main><p>1. Alpha.</p><div hidden='until-found'><p>2. Bravo in a collapsed section.</p>"
        "</div></main></body></html>",
        [("1", None, None, "Alpha."), ("2", None, None, "Bravo in a collapsed section.")],
    ),
    Case(
        "html-govuk-footnotes",
        "html",
        "<html><body><main><p>1. The Children Act 1989<sup id='fnref:1'><a href='#fn:1'>1</a></sup> applies.</p>"
        "<p>2. Partners work together.</p><div class='footnotes'><ol><li id='fn:1'><p>Children Act 1989, section "
        "17. <a href='#fnref:1' class='reversefootnote'>↩</a></p></li></ol></div></main></body></html>",
        [("1", None, None, "The Children Act 1989[^1] applies."), ("2", None, None, "Partners work together.")],
        absent=("↩", "19891"),
    ),
    Case(
        "html-deleted-text-and-list-values",
        "html",
        "<html><body><main><ol><li value='7'>Reviews happen <del>every two years</del><ins>every year</ins>."
        "</li><li>Reports are published.</li></ol></main></body></html>",
        [("7", None, None, "Reviews happen every year."), ("8", None, None, "Reports are published.")],
        [("numbering-gap", ("from the start to 7",))],
    ),
    Case(
        "unicode-line-separators",
        "text",
        "1. Alpha.\u20292. Bravo\u2028continues.\u20293. Charlie.",
        [("1", None, None, "Alpha."), ("2", None, None, "Bravo continues."), ("3", None, None, "Charlie.")],
    ),
    Case(
        "windows-1252-with-an-undefined-byte",
        "text",
        b"1. The child\x92s \x93voice\x94 matters \x96 always.\n\n2. A stray \x81 byte.\n",
        [("1", None, None, "The child’s “voice” matters – always."), ("2", None, None, "A stray \ufffd byte.")],
        [("encoding", ("Windows-1252",)), ("decoding", ("line 3", "not Windows-1252"))],
    ),
]
