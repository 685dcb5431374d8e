"""Write side: articles -> cleaned text -> sentence chunks -> embeddings -> Chroma."""

from .articles import Article, ArticleError, parse, read_article
from .embedder import DEFAULT_MODEL, Embedder, EmbedderError, load_embedder
from .store import Store, StoreError, SyncReport

__all__ = [
    "Article",
    "ArticleError",
    "DEFAULT_MODEL",
    "Embedder",
    "EmbedderError",
    "Store",
    "StoreError",
    "SyncReport",
    "load_embedder",
    "parse",
    "read_article",
]
