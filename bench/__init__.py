"""Benchmarks for the question-answering pipeline: `python -m bench --help`.

Each suite is a module with a `run(ctx) -> dict` function; the CLI prints one JSON object per
suite and can rewrite BENCHMARKS.md from the run."""
