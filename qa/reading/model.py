"""The extractive reader's model: any transformers question-answering folder or hub name, or the
project's compact artefact.

The compact artefact keeps only what fine-tuning changed: every parameter except the word
embeddings, in fp16 safetensors, beside a `config.json` and a `newsqa-reader.json` that names
its base. The frozen word embeddings (two thirds of the base's parameters) are taken from the
base at load time, which is the offline multilingual-e5-small built by `index.packaged_e5`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "reader"
MARKER = "newsqa-reader.json"
WEIGHTS = "reader.safetensors"
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"


class ReaderError(RuntimeError):
    """A reader model that cannot be loaded."""


def base_model_path() -> Path:
    """The offline multilingual-e5-small folder (built once from the pinned packages)."""
    from index.embedder import packaged_model_path

    return packaged_model_path()


def truncated_base(layers: int, base: Path | None = None) -> tuple[Any, Any]:
    """(tokenizer, BertForQuestionAnswering) from the first `layers` layers of `base` (default:
    the offline multilingual-e5-small), word embeddings frozen; the QA head is newly initialised."""
    from transformers import AutoTokenizer, BertForQuestionAnswering
    from transformers.utils import logging as hf_logging

    base = base or base_model_path()
    hf_logging.set_verbosity_error()  # the new QA head is expected, not news
    model = BertForQuestionAnswering.from_pretrained(str(base), num_hidden_layers=layers)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return AutoTokenizer.from_pretrained(str(base)), model


def trained_state(model: Any) -> dict[str, Any]:
    """The parameters the artefact ships: all but the frozen word embeddings."""
    return {k: v for k, v in model.state_dict().items() if k != WORD_EMBEDDINGS}


def save_artefact(model: Any, folder: Path, info: dict[str, Any]) -> Path:
    """Write the compact artefact (fp16 weights, config, marker with `info`) to `folder`."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").half().contiguous() for k, v in trained_state(model).items()}
    save_file(state, str(folder / WEIGHTS))
    model.config.to_json_file(str(folder / "config.json"))
    (folder / MARKER).write_text(json.dumps({"base": "multilingual-e5-small-q4", **info}, indent=2) + "\n")
    return folder


def _base_of(folder: Path) -> Path:
    named = Path(json.loads((folder / MARKER).read_text(encoding="utf-8")).get("base", ""))
    return named if named.is_absolute() and named.is_dir() else base_model_path()


def onnx_reader(spec: str | Path | None = None, batch_size: int = 16) -> tuple[Any, Any, str] | None:
    """(tokens, ONNX Runtime encoder, name) for the project's compact artefact, exported on
    first use (`index.ort`); None for other models, with QA_RUNTIME=torch, or when ONNX Runtime
    cannot run it (one log line says why)."""
    from index.ort import load_or_export, one_line, tokens_for, wanted, word_table

    folder = Path(spec).expanduser() if spec else SHIPPED
    if not wanted() or not (folder / MARKER).is_file():
        return None
    try:
        base = _base_of(folder)
        tokens = tokens_for(base / "tokenizer.json")

        def build() -> Any:
            return _load_artefact(folder)[1]

        encoder = load_or_export("reader", [folder / WEIGHTS, folder / "config.json", base / "model.safetensors"],
                                 word_table(base / "model.safetensors"), tokens.pad_id, build,
                                 ("start_logits", "end_logits"), batch_size)
        return tokens, encoder, str(spec or "newsqa-reader")
    except Exception as exc:  # noqa: BLE001 - anything ONNX Runtime cannot do runs on torch
        log.warning("reader runs on torch (ONNX Runtime: %s)", one_line(exc))
        return None


def _load_artefact(folder: Path) -> tuple[Any, Any]:
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering
    from transformers.initialization import no_init_weights

    from index.embedder import shared_parts

    base = _base_of(folder)
    config = BertConfig.from_json_file(str(folder / "config.json"))
    # Every weight is loaded below, so the random initialisation (1.3 s on 2 cores, most of it
    # for the 250k-row word embeddings that are then replaced) is skipped.
    with no_init_weights():
        model = BertForQuestionAnswering(config)
    state = {k: v.float() for k, v in load_file(str(folder / WEIGHTS)).items()}
    # The word embeddings are the base's, frozen: shared with the embedder when it loaded the
    # same base in this process, else read from the base's weights.
    shared = shared_parts(base)
    if shared is None or tuple(shared[1].shape) != (config.vocab_size, config.hidden_size):
        shared = None
        state[WORD_EMBEDDINGS] = _base_word_embeddings(base)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m and (shared is None or m != WORD_EMBEDDINGS)]:
        raise ReaderError(f"reader {folder}: weights do not match its config ({(missing + unexpected)[:3]})")
    if shared is not None:
        model.bert.embeddings.word_embeddings.weight = shared[1]
    model.eval()
    return (shared[0] if shared else AutoTokenizer.from_pretrained(str(base))), model


def _base_word_embeddings(base: Path) -> Any:
    from safetensors import safe_open

    with safe_open(str(base / "model.safetensors"), framework="pt") as f:
        name = next(k for k in f.keys() if k.endswith("word_embeddings.weight"))
        return f.get_tensor(name)


def load_reader_model(spec: str | Path | None = None) -> tuple[Any, Any, str]:
    """(tokenizer, model in eval mode, name) for `spec`: the shipped artefact when None, a
    compact artefact folder, any transformers QA folder, or a hub name."""
    folder = Path(spec).expanduser() if spec else SHIPPED
    try:
        if (folder / MARKER).exists():
            tokenizer, model = _load_artefact(folder)
            return tokenizer, model, str(spec or "newsqa-reader")
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        from index.embedder import hub_reachable

        source = str(folder) if folder.exists() else str(spec)
        if not folder.exists() and spec is None:
            raise ReaderError(f"the shipped reader is missing from {folder}; run `make reader`")
        kwargs: dict[str, Any] = {} if folder.exists() or hub_reachable() else {"local_files_only": True}
        model = AutoModelForQuestionAnswering.from_pretrained(source, **kwargs).eval()
        return AutoTokenizer.from_pretrained(source, **kwargs), model, source
    except ReaderError:
        raise
    except Exception as exc:  # noqa: BLE001 - one line that names the model and what to do
        raise ReaderError(
            f"reader model {str(spec or folder)!r} could not be loaded ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:160] if str(exc) else ''}); set QA_READER_MODEL to a local "
            "question-answering folder or a reachable hub name"
        ) from exc

