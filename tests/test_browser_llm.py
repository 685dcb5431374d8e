"""The chat page with an LLM configured, in a real browser: the answer says who answered, its
citation opens the article at the verified quote, and the toggle switches to the reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .app_server import ROOT, running_app
from .openai_server import openai_server
from .test_browser import ANSWER_TIMEOUT, CHROMIUM, CHROMIUM_ARGS, ask
from .test_llm import FACT, faithful

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402  (after test_browser's skip)

QUESTION = "Berapa lama panggilan Putin dan Xi berlangsung?"


@pytest.fixture(scope="module")
def page(isolated_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    with openai_server(faithful) as llm, \
            running_app(tmp_path_factory.mktemp("browser-llm"), QA_LLM_URL=llm.url, QA_LLM_MODEL="stub-model") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(url)
        yield page
        browser.close()


def test_llm_answer_then_reader_with_the_toggle(page: Page) -> None:
    toggle = page.locator("#use-llm input[type=checkbox]")
    expect(toggle).to_be_checked()
    expect(page.locator("#use-llm")).to_contain_text("Answer with the LLM (stub-model)")
    ask(page, QUESTION)
    reply = page.get_by_test_id("bot").last
    expect(reply.locator(".about")).to_have_text("Answered by the LLM \u00b7 1 of 1 quotes found word for word",
                                                 timeout=ANSWER_TIMEOUT)
    expect(reply.locator("details.sources blockquote")).to_contain_text(FACT)
    reply.locator("a.cite").first.click()
    expect(page.locator("#viewer mark.passage")).to_contain_text(FACT)
    page.screenshot(path=str(ROOT / "tests" / "artifacts" / "chat-llm.png"))
    toggle.uncheck()
    ask(page, QUESTION)
    expect(page.get_by_test_id("bot").last.locator(".about")).to_have_text(
        "Answered by the extractive reader", timeout=ANSWER_TIMEOUT)
