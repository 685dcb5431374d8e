"""Read side: question -> hybrid retrieval -> a reader marks the answer span -> an answer with
verbatim citations."""

from index.articles import ArticleError
from index.embedder import EmbedderError
from index.store import StoreError

from .answer import Answer, Citation
from .bot import Bot
from .generate import LLMConfig, LLMError
from .question import QuestionError
from .reading import ReaderError

__all__ = ["Answer", "ArticleError", "Bot", "Citation", "EmbedderError", "LLMConfig", "LLMError", "QuestionError", "ReaderError", "StoreError"]
