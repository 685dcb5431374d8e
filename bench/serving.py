"""Serving: `/ask` latency from concurrent clients on loopback, alone and mixed with chat
streams, through Gradio's HTTP API (POST /gradio_api/call/<name>, then its SSE stream).

The app runs in a subprocess over seeds/, started the way a person starts it. Each client is a
thread asking its questions one after another; the figures are per request, seconds from the
POST to the stream's final event.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .context import REPO, Context, log

CLIENTS = 32
PER_CLIENT = 3
QUESTIONS = (
    "Siapa asisten pemerintah Rusia?",
    "Where did Xi and Putin last meet?",
    "Berapa lama pembicaraan Putin dan Xi berlangsung?",
    "Siapa yang mengundang Putin ke China?",
)
START_TIMEOUT = 300.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, api: str, data: list[Any], timeout: float = 300.0) -> tuple[float, str]:
    """One request through Gradio's REST API: (seconds, "ok" or the error)."""
    started = time.perf_counter()
    try:
        request = urllib.request.Request(
            f"{url}gradio_api/call/{api}", data=json.dumps({"data": data}).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            event = json.load(response)["event_id"]
        with urllib.request.urlopen(f"{url}gradio_api/call/{api}/{event}", timeout=timeout) as stream:
            kind = ""
            for raw in stream:
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    return time.perf_counter() - started, "ok" if kind == "complete" else f"error: {line[5:80]}"
        return time.perf_counter() - started, "error: stream ended without a result"
    except urllib.error.HTTPError as exc:  # 503 with "Queue is full" when the queue is full
        body = " ".join(exc.read().decode("utf-8", "replace").split())[:120]
        return time.perf_counter() - started, f"error: HTTP {exc.code}: {body}"
    except (OSError, urllib.error.URLError, ValueError) as exc:
        return time.perf_counter() - started, f"error: {type(exc).__name__}: {str(exc)[:80]}"


def _client(url: str, api: str, n: int, offset: int) -> list[tuple[float, str]]:
    out = []
    for i in range(PER_CLIENT):
        question = QUESTIONS[(offset + i) % len(QUESTIONS)]
        out.append(call(url, api, [question, []]))
    return out


def load(url: str, asks: int, chats: int) -> dict[str, Any]:
    """`asks` /ask clients and `chats` chat clients at once; per-request /ask figures."""
    with ThreadPoolExecutor(asks + chats) as pool:
        jobs = [(api, pool.submit(_client, url, api, PER_CLIENT, i))
                for i, api in enumerate(["ask"] * asks + ["chat"] * chats)]
        results = {api: [] for api in ("ask", "chat")}
        for api, job in jobs:
            results[api].extend(job.result())
    summary: dict[str, Any] = {}
    for api, rows in results.items():
        if not rows:
            continue
        seconds = sorted(s for s, status in rows if status == "ok")
        errors = [status for _, status in rows if status != "ok"]
        summary[api] = {
            "requests": len(rows),
            "errors": len(errors),
            "first_error": errors[0] if errors else None,
            "p50_s": round(statistics.median(seconds), 3) if seconds else None,
            "p95_s": round(seconds[int(0.95 * (len(seconds) - 1))], 3) if seconds else None,
        }
    return summary


def run(ctx: Context) -> dict:
    """Start the app over seeds/, then measure /ask alone and with as many chat clients."""
    work = ctx.work / "serving"
    work.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    clients = 4 if ctx.quick else CLIENTS
    log_path = work / "app.log"
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port), "--articles", str(REPO / "seeds"),
               "--persist-dir", str(work / "index")]
    with open(log_path, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while call(url, "ask", [QUESTIONS[0], []], timeout=10)[1] != "ok":
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not start:\n{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        log.info("serving: %d /ask clients alone", clients)
        alone = load(url, clients, 0)
        log.info("serving: %d /ask clients with %d chat clients", clients, clients)
        mixed = load(url, clients, clients)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    ratio = (mixed["ask"]["p50_s"] / alone["ask"]["p50_s"]) if alone["ask"]["p50_s"] and mixed["ask"]["p50_s"] else None
    return {
        "clients": clients,
        "requests_per_client": PER_CLIENT,
        "ask_alone": alone["ask"],
        "ask_with_chat": mixed["ask"],
        "chat_with_ask": mixed.get("chat"),
        "ask_p50_ratio_with_chat": round(ratio, 2) if ratio else None,
    }
