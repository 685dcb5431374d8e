"""The index's article cleaning and sentence chunking as a llama-index `NodeParser`.

    from llama_index.core import SimpleDirectoryReader
    from index.nodes import ArticleNodeParser

    documents = SimpleDirectoryReader("seeds").load_data()
    nodes = ArticleNodeParser().get_nodes_from_documents(documents)
    # TextNode per chunk: text == document.text[start_char_idx:end_char_idx], the article's
    # title, dateline source and place in metadata; the index's chunks (for a UTF-8 .txt
    # article, the same ids and offsets too)

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
from pydantic import PrivateAttr

from .articles import ArticleError, parse
from .store import chunk_rows


class ArticleNodeParser(NodeParser):
    """News articles -> sentence-chunk `TextNode`s with offsets into the document's text.

    Offsets and text are the document's own, so `node.text == document.text[start_char_idx:
    end_char_idx]` holds for documents with Windows line ends or a BOM too (the index reads
    those as LF without the BOM; its chunk text then differs in line ends only). Embeddings and
    LLM prompts see the article title with the text, not the bookkeeping metadata. A document
    that is no article (only headings or links) raises `ArticleError` with the index's one-line
    reason, naming the document."""

    _offsets: dict[str, tuple[int, int]] = PrivateAttr(default_factory=dict)

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
            position = _positions(text)
            if len(position) != len(article.text) + 1:  # not a text the index reads as BOM + line ends
                raise ArticleError(f"{name}: the text changed when read as an article; pass it as UTF-8 text")
            for cid, _, meta, _ in chunk_rows(article):
                start, end = position[meta["start"]], position[meta["end"]]
                kept = {**document.metadata, **{k: v for k, v in meta.items() if k not in ("start", "end")}}
                node = TextNode(
                    id_=cid, text=text[start:end], start_char_idx=start, end_char_idx=end, metadata=kept,
                    excluded_embed_metadata_keys=[k for k in kept if k != "title"],
                    excluded_llm_metadata_keys=[*document.excluded_llm_metadata_keys, *_BOOKKEEPING],
                )
                node.relationships[NodeRelationship.SOURCE] = document.as_related_node_info()
                self._offsets[cid] = (start, end)
                out.append(node)
        return out

    def _postprocess_parsed_nodes(self, nodes: list[BaseNode], parent_doc_map: dict[str, Document]) -> list[BaseNode]:
        """llama-index's post-processing, then this parser's offsets again: it would search for
        each chunk's text in the document and take the first match it finds."""
        nodes = super()._postprocess_parsed_nodes(nodes, parent_doc_map)
        for node in nodes:
            if isinstance(node, TextNode) and node.node_id in self._offsets:
                node.start_char_idx, node.end_char_idx = self._offsets.pop(node.node_id)
        return nodes


# Metadata the index keeps for itself, not for a model to read.
_BOOKKEEPING = ("digest", "chunk_no", "headline")


def _positions(raw: str) -> list[int]:
    """Where each character of `raw` as the index reads it (no BOM, line ends LF) sits in
    `raw`, and one more entry for the end."""
    position = []
    i = 1 if raw.startswith("\ufeff") else 0
    while i < len(raw):
        position.append(i)
        i += 2 if raw.startswith("\r\n", i) else 1
    position.append(len(raw))
    return position


__all__ = ["ArticleNodeParser"]
