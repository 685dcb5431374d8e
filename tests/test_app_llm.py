"""The web chat with an LLM configured: app.py served in a subprocess, pointed at a loopback
server that speaks the OpenAI protocol, and driven through gradio_client."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

import app

from .app_server import running_app
from .openai_server import Reply, openai_server
from .test_llm import FACT, faithful

CALL = "Berapa lama panggilan Putin dan Xi berlangsung?"
FAILING = "Siapa asisten pemerintah Rusia?"
# Set by a test: the next reply streams slowly.
slow_next = {"on": False}


def script(messages: list[dict]) -> Reply:
    """A faithful answer; a server error for the question about the aide; a slow stream when
    a test asked for one."""
    if FAILING in messages[-1]["content"]:
        return Reply(status=500)
    reply = faithful(messages)
    reply.token_delay = 0.4 if slow_next.pop("on", False) else 0.0
    return reply


@pytest.fixture(scope="module")
def served(isolated_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, object]]:
    with openai_server(script) as llm, running_app(tmp_path_factory.mktemp("app-llm"), QA_LLM_URL=llm.url,
                                                   QA_LLM_MODEL="stub-model") as url:
        yield Client(url, verbose=False), llm


def reply_of(chat: list[dict]) -> str:
    return app.message_text(chat[-1]["content"])


def test_llm_answer_streams_then_shows_checked_citations(served) -> None:  # type: ignore[no-untyped-def]
    client, llm = served
    job = client.submit(CALL, [], api_name="/chat")
    final = reply_of(job.result())
    assert "Answered by the LLM \u00b7 1 of 1 quotes found word for word" in final
    assert 'class="cite"' in final and FACT in final and "QUOTES" not in final
    streamed = [reply_of(chat) for chat in job.outputs()]
    writing = [text for text in streamed if text.endswith(app.WRITING)]
    assert len(writing) >= 3 and not any("QUOTES" in t or "ANSWER" in t for t in writing)
    assert llm.requests[-1]["body"]["model"] == "stub-model"


def test_ask_reader_never_calls_the_llm(served) -> None:  # type: ignore[no-untyped-def]
    client, llm = served
    before = len(llm.requests)
    answer = client.predict(CALL, [], api_name="/ask_reader")
    assert answer["answerer"] == "reader" and answer["notice"] == "" and len(llm.requests) == before
    # Plain HTTP clients keep the two-argument /ask and /chat (the toggle is no API parameter).
    from bench.serving import call

    url = client.src.rstrip("/") + "/"
    assert call(url, "ask", [CALL, []])[1] == "ok" and call(url, "chat", [CALL, []])[1] == "ok"


def test_llm_failure_shows_one_line_and_the_extractive_answer(served) -> None:  # type: ignore[no-untyped-def]
    client, _ = served
    final = reply_of(client.predict(FAILING, [], api_name="/chat"))
    assert "Answered by the extractive reader" in final
    assert html.escape("failed (HTTP 500); this is the extractive reader's answer.", quote=False) in final
    answer = client.predict(FAILING, api_name="/ask")
    assert answer["answerer"] == "reader" and "failed (HTTP 500)" in answer["notice"]


def test_ask_endpoint_reports_the_answerer(served) -> None:  # type: ignore[no-untyped-def]
    client, _ = served
    answer = client.predict(CALL, api_name="/ask")
    assert answer["answerer"] == "llm" and answer["quotes_verified"] == 1 and answer["notice"] == ""
    assert FACT in answer["citations"][0]["quote"]
    assert client.predict(CALL, [], api_name="/ask_reader")["answerer"] == "reader"


def test_questions_are_answered_while_an_llm_reply_streams(served) -> None:  # type: ignore[no-untyped-def]
    client, _ = served
    slow_next["on"] = True
    job = client.submit(CALL, [], api_name="/chat")
    while not any(reply_of(chat).endswith(app.WRITING) for chat in job.outputs()):
        assert not job.done(), "the slow reply ended before it streamed"
    # Both the reader and another LLM answer come back while the slow one is still streaming.
    assert client.predict(CALL, [], api_name="/ask_reader")["answerer"] == "reader"
    assert client.predict(CALL, api_name="/ask")["answerer"] == "llm"
    assert not job.done()
    assert "Answered by the LLM" in reply_of(job.result())
