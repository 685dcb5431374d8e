"""The bot for llama-index users: its hybrid retrieval as a `BaseRetriever`, its cited answers as
a query engine whose `Response.source_nodes` are the verbatim citations.

    retriever = bot.as_retriever(k=5)          # NodeWithScore(TextNode) per chunk, with offsets
    engine = bot.as_query_engine()             # engine.query(q).response, .source_nodes
    dense, bm25 = bot.as_retrievers()          # each side alone, to fuse or rerank yourself

llama-index is imported only when one of these is built, so the command line does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.base.response.schema import Response
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import ConfigDict

from .question import parse_question
from .retrieve import DEPTH

if TYPE_CHECKING:
    from .answer import Answer
    from .bot import Bot


class HybridNodeRetriever(BaseRetriever):
    """Dense + BM25 retrieval over the bot's index, as llama-index nodes: each chunk's text,
    its article offsets (`start_char_idx`, `end_char_idx`), its article metadata, and the
    fused score."""

    def __init__(self, bot: Bot, k: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bot = bot
        self.k = k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        bot = self.bot
        with bot._lock:
            bot._refresh()
            question = parse_question(query_bundle.query_str)
            chunks = bot.retriever.retrieve(question.search_text, question.search_groups, k=self.k)
        return [NodeWithScore(node=_node(c.id, c.text, c.meta), score=c.score) for c in chunks]


class SideRetriever(BaseRetriever):
    """One side of the bot's hybrid retrieval as a `BaseRetriever`: "dense" (the question's
    embedding against Chroma; score: cosine similarity) or "bm25" (Indonesian stems, English
    words with their translations; score: BM25), up to `depth` chunk nodes with raw scores.

    Fused by llama-index's `QueryFusionRetriever(mode="relative_score", num_queries=1,
    retriever_weights=[bot.retriever.dense_weight, 1.0])` they rank the chunks as
    `bot.as_retriever()` does (tests/test_llama.py checks this)."""

    def __init__(self, bot: Bot, side: str, depth: int = DEPTH, **kwargs: Any) -> None:
        if side not in ("dense", "bm25"):
            raise ValueError(f"side {side!r} is not a retriever: use 'dense' or 'bm25'")
        super().__init__(**kwargs)
        self.bot, self.side, self.depth = bot, side, depth

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        bot = self.bot
        with bot._lock:
            bot._refresh()
            question = parse_question(query_bundle.query_str)
            retriever = bot.retriever
            if not retriever.ids:
                return []
            hits = (retriever.dense_hits(question.search_text, self.depth) if self.side == "dense"
                    else retriever.bm25_hits(question.search_groups, self.depth))
            ids = [retriever.ids[i] for i, _ in hits]
            found = bot.store.chunks(ids)
        return [NodeWithScore(node=_node(cid, *found[cid]), score=score)
                for cid, (_, score) in zip(ids, hits) if cid in found]


def _node(chunk_id: str, text: str, meta: dict[str, Any]) -> TextNode:
    """A chunk as a TextNode: its text, article offsets and article metadata."""
    kept = {key: meta[key] for key in ("article", "title", "chunk_no", "source", "place") if key in meta}
    return TextNode(id_=chunk_id, text=text, metadata=kept,
                    start_char_idx=int(meta["start"]), end_char_idx=int(meta["end"]))


def answer_response(answer: Answer) -> Response:
    """An Answer as a llama-index Response: the answer text (with its [n] markers) and one
    source node per citation, in citation order, holding the verbatim quote and its offsets."""
    sources = []
    for n, c in enumerate(answer.citations, 1):
        node = TextNode(
            id_=f"{c.article}@{c.start}-{c.end}", text=c.quote, start_char_idx=c.start, end_char_idx=c.end,
            metadata={"citation": n, "article": c.article, "title": c.title,
                      "span_start": c.span_start, "span_end": c.span_end},
        )
        sources.append(NodeWithScore(node=node, score=c.score))
    return Response(response=answer.text, source_nodes=sources,
                    metadata={"found": answer.found, "value": answer.value, "confidence": answer.confidence,
                              "disagreement": answer.disagreement, "answerer": answer.answerer,
                              "quotes_verified": answer.quotes_verified, "notice": answer.notice})


class CitedQueryEngine(CustomQueryEngine):
    """`Bot.ask` behind llama-index's query-engine interface."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    bot: Any

    def custom_query(self, query_str: str) -> Response:
        return answer_response(self.bot.ask(query_str))
