"""The trainer page in a real Chromium, as a new user: make a quiz, review, accept, export; axe-core clean."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_chat_browser import axe_check, expect

pytestmark = pytest.mark.slow  # starts a server and a browser


def test_make_review_and_export_a_quiz(page: Any, live_server: str, artifacts: Path) -> None:
    page.goto(live_server + "/trainer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a training quiz")

    # A new user presses the button first: the error summary says what to fix and links to the field.
    page.get_by_role("button", name="Make questions").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a topic")

    page.get_by_label("Topic").fill("multi-agency safeguarding arrangements")
    page.get_by_label("Number of questions").fill("6")
    page.get_by_role("button", name="Make questions").click()
    expect(page.locator("#status")).to_have_text(re.compile(r"^6 questions made\. Every check passed\.$"))
    items = page.locator("li.item")
    expect(items).to_have_count(6)
    first = items.first
    expect(first.locator(".source blockquote mark")).not_to_be_empty()  # the quoted sentence, highlighted
    expect(first.locator(".source a")).to_have_attribute("href", re.compile(r"^/documents/wt2023#para-"))
    expect(first.locator(".tag-old")).to_contain_text("Replaced by Working Together to Safeguard Children 2026")

    # Edit the first question, accept two, reject one.
    question = first.get_by_label("Question")
    question.fill("Edited by the trainer: " + question.input_value())
    first.get_by_label("Accept").check()
    items.nth(1).get_by_label("Accept").check()
    items.nth(2).get_by_label("Reject").check()
    expect(page.locator("#accepted-count")).to_have_text("2 questions accepted of 6")
    page.screenshot(path=str(artifacts / "trainer-review.png"), full_page=True)
    axe_check(page, artifacts, "trainer-review")

    page.get_by_label("Format").select_option("moodle-xml")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export accepted questions").click()
    saved = artifacts / "trainer-export.xml"
    download.value.save_as(saved)
    root = ET.fromstring(saved.read_text())
    questions = root.findall("question")[1:]
    assert len(questions) == 2
    assert questions[0].findtext("questiontext/text").startswith("<p>Edited by the trainer: ")
    # The confirmation is next to the button that caused it.
    confirmation = page.locator("#export-status")
    expect(confirmation).to_have_text("Exported 2 questions as wtguide-quiz.xml.")
    button = page.get_by_role("button", name="Export accepted questions").bounding_box()
    said = confirmation.bounding_box()
    assert button and said and 0 <= said["y"] - button["y"] < 120, (button, said)

    # One click accepts all six.
    page.get_by_role("button", name="Accept all questions").click()
    expect(page.locator("#accepted-count")).to_have_text("6 questions accepted of 6")


def test_bad_topic_is_reported_at_the_field(page: Any, live_server: str) -> None:
    page.goto(live_server + "/trainer")
    page.get_by_label("Topic").fill("quantum chromodynamics")
    page.get_by_role("button", name="Make questions").click()
    expect(page.locator("#error-summary")).to_contain_text("no text in the guidance held matches the topic")
    expect(page.locator("#topic-error")).to_be_visible()
