"""The chat page in a real browser: ask, read the answer, open its sources, try a script."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .app_server import ROOT, running_app
from .conftest import ANSWER, ASK

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOT = ROOT / "tests" / "artifacts" / "chat.png"
ANSWER_TIMEOUT = 30_000  # ms

if not Path(CHROMIUM).exists():
    # CI installs chromium (.ci/run), so there a missing browser is a failure, not a skip.
    if os.environ.get("CI"):
        pytest.fail(f"chromium is not installed at {CHROMIUM}", pytrace=False)
    pytest.skip("chromium is not installed (with CI set, this fails)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def page(isolated_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The chat page, loaded in headless chromium from an app on loopback."""
    with running_app(tmp_path_factory.mktemp("browser-app")) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(url)
        yield page
        browser.close()


def ask(page: Page, text: str) -> None:
    """Type `text` into the chat box and send it, then wait for the reply to settle."""
    replies = page.get_by_test_id("bot").count()
    box = page.get_by_placeholder("Ask about the articles")
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_test_id("bot")).to_have_count(replies + 1, timeout=ANSWER_TIMEOUT)


def test_answer_shows_sources_with_the_span_marked(page: Page) -> None:
    ask(page, ASK)
    reply = page.get_by_test_id("bot").last
    expect(reply).to_contain_text(ANSWER, timeout=ANSWER_TIMEOUT)
    expect(reply.locator("details.sources")).to_be_visible(timeout=ANSWER_TIMEOUT)
    mark = reply.locator("details.sources mark").first
    expect(mark).to_be_hidden()
    reply.locator("details.sources summary").click()
    expect(mark).to_be_visible()
    expect(mark).to_contain_text(ANSWER)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_script_text_is_shown_not_run(page: Page) -> None:
    script = "<script>window.__pwned=1</script>"
    ask(page, script)
    expect(page.get_by_test_id("user").last).to_have_text(script)
    assert page.evaluate("typeof window.__pwned") == "undefined"


def _luminance(css: str) -> float:
    """Relative luminance (WCAG 2) of a computed `rgb(...)`/`rgba(...)` colour."""
    import re

    channels = [float(v) / 255 for v in re.findall(r"[\d.]+", css)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_highlight_is_readable_in_both_themes(page: Page, theme: str) -> None:
    context = page.context.browser.new_context(viewport={"width": 1100, "height": 1000})
    themed = context.new_page()
    themed.goto(page.url.split("?")[0] + f"?__theme={theme}")
    ask(themed, ASK)
    reply = themed.get_by_test_id("bot").last
    expect(reply.locator("details.sources")).to_be_visible(timeout=ANSWER_TIMEOUT)
    reply.locator("details.sources summary").click()
    mark = reply.locator("details.sources mark").first
    expect(mark).to_be_visible()
    colours = mark.evaluate("m => [getComputedStyle(m).color, getComputedStyle(m).backgroundColor]")
    assert themed.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
    assert contrast(*colours) >= 4.5, (theme, colours)
    themed.screenshot(path=SCREENSHOT.with_name(f"chat-{theme}.png"), full_page=True)
    context.close()
