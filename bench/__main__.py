"""python -m bench: run the benchmark suites, print one JSON object per suite on stdout."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import shlex
import sys
import tempfile
from pathlib import Path

from .context import DEFAULT_FACQA, DEFAULT_OUT, DEFAULT_SEEDS, REPO, Context, log, timed

SUITES = ("quality", "reading", "baseline", "latency", "serving", "indexing", "scale", "coldstart", "llm")


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def _variant(record: dict) -> tuple[str, str]:
    """A suite and what it ran with: the scale suite once per embedding model, so a report can
    hold both modes (an earlier run of the other one included)."""
    sizes = record.get("sizes") or [{}]
    return record["suite"], str(sizes[0].get("embedding", "")) if record["suite"] == "scale" else ""


def merge(earlier: list[dict], results: list[dict]) -> tuple[list[dict], list[str]]:
    """This run's records plus the earlier ones it did not redo, in suite order; and labels
    naming the earlier ones kept."""
    ran = {_variant(r) for r in results}
    kept = [r for r in earlier if _variant(r) not in ran]
    merged = sorted(kept + results, key=lambda r: SUITES.index(r["suite"]) if r["suite"] in SUITES else len(SUITES))
    return merged, [f"{suite} (`{variant}`)" if variant else suite for suite, variant in map(_variant, kept)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark answer quality, latency, indexing, scale and cold start. "
        "Prints one JSON object per suite on stdout; logs go to stderr.",
    )
    parser.add_argument("--suite", default=",".join(SUITES),
                        help=f"comma-separated suites to run (default: all of {','.join(SUITES)})")
    parser.add_argument("--quick", action="store_true",
                        help="tiny inputs for every suite (20 FacQA passages, a few questions)")
    parser.add_argument("--markdown", action="store_true",
                        help="rewrite BENCHMARKS.md from this run")
    parser.add_argument("--facqa", type=Path, default=DEFAULT_FACQA,
                        help="FacQA JSON lines (default: ../shared/data/facqa/train.jsonl)")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS,
                        help="seed questions (default: bench/questions/seeds.jsonl)")
    parser.add_argument("--limit", type=int, help="ask at most N FacQA questions (a fixed sample)")
    parser.add_argument("--scale-sizes", type=_sizes, default=(1000, 10000, 100000),
                        help="chunk counts of the scale corpora (default: 1000,10000,100000)")
    parser.add_argument("--include", type=Path, action="append", default=[],
                        help="JSON lines printed by an earlier run (same commit) whose suites join "
                        "this run's in --markdown; the report names them")
    parser.add_argument("--scale-model", help="embedding model (hub name or folder) the scale suite "
                        "builds its corpora with (default: the one every suite uses)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for per-question results (default: bench/out)")
    args = parser.parse_args(argv)
    args.suites = [s.strip() for s in args.suite.split(",") if s.strip()]
    unknown = sorted(set(args.suites) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suites in order inside a temporary work folder."""
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    # Without the optional readers package it warns once per .txt file read; .txt needs none.
    logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        ctx = Context(Path(work), args.out, args.facqa, args.seeds, args.quick, args.limit,
                      args.scale_sizes, args.scale_model)
        for name in args.suites:
            log.info("suite %s", name)
            result, seconds = timed(lambda: importlib.import_module(f"bench.{name}").run(ctx))
            record = {"suite": name, **result, "suite_s": round(seconds, 1)}
            print(json.dumps(record, ensure_ascii=False), flush=True)
            results.append(record)
        if args.markdown:
            from .report import write_markdown

            earlier = [json.loads(line) for path in args.include
                       for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            merged, labels = merge(earlier, results)
            path = write_markdown(REPO / "BENCHMARKS.md", merged, ctx, command, labels)
            log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
