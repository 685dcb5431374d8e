"""Read side: question -> hybrid retrieval -> extractive answer with verbatim citations."""

from index.articles import ArticleError
from index.embedder import EmbedderError
from index.store import StoreError

from .answer import Answer, Citation
from .bot import Bot
from .question import QuestionError

__all__ = ["Answer", "ArticleError", "Bot", "Citation", "EmbedderError", "QuestionError", "StoreError"]
