"""The policy checker page in a real Chromium: paste a policy, see each reference marked; axe-core clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_chat_browser import axe_check, expect

pytestmark = pytest.mark.slow  # starts a server and a browser

POLICY = (
    "Our approach follows Working Together 2023, paragraph 48. "
    "Staff follow Working Together 2018, paragraph 11. "
    "Local arrangements are set out in Working Together 2023, paragraph 150."
)


def test_paste_a_policy_and_see_each_reference(page: Any, live_server: str, artifacts: Path) -> None:
    page.goto(live_server + "/check")
    page.get_by_role("button", name="Check references").click()
    expect(page.locator("#error-summary")).to_be_visible()  # nothing pasted yet: an error, not a crash

    page.get_by_label("Paste the policy text").fill(POLICY)
    page.get_by_role("button", name="Check references").click()
    cards = page.locator("#reference-list li")
    expect(cards).to_have_count(3)
    # 2023 is replaced by 2026 (not held): a reference naming it is out of date, though the text is right.
    expect(cards.nth(0).locator(".status-tag")).to_have_class("status-tag status-superseded")
    expect(cards.nth(1).locator(".status-tag")).to_have_class("status-tag status-superseded")
    expect(cards.nth(2).locator(".status-tag")).to_have_class("status-tag status-not_held")
    # The pasted policy is shown with each reference marked and linked to its card.
    expect(page.locator("#document a.ref-mark")).to_have_count(3)
    expect(page.locator("#error-summary")).to_be_hidden()  # the earlier error is gone
    page.screenshot(path=str(artifacts / "check-results.png"), full_page=True)
    axe_check(page, artifacts, "check-results")


def test_keyboard_only_check(page: Any, live_server: str) -> None:
    page.goto(live_server + "/check")
    page.get_by_label("Paste the policy text").focus()
    page.keyboard.type("See Working Together 2023, paragraph 14.")
    page.keyboard.press("Tab")  # the file input
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Enter")
    expect(page.locator("#reference-list li")).to_have_count(1)
