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


PROVENANCE = json.dumps(
    {
        "model": {"name": "Bench", "version": "1"},
        "prompt": "benchmark image",
        "generated_at": "2026-11-01T00:00:00Z",
    }
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.5, help="posts per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=2048)
    return parser.parse_args()


def bench_env(tmp: Path, redis_url: str) -> dict:
    """The server's and workers' environment: files and (unless set) SQLite under tmp."""
    env = {
        **os.environ,
        "VAR_DIR": str(tmp),
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    return env


def prepare(env: dict, redis_url: str) -> str:
    """Flush the bench's Redis db, migrate, and make an API token: the token."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    manage(env, "migrate", "--noinput", "-v0")
    return manage(env, "create_api_token", "bench").stdout.strip().splitlines()[-1]


def make_corpus(count: int, size: int) -> list[bytes]:
    print(f"making {count} images of {size}x{size} ...", flush=True)
    return [
        synth.encode(synth.artwork(size, size, seed=i, style="photo" if i % 2 else "flat"))
        for i in range(count)
    ]


def spawn(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_stack(env: dict, port: int, workers: int) -> list[subprocess.Popen]:
    """The server, then ``workers`` RQ workers: real processes, each in its own session."""
    procs = [spawn(env, "runserver", f"127.0.0.1:{port}", "--noreload")]
    for _ in range(workers):
        procs.append(spawn(env, "rqworker", "derivatives", "moderation", "default"))
    return procs


def stop_stack(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=30)


def wait_for_server(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2)  # noqa: S310
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


class Tracker:
    """When each asset was posted, and when a polling thread first saw all its variants ready."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.posted: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self.lock = threading.Lock()
        self.finished = threading.Event()
        threading.Thread(target=self.poll, daemon=True).start()

    def poll(self) -> None:
        while not self.finished.is_set():
            with self.lock:
                waiting = [a for a in self.posted if a not in self.done]
            for asset_id in waiting:
                body = request(f"{self.base}/api/v1/assets/{asset_id}", self.token)
                variants = body["variants"]
                if variants and all(v["status"] == "ready" for v in variants):
                    with self.lock:
                        self.done[asset_id] = time.monotonic()
            time.sleep(0.05)

    def post(self, index: int, data: bytes) -> None:
        body, ctype = multipart(
            {"file": (f"{index}.png", data, "image/png"), "provenance": PROVENANCE}
        )
        t0 = time.monotonic()
        created = request(f"{self.base}/api/v1/assets", self.token, body, ctype)
        with self.lock:
            self.posted[created["id"]] = t0

    def wait_all(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.done) == len(self.posted):
                    break
            time.sleep(0.1)
        self.finished.set()


def post_at_rate(tracker: Tracker, corpus: list[bytes], rate: float) -> float:
    """Post each image at its slot of a steady rate; the monotonic time the first was due."""
    started = time.monotonic()
    for i, data in enumerate(corpus):
        target = started + i / rate
        while time.monotonic() < target:
            time.sleep(min(0.05, target - time.monotonic()))
        tracker.post(i, data)
    return started


def report(tracker: Tracker, started: float, args: argparse.Namespace) -> None:
    done, posted = tracker.done, tracker.posted
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


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aiassets-bench-"))
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    env = bench_env(tmp, redis_url)
    token = prepare(env, redis_url)
    corpus = make_corpus(args.count, args.size)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    procs = start_stack(env, port, args.workers)
    try:
        wait_for_server(base)
        tracker = Tracker(base, token)
        started = post_at_rate(tracker, corpus, args.rate)
        tracker.wait_all()
        report(tracker, started, args)
    finally:
        stop_stack(procs)


if __name__ == "__main__":
    main()
