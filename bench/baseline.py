"""Baseline: the plain llama-index pipeline a user would write from its documentation, over
the same articles and the same embedder, compared with the bot on FacQA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.retrievers import BaseRetriever

from index.embedder import Embedder

from .context import Context, log, timed, write_jsonl
from .corpus import FacQA, Gold
from .metrics import ratio, score, summarize

TOP_K = 5


class ProductEmbedding(BaseEmbedding):
    """The product's embedder behind llama-index's embedding interface, so both systems
    compare retrieval and answering, not models."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "ProductEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        """A question, with the model's query prompt."""
        return self._embedder.encode_query([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        """A chunk, with the model's document prompt."""
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        """Chunks in one batch."""
        return self._embedder.encode_documents(texts).tolist()


def build_retriever(folder: Path, persist_dir: Path, embedder: Embedder) -> BaseRetriever:
    """SimpleDirectoryReader -> VectorStoreIndex (default SentenceSplitter) over a Chroma
    collection of its own -> a top-5 retriever."""
    import chromadb
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    documents = SimpleDirectoryReader(str(folder)).load_data()
    settings = chromadb.Settings(anonymized_telemetry=False)
    client = chromadb.PersistentClient(path=str(persist_dir), settings=settings)
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("baseline"))
    index = VectorStoreIndex.from_documents(
        documents,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=ProductEmbedding(embedder),
    )
    return index.as_retriever(similarity_top_k=TOP_K)


def _ask(retriever: BaseRetriever, item: FacQA, gold: Gold) -> dict:
    """Retrieve for one question; the answer is the top chunk's text."""
    nodes, seconds = timed(lambda: retriever.retrieve(item.question))
    cited = [n.node.metadata.get("file_name", "") for n in nodes]
    answer = nodes[0].node.get_content() if nodes else ""
    return {"id": item.id, "cited": cited, "prediction": answer,
            **score(item.article, gold.articles, gold.answers, cited, answer), "seconds": round(seconds, 6)}


def run(ctx: Context) -> dict:
    """Both systems on the FacQA questions; ratios are bot / baseline."""
    if ctx.facqa_items is None:
        return ctx.skipped()
    retriever, build = timed(
        lambda: build_retriever(ctx.facqa_folder, ctx.work / "baseline-index", ctx.embedder)
    )
    log.info("baseline index built in %.1f s; asking %d questions", build, len(ctx.questions))
    baseline = [_ask(retriever, item, ctx.golds[item.id]) for item in ctx.questions]
    path = write_jsonl(ctx.out / "baseline_facqa.jsonl", baseline)
    ours, theirs = summarize(ctx.bot_results), summarize(baseline)
    keys = ("cite@1", "cite@5", "f1", "contains", "p50_s", "p95_s")
    return {
        "bot": {**ours, "build_s": round(ctx.facqa_bot.report.seconds, 3)},
        "baseline": {**theirs, "build_s": round(build, 3)},
        "ratios": {key: ratio(ours[key], theirs[key]) for key in keys},
        "per_question": path,
    }
