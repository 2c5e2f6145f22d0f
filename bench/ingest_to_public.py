"""Time from POST /api/v1/assets until every variant is ready, through the real stack.

Starts the Django server and two RQ workers (real processes) against the local Redis, posts
N synthetic 2048x2048 images through the API at a steady rate, and polls the API until every
variant of each asset is ready. Prints p50/p95 latency against the target p95 <= 5 s.

    .venv/bin/python bench/ingest_to_public.py [--count 40] [--rate 0.5] [--workers 2]

Uses PostgreSQL when DATABASE_URL is set (recommended), else SQLite in a temp dir, and Redis
db 12 (BENCH_REDIS_URL), which it flushes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiassets import synth  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(fields: dict[str, tuple[str, bytes, str] | str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, data, ctype = value
            out += (
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n"
            ).encode()
            out += data
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode()
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def request(url: str, token: str, body: bytes | None = None, ctype: str = "") -> dict:
    req = urllib.request.Request(url, data=body, method="POST" if body else "GET")  # noqa: S310
    req.add_header("Authorization", f"Bearer {token}")
    if ctype:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.5, help="posts per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=2048)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aiassets-bench-"))
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    env = {
        **os.environ,
        "VAR_DIR": str(tmp),
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    manage(env, "migrate", "--noinput", "-v0")
    token = manage(env, "create_api_token", "bench").stdout.strip().splitlines()[-1]

    print(f"making {args.count} images of {args.size}x{args.size} ...", flush=True)
    corpus = [
        synth.encode(
            synth.artwork(args.size, args.size, seed=i, style="photo" if i % 2 else "flat")
        )
        for i in range(args.count)
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    for _ in range(args.workers):
        procs.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "rqworker", "derivatives", "moderation", "default"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)

        posted: dict[str, float] = {}
        done: dict[str, float] = {}
        lock = threading.Lock()
        finished = threading.Event()

        def poll() -> None:
            while not finished.is_set():
                with lock:
                    waiting = [a for a in posted if a not in done]
                for asset_id in waiting:
                    body = request(f"{base}/api/v1/assets/{asset_id}", token)
                    variants = body["variants"]
                    if variants and all(v["status"] == "ready" for v in variants):
                        with lock:
                            done[asset_id] = time.monotonic()
                time.sleep(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        provenance = json.dumps(
            {
                "model": {"name": "Bench", "version": "1"},
                "prompt": "benchmark image",
                "generated_at": "2026-11-01T00:00:00Z",
            }
        )
        started = time.monotonic()
        for i, data in enumerate(corpus):
            target = started + i / args.rate
            while time.monotonic() < target:
                time.sleep(min(0.05, target - time.monotonic()))
            body, ctype = multipart(
                {"file": (f"{i}.png", data, "image/png"), "provenance": provenance}
            )
            t0 = time.monotonic()
            created = request(f"{base}/api/v1/assets", token, body, ctype)
            with lock:
                posted[created["id"]] = t0
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with lock:
                if len(done) == len(posted):
                    break
            time.sleep(0.1)
        finished.set()
        latencies = sorted(done[a] - posted[a] for a in done)
        if len(latencies) < len(posted):
            print(f"WARNING: only {len(latencies)} of {len(posted)} assets finished")
        wall = max(done.values()) - started
        p50 = statistics.median(latencies)
        p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
        print(
            f"\n{len(latencies)} images of {args.size}², {args.workers} RQ workers, "
            f"{args.rate}/s posted; throughput {len(latencies) / wall:.2f} images/s"
        )
        print(
            f"POST → every variant ready:  p50 {p50:.2f} s   p95 {p95:.2f} s   "
            f"max {latencies[-1]:.2f} s   (target p95 <= 5 s: {'met' if p95 <= 5 else 'MISSED'})"
        )
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
