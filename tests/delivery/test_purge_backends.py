"""CDN backends against real services or faithful stand-ins: HTTP purge through real Varnish
(our deploy VCL), CloudFront through moto's server, Cloudflare and Fastly through a local server
that records what they send. Plus the loader and the system check."""

from __future__ import annotations

import http.client
import socket

import pytest

from delivery.cdn import PurgeError, get_backend, get_backends
from delivery.cdn.cloudflare import CloudflareBackend
from delivery.cdn.cloudfront import CloudFrontBackend
from delivery.cdn.fastly import FastlyBackend
from delivery.cdn.http_purge import HttpPurgeBackend
from delivery.checks import cdn_settings


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- HTTP purge through real Varnish -------------------------------------------------------


def cached(varnish, path: str, host: str | None = None) -> bool:
    """Fetch through Varnish; True when the answer came from the cache."""
    response = varnish.get(path, headers={"Host": host} if host else {})
    assert response.status_code == 200, response.text
    return response.headers["X-Cache"] == "HIT"


def test_varnish_caches_variants_and_hides_internal_headers(varnish_stub, stub_origin):
    before = len(stub_origin.requests)
    first = varnish_stub.get("/media/v/k1/a.jpg")
    second = varnish_stub.get("/media/v/k1/a.jpg")
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert int(second.headers["Age"]) >= 0 and second.content == first.content
    assert len(stub_origin.requests) == before + 1
    for name in ("xkey", "Surrogate-Key", "x-url", "x-host"):
        assert name not in second.headers
    assert varnish_stub.get("/elsewhere").headers["X-Cache"] == "PASS"


def test_http_purge_drops_one_url_under_the_host_it_was_stored_under(varnish_stub):
    path = "/media/v/k2/a.jpg"
    for host in ("img.example.test", "other.example.test"):
        cached(varnish_stub, path, host)
        assert cached(varnish_stub, path, host)
    backend = HttpPurgeBackend("varnish", {"purge_url": varnish_stub.base_url})
    result = backend.purge([f"https://img.example.test{path}"], [])
    assert (result.urls, result.keys) == (1, 0)
    assert not cached(varnish_stub, path, "img.example.test"), "purged under its own Host"
    assert cached(varnish_stub, path, "other.example.test"), "another Host is another object"


def test_http_purge_by_surrogate_key_drops_every_object_of_the_asset(varnish_stub):
    paths = ["/media/v/k3/320w.avif", "/media/v/k3/640w.webp", "/media/v/k4/320w.avif"]
    for path in paths:
        cached(varnish_stub, path)
        assert cached(varnish_stub, path)
    backend = HttpPurgeBackend("varnish", {"purge_url": [varnish_stub.base_url]})
    result = backend.purge([], ["asset-k3"])
    assert result.details == [f"{varnish_stub.base_url}: Invalidated 2 objects"]
    assert [cached(varnish_stub, p) for p in paths] == [False, False, True]


def test_purge_and_ban_are_refused_outside_the_acl(varnish_stub):
    path = "/media/v/k5/a.jpg"
    cached(varnish_stub, path)
    for method, headers in (("PURGE", {}), ("PURGE", {"xkey-purge": "asset-k5"}), ("BAN", {})):
        conn = http.client.HTTPConnection(
            "127.0.0.1", varnish_stub.port, timeout=5, source_address=("127.0.0.2", 0)
        )
        conn.request(method, path, headers={"Host": f"127.0.0.1:{varnish_stub.port}", **headers})
        assert conn.getresponse().status == 403
        conn.close()
    assert cached(varnish_stub, path), "nothing was purged"


def test_ban_by_url_regex_for_operators(varnish_stub):
    import requests

    for path in ("/media/v/k6/1/a.jpg", "/media/v/k6/2/a.jpg", "/media/v/k7/1/a.jpg"):
        cached(varnish_stub, path)
    response = requests.request(
        "BAN", varnish_stub.base_url + "/", headers={"X-Ban-Url": "^/media/v/k6/"}, timeout=5
    )
    assert response.status_code == 200
    states = [cached(varnish_stub, p) for p in ("/media/v/k6/1/a.jpg", "/media/v/k7/1/a.jpg")]
    assert states == [False, True]
    bad = requests.request("BAN", varnish_stub.base_url + "/", timeout=5)
    assert bad.status_code == 400


def test_http_purge_reports_an_unreachable_cache():
    backend = HttpPurgeBackend("varnish", {"purge_url": f"http://127.0.0.1:{closed_port()}"})
    with pytest.raises(PurgeError, match="unreachable"):
        backend.purge(["http://img.example.test/media/v/x/a.jpg"], ["asset-x"])


def test_http_purge_reports_a_refusal(http_server):
    http_server.answer(405)
    backend = HttpPurgeBackend("cache", {"purge_url": http_server.url, "host": "img.test"})
    with pytest.raises(PurgeError, match="HTTP 405"):
        backend.purge(["/media/v/x/a.jpg"], [])
    assert http_server.requests[0].method == "PURGE"
    assert http_server.requests[0].headers["Host"] == "img.test"


# --- CloudFront through moto's server ------------------------------------------------------


@pytest.mark.s3
def test_cloudfront_creates_one_invalidation_with_the_url_paths(cloudfront):
    client, distribution, options = cloudfront
    urls = [
        "https://img.example.com/media/v/a1/0123/1/320w-abcd1234.avif",
        "https://img.example.com/media/v/a1/0123/1/320w-abcd1234.avif",  # duplicate
        "https://img.example.com/media/v/a1/0123/1/640w-abcd1234.jpg?x=1",
    ]
    result = CloudFrontBackend("cf", options).purge(urls, ["asset-a1"])
    assert result.keys == 0, "CloudFront has no surrogate keys"
    listed = client.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert listed["Quantity"] == 1
    invalidation = client.get_invalidation(DistributionId=distribution, Id=listed["Items"][0]["Id"])
    batch = invalidation["Invalidation"]["InvalidationBatch"]
    assert batch["Paths"]["Items"] == [
        "/media/v/a1/0123/1/320w-abcd1234.avif",
        "/media/v/a1/0123/1/640w-abcd1234.jpg",
    ]
    assert batch["CallerReference"].startswith("aiassets-")
    assert result.details == [f"invalidation {listed['Items'][0]['Id']} COMPLETED"]


@pytest.mark.s3
def test_cloudfront_errors_name_the_distribution(cloudfront):
    _, _, options = cloudfront
    with pytest.raises(PurgeError, match="NOSUCHDIST"):
        CloudFrontBackend("cf", {**options, "distribution_id": "NOSUCHDIST"}).purge(
            ["https://img.example.com/a.jpg"], []
        )


@pytest.mark.s3
def test_cloudfront_without_urls_sends_nothing(cloudfront):
    client, distribution, options = cloudfront
    CloudFrontBackend("cf", options).purge([], ["asset-x"])
    assert (
        client.list_invalidations(DistributionId=distribution)["InvalidationList"]["Quantity"] == 0
    )


# --- Cloudflare and Fastly through a recording server --------------------------------------


def test_cloudflare_purges_files_and_tags_in_batches_of_30(http_server):
    http_server.answer(200, {"success": True, "errors": [], "result": {"id": "purge-1"}})
    backend = CloudflareBackend(
        "cf", {"zone_id": "zone9", "api_token": "tok", "api_base_url": http_server.url}
    )
    urls = [f"https://img.example.com/media/v/a/{i}.jpg" for i in range(35)]
    result = backend.purge(urls, ["asset-a"])
    assert (result.urls, result.keys) == (35, 1)
    assert [(r.method, r.path) for r in http_server.requests] == [
        ("POST", "/zones/zone9/purge_cache")
    ] * 3
    for r in http_server.requests:
        assert r.headers["Authorization"] == "Bearer tok"
        assert r.headers["Content-Type"] == "application/json"
    bodies = [r.json() for r in http_server.requests]
    assert bodies == [{"files": urls[:30]}, {"files": urls[30:]}, {"tags": ["asset-a"]}]


def test_cloudflare_reports_api_errors(http_server):
    http_server.answer(
        403, {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}
    )
    backend = CloudflareBackend(
        "cf", {"zone_id": "z", "api_token": "bad", "api_base_url": http_server.url}
    )
    with pytest.raises(PurgeError, match="HTTP 403.*Authentication error"):
        backend.purge(["https://img.example.com/a.jpg"], [])


def test_fastly_purges_keys_in_one_request_then_each_url(http_server):
    http_server.answer(200, {"status": "ok"})
    backend = FastlyBackend(
        "fastly", {"service_id": "SVC1", "api_token": "ftok", "api_base_url": http_server.url}
    )
    urls = ["https://img.example.com/media/v/a/1.jpg", "https://img.example.com/media/v/a/2.avif"]
    result = backend.purge(urls, ["asset-a", "asset-b"])
    assert (result.urls, result.keys) == (2, 2)
    sent = [(r.method, r.path) for r in http_server.requests]
    assert sent == [
        ("POST", "/service/SVC1/purge"),
        ("POST", "/purge/img.example.com/media/v/a/1.jpg"),
        ("POST", "/purge/img.example.com/media/v/a/2.avif"),
    ]
    assert http_server.requests[0].headers["Surrogate-Key"] == "asset-a asset-b"
    assert {r.headers["Fastly-Key"] for r in http_server.requests} == {"ftok"}
    assert all("Fastly-Soft-Purge" not in r.headers for r in http_server.requests)


def test_fastly_soft_purge_and_errors(http_server):
    http_server.answer(401, {"msg": "Provided credentials are missing or invalid"})
    backend = FastlyBackend(
        "fastly",
        {"service_id": "S", "api_token": "x", "api_base_url": http_server.url, "soft": True},
    )
    with pytest.raises(PurgeError, match="HTTP 401.*credentials"):
        backend.purge([], ["asset-a"])
    assert http_server.requests[0].headers["Fastly-Soft-Purge"] == "1"
    with pytest.raises(PurgeError, match="absolute URLs"):
        backend.purge(["/media/v/a/1.jpg"], [])


# --- loader and system check ---------------------------------------------------------------


def test_loader_builds_backends_like_caches(settings):
    settings.CDN_BACKENDS = {
        "default": {
            "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
            "OPTIONS": {"purge_url": "http://127.0.0.1:6081"},
        },
        "fastly": {
            "BACKEND": "delivery.cdn.fastly.FastlyBackend",
            "OPTIONS": {"service_id": "s", "api_token": "t"},
        },
    }
    backends = get_backends()
    assert list(backends) == ["default", "fastly"]
    assert isinstance(backends["default"], HttpPurgeBackend)
    assert get_backend("fastly").alias == "fastly"
    settings.CDN_BACKENDS = {}
    assert get_backends() == {}


def test_system_check_reports_bad_backends(settings):
    settings.DELIVERY_PUBLIC_BASE_URL = "https://img.example.com"
    settings.CDN_BACKENDS = {
        "a": {"BACKEND": "delivery.cdn.nope.Backend"},
        "b": {"BACKEND": "delivery.cdn.fastly.FastlyBackend", "OPTIONS": {"service_id": "s"}},
        "c": {
            "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
            "OPTIONS": {"purge_url": "varnish:6081", "purge_urls": "typo"},
        },
        "d": {"BACKEND": "delivery.models.PurgeRequest"},
        "e": {"OPTIONS": {}},
    }
    settings.CDN_PURGE_MAX_ATTEMPTS = 0
    settings.CDN_PURGE_RETRY_INTERVALS = [5, -1]
    messages = {(m.id, m.msg) for m in cdn_settings(None)}
    ids = sorted(i for i, _ in messages)
    assert ids == [
        "delivery.E002",
        "delivery.E003",
        "delivery.E003",
        "delivery.E005",
        "delivery.E005",
        "delivery.E005",
        "delivery.E006",
        "delivery.E007",
    ]
    text = " | ".join(m for _, m in messages)
    assert "missing option 'api_token'" in text
    assert "unknown option 'purge_urls'" in text
    assert "'varnish:6081' is not an http(s) URL" in text
    assert "cannot import CDN backend 'delivery.cdn.nope.Backend'" in text


def test_system_check_passes_a_good_configuration_and_warns_without_a_public_base(settings):
    settings.CDN_BACKENDS = {
        "default": {
            "BACKEND": "delivery.cdn.cloudfront.CloudFrontBackend",
            "OPTIONS": {"distribution_id": "E123"},
        }
    }
    settings.DELIVERY_PUBLIC_BASE_URL = "https://img.example.com"
    assert cdn_settings(None) == []
    settings.DELIVERY_PUBLIC_BASE_URL = ""
    assert [m.id for m in cdn_settings(None)] == ["delivery.W001"]
