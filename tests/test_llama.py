"""The bot inside llama-index: its retriever and query engine speak llama-index's types."""

from __future__ import annotations

import pytest
from llama_index.core.base.response.schema import Response
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle

from .conftest import ANSWER, ANSWER_ARTICLE, ASK, SEEDS


def test_as_retriever_gives_nodes_with_exact_offsets(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    retriever = seeds_bot.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(ASK)
    assert len(nodes) == 3 and all(isinstance(n, NodeWithScore) for n in nodes)
    assert nodes[0].score >= nodes[1].score >= nodes[2].score
    assert any(ANSWER in n.node.text for n in nodes)
    for n in nodes:
        article = (SEEDS / n.node.metadata["article"]).read_text(encoding="utf-8-sig")
        assert article[n.node.start_char_idx:n.node.end_char_idx] == n.node.text


def test_as_retriever_composes_with_a_llama_index_postprocessor(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core.postprocessor import SimilarityPostprocessor

    nodes = seeds_bot.as_retriever(k=5).retrieve(ASK)
    kept = SimilarityPostprocessor(similarity_cutoff=nodes[1].score).postprocess_nodes(
        nodes, query_bundle=QueryBundle(ASK))
    assert [n.node.node_id for n in kept] == [n.node.node_id for n in nodes if n.score >= nodes[1].score]


def test_as_query_engine_answers_with_citations_as_source_nodes(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    response = seeds_bot.as_query_engine().query(ASK)
    assert isinstance(response, Response)
    answer = seeds_bot.ask(ASK)
    assert str(response) == answer.text and ANSWER in response.response
    assert response.metadata["found"] is True and response.metadata["value"] == ANSWER
    first = response.source_nodes[0]
    assert first.node.metadata["article"] == ANSWER_ARTICLE and first.node.metadata["citation"] == 1
    article = (SEEDS / ANSWER_ARTICLE).read_text(encoding="utf-8-sig")
    assert article[first.node.start_char_idx:first.node.end_char_idx] == first.node.text == answer.citations[0].quote
    span = first.node.metadata
    assert article[span["span_start"]:span["span_end"]] == ANSWER
    assert len(response.source_nodes) == len(answer.citations)


def test_a_question_not_in_the_articles_has_no_source_nodes(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    response = seeds_bot.as_query_engine().query("What is the population of Jakarta?")
    assert response.metadata["found"] is False and response.source_nodes == [] and "not find" in str(response)


def test_each_side_is_a_retriever_and_query_fusion_over_them_ranks_as_the_bot_does(seeds_bot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import QueryFusionRetriever

    dense, bm25 = seeds_bot.as_retrievers()
    assert isinstance(dense, BaseRetriever) and isinstance(bm25, BaseRetriever)
    article = (SEEDS / ANSWER_ARTICLE).read_text(encoding="utf-8-sig")
    for side in (dense, bm25):
        nodes = side.retrieve(ASK)
        assert nodes and [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
        first = next(n for n in nodes if n.node.metadata["article"] == ANSWER_ARTICLE)
        assert article[first.node.start_char_idx:first.node.end_char_idx] == first.node.text
    weights = [seeds_bot.retriever.dense_weight, 1.0]
    fusion = QueryFusionRetriever([dense, bm25], mode="relative_score", retriever_weights=weights,
                                  num_queries=1, use_async=False, similarity_top_k=5, llm=MockLLM())
    questions = [json.loads(line)["q"] for line in
                 (Path(__file__).parents[1] / "bench/questions/seeds.jsonl").read_text().splitlines() if line.strip()]
    for question in questions:
        ours = seeds_bot.as_retriever(k=5).retrieve(question)
        fused = fusion.retrieve(question)
        assert [n.node.node_id for n in fused] == [n.node.node_id for n in ours], question
        # the same relative scores; llama-index divides the weights by their sum
        assert all(abs(a.score * sum(weights) - b.score) < 1e-6 for a, b in zip(fused, ours)), question
    # and with the subword fallback's lighter dense side
    monkeypatch.setattr(seeds_bot.retriever, "dense_weight", 0.25)
    light = QueryFusionRetriever([dense, bm25], mode="relative_score", retriever_weights=[0.25, 1.0],
                                 num_queries=1, use_async=False, similarity_top_k=5, llm=MockLLM())
    changed = 0
    for question in questions:
        ours = [n.node.node_id for n in seeds_bot.as_retriever(k=5).retrieve(question)]
        assert [n.node.node_id for n in light.retrieve(question)] == ours, question
        changed += ours != [n.node.node_id for n in fusion.retrieve(question)]
    assert changed > 0  # the weight matters, so the comparison above is not vacuous
    with pytest.raises(ValueError, match="'dense' or 'bm25'"):
        type(dense)(seeds_bot, "sparse")


def test_the_article_node_parser_gives_the_index_s_chunks(seeds_bot) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.ingestion import IngestionPipeline

    from index.articles import ArticleError
    from llama_index.core.schema import Document, MetadataMode

    from index.nodes import ArticleNodeParser

    documents = SimpleDirectoryReader(str(SEEDS)).load_data()
    nodes = IngestionPipeline(transformations=[ArticleNodeParser()]).run(documents=documents)
    indexed = dict((cid, (text, meta)) for cid, text, meta in seeds_bot.store.iter_chunks())
    assert len(nodes) == len(indexed) > 4
    texts = {d.metadata["file_name"]: d.text for d in documents}
    for node in nodes:
        text, meta = indexed[node.node_id]
        assert node.text == text == texts[meta["article"]][node.start_char_idx:node.end_char_idx]
        assert (node.start_char_idx, node.end_char_idx) == (meta["start"], meta["end"])
        assert node.metadata["title"] == meta["title"] and node.ref_doc_id in {d.doc_id for d in documents}
    # Windows line ends and a BOM: offsets into the document's own text, the index's chunks
    raw = "\ufeffJudul Berita Hari Ini\r\n\r\nJAKARTA, KOMPAS.com - Kalimat pertama.\r\nKalimat kedua. Kalimat ketiga.\r\n"
    crlf = ArticleNodeParser().get_nodes_from_documents([Document(text=raw, metadata={"file_name": "crlf.txt"})])
    from index.articles import parse
    from index.store import chunk_rows

    article = parse(raw.encode("utf-8"), "crlf.txt")
    rows = list(chunk_rows(article))
    assert [n.node_id for n in crlf] == [cid for cid, *_ in rows] and len(crlf) >= 1
    for node, (_, text, _, _) in zip(crlf, rows):
        assert raw[node.start_char_idx:node.end_char_idx] == node.text and node.text.replace("\r\n", "\n") == text
    embedded = crlf[0].get_content(metadata_mode=MetadataMode.EMBED)
    assert embedded.startswith("title: Judul Berita Hari Ini") and "digest" not in embedded and "file_name" not in embedded
    with pytest.raises(ArticleError, match="links.txt: no article text"):
        ArticleNodeParser().get_nodes_from_documents([Document(text="Baca Juga: Berita Lain\n", metadata={"file_name": "links.txt"})])


def test_the_sides_of_an_empty_index_find_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qa import Bot

    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("Harga beras naik di pasar tradisional pada Senin.\n", encoding="utf-8")
    bot = Bot.from_articles(tmp_path / "articles", persist_dir=tmp_path / "index")
    (tmp_path / "articles" / "a.txt").unlink()
    (tmp_path / "articles" / "b.txt").write_text("Baca Juga: Berita Lain\n", encoding="utf-8")  # skipped: no article
    bot.sync(tmp_path / "articles")
    assert bot.store.count() == 0
    dense, bm25 = bot.as_retrievers()
    assert dense.retrieve("harga beras") == [] and bm25.retrieve("harga beras") == []
