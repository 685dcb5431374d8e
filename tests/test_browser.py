"""The chat page in a real browser: ask, read the answer, follow a citation into the article,
copy plain text, add and remove articles, see a file added outside the page, on a desktop and
on a phone, in light and dark themes."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

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

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def served(isolated_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app on loopback over a copy of the seeds it may change, watching that folder."""
    work = tmp_path_factory.mktemp("browser-app")
    with running_app(work, QA_WATCH_SECONDS="1") as url:
        yield url, work / "articles"


@pytest.fixture(scope="module")
def browser(served: tuple[str, Path]) -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(served: tuple[str, Path], browser: Browser) -> Iterator[Page]:
    """The chat page on a desktop-sized window, allowed to use the clipboard."""
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served[0].rstrip("/"))
    page = context.new_page()
    page.goto(served[0])
    yield page
    context.close()


def ask(page: Page, text: str) -> None:
    """Type `text` into the chat box and send it, then wait for the reply to settle."""
    replies = page.get_by_test_id("bot").count()
    box = page.get_by_placeholder("Ask about the articles")
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_test_id("bot")).to_have_count(replies + 1, timeout=ANSWER_TIMEOUT)
    # Settled: a finished answer carries its Copy link, a refused question says Sorry. A
    # question typed while the chat is still answering would not be sent.
    expect(page.get_by_test_id("bot").last).to_contain_text(re.compile(r"Copy\s*$|^Sorry"), timeout=ANSWER_TIMEOUT)


def test_answer_shows_sources_with_the_span_marked(page: Page) -> None:
    ask(page, ASK)
    reply = page.get_by_test_id("bot").last
    expect(reply).to_contain_text(ANSWER, timeout=ANSWER_TIMEOUT)
    expect(reply.locator("details.sources")).to_be_visible(timeout=ANSWER_TIMEOUT)
    mark = reply.locator("details.sources mark").first
    expect(mark).to_be_visible()  # the sources are open
    expect(mark).to_contain_text(ANSWER)
    reply.locator("details.sources summary").click()
    expect(mark).to_be_hidden()  # and fold away
    expect(reply).not_to_contain_text("No LLM is configured")  # no set-up note under every answer
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_script_text_is_shown_not_run(page: Page) -> None:
    script = "<script>window.__pwned=1</script>"
    ask(page, script)
    expect(page.get_by_test_id("user").last).to_have_text(script)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    markdown = r"# Berapa lama **panggilan** itu? \(a\) [x](http://contoh.id)"
    ask(page, markdown)
    user = page.get_by_test_id("user").last
    expect(user).to_have_text(markdown)  # as typed: no heading, no bold, no link
    assert user.locator("h1, strong, a").count() == 0


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
    mark = reply.locator("details.sources mark").first
    expect(mark).to_be_visible()
    colours = mark.evaluate("m => [getComputedStyle(m).color, getComputedStyle(m).backgroundColor]")
    assert themed.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
    assert contrast(*colours) >= 4.5, (theme, colours)
    background = themed.evaluate("""() => {
        let e = document.querySelector('[data-testid=bot]');
        while (e && getComputedStyle(e).backgroundColor.match(/rgba\\(.*, 0\\)$|transparent/)) e = e.parentElement;
        return e ? getComputedStyle(e).backgroundColor : 'rgb(255, 255, 255)';
    }""")
    for link in (reply.locator("a.cite").first, reply.locator("a.open").first, reply.locator("a.copy-plain")):
        colour = link.evaluate("a => getComputedStyle(a).color")
        assert contrast(colour, background) >= 4.5, (theme, colour, background)
    themed.screenshot(path=SCREENSHOT.with_name(f"chat-{theme}.png"), full_page=True)
    context.close()


def _viewer_offset(page: Page) -> tuple[int, str]:
    """Where the viewer's marked span starts in the article text it shows, and its text."""
    return tuple(page.evaluate("""() => {
        const text = document.querySelector('#viewer .article-text');
        const span = text.querySelector('mark.span');
        const range = document.createRange();
        range.setStart(text, 0);
        range.setEndBefore(span);
        return [range.toString().length, span.textContent];
    }"""))


def test_clicking_a_citation_opens_the_article_at_the_span(page: Page, served: tuple[str, Path]) -> None:
    ask(page, ASK)
    reply = page.get_by_test_id("bot").last
    link = reply.locator("a.cite").first
    expect(link).to_have_text("[1]", timeout=ANSWER_TIMEOUT)
    link.click()
    expect(page.locator("#viewer mark.span")).to_have_text(ANSWER, timeout=ANSWER_TIMEOUT)
    cited = Client(served[0], verbose=False).predict(ASK, api_name="/ask")["citations"][0]
    article = (served[1] / cited["article"]).read_text(encoding="utf-8")
    assert _viewer_offset(page) == (cited["span_start"], ANSWER)
    assert page.locator("#viewer .article-text").inner_text().strip() == article.strip()
    expect(page.locator("#viewer .file")).to_contain_text(f"characters {cited['start']}\u2013{cited['end']}")
    assert "".join(page.locator("#viewer mark.passage").all_inner_texts()) == cited["quote"]
    # A source's title opens the same view.
    source = reply.locator("details.sources a.open").first
    assert source.get_attribute("href") == link.get_attribute("href")
    page.locator("#viewer").evaluate("v => v.classList.remove('open')")
    source.click()
    expect(page.locator("#viewer")).to_have_class(re.compile(r"\bopen\b"), timeout=ANSWER_TIMEOUT)


def test_copy_puts_the_answer_and_sources_on_the_clipboard_as_plain_text(page: Page) -> None:
    ask(page, ASK)
    reply = page.get_by_test_id("bot").last
    reply.locator("a.copy-plain").click()
    expect(reply.locator("a.copy-plain")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    lines = copied.splitlines()
    assert ANSWER in lines[0] and lines[2] == "Sources:" and lines[3].startswith("[1] ")
    assert "characters " in lines[3] and ANSWER in lines[3]
    assert "<" not in copied and "&" not in copied and "details" not in copied


def _wait_listed(page: Page, text: str, present: bool = True) -> None:
    listing = page.locator("#articles-list")
    if present:
        expect(listing).to_contain_text(text, timeout=60_000)
    else:
        expect(listing).not_to_contain_text(text, timeout=60_000)


def test_uploaded_markdown_and_html_are_answerable_at_once(page: Page, tmp_path: Path) -> None:
    md = tmp_path / "Jembatan Meridian.md"
    md.write_text("# Jembatan Selat Meridian dibuka\n\nJembatan Selat Meridian sepanjang 4,2 kilometer "
                  "dibuka pada Selasa oleh Gubernur Lestari Wulandari.\n", encoding="utf-8")
    page_html = tmp_path / "festival.html"
    page_html.write_text(
        "<html><head><title>Festival Kopi Tanjung</title><script>var hidden = 'Skrip';</script></head>"
        "<body><nav>Beranda Berita Olahraga</nav><article><h1>Festival Kopi Tanjung ramai</h1>"
        "<p>Festival Kopi Tanjung tahun ini dihadiri 18.000 pengunjung selama tiga hari.</p>"
        "</article><footer>Hak cipta</footer></body></html>", encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files([str(md), str(page_html)])
    status = page.locator("#library-status")
    expect(status).to_contain_text("Added Jembatan_Meridian.md", timeout=120_000)
    expect(status).to_contain_text("Added festival.html")
    expect(status).to_contain_text("2 added")
    _wait_listed(page, "Festival Kopi Tanjung ramai")
    for question, value, article in (
        ("Siapa yang membuka Jembatan Selat Meridian?", "Lestari Wulandari", "Jembatan_Meridian.md"),
        ("Berapa pengunjung Festival Kopi Tanjung?", "18.000", "festival.html"),
    ):
        ask(page, question)
        reply = page.get_by_test_id("bot").last
        expect(reply).to_contain_text(value, timeout=ANSWER_TIMEOUT)
        expect(reply.locator("details.sources .file").first).to_contain_text(article)
    # The same file again, under any name, is not added twice.
    again = tmp_path / "salinan.md"
    again.write_bytes(md.read_bytes())
    listed = page.locator("#articles-list table")
    before = listed.inner_text()
    page.locator("#upload input[type=file]").set_input_files(str(again))
    expect(status).to_contain_text("Already in the articles: Jembatan_Meridian.md holds the same file",
                                   timeout=60_000)
    expect(status).not_to_contain_text("Added")
    assert listed.inner_text() == before


def test_a_bad_upload_gets_one_line_and_changes_nothing(page: Page, tmp_path: Path) -> None:
    listed = page.locator("#articles-list table")  # the table alone: a timer shows beside it while working
    before = listed.inner_text()
    bad = tmp_path / "gambar.txt"
    bad.write_bytes(bytes(range(256)) * 16)
    page.locator("#upload input[type=file]").set_input_files(str(bad))
    expect(page.locator("#library-status")).to_contain_text("Not added: gambar.txt", timeout=60_000)
    assert listed.inner_text() == before
    # A file type the chat does not take is refused in words too, not dropped without one.
    other = tmp_path / "notes.xyz"
    other.write_text("Catatan rapat redaksi.\n", encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(other))
    expect(page.locator("#library-status")).to_contain_text("Not added: notes.xyz: not an article format",
                                                            timeout=60_000)
    assert listed.inner_text() == before


def test_an_upload_read_as_windows_1252_says_so_in_plain_words(page: Page, tmp_path: Path) -> None:
    latin = tmp_path / "jumat.txt"
    latin.write_bytes("Jum'at Keramat di Kafé Tanjung\n\nWarga Desa Tanjung menggelar doa bersama pada "
                      "Jum'at malam di Kafé Tanjung.\n".encode("cp1252"))
    page.locator("#upload input[type=file]").set_input_files(str(latin))
    status = page.locator("#library-status")
    expect(status).to_contain_text("Added jumat.txt: Jum'at Keramat di Kafé Tanjung", timeout=120_000)
    expect(status).to_contain_text("(warning: not UTF-8, read as Windows-1252; re-save it as UTF-8")
    expect(status).not_to_contain_text("&#")


def test_a_removed_article_disappears_from_the_list_and_the_answers(page: Page, served: tuple[str, Path]) -> None:
    extra = served[1] / "pelabuhan.txt"
    extra.write_text("Pelabuhan Sorong baru diresmikan\n\nPelabuhan Sorong yang baru diresmikan oleh Menteri "
                     "Perhubungan Budi Santoso pada Selasa.\n", encoding="utf-8")
    _wait_listed(page, "pelabuhan.txt")  # picked up from outside the page, without a restart
    ask(page, "Siapa yang meresmikan Pelabuhan Sorong?")
    expect(page.get_by_test_id("bot").last).to_contain_text("Budi Santoso", timeout=ANSWER_TIMEOUT)
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("#remove-button").click()  # nothing chosen yet: the page says what to do
    expect(page.locator("#remove-button")).to_be_enabled()
    page.wait_for_timeout(500)
    assert asked == ["Choose an article to remove first."]
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="pelabuhan.txt").click()
    page.locator("#remove-button").click()
    expect(page.locator("#library-status")).to_contain_text("Removed pelabuhan.txt", timeout=60_000)
    _wait_listed(page, "pelabuhan.txt", present=False)
    assert not extra.exists() and len(asked) == 2 and "The file itself is deleted" in asked[1]  # as it said
    ask(page, "Siapa yang meresmikan Pelabuhan Sorong?")
    reply = page.get_by_test_id("bot").last
    expect(reply).not_to_contain_text("Searching", timeout=ANSWER_TIMEOUT)
    expect(reply.locator("details.sources .file")).not_to_contain_text(["pelabuhan.txt"])


def test_on_a_phone_the_chat_comes_first_and_the_viewer_opens_over_it(browser: Browser, served: tuple[str, Path]) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(served[0])
    box = phone.get_by_placeholder("Ask about the articles")
    expect(box).to_be_visible()
    assert box.bounding_box()["y"] + box.bounding_box()["height"] <= 844
    expect(phone.locator("#articles-list")).to_be_hidden(timeout=10_000)  # folded away
    phone.screenshot(path=SCREENSHOT.with_name("chat-phone.png"))
    ask(phone, ASK)
    phone.get_by_test_id("bot").last.locator("a.cite").first.click()
    viewer = phone.locator("#viewer")
    expect(viewer.locator("mark.span")).to_have_text(ANSWER, timeout=ANSWER_TIMEOUT)
    expect(viewer).to_have_class(re.compile(r"\bopen\b"))
    box_ = viewer.bounding_box()
    assert box_["x"] == 0 and box_["width"] >= 380 and box_["height"] >= 800  # covers the screen
    # It scrolls by itself, opened at the passage: the marked answer is on the screen.
    assert viewer.evaluate("v => getComputedStyle(v).overflowY") == "auto"
    span = viewer.locator("mark.span").bounding_box()
    assert span and 0 <= span["y"] and span["y"] + span["height"] <= 844, span
    phone.screenshot(path=SCREENSHOT.with_name("chat-phone-viewer.png"))
    viewer.locator(".close-viewer").click()
    expect(viewer).not_to_have_class(re.compile(r"\bopen\b"))
    context.close()


def test_earlier_answers_keep_working_citations_after_a_follow_up(page: Page) -> None:
    ask(page, "Where did Xi and Putin last meet in person?")
    first = page.get_by_test_id("bot").last
    expect(first.locator("a.cite").first).to_be_visible(timeout=ANSWER_TIMEOUT)
    ask(page, "When was that?")
    expect(page.get_by_test_id("bot").last).to_contain_text("September", timeout=ANSWER_TIMEOUT)
    ask(page, ASK)
    expect(page.get_by_test_id("bot").last.locator("a.cite").first).to_be_visible(timeout=ANSWER_TIMEOUT)
    first.locator("a.cite").first.click()  # an answer two turns back
    expect(page.locator("#viewer mark.span")).to_have_text(
        first.locator("details.sources mark").first.inner_text(), timeout=ANSWER_TIMEOUT)


def test_clearing_the_chat_closes_the_passage_it_opened(page: Page) -> None:
    ask(page, ASK)
    page.get_by_test_id("bot").last.locator("a.cite").first.click()
    expect(page.locator("#viewer mark.span")).to_have_text(ANSWER, timeout=ANSWER_TIMEOUT)
    page.locator("#chat").get_by_role("button", name=re.compile("clear", re.IGNORECASE)).click()
    expect(page.get_by_test_id("bot")).to_have_count(0)
    expect(page.locator("#viewer")).to_have_text("Click a [n] in an answer to read the passage in its article.")
