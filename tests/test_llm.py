"""The optional LLM path: a loopback server speaking the OpenAI protocol replays scripted
replies, and every case is checked for what the person asking sees."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa import Answer, Bot, LLMConfig, LLMError
from qa.generate import base_url, locate, parse, preview, verify
from qa.retrieve import Chunk

from .conftest import ANSWER_ARTICLE, ROOT
from .openai_server import Reply, openai_server, passages

QUESTION = "How long was the call between Putin and Xi?"
FACT = "1 jam 25 menit"


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def sentence_with(messages: list[dict], needle: str) -> tuple[int, str]:
    """(passage number, the sentence of that passage holding `needle`) from the bot's prompt."""
    for n, text in passages(messages).items():
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if needle in sentence:
                return n, sentence
    raise AssertionError(f"no passage holds {needle!r}")


def faithful(messages: list[dict]) -> Reply:
    n, sentence = sentence_with(messages, FACT)
    return Reply(f'ANSWER: The call lasted about 1 hour 25 minutes [{n}].\nQUOTES:\n[{n}] "{sentence}"')


@pytest.fixture()
def ask_with(seeds_bot: Bot) -> Iterator:
    """ask_with(script, **config) -> (Answer, the server's recorded requests), through a bot
    sharing the seed index but pointed at a scripted server."""
    bots = []

    def run(script, question: str = QUESTION, key: str = "", config_key: str = "", timeout: float = 5.0,
            url: str | None = None):
        with openai_server(script, key=key) as server:
            config = LLMConfig(url or server.url, "stub", config_key, timeout)
            bot = Bot(seeds_bot.store, seeds_bot.embedder, reader=seeds_bot.reader, llm=config)
            bots.append(bot)
            return bot.ask(question), server.requests

    yield run


def test_faithful_answer_is_cited_with_verified_offsets(ask_with, seeds_bot: Bot) -> None:
    answer, requests = ask_with(faithful)
    assert answer.found and answer.answerer == "llm"
    assert answer.text == "The call lasted about 1 hour 25 minutes [1]."
    assert (answer.quotes_checked, answer.quotes_verified, answer.notice) == (1, 1, "")
    [c] = answer.citations
    assert c.article == ANSWER_ARTICLE and FACT in c.quote
    assert seeds_bot.article_text(c.article)[c.start:c.end] == c.quote
    # The prompt numbered the passages, asked for English, and went out as one streamed request.
    body = requests[0]["body"]
    assert body["stream"] is True and body["model"] == "stub"
    assert "in English" in body["messages"][0]["content"] and QUESTION in body["messages"][-1]["content"]


def test_indonesian_question_asks_for_an_indonesian_answer(ask_with) -> None:
    def reply(messages: list[dict]) -> Reply:
        n, sentence = sentence_with(messages, FACT)
        return Reply(f'ANSWER: Sekitar 1 jam 25 menit [{n}].\nQUOTES:\n[{n}] "{sentence}"')

    answer, requests = ask_with(reply, question="Berapa lama panggilan Putin dan Xi?")
    assert answer.text == "Sekitar 1 jam 25 menit [1]." and answer.answerer == "llm"
    assert "in Indonesian" in requests[0]["body"]["messages"][0]["content"]


def test_invented_quote_falls_back_to_the_reader(ask_with) -> None:
    answer, _ = ask_with(lambda m: Reply('ANSWER: The call lasted three hours [1].\nQUOTES:\n'
                                         '[1] "pembicaraan berlangsung selama tiga jam penuh"'))
    assert answer.answerer == "reader" and "three hours" not in answer.text
    assert answer.notice == ("The LLM's quote was not found word for word in the passage it cited; "
                             "this is the extractive reader's answer.")


def test_unverified_sentence_is_left_out_and_counted(ask_with) -> None:
    def reply(messages: list[dict]) -> Reply:
        n, sentence = sentence_with(messages, FACT)
        return Reply(f"ANSWER: The call lasted about 1 hour 25 minutes [{n}]. Putin then flew to Beijing [{n}]. "
                     f"It was friendly [9].\nQUOTES:\n[{n}] \u201c{sentence}\u201d\n[9] \"a passage that is not there\"")

    answer, _ = ask_with(reply)
    assert answer.answerer == "llm" and answer.text.startswith("The call lasted about 1 hour 25 minutes [1].")
    # The Beijing sentence cites a passage whose quote verified (the same one), so it stays;
    # the one citing passage 9 (which does not exist) is left out and the notice says so.
    assert "friendly" not in answer.text and "[9]" not in answer.text
    assert answer.notice == "1 sentence of the LLM's answer left out: no quote of theirs was found in the passages."
    assert (answer.quotes_checked, answer.quotes_verified) == (2, 1)


def test_passage_number_that_does_not_exist(ask_with) -> None:
    answer, _ = ask_with(lambda m: Reply('ANSWER: It lasted an hour [42].\nQUOTES:\n[42] "berlangsung selama sekitar satu jam"'))
    assert answer.answerer == "reader" and "[42]" not in answer.text
    assert answer.notice.startswith("The LLM's quote was not found word for word")


@pytest.mark.parametrize("reply, notice", [
    (Reply("The call was long, as everyone knows."),
     "The LLM's reply had no QUOTES section (the model ignored the answer format); "
     "this is the extractive reader's answer."),
    (Reply(broken_stream=True), "sent a reply that could not be read"),
    (Reply(status=500), "failed (HTTP 500)"),
    (Reply("ANSWER: late", first_token_delay=3.0), "sent nothing for 1 s (raise QA_LLM_TIMEOUT if it is slow)"),
])
def test_failures_get_one_line_and_the_extractive_answer(ask_with, seeds_bot: Bot, reply: Reply,
                                                          notice: str) -> None:
    answer, _ = ask_with(lambda m: reply, timeout=1.0)
    assert answer.answerer == "reader" and notice in answer.notice and "\n" not in answer.notice
    extractive = seeds_bot.ask(QUESTION)
    assert (answer.text, answer.citations) == (extractive.text, extractive.citations)


def test_wrong_key_and_unreachable_server(ask_with) -> None:
    answer, _ = ask_with(faithful, key="right", config_key="wrong")
    assert answer.answerer == "reader" and "refused the key (HTTP 401): set QA_LLM_KEY" in answer.notice
    answer, requests = ask_with(faithful, key="right", config_key="right")
    assert answer.answerer == "llm" and requests[0]["authorization"] == "Bearer right"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    answer, _ = ask_with(faithful, url=closed)
    assert answer.answerer == "reader"
    assert answer.notice == (f"The LLM at {closed} could not be reached (is the server running? check QA_LLM_URL); "
                             "this is the extractive reader's answer.")


def test_decline_is_not_found(ask_with) -> None:
    answer, _ = ask_with(lambda m: Reply("ANSWER: NOT FOUND"), question="Who won the 1998 World Cup?")
    assert answer.answerer == "llm" and not answer.found and answer.citations == []
    assert answer.text == "I could not find that in the articles."


def test_summary_reads_every_article_and_cites_each_sentence(ask_with, seeds_bot: Bot) -> None:
    def reply(messages: list[dict]) -> Reply:
        found = passages(messages)
        lines = [f"Article {n} reports on the story [{n}]." for n in found]
        firsts = {n: re.split(r"(?<=[.!?])\s+", text)[0] for n, text in found.items()}
        quotes = [f'[{n}] "{first}"' for n, first in firsts.items()]
        return Reply("ANSWER: " + " ".join(lines) + "\nQUOTES:\n" + "\n".join(quotes))

    answer, requests = ask_with(reply, question="Summarise the articles")
    assert len(passages(requests[0]["body"]["messages"])) == len(seeds_bot.articles())
    assert answer.answerer == "llm" and {c.article for c in answer.citations} == set(seeds_bot.articles())
    assert answer.text.count("[") == len(answer.citations) and answer.notice == ""
    for c in answer.citations:
        assert seeds_bot.article_text(c.article)[c.start:c.end] == c.quote


def test_stream_shows_the_answer_growing_then_the_checked_answer(seeds_bot: Bot) -> None:
    with openai_server(faithful) as server:
        bot = Bot(seeds_bot.store, seeds_bot.embedder, reader=seeds_bot.reader, llm=LLMConfig(server.url, "stub"))
        events = list(bot.ask_stream(QUESTION))
    texts, final = events[:-1], events[-1]
    assert isinstance(final, Answer) and final.answerer == "llm"
    assert len(texts) > 3 and all(isinstance(t, str) for t in texts)
    assert re.fullmatch(r"The call lasted about 1 hour 25 minutes \[\d\]\.", texts[-1])
    assert all(b.startswith(a) for a, b in zip(texts, texts[1:]))
    assert not any("ANSWER" in t or "QUOTES" in t or "jam 25" in t for t in texts)
    # Asked with llm=False, the same bot answers with the reader and calls nobody.
    assert bot.ask(QUESTION, llm=False).answerer == "reader"


def test_timings_are_those_of_the_answer_that_finished_last(seeds_bot: Bot) -> None:
    with openai_server(faithful) as server:
        bot = Bot(seeds_bot.store, seeds_bot.embedder, reader=seeds_bot.reader, llm=LLMConfig(server.url, "stub"))
        stream = bot.ask_stream(QUESTION)
        assert isinstance(next(stream), str)  # the LLM is writing; meanwhile the reader answers
        bot.ask("Siapa Yuri Ushakov?", llm=False)
        assert "answer" in bot.timings and "llm" not in bot.timings
        *_, final = stream
    assert isinstance(final, Answer) and final.answerer == "llm"
    assert {"retrieve", "llm", "total"} <= set(bot.timings) and "answer" not in bot.timings
    assert bot.timings["total"] >= bot.timings["llm"] > 0


def _chunk(text: str, article: str = "a.txt", start: int = 100) -> Chunk:
    return Chunk(article, text, {"article": article, "start": start, "title": article}, 0.5)


@pytest.mark.parametrize("reply, text, left_out", [
    # markers after the full stop belong to the sentence before them
    ('ANSWER: It lasted 85 minutes. [1] Biden was cautious. [2]', "It lasted 85 minutes [1]. Biden was cautious [2].", 0),
    # an initial is no sentence end; adjacent markers are one run, in citation order
    ("Sure.\n<think>Passage [1] says so</think>\nANSWER: U.S. President Biden was cautious [2][1].",
     "U.S. President Biden was cautious [1][2].", 0),
    # a marker for a passage that does not exist is dropped, the sentence kept by the other
    ("ANSWER: It lasted 85 minutes [1, 9]. Nobody else came [9].", "It lasted 85 minutes [1].", 1),
    # a number in brackets that is no passage, and a sentence with no marker at all
    ("ANSWER: The year [2024] was busy. It lasted 85 minutes [1].", "It lasted 85 minutes [1].", 1),
])
def test_verify_keeps_sentences_whose_quotes_verify(reply: str, text: str, left_out: int) -> None:
    chunks = [_chunk("The call lasted 85 minutes in total. Biden was cautious about it."),
              _chunk("U.S. President Biden was cautious, said the report.", "b.txt", 0)]
    quotes = '\nQUOTES:\n[1] "The call lasted 85 minutes" [2] \u201cPresident Biden was cautious\u201d\n[1] "The call lasted 85 minutes"'
    answer = verify(parse(reply + quotes), chunks, english=True)
    assert (answer.text, answer.left_out, answer.answerer) == (text, left_out, "llm")
    assert (answer.quotes_checked, answer.quotes_verified) == (2, 2)  # the repeated quote counts once
    for c in answer.citations:
        chunk = next(ch for ch in chunks if ch.meta["article"] == c.article)
        base = chunk.meta["start"]
        assert chunk.text[c.start - base:c.end - base] == c.quote


def test_decline_with_quotes_is_still_a_decline() -> None:
    answer = verify(parse('ANSWER: NOT FOUND\nQUOTES:\n[1] "The call lasted 85 minutes"'), [_chunk("x")], True)
    assert not answer.found and answer.text == "I could not find that in the articles."


def test_parse_preview_and_locate() -> None:
    reply = '**Answer:** Two [1].\n\n**QUOTES:**\n- [1]: "dua orang  hadir"\n[2] \u201csatu dua tiga\u201d'
    draft = parse(reply)
    assert draft.answer == "Two [1]." and draft.quotes == [(1, "dua orang  hadir"), (2, "satu dua tiga")]
    assert preview("ANSW") == "" and preview("ANSWER: Two [1].\nQUO") == "Two [1]."
    assert preview("ANSWER: Two [1].\nQUOTES:\n[1] x") == "Two [1]."
    text = "Kata dia, \u201cdua orang\n  hadir\u201d di sana."
    start, end = locate('"dua orang hadir"', text)
    assert text[start:end] == "\u201cdua orang\n  hadir\u201d"
    assert locate("orang", text) is None  # too short to prove anything
    assert locate("tiga orang hadir", text) is None


def test_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA_LLM_URL", raising=False)
    assert LLMConfig.from_env() is None
    monkeypatch.setenv("QA_LLM_URL", "http://localhost:11434")
    monkeypatch.setenv("QA_LLM_MODEL", "qwen2.5:0.5b")
    monkeypatch.setenv("QA_LLM_TIMEOUT", "2.5")
    assert LLMConfig.from_env() == LLMConfig("http://localhost:11434/v1", "qwen2.5:0.5b", "", 2.5)
    assert base_url("https://api.openai.com/v1/") == "https://api.openai.com/v1"
    with pytest.raises(LLMError, match="QA_LLM_URL 'localhost:11434' is not an http"):
        base_url("localhost:11434")
    monkeypatch.setenv("QA_LLM_TIMEOUT", "soon")
    with pytest.raises(LLMError, match="QA_LLM_TIMEOUT 'soon' is not a number: give seconds, e.g. 8"):
        LLMConfig.from_env()
    with pytest.raises(LLMError, match="positive number of seconds, not -1"):
        LLMConfig.from_env(timeout=-1)


def test_bot_without_llm_says_so_when_asked_for_one(seeds_bot: Bot) -> None:
    assert seeds_bot.llm is None
    assert seeds_bot.ask(QUESTION).notice == ""
    answer = seeds_bot.ask(QUESTION, llm=True)
    assert answer.answerer == "reader"
    assert answer.notice == "No LLM is configured (set QA_LLM_URL); this is the extractive reader's answer."


def test_command_line(folder: Path, tmp_path: Path) -> None:
    index = ["--articles", str(folder), "--persist-dir", str(tmp_path / "index")]
    with openai_server(faithful, key="k") as server:
        shown = _cli("-m", "qa", "ask", QUESTION, "--llm-url", server.url, *index, cwd=ROOT, QA_LLM_KEY="k")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith("The call lasted about 1 hour 25 minutes [1].\n\n[1] " + ANSWER_ARTICLE)
        refused = _cli("-m", "qa", "ask", QUESTION, "--llm-url", server.url, *index, cwd=ROOT, QA_LLM_KEY="bad")
        assert refused.returncode == 0 and "\nnote: The LLM at " in refused.stdout
        assert "refused the key (HTTP 401): set QA_LLM_KEY; this is the extractive reader's answer." in refused.stdout
        plain = _cli("-m", "qa", "ask", QUESTION, "--llm-url", server.url, "--no-llm", *index, cwd=ROOT)
        assert plain.returncode == 0 and "note:" not in plain.stdout and len(server.requests) == 2
    bad = _cli("-m", "qa", "ask", QUESTION, "--llm-url", "localhost:11434", *index, cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1] == (
        "error: QA_LLM_URL 'localhost:11434' is not an http(s) address: use e.g. http://localhost:11434/v1")
