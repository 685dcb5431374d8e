"""Read side: question -> hybrid retrieval -> extractive answer with verbatim citations."""

from .answer import Answer, Citation
from .bot import Bot
from .question import QuestionError

__all__ = ["Answer", "Bot", "Citation", "QuestionError"]
