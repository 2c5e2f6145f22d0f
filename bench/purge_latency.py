"""Purge latency: from a moderation reject to Varnish no longer serving the asset.

Starts everything for real, on loopback: the Django origin (a threaded WSGI server in this
process, on its own SQLite file), varnishd with deploy/varnish/aiassets.vcl in front of it, and
an RQ worker subprocess (``manage.py rqworker purge``, forking a work horse per job, as in
production) on its own Redis db. For each of N published assets, every variant is cached in
Varnish (checked: a HIT), then ``moderation.workflow.reject`` runs and the clock stops when
every one of the asset's URLs answers 404 through Varnish (checked one after the other, so this
includes one origin 404 per URL). Prints p50/p95 against the target p95 <= 2 s, with the steps
in between: the reject's own transaction, the job starting and finishing, the first URL gone.

    .venv/bin/python bench/purge_latency.py [--assets 60] [--redis redis://127.0.0.1:6379/12]
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95 = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=60, help="assets to reject (>= 50)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="a Redis db to own")
    parser.add_argument(
        "--simple-worker", action="store_true", help="rq SimpleWorker (no fork per job)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="give up on one asset after")
    return parser.parse_args()


def configure_env(tmp: Path, redis_url: str) -> None:
    """Settings are read from the environment at startup: point everything at tmp/ and Redis."""
    (tmp / "var" / "static").mkdir(parents=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "var" / "static"),
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "MEDIA_ROOT": str(tmp / "media"),
            "REDIS_URL": redis_url,
            "DERIVATIVE_WIDTHS": "320,640",
            "CDN_PURGE_RETRY_INTERVALS": "1,2,5",
            "LOG_LEVEL": "ERROR",
        }
    )


# --- components ------------------------------------------------------------------------------


def start_origin():
    """The Django app on 127.0.0.1:<random>, served from a thread."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_varnish(workdir: Path, origin_port: int, deadline_s: float = 30.0):
    """varnishd with the deploy VCL (backend .host/.port replaced); returns (process, port)."""
    varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
    if not Path(varnishd).exists():
        sys.exit("varnishd is missing: apt-get install varnish varnish-modules")
    text = (ROOT / "deploy" / "varnish" / "aiassets.vcl").read_text()
    block = re.search(r"backend django \{.*?\n\}", text, re.S).group(0)
    new = re.sub(r'\.host = "[^"]*";', '.host = "127.0.0.1";', block)
    new = re.sub(r'\.port = "[^"]*";', f'.port = "{origin_port}";', new)
    workdir.mkdir(parents=True)
    (workdir / "bench.vcl").write_text(text.replace(block, new))
    process = subprocess.Popen(
        [varnishd, "-F", "-n", str(workdir), "-a", "127.0.0.1:0", "-T", "127.0.0.1:0",
         "-j", "none", "-f", str(workdir / "bench.vcl"), "-s", "malloc,64m"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and process.poll() is None:
        answer = subprocess.run(
            ["varnishadm", "-n", str(workdir), "debug.listen_address"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        match = re.search(r"127\.0\.0\.1 (\d+)", answer.stdout)
        if answer.returncode == 0 and match:
            return process, int(match.group(1))
    process.terminate()
    sys.exit("varnishd did not come up")


def start_worker(env: dict, simple: bool, connection, deadline_s: float = 60.0):
    from rq import Worker

    command = [sys.executable, "manage.py", "rqworker", "purge"]
    if simple:
        command += ["--worker-class", "rq.worker.SimpleWorker"]
    log = open(Path(env["VAR_DIR"]) / "worker.log", "wb")  # noqa: SIM115 - lives with the worker
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and process.poll() is None:
        if any("purge" in w.queue_names() for w in Worker.all(connection=connection)):
            return process
    process.terminate()
    sys.exit(f"the RQ worker did not register; see {log.name}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# --- the measurement ---------------------------------------------------------------------------


def make_assets(n: int) -> list:
    from aiassets import renditions, synth
    from aiassets.ingest import ingest
    from aiassets.models import Asset
    from moderation import workflow

    provenance = {
        "model": {"name": "Bench Diffusion", "version": "1"},
        "prompt": "purge latency",
        "generated_at": "2026-11-01T12:00:00Z",
    }
    assets = []
    for i in range(n):
        png = synth.encode(synth.artwork(400, 300, 1000 + i, "flat"), "PNG")
        asset = ingest(png, provenance).asset
        renditions.build(asset.id)  # here, not on the (unworked) derivatives queue
        workflow.approve(asset)
        assets.append(Asset.objects.get(pk=asset.pk))
    return assets


def public_urls(asset) -> list[str]:
    from delivery.signing import variant_url

    assert asset.is_public
    return sorted(variant_url(asset, v) for v in asset.variants.filter(status="ready"))


def warm(session, urls: list[str]) -> None:
    for url in urls:
        session.get(url, timeout=10)
        response = session.get(url, timeout=10)
        if response.status_code != 200 or response.headers.get("X-Cache") != "HIT":
            sys.exit(f"not cached by Varnish: {url} {response.status_code} {response.headers}")


def reject_and_wait(session, asset, urls: list[str], timeout: float) -> dict[str, float]:
    """Seconds from the reject until the first and until every URL is gone from Varnish."""
    from moderation import workflow

    wall, start = time.time(), time.perf_counter()
    workflow.reject(asset, reason_code="quality")
    timings = {"wall": wall, "reject": time.perf_counter() - start}
    alive = list(urls)
    deadline = start + timeout
    while alive:
        still = []
        for url in alive:
            if session.get(url, timeout=10).status_code == 200:
                still.append(url)
            elif "first" not in timings:
                timings["first"] = time.perf_counter() - start
        alive = still
        if time.perf_counter() > deadline:
            return {**timings, "first": timings.get("first", math.inf), "all": math.inf}
    return {**timings, "all": time.perf_counter() - start}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Stack:
    """What main() started, stopped in reverse order whatever happened."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self.origin = None
        self.cdn_port = 0

    def start(self, tmp: Path, simple_worker: bool, connection) -> None:
        from django.conf import settings

        self.origin = start_origin()  # (its get_wsgi_application() reconfigures logging)
        logging.getLogger("django.request").setLevel(logging.ERROR)  # the expected 404s
        varnish, self.cdn_port = start_varnish(tmp / "varnish", self.origin.server_address[1])
        self.processes.append(varnish)
        cdn = f"http://127.0.0.1:{self.cdn_port}"
        settings.DELIVERY_PUBLIC_BASE_URL = cdn
        # The reject records its purge rows here, each naming a backend of CDN_BACKENDS (a row
        # recorded without one is "no CDN configured"): this process needs the CDN too, not
        # only the worker that sends the purges.
        settings.CDN_BACKENDS = {
            "default": {
                "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
                "OPTIONS": {"purge_url": [cdn]},
            }
        }
        worker_env = {
            **os.environ,
            "DELIVERY_PUBLIC_BASE_URL": cdn,
            "CDN_BACKEND": "http-purge",
            "CDN_PURGE_URL": cdn,
        }
        self.processes.append(start_worker(worker_env, simple_worker, connection))

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop(process)
        if self.origin is not None:
            self.origin.shutdown()
            self.origin.server_close()


def cached_assets(session, n: int) -> tuple[list, dict, float]:
    """N published assets with every URL cached in Varnish: (assets, urls by pk, seconds)."""
    t0 = time.perf_counter()
    assets = make_assets(n)
    urls = {a.pk: public_urls(a) for a in assets}
    for asset in assets:
        warm(session, urls[asset.pk])
    return assets, urls, time.perf_counter() - t0


def add_job_times(assets: list, runs: list[dict]) -> int:
    """Add when each asset's purge job started and finished (seconds after its reject); the
    number of purge requests done."""
    from delivery.models import PurgeRequest

    rows = PurgeRequest.objects.filter(status="done")
    finished = {r.asset_id: (r.created_at, r.finished_at) for r in rows}
    for asset, run in zip(assets, runs, strict=True):
        started, done = finished.get(asset.pk, (None, None))
        run["started"] = started.timestamp() - run["wall"] if started else math.inf
        run["purged"] = done.timestamp() - run["wall"] if done else math.inf
    return len(finished)


STEPS = (
    ("reject", "reject transaction (commit + enqueue)"),
    ("started", "reject -> purge job started"),
    ("purged", "reject -> purge job finished"),
    ("first", "reject -> first URL gone from Varnish"),
    ("all", "reject -> every URL gone from Varnish"),
)


def report(runs: list[dict], head: list[str]) -> str:
    """The report's lines after ``head``; prints them and returns the verdict."""
    lines = list(head)
    for key, label in STEPS:
        ms = [r[key] * 1000 for r in runs]
        lines.append(
            f"  {label:<40} p50 {percentile(ms, 50):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms"
            f"   max {max(ms):7.1f} ms"
        )
    p95 = percentile([r["all"] for r in runs], 95)
    verdict = "PASS" if p95 <= TARGET_P95 else "FAIL"
    lines.append(f"  target: every URL gone, p95 <= {TARGET_P95:.0f} s: {verdict} ({p95:.3f} s)")
    print("\n".join(lines))
    return verdict


def measure(args: argparse.Namespace, tmp: Path, connection, stack: Stack) -> int:
    import requests
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    stack.start(tmp, args.simple_worker, connection)
    session = requests.Session()
    assets, urls, setup_s = cached_assets(session, args.assets)
    runs = [reject_and_wait(session, a, urls[a.pk], args.timeout) for a in assets]
    done = add_job_times(assets, runs)
    kind = "SimpleWorker" if args.simple_worker else "forking Worker"
    per_asset = len(next(iter(urls.values())))
    timeouts = sum(1 for r in runs if r["all"] == math.inf)
    verdict = report(
        runs,
        [
            f"purge latency through Varnish :{stack.cdn_port} and an RQ {kind}, on loopback",
            f"  assets: {len(assets)}, {per_asset} variant URLs each, all cached (HIT) first;"
            f" setup {setup_s:.1f} s",
            f"  purge requests done: {done}/{len(assets)}; timeouts: {timeouts}",
        ],
    )
    return 0 if verdict == "PASS" else 1


def main() -> int:
    args = parse_args()
    if args.assets < 50:
        sys.exit("--assets must be at least 50")
    tmp = Path(tempfile.mkdtemp(prefix="purge-bench-"))
    configure_env(tmp, args.redis)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis

    connection = redis.Redis.from_url(args.redis)
    connection.flushdb()
    stack = Stack()
    try:
        return measure(args, tmp, connection, stack)
    finally:
        stack.stop()
        connection.flushdb()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
