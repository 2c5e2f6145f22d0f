"""Synthetic delivery checks: fetch a sample of public variants through the CDN and verify them.

    python manage.py check_delivery [--base-url URL] [--sample N] [--region NAME]
                                    [--metrics-file PATH] [--pushgateway URL]

For each sampled variant: status 200, the exact Content-Type, Content-Length equal to the
stored bytes (header and body), an immutable public Cache-Control, the surrogate-key header
naming the asset, and that the body decodes to the declared width and height (decode time is
reported). Unapproved assets' URLs must answer 404 or 403. Prints a table and a summary,
exits non-zero on any failure, and exports the results as Prometheus metrics (a textfile for
node_exporter and/or a Pushgateway), so it can run from cron in several regions.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from PIL import Image
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile

from aiassets import formats
from aiassets.models import ModerationStatus, Variant
from delivery.signing import surrogate_key, variant_path

SURROGATE_HEADERS = ("Surrogate-Key", "xkey", "Cache-Tag")


@dataclass
class Result:
    url: str
    kind: str  # "public" or "private"
    status: int | None = None
    decode_ms: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def fetch(session: requests.Session, result: Result, timeout: float) -> requests.Response | None:
    """GET the result's URL, recording the status, or the failure as a problem."""
    try:
        response = session.get(result.url, timeout=timeout)
    except requests.RequestException as exc:
        result.problems.append(f"request failed: {exc}")
        return None
    result.status = response.status_code
    return response


def check_public(session: requests.Session, url: str, variant: Variant, timeout: float) -> Result:
    result = Result(url, "public")
    response = fetch(session, result, timeout)
    if response is None:
        return result
    if response.status_code != 200:
        result.problems.append(f"status {response.status_code}, expected 200")
        return result
    expected_type = formats.OUTPUT[variant.format].mime
    if response.headers.get("Content-Type") != expected_type:
        result.problems.append(
            f"Content-Type {response.headers.get('Content-Type')!r}, expected {expected_type!r}"
        )
    if response.headers.get("Content-Length") != str(variant.bytes):
        result.problems.append(
            f"Content-Length {response.headers.get('Content-Length')}, stored {variant.bytes}"
        )
    if len(response.content) != variant.bytes:
        result.problems.append(f"body is {len(response.content)} bytes, stored {variant.bytes}")
    cache_control = response.headers.get("Cache-Control", "")
    if not all(p in cache_control for p in ("public", "max-age=31536000", "immutable")):
        result.problems.append(f"Cache-Control {cache_control!r} is not public and immutable")
    key = surrogate_key(variant.asset_id)
    if not any(key in response.headers.get(h, "").split() for h in SURROGATE_HEADERS):
        result.problems.append(f"no surrogate-key header ({', '.join(SURROGATE_HEADERS)}) {key}")
    started = time.perf_counter()
    try:
        image = Image.open(io.BytesIO(response.content))
        image.load()
        result.decode_ms = (time.perf_counter() - started) * 1000
        if image.format != formats.OUTPUT[variant.format].pillow:
            result.problems.append(f"decodes as {image.format}, declared {variant.format}")
        if image.size != (variant.width, variant.height):
            result.problems.append(
                f"decodes to {image.size[0]}x{image.size[1]}, "
                f"declared {variant.width}x{variant.height}"
            )
    except Exception as exc:  # noqa: BLE001 - any decode failure is a finding
        result.problems.append(f"does not decode: {exc}")
    return result


def check_private(session: requests.Session, url: str, timeout: float) -> Result:
    result = Result(url, "private")
    response = fetch(session, result, timeout)
    if response is not None and response.status_code not in (403, 404):
        result.problems.append(f"unapproved asset answered {response.status_code}, not 404/403")
    return result


class Command(BaseCommand):
    help = "Fetch a sample of public variants through the CDN and verify every response."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", help="Defaults to DELIVERY_PUBLIC_BASE_URL.")
        parser.add_argument("--sample", type=int, default=20, help="Public variants to fetch.")
        parser.add_argument("--private-sample", type=int, default=5, help="Unapproved to probe.")
        parser.add_argument("--timeout", type=float, default=10.0)
        parser.add_argument("--region", default="default", help="Label for the metrics.")
        parser.add_argument("--metrics-file", help="Write Prometheus text here (textfile).")
        parser.add_argument("--pushgateway", help="Push the metrics to this Pushgateway.")

    def handle(self, **opts):
        base = (opts["base_url"] or settings.DELIVERY_PUBLIC_BASE_URL).rstrip("/")
        if not base:
            raise CommandError("No base URL: pass --base-url or set DELIVERY_PUBLIC_BASE_URL.")
        ready = Variant.objects.select_related("asset").filter(
            status=Variant.Status.READY, on_demand=False
        )
        public = list(
            ready.filter(
                asset__moderation_status=ModerationStatus.APPROVED, asset__published=True
            ).order_by("?")[: opts["sample"]]
        )
        private = list(
            ready.exclude(
                asset__moderation_status=ModerationStatus.APPROVED, asset__published=True
            ).order_by("?")[: opts["private_sample"]]
        )
        if not public:
            raise CommandError("No public variants to check.")
        session = requests.Session()
        results = [
            check_public(session, base + variant_path(v.asset, v), v, opts["timeout"])
            for v in public
        ] + [
            check_private(session, base + variant_path(v.asset, v), opts["timeout"])
            for v in private
        ]
        self._print(results)
        self._export(results, opts)
        failed = [r for r in results if not r.ok]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} check(s) failed.", returncode=1)

    def _print(self, results: list[Result]) -> None:
        self.stdout.write(f"{'result':<6} {'kind':<7} {'status':<6} {'decode':>8}  url / problems")
        for r in results:
            decode = f"{r.decode_ms:.1f}ms" if r.decode_ms is not None else "-"
            self.stdout.write(
                f"{'OK' if r.ok else 'FAIL':<6} {r.kind:<7} {r.status or '-'!s:<6} {decode:>8}  "
                f"{r.url}"
            )
            for problem in r.problems:
                self.stdout.write(f"{'':<31}- {problem}")
        decodes = sorted(r.decode_ms for r in results if r.decode_ms is not None)
        median = f"{decodes[len(decodes) // 2]:.1f} ms" if decodes else "-"
        passed = sum(r.ok for r in results)
        self.stdout.write(
            f"{passed} passed, {len(results) - passed} failed; median decode {median}."
        )

    def _export(self, results: list[Result], opts: dict) -> None:
        if not (opts["metrics_file"] or opts["pushgateway"]):
            return
        registry = CollectorRegistry()
        labels = ["region", "kind"]
        checks = Gauge("aiassets_delivery_checks", "Checks run", labels, registry=registry)
        failures = Gauge(
            "aiassets_delivery_check_failures", "Checks failed", labels, registry=registry
        )
        decode = Gauge(
            "aiassets_delivery_check_decode_seconds_max",
            "Slowest decode",
            ["region"],
            registry=registry,
        )
        last = Gauge(
            "aiassets_delivery_check_last_run_timestamp_seconds",
            "Last run",
            ["region"],
            registry=registry,
        )
        region = opts["region"]
        for kind in ("public", "private"):
            of_kind = [r for r in results if r.kind == kind]
            checks.labels(region, kind).set(len(of_kind))
            failures.labels(region, kind).set(sum(not r.ok for r in of_kind))
        decode.labels(region).set(
            max((r.decode_ms or 0.0) for r in results) / 1000 if results else 0.0
        )
        last.labels(region).set_to_current_time()
        if opts["metrics_file"]:
            write_to_textfile(opts["metrics_file"], registry)
        if opts["pushgateway"]:
            push_to_gateway(
                opts["pushgateway"],
                job="check_delivery",
                grouping_key={"region": region},
                registry=registry,
            )
