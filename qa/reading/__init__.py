"""Reading stage: an extractive question-answering model scores answer spans and "no answer"
over the retrieved chunks; a calibrated decision says when the best span is good enough."""

from .decide import Decider, features
from .model import ReaderError
from .reader import Reader, Span

__all__ = ["Decider", "Reader", "ReaderError", "Span", "features"]
