"""The Bot: one object that syncs the index, retrieves, and answers with citations."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from index.embedder import Embedder, load_embedder
from index.store import Store, StoreError, SyncReport

from .answer import NOT_FOUND, Answer, extract
from .generate import LLMAnswerer, LLMConfig, LLMError, parse, preview, prompt, verify
from .question import Question, QuestionError, parse_question
from .reading import Decider, Reader
from .retrieve import DEPTH, Chunk, HybridRetriever

log = logging.getLogger(__name__)

Message = dict[str, str]
# Retrieved chunks the reader reads per question (chosen on IDK-MRC valid, overall F1: 3
# chunks 0.718, 5 chunks 0.721, 8 chunks 0.718), and the LLM per question or overview.
READ_CHUNKS = 5
LLM_CHUNKS = 6

# A follow-up leans on the previous question when it opens by pointing back ("and Xi?"), is too
# short to stand alone, uses a subject pronoun or a demonstrative ("how did he respond?", "dan
# pertemuan itu?"), or uses a weaker pointer (its, that, -nya) while naming nobody itself. A
# question that names its own subject reads on its own: "Where will Lumora open its factory?".
# Measured on questions written to stand alone, asked with a history: flagged 7.9% -> 4.2% of
# IDK-MRC valid's 762 (most of the rest have three words or fewer), 12 -> 0 of the 60 FacQA
# questions in English, 5 -> 2 of the 56 English-set questions; all 24 follow-up cases still.
_OPENS = re.compile(r"^(and|what about|how about|dan|lalu|kalau|bagaimana dengan)\b", re.IGNORECASE)
_POINTS_BACK = re.compile(r"\b(he|she|him|they|them|dia|ia|beliau|mereka)\b|(?<!\bapa )(?<!\bsiapa )\b(itu|tersebut)\b",
                          re.IGNORECASE)
_MAY_POINT_BACK = re.compile(r"\b(it|its|his|her|their|that|this|those|there)\b|"
                             r"\b(?!(?:hanya|punya|tanya|bertanya|ditanya|menanya|nya)\b)\w+nya\b", re.IGNORECASE)
# A capitalised word after the first: a name the question gives itself.
_NAMED = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w-]*")


def is_follow_up(question: str) -> bool:
    """Whether `question` needs the previous turn to be understood (see above)."""
    question = question.strip()
    if _OPENS.search(question) or len(question.split()) <= 3 or _POINTS_BACK.search(question):
        return True
    return bool(_MAY_POINT_BACK.search(question)) and not any(w != "I" for w in _NAMED.findall(question))


# Citation markers and "See also" tails of an earlier answer are not its content.
_MARKERS = re.compile(r"\[\d+\]|\b(See also|Lihat juga|The articles disagree|Artikel-artikel berbeda)\b:?")


class Bot:
    """Answers questions about a folder of articles, citing the passages it used."""

    def __init__(self, store: Store, embedder: Embedder, report: SyncReport | None = None,
                 reader: Reader | str | None = None, llm: LLMConfig | bool | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.report = report
        self.retriever = HybridRetriever(store, embedder)
        self.reader = reader if isinstance(reader, Reader) else Reader(reader)
        self.decider = Decider.for_reader(self.reader.folder)
        config = LLMConfig.from_env() if llm is None or llm is True else llm or None
        self.llm = LLMAnswerer(config) if config else None
        self.timings: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_articles(
        cls,
        folder: str | Path = "seeds",
        persist_dir: str | Path | None = None,
        *,
        model: str | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
        store: Store | None = None,
        progress: bool = False,
        reader: Reader | str | None = None,
        llm: LLMConfig | bool | None = None,
    ) -> Bot:
        """Sync the index with `folder` (only new or changed articles are embedded) and return
        a ready bot. Settings default to QA_PERSIST_DIR, QA_EMBED_MODEL, QA_CHROMA_URL,
        QA_READER_MODEL and QA_LLM_URL (`llm=False` turns the LLM off); an open `store`
        replaces persist_dir and chroma_url."""
        store = store or Store(persist_dir, url=chroma_url)
        embedder = embedder or load_embedder(model)
        report = store.sync(folder, embedder, progress=progress)
        log.info("index: %s", report.summary())
        return cls(store, embedder, report, reader, llm)

    @classmethod
    def from_index(
        cls,
        persist_dir: str | Path | None = None,
        *,
        model: str | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
        store: Store | None = None,
        reader: Reader | str | None = None,
        llm: LLMConfig | bool | None = None,
    ) -> Bot:
        """A bot over an existing index, without reading any article folder. Raises StoreError
        when there is no index or it was built with another embedding model."""
        store = store or Store(persist_dir, url=chroma_url)
        if not store.exists():
            store.collection()  # raises the "no index, build it first" error
        embedder = embedder or load_embedder(model)
        store.collection(embedder, rebuild=False)
        return cls(store, embedder, reader=reader, llm=llm)

    @property
    def embedding_mode(self) -> str:
        """"model" with the configured embedding model, "offline" with the built-in fallback."""
        return self.embedder.mode

    def articles(self) -> dict[str, str]:
        """Indexed article file name -> title."""
        return {name: str(m.get("title", "")) for name, m in sorted(self.manifest().items())}

    def manifest(self) -> dict[str, dict[str, Any]]:
        """Indexed article file name -> its record (digest, chunks, title, source, place).
        Read under the bot's lock, so never from a view being reopened."""
        with self._lock:
            return self.store.manifest()

    def generation(self) -> int | None:
        """The index's generation as stored now (None when it cannot be read): it moves
        whenever a sync changes what is indexed."""
        with self._lock:
            try:
                return self.store.generation()
            except StoreError:
                return None

    def article_text(self, name: str) -> str | None:
        """The text an indexed article's citation offsets point into (None when not indexed)."""
        with self._lock:
            return self.store.article_text(name)

    def as_retriever(self, k: int = 5) -> Any:
        """The hybrid retrieval as a llama-index `BaseRetriever` returning `k` chunk nodes."""
        from .llama import HybridNodeRetriever

        return HybridNodeRetriever(self, k=k)

    def as_retrievers(self, depth: int = DEPTH) -> tuple[Any, Any]:
        """(dense, bm25): each side of the hybrid retrieval alone as a llama-index
        `BaseRetriever` with its raw scores (`depth` hits each, by default as many as the bot
        fuses), to fuse or rerank in your own pipeline."""
        from .llama import SideRetriever

        return SideRetriever(self, "dense", depth), SideRetriever(self, "bm25", depth)

    def as_query_engine(self) -> Any:
        """A llama-index query engine: `.query(q)` gives a `Response` with the answer text and
        its citations as `source_nodes` (verbatim quote, article offsets, score)."""
        from .llama import CitedQueryEngine

        return CitedQueryEngine(bot=self)

    def ask(self, question: str, history: Sequence[Message] | None = None, *, llm: bool | None = None) -> Answer:
        """Answer `question`; `history` (earlier turns, oldest first) resolves follow-ups.
        With an LLM configured (and `llm` not False) the LLM answers and its quotes are
        checked; otherwise, or when it fails, the extractive reader answers. Raises
        QuestionError for an empty or over-long question."""
        if not (self.llm and llm is not False):
            with self._lock:  # one question at a time: the index view may be swapped between them
                answer = self._ask(question, history)
            if llm and not self.llm:
                answer.notice = "No LLM is configured (set QA_LLM_URL); this is the extractive reader's answer."
            return answer
        *_, answer = self.ask_stream(question, history, llm=True)
        assert isinstance(answer, Answer)
        return answer

    def ask_stream(self, question: str, history: Sequence[Message] | None = None, *,
                   llm: bool | None = None) -> Iterator[str | Answer]:
        """Like `ask`, but yields the LLM's answer text as it grows (str, citations not yet
        checked) before the final Answer; without an LLM it yields only the Answer."""
        if not (self.llm and llm is not False):
            yield self.ask(question, history, llm=llm)
            return
        with self._lock:
            started = time.perf_counter()
            self._refresh()
            parsed, chunks, notice = self._passages(question, history)
            # This call's own timings: another question may finish while the LLM writes.
            timings = {**self.retriever.timings, "retrieve": time.perf_counter() - started}
            self.timings = timings
        if not chunks:  # nothing to read: the reader says so without asking anyone
            with self._lock:
                answer = extract(parsed, parsed.text, chunks, self.reader, self.decider)
                self.timings = {**timings, "total": time.perf_counter() - started}
            yield answer
            return
        t = time.perf_counter()
        reply = ""
        try:
            for reply in self.llm.stream(prompt(parsed.text, chunks, parsed.english, history or ())):
                yield preview(reply)
            answer = verify(parse(reply), chunks, parsed.english)
        except LLMError as err:
            log.warning("%s; answering with the reader", err)
            with self._lock:
                answer = extract(parsed, parsed.text, chunks[:READ_CHUNKS], self.reader, self.decider)
            answer.notice = f"{str(err)[:1].upper()}{str(err)[1:]}; this is the extractive reader's answer."
        else:
            answer.notice = " ".join(n for n in (answer.notice, notice) if n)
        with self._lock:
            self.timings = {**timings, "llm": time.perf_counter() - t, "total": time.perf_counter() - started}
        yield answer

    def _passages(self, question: str, history: Sequence[Message] | None) -> tuple[Question, list[Chunk], str]:
        """What the LLM reads: the retrieved chunks, or for an overview of the whole library
        the first chunk of each article (and a notice when there are more articles)."""
        context, reply = _context(question, history)
        parsed = parse_question(question, context, reply)
        if not parsed.whole_library:
            return parsed, self._search(parsed, context, LLM_CHUNKS), ""
        chunks, total = self.retriever.leads(LLM_CHUNKS)
        return parsed, chunks, (f"The overview reads the opening of {len(chunks)} of the {total} articles."
                                if total > len(chunks) else "")

    def _search(self, parsed: Question, context: str, k: int) -> list[Chunk]:
        """The top `k` chunks for a question. A follow-up is retrieved with the question it
        leans on (`context`, both retrievers), and read as asked: on the follow-up set,
        prefixing the earlier question to what the reader sees made it answer that question
        instead (1 of 24 right against 5 of 24)."""
        query = f"{context} {parsed.search_text}" if context else parsed.search_text
        return self.retriever.retrieve(query, parsed.search_groups, k=k)

    def sync(self, folder: str | Path, progress: bool = False) -> SyncReport:
        """Make the index match `folder` (only new or changed articles are embedded; removed
        ones are dropped) and load the result for the next question. Questions asked meanwhile
        are answered from the index as it was."""
        report = self.store.sync(folder, self.embedder, progress=progress)
        self.report = report
        self.refresh()
        return report

    def refresh(self) -> bool:
        """Load what another process wrote to the index, if its generation changed since this
        bot last read it; True when the view was reloaded. Cheap when nothing changed (one
        manifest read), and skipped while a writer is mid-sync. Every question does this."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> bool:
        try:
            current: int | None = self.store.generation()
        except StoreError:
            current = None  # this view of the index is gone (closed, or dropped by a rebuild)
        if current is not None and current == self.retriever.generation:
            return False
        if not self.store.reopen():
            return False
        # An index rebuilt for another embedding model cannot be searched with this one.
        self.store.collection(self.embedder, rebuild=False)
        self.retriever.refresh()
        log.info("index changed (generation %d): reloaded %d chunks", self.retriever.generation,
                 len(self.retriever.ids))
        return True

    def _ask(self, question: str, history: Sequence[Message] | None) -> Answer:
        started = time.perf_counter()
        self._refresh()
        context, reply = _context(question, history)
        parsed = parse_question(question, context, reply)
        chunks = self._search(parsed, context, READ_CHUNKS)
        t = time.perf_counter()
        answer = extract(parsed, parsed.text, chunks, self.reader, self.decider)
        self.timings = {**self.retriever.timings, "answer": time.perf_counter() - t,
                        "total": time.perf_counter() - started}
        return answer


def _context(question: str, history: Sequence[Message] | None) -> tuple[str, str]:
    """For a follow-up, the previous question and the answer it got ("that" may point at
    either); empty strings when `question` stands on its own."""
    turns = [m for m in history or () if isinstance(m.get("content"), str)]
    users = [i for i, m in enumerate(turns) if m.get("role") == "user"]
    if not users or not is_follow_up(question):
        return "", ""
    last = users[-1]
    replies = [m["content"] for m in turns[last + 1 :] if m.get("role") == "assistant"]
    reply = _MARKERS.sub(" ", replies[0]) if replies and replies[0] not in NOT_FOUND.values() else ""
    return turns[last]["content"].strip(), " ".join(reply.split())


__all__ = ["Bot", "QuestionError"]
