"""The quarter review on the sandbox page: jump to the review prompt, review an objective, submit, ask Maria,
and Maria's look back on her Home tab."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SlackPage

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("REVIEW_SCREENSHOTS")  # a directory: save screenshots of each step there


def shot(slack: SlackPage, name: str) -> None:
    if SHOTS:
        slack.page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


def test_ravi_reviews_last_quarter_and_asks_maria_for_the_review_one_on_one(slack: SlackPage) -> None:
    slack.act_as("URAVI")
    slack.page.get_by_role("button", name="Jump to the quarter review").click()
    slack.open_app("Messages")
    prompt = slack.message("Review your quarter")
    expect(prompt).to_contain_text("Launch self-serve onboarding")
    shot(slack, "1-prompt")
    prompt.get_by_role("button", name="Review your quarter").click()
    modal = slack.modal()
    expect(modal).to_contain_text("Launch self-serve onboarding")
    shot(slack, "2-overview")
    modal.get_by_role("button", name="Review").first.click()
    form = slack.modal()
    expect(form).to_contain_text("Final grade")
    expect(form).to_contain_text("Waiting on the analytics events")
    shot(slack, "3-objective-form")
    expect(form.get_by_label("Partly met")).to_be_checked()  # suggested by the prefilled grade (0.5)
    form.get_by_label("Final grade (0.0–1.0)").fill("abc")
    form.get_by_role("button", name="Save draft").click()
    expect(form).to_contain_text("is not a grade")
    form.get_by_label("Final grade (0.0–1.0)").fill("0.3")
    form.get_by_label("Not met", exact=True).check()
    form.get_by_label("What helped?").fill("Pairing with Lena on the checklist")
    form.get_by_role("button", name="Save draft").click()
    overview = slack.modal()
    expect(overview).to_contain_text("Your grade 0.3")
    shot(slack, "4-overview-drafted")
    overview.get_by_role("button", name="Submit review").click()
    expect(slack.modal()).to_contain_text("Submitted")
    slack.modal().get_by_role("button", name="Ask Maria for a review 1-on-1").click()
    expect(slack.modal()).to_contain_text("Review 1-on-1 with Maria")
    shot(slack, "5-asked")
    slack.page.locator("#modal-cancel").click()

    slack.act_as("UMARIA")
    slack.open_app("Messages")
    expect(slack.message("asks you for a 1-on-1")).to_contain_text("Quarter review")
    slack.open_app("Home")
    home = slack.page.locator("#home")
    expect(home).to_contain_text("Looking back at")
    expect(home).to_contain_text("Not reviewed yet")
    shot(slack, "6-maria-home")
