"""python -m qa ask "QUESTION" [--json]: answer one question from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from index.articles import ArticleError
from index.embedder import EmbedderError
from index.settings import SettingError
from index.store import Store, StoreError

from .bot import Bot
from .generate import LLMConfig, LLMError
from .question import QuestionError
from .reading import ReaderError


def _print_answer(answer, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    print(answer.text)
    for n, c in enumerate(answer.citations, 1):
        print(f"\n[{n}] {c.article} ({c.start}-{c.end}) {c.title}\n    {c.quote}")
    if answer.notice:
        print(f"\nnote: {answer.notice}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa", description="Ask questions about the indexed articles.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question, with citations")
    ask.add_argument("question", help='the question, e.g. "How long was the call?"')
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument(
        "--articles",
        help="sync this folder first (default: use the index as it is; build it from seeds/ if there is none)",
    )
    ask.add_argument("--persist-dir", help="index folder (default: QA_PERSIST_DIR or .qa-index)")
    ask.add_argument("--chroma-url", help="use a Chroma server (default: QA_CHROMA_URL)")
    ask.add_argument("--model", help="embedding model: hub name or local path (default: QA_EMBED_MODEL)")
    ask.add_argument("--reader", help="question-answering model: hub name or local folder "
                     "(default: QA_READER_MODEL or the shipped reader)")
    ask.add_argument("--llm-url", help="answer with an OpenAI-compatible LLM at this address, its quotes checked "
                     "(default: QA_LLM_URL; e.g. http://localhost:11434/v1 for Ollama)")
    ask.add_argument("--llm-model", help="the LLM's model name (default: QA_LLM_MODEL)")
    ask.add_argument("--llm-timeout", type=float,
                     help="seconds to wait to connect and for each token, the first included (default: QA_LLM_TIMEOUT or 8)")
    ask.add_argument("--no-llm", action="store_true", help="answer with the extractive reader even if an LLM is set")
    args = parser.parse_args(argv)
    # A handler-level filter, because bm25s sets its own logger to DEBUG when it is imported.
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    try:
        llm = False if args.no_llm else LLMConfig.from_env(args.llm_url, args.llm_model, timeout=args.llm_timeout)
        store = Store(args.persist_dir, url=args.chroma_url)
        folder = args.articles or (None if store.exists() else "seeds")
        if folder == "seeds" and not Path(folder).is_dir():
            raise ArticleError(f"no {store.where} and no seeds/ folder here; "
                               "pass --articles FOLDER to build one from your articles")
        if folder:
            bot = Bot.from_articles(folder, model=args.model, store=store, reader=args.reader, llm=llm or False)
        else:
            bot = Bot.from_index(model=args.model, store=store, reader=args.reader, llm=llm or False)
        answer = bot.ask(args.question)
    except (SettingError, ArticleError, EmbedderError, StoreError, QuestionError, ReaderError, LLMError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_answer(answer, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
