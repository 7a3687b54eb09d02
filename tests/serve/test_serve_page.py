"""The web page in real Chromium: paste a text with a planted copy, check, see the highlighted
span and its source panel. Skips when Chromium or Playwright is absent."""

from __future__ import annotations

import pytest
from tests.browser import OUTPUT, chromium, require_browser, served
from tests.serve.conftest import POEM

require_browser()


@pytest.fixture
def server_url(served_index):
    from wherefrom.serve.app import create_app

    with served(create_app(served_index.path)) as url:
        yield url


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def test_page_highlights_a_planted_copy_and_opens_its_source(server_url, browser):
    planted = "A short answer, in my own words first.\n\n" + POEM[:330] + "\n\nThanks for reading!"
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(server_url + "/")
    page.fill("#input", planted)
    page.click("#check")
    mark = page.locator("#highlighted mark.span").first
    mark.wait_for(timeout=15_000)
    assert mark.inner_text().startswith("Shall I compare")
    assert "lic-none" in mark.get_attribute("class")
    assert page.inner_text("#verdict") == "attribution-required"
    assert "% of the input copied" in page.inner_text("#coverage-text")

    mark.focus()  # keyboard: a span takes focus and Enter opens its source
    page.keyboard.press("Enter")
    panel = page.locator("#panel")
    panel.locator("h2").wait_for()
    text = panel.inner_text()
    for expected in (
        "Sonnet XVIII",
        "William Shakespeare",
        "https://www.gutenberg.org/ebooks/1041",
        "1609",
        "CC0-1.0",
        "Similarity",
        "Documents containing",
    ):
        assert expected in text
    # the side-by-side view replaces the snippet: its source side is the sonnet
    assert "Shall I compare" in panel.locator("figure.evidence .ev-side").nth(1).inner_text()
    assert panel.locator("button.copy").is_visible()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "serve-page.png"), full_page=True)

    page.set_viewport_size({"width": 380, "height": 800})  # narrow screen: no sideways scroll
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(OUTPUT / "serve-page-narrow.png"), full_page=True)
