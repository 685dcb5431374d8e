"""Write side: articles -> cleaned text -> sentence chunks -> embeddings -> Chroma."""

from .articles import Article, ArticleError, parse, read_article
from .embedder import DEFAULT_MODEL, Embedder, EmbedderError, load_embedder
from .lock import LockBusy
from .store import Store, StoreError, SyncReport

__all__ = [
    "Article",
    "ArticleError",
    "DEFAULT_MODEL",
    "Embedder",
    "EmbedderError",
    "LockBusy",
    "Store",
    "StoreError",
    "SyncReport",
    "load_embedder",
    "parse",
    "read_article",
]
