"""The index's article cleaning and sentence chunking as a llama-index `NodeParser`.

    from llama_index.core import SimpleDirectoryReader
    from index.nodes import ArticleNodeParser

    documents = SimpleDirectoryReader("seeds").load_data()
    nodes = ArticleNodeParser().get_nodes_from_documents(documents)
    # TextNode per chunk: text == document.text[start_char_idx:end_char_idx], the article's
    # title, dateline source and place in metadata; the index's chunks (for a UTF-8 .txt
    # article, the same ids too)

Each document is one article (its `file_name` metadata, else its id, names it): the headline,
dateline and link lines are recognised as in the index (`index.articles.parse`), and the body is
cut into the same overlapping sentence chunks (`index.chunks.chunk_spans`). The index's own sync
calls those two functions directly rather than through this parser, because it works on the
file's bytes (their digest is part of every chunk id) and must never import llama-index on the
command line's path; the test suite checks that both give the same chunks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.node_parser import NodeParser
from llama_index.core.schema import BaseNode, Document, NodeRelationship, TextNode

from .articles import ArticleError, parse
from .store import chunk_rows


class ArticleNodeParser(NodeParser):
    """News articles -> sentence-chunk `TextNode`s with offsets into the article text.

    A document that is no article (only headings or links) raises `ArticleError` with the
    index's one-line reason, naming the document."""

    @classmethod
    def class_name(cls) -> str:
        return "ArticleNodeParser"

    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any) -> list[BaseNode]:
        out: list[BaseNode] = []
        for document in nodes:
            name = str(document.metadata.get("file_name") or document.node_id)
            text = document.get_content()
            if not text.strip():
                raise ArticleError(f"{name}: empty document; give it the article's text")
            article = parse(text.encode("utf-8"), name)
            for cid, chunk, meta, _ in chunk_rows(article):
                node = TextNode(id_=cid, text=chunk, start_char_idx=meta["start"], end_char_idx=meta["end"],
                                metadata={**document.metadata, **meta})
                node.relationships[NodeRelationship.SOURCE] = document.as_related_node_info()
                out.append(node)
        return out


__all__ = ["ArticleNodeParser", "Document"]
