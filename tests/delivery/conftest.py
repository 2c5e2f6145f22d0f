"""Fixtures for delivery tests: real Varnish (our deploy VCL), a recording HTTP server, and a
stub origin. Nothing here is autouse: each test asks for what it needs.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_VCL = ROOT / "deploy" / "varnish" / "aiassets.vcl"
VARNISHD = shutil.which("varnishd") or (
    "/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None
)
VARNISHADM = shutil.which("varnishadm") or "/usr/bin/varnishadm"


# --------------------------------------------------------------------------------------------
# Real Varnish started with deploy/varnish/aiassets.vcl
# --------------------------------------------------------------------------------------------


def vcl_for_backend(host: str, port: int) -> str:
    """The operators' VCL with only the origin's .host and .port replaced."""
    text = DEPLOY_VCL.read_text()
    block = re.search(r"backend django \{.*?\n\}", text, re.S)
    assert block, "deploy VCL lost its `backend django` block"
    new_block, n_host = re.subn(r'\.host = "[^"]*";', f'.host = "{host}";', block.group(0))
    new_block, n_port = re.subn(r'\.port = "[^"]*";', f'.port = "{port}";', new_block)
    assert (n_host, n_port) == (1, 1), "the backend block needs exactly one .host and one .port"
    return text.replace(block.group(0), new_block)


@dataclass
class Varnish:
    workdir: Path
    process: subprocess.Popen
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path_or_url: str, **kwargs) -> requests.Response:
        path = re.sub(r"^https?://[^/]+", "", path_or_url)
        return requests.get(self.base_url + path, timeout=10, **kwargs)

    def adm(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [VARNISHADM, "-n", str(self.workdir), *args],
            capture_output=True,
            text=True,
            timeout=10,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_varnish(
    workdir: Path, backend_host: str, backend_port: int, deadline_s: float = 30
) -> Varnish:
    """varnishd in the foreground on a random loopback port; ready when varnishadm answers."""
    if VARNISHD is None:
        need("Varnish", "varnishd not found (apt-get install varnish varnish-modules)")
    workdir.mkdir(parents=True, exist_ok=True)
    vcl = workdir / "test.vcl"
    vcl.write_text(vcl_for_backend(backend_host, backend_port))
    log = (workdir / "varnishd.log").open("wb")
    process = subprocess.Popen(
        [
            VARNISHD, "-F", "-n", str(workdir), "-a", "127.0.0.1:0", "-T", "127.0.0.1:0",
            "-j", "none", "-f", str(vcl), "-s", "malloc,32m",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    varnish = Varnish(workdir, process)
    deadline = time.monotonic() + deadline_s
    while True:
        if process.poll() is not None:
            log.close()
            output = (workdir / "varnishd.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"varnishd exited with {process.returncode}:\n{output}")
        answer = varnish.adm("debug.listen_address")
        match = re.search(r"127\.0\.0\.1 (\d+)", answer.stdout) if answer.returncode == 0 else None
        if match:
            varnish.port = int(match.group(1))
            return varnish
        if time.monotonic() > deadline:
            varnish.stop()
            raise RuntimeError(f"varnishd not ready after {deadline_s}s: {answer.stderr}")


@pytest.fixture(scope="session")
def varnish_live(live_server, tmp_path_factory) -> Iterator[Varnish]:
    """Varnish in front of pytest-django's live_server (the Django origin)."""
    host, port = live_server.url.removeprefix("http://").split(":")
    varnish = start_varnish(tmp_path_factory.mktemp("varnish-live"), host, int(port))
    yield varnish
    varnish.stop()


# --------------------------------------------------------------------------------------------
# Tiny HTTP servers: a recorder (fake CDN APIs) and a stub origin (cacheable, with xkey)
# --------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class HttpServer:
    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)
    # Answers, in order; the last one repeats. Each is (status, headers, body bytes).
    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    respond: Callable[[Recorded], tuple[int, dict[str, str], bytes]] | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, status: int = 200, body: dict | bytes | None = None, **headers: str) -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        if isinstance(body, dict):
            headers.setdefault("Content-Type", "application/json")
        self.answers.append((status, headers, data))


def _make_handler(state: HttpServer) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            rec = Recorded(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            with lock:
                state.requests.append(rec)
                if state.respond is not None:
                    status, headers, body = state.respond(rec)
                elif state.answers:
                    status, headers, body = (
                        state.answers.pop(0) if len(state.answers) > 1 else state.answers[0]
                    )
                else:
                    status, headers, body = 200, {}, b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_PURGE = do_DELETE = _handle

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    """An HTTP server on 127.0.0.1:<random> that records every request."""
    state = HttpServer(server=None)  # type: ignore[arg-type]
    state.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(state))
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()


def stub_origin_response(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
    """Like the origin view: /media/v/<key>/... is immutable and tagged ``xkey: asset-<key>``."""
    match = re.match(r"^/media/v/([^/]+)/", rec.path)
    if not match:
        return 404, {}, b"not found"
    headers = {
        "Content-Type": "image/jpeg",
        "Cache-Control": "public, max-age=31536000, immutable",
        "xkey": f"asset-{match.group(1)}",
        "Surrogate-Key": f"asset-{match.group(1)}",
    }
    return 200, headers, f"bytes of {rec.path} for {rec.headers.get('Host')}".encode()


@pytest.fixture(scope="module")
def stub_origin() -> Iterator[HttpServer]:
    state = HttpServer(server=None, respond=stub_origin_response)  # type: ignore[arg-type]
    state.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(state))
    threading.Thread(target=state.server.serve_forever, daemon=True).start()
    yield state
    state.server.shutdown()
    state.server.server_close()


@pytest.fixture(scope="module")
def varnish_stub(stub_origin, tmp_path_factory) -> Iterator[Varnish]:
    """Varnish (our VCL) in front of the stub origin: for backend tests without Django."""
    host, port = stub_origin.server.server_address[:2]
    varnish = start_varnish(tmp_path_factory.mktemp("varnish-stub"), host, port)
    yield varnish
    varnish.stop()


def wait_until(condition: Callable[[], object], timeout: float = 10, what: str = "condition"):
    """Poll ``condition`` until it returns something truthy, or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- CloudFront through moto's server --------------------------------------------------------


@pytest.fixture
def cloudfront(moto_endpoint):
    """A distribution on moto's server: (client, distribution id, backend OPTIONS)."""
    import boto3

    client = boto3.client(
        "cloudfront",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    origin = {
        "Id": "django",
        "DomainName": "origin.example.com",
        "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "https-only",
        },
    }
    config = {
        "CallerReference": f"tests-{uuid.uuid4().hex}",
        "Comment": "aiassets tests",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "django",
            "ViewerProtocolPolicy": "https-only",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    distribution = client.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    options = {
        "distribution_id": distribution,
        "endpoint_url": moto_endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    return client, distribution, options
