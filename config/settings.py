"""Settings for aiassets, all from the environment (django-environ), with safe embedded defaults.

Defaults run the whole product on one machine with nothing installed: SQLite under var/,
files under var/media, and jobs in-process. Production sets DATABASE_URL, REDIS_URL,
STORAGE=s3 and the AWS_* variables. See the configuration table in README.md.
"""

import os
import tempfile
from pathlib import Path

import environ

from aiassets import conf as _aiassets_conf
from config.csp import content_security_policy
from config.envmap import CheckedEnv, development_secret_key, env_overrides, nested_overrides

BASE_DIR = Path(__file__).resolve().parent.parent
# Reading the environment never raises here: each unusable value is recorded in CONFIG_ERRORS
# (the variable's default stands in) and `manage.py check` reports it as an error, the WSGI
# application refuses to start (config/wsgi.py). This module writes no file.
CONFIG_ERRORS: list[str] = []
env = CheckedEnv(CONFIG_ERRORS)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
HTTPS = env.bool("HTTPS", default=False)
# Production (HTTPS=true) must set SECRET_KEY: left empty, Django refuses to sign and
# `check --deploy` says why. Development reads var/secret_key (`make install` writes it).
SECRET_KEY = env("SECRET_KEY", default="") or ("" if HTTPS else development_secret_key(VAR_DIR))
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
if HTTPS and not DEBUG and not SECRET_KEY:
    # Several hosts sign and verify each other's URLs: no web process starts on a key of its
    # own (config.wsgi refuses to serve on CONFIG_ERRORS).
    CONFIG_ERRORS.append("SECRET_KEY must be set, the same on every host, when HTTPS=true.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_rq",
    "django_filters",
    "imagekit",
    "ninja",
    "taggit",
    "aiassets",
    "moderation",
    "delivery",
    "public",
    "ops",
    "api",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "api.middleware.ApiErrorMiddleware",
    "api.middleware.IngestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, making VAR_DIR on first connection (this module writes no file).
    DATABASES["default"]["ENGINE"] = "config.sqlite3"
    # Tests use a file, not memory: the live server's threads then get their own connections.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        Path(tempfile.gettempdir()) / f"aiassets-test-{os.getpid()}.sqlite3"
    )
    # WAL and IMMEDIATE transactions let the web process and a worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # A persistent connection that died (database restart, pg_terminate_backend, failover) is
    # found and replaced before a request uses it, instead of answering 500.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env(
        "TEST_DATABASE_NAME", default="aiassets_test"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))  # after collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # nothing is served from MEDIA_ROOT directly

STORAGE = env("STORAGE", default="local")  # "local" or "s3"
_STATIC = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}

if STORAGE == "s3":
    _S3_COMMON = {
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
        "region_name": env("AWS_S3_REGION_NAME", default="us-east-1"),
        "access_key": env("AWS_ACCESS_KEY_ID", default=None),
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
        "signature_version": "s3v4",
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 600,
    }
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_S3_COMMON, "bucket_name": env("AWS_ORIGINALS_BUCKET", default="")},
        },
        "originals": {
            "BACKEND": "aiassets.storage.OriginalsS3Storage",
            "OPTIONS": {**_S3_COMMON, "bucket_name": env("AWS_ORIGINALS_BUCKET", default="")},
        },
        "variants": {
            "BACKEND": "aiassets.storage.VariantsS3Storage",
            "OPTIONS": {**_S3_COMMON, "bucket_name": env("AWS_VARIANTS_BUCKET", default="")},
        },
        "staticfiles": _STATIC,
    }
    CONFIG_ERRORS += [
        f"STORAGE=s3 needs {name}: the bucket is not set."
        for name in ("AWS_ORIGINALS_BUCKET", "AWS_VARIANTS_BUCKET")
        if not env(name, default="")
    ]
else:
    if STORAGE != "local":
        CONFIG_ERRORS.append(f"STORAGE must be 'local' or 's3', not {STORAGE!r}.")
    STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT / "private", "base_url": MEDIA_URL},
        },
        "originals": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT / "private", "base_url": MEDIA_URL},
        },
        "variants": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": MEDIA_ROOT / "public",
                "base_url": MEDIA_URL,
                "allow_overwrite": True,
            },
        },
        "staticfiles": _STATIC,
    }

FILE_UPLOAD_TEMP_DIR = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# imagekit renders admin previews; its cache lives beside the originals, never in public.
IMAGEKIT_DEFAULT_FILE_STORAGE = "originals"
IMAGEKIT_CACHEFILE_DIR = "previews"
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.JustInTime"
IMAGEKIT_SPEC_CACHEFILE_NAMER = "imagekit.cachefiles.namers.source_name_dot_hash"
# Defaults: aiassets/conf.py.
globals().update(env_overrides(env, ORPHAN_GRACE_SECONDS=env.int, ADMIN_ASSETS_PER_PAGE=env.int))

# --- Ingest limits --------------------------------------------------------------------------
# Defaults live in aiassets/conf.py; a variable that is set here overrides its default.
globals().update(
    env_overrides(
        env,
        INGEST_MAX_BYTES=env.int,
        INGEST_MAX_PIXELS=env.int,
        INGEST_MAX_SIDE=env.int,
        INGEST_ALLOW_ANIMATED=env.bool,
        INGEST_MAX_PARAMS_BYTES=env.int,
        INGEST_MAX_PARAMS_DEPTH=env.int,
        INGEST_MAX_PROVENANCE_BYTES=env.int,
    )
)
# Per API token (overridable per token in the admin); 0 = unlimited. Past them: 429.
# Defaults in aiassets/conf.py.
globals().update(
    env_overrides(env, API_RATE_REQUESTS_PER_MINUTE=env.int, API_RATE_BYTES_PER_DAY=env.int)
)

# --- Derivatives ----------------------------------------------------------------------------
# Defaults (widths and encoder settings chosen with bench/derivatives.py, see README "Derivative
# defaults") live in aiassets/conf.py; a variable set here overrides one. AVIF_QUALITY,
# AVIF_SPEED, WEBP_QUALITY, WEBP_METHOD and JPEG_QUALITY override one encoder option each.
globals().update(
    env_overrides(
        env,
        DERIVATIVE_WIDTHS=lambda name: env.list(name, cast=int),
        DERIVATIVE_PRECOMPUTE=env.list,
        DERIVATIVE_RATIOS=env.list,
        SOCIAL_CARD_RATIO=env.str,  # "": no share card
        SOCIAL_CARD_WIDTH=env.int,
        DERIVATIVE_MAX_ATTEMPTS=env.int,
        DERIVATIVE_RETRY_INTERVALS=lambda name: env.list(name, cast=int),
        DERIVATIVE_JOB_TIMEOUT=env.int,
        DERIVATIVE_STALE_MINUTES=env.int,
        DERIVATIVE_QUEUE_MAX_DEPTH=env.int,
    )
)
_encoder_options = nested_overrides(
    env,
    _aiassets_conf.DEFAULTS["DERIVATIVE_FORMATS"],
    AVIF_QUALITY=("avif", "quality"),
    AVIF_SPEED=("avif", "speed"),
    WEBP_QUALITY=("webp", "quality"),
    WEBP_METHOD=("webp", "method"),
    JPEG_QUALITY=("jpeg", "quality"),
)
if _encoder_options is not None:
    DERIVATIVE_FORMATS = _encoder_options
_derivative_job_timeout = globals().get(
    "DERIVATIVE_JOB_TIMEOUT", _aiassets_conf.DEFAULTS["DERIVATIVE_JOB_TIMEOUT"]
)
if "DERIVATIVE_JOB_TIMEOUT" in globals() and "DERIVATIVE_STALE_MINUTES" not in globals():
    # A pending row is stuck after one job timeout: a longer timeout moves that line too.
    DERIVATIVE_STALE_MINUTES = max(1, _derivative_job_timeout // 60)

# --- Jobs -----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Without Redis every job runs in-process, right after the transaction that asked for it.
JOBS_INLINE = env.bool("JOBS_INLINE", default=not REDIS_URL)
JOB_QUEUES = ("derivatives", "moderation", "purge", "default")
RQ_QUEUES = {
    name: {
        "URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": _derivative_job_timeout,
    }
    for name in JOB_QUEUES
}
# Worker heartbeats and self-healing (see README): defaults in aiassets/conf.py
# (JOBS_HEARTBEAT_SECONDS, JOBS_HEAL_MAX_REQUEUES) and ops/conf.py (JOBS_HEAL_INTERVAL,
# JOBS_ORPHAN_SWEEP; JOBS_HEAL_BATCH is not read from the environment).
globals().update(
    env_overrides(
        env,
        JOBS_HEARTBEAT_SECONDS=env.int,
        JOBS_HEAL_INTERVAL=env.int,
        JOBS_ORPHAN_SWEEP=env.bool,
        JOBS_HEAL_MAX_REQUEUES=env.int,
    )
)
# We enqueue from transaction.on_commit ourselves; django-rq must not defer a second time.
RQ = {"COMMIT_MODE": "auto"}
RQ_SHOW_ADMIN_LINK = True
# Shared counters (on-demand build slots, rate limits) need a cache all processes share.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Delivery -------------------------------------------------------------------------------
# Defaults (and what each means) live in delivery/conf.py; a variable set here overrides one.
globals().update(
    env_overrides(
        env,
        DELIVERY_PUBLIC_BASE_URL=env.str,
        DELIVERY_SIGNED_URL_TTL=env.int,
        DELIVERY_SIGNED_URL_MODE=env.str,
        CLOUDFRONT_KEY_ID=env.str,
        CLOUDFRONT_PRIVATE_KEY=lambda name: env.str(name, multiline=True),
        ON_DEMAND_MIN_WIDTH=env.int,
        ON_DEMAND_MAX_WIDTH=env.int,
        ON_DEMAND_MAX_CONCURRENT=env.int,
        ON_DEMAND_RETRY_AFTER=env.int,
        ON_DEMAND_BUDGET_PER_MINUTE=env.int,
        CDN_PURGE_MAX_ATTEMPTS=env.int,
        CDN_PURGE_RETRY_INTERVALS=lambda name: env.list(name, cast=int),
        CDN_PURGE_TIMEOUT=env.float,
    )
)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool(
    "SECURE_COOKIES", default=not DEBUG and env.bool("HTTPS", default=False)
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Health probes come over plain HTTP from the load balancer and the supervisor.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Content-Security-Policy on every response (Django's own CSP middleware): scripts and <style>
# elements only from here or with the request's nonce ({{ csp_nonce }}); images also from the
# CDN and signed-URL origins. Style attributes stay allowed (admin thumbnails set their
# placeholder colour with one; they cannot run script). CSP_EXTRA_IMG_SRC adds image origins.
SECURE_CSP = content_security_policy(
    env.list("CSP_EXTRA_IMG_SRC", default=[]),
    env("DELIVERY_PUBLIC_BASE_URL", default=""),
    env("AWS_S3_ENDPOINT_URL", default="") if STORAGE == "s3" else "",
    env("AWS_S3_CUSTOM_DOMAIN", default="") if STORAGE == "s3" else "",
)

# LOG_FORMAT: "json" (one JSON object per line, ops.logging.JsonFormatter; the default when
# DEBUG is off) or "plain" (the default with DEBUG on). Every logger goes through the root's
# console handler: aiassets, moderation, delivery, rq.worker (jobs) and Django's own.
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    CONFIG_ERRORS.append(f"LOG_FORMAT must be 'json' or 'plain', not {LOG_FORMAT!r}.")
    LOG_FORMAT = "plain"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "ops.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # rq.worker gets no handler of its own: rq then leaves its colour handler out, and job
    # records reach the console handler (JSON with the job id, queue and function).
    "loggers": {"PIL": {"level": "WARNING"}, "rq.worker": {"level": "INFO"}},
}

# --- CDN purges -----------------------------------------------------------------------------
# When an asset leaves public view, a job on the "purge" queue drops its old URLs and its
# surrogate key from every backend here (configured like CACHES; {} = no CDN: purges are
# recorded, nothing is sent). CDN_BACKEND picks one from the environment:
#   none | http-purge (CDN_PURGE_URL: the Varnish address(es), see deploy/varnish/aiassets.vcl)
#   | cloudfront (CLOUDFRONT_DISTRIBUTION_ID) | cloudflare (CLOUDFLARE_ZONE_ID,
#   CLOUDFLARE_API_TOKEN) | fastly (FASTLY_SERVICE_ID, FASTLY_API_TOKEN)
CDN_BACKEND = env("CDN_BACKEND", default="none")
_CDN_CHOICES = {
    "http-purge": (
        "delivery.cdn.http_purge.HttpPurgeBackend",
        lambda: {"purge_url": env.list("CDN_PURGE_URL")},
    ),
    "cloudfront": (
        "delivery.cdn.cloudfront.CloudFrontBackend",
        lambda: {
            "distribution_id": env("CLOUDFRONT_DISTRIBUTION_ID"),
            "endpoint_url": env("CLOUDFRONT_ENDPOINT_URL", default="") or None,
        },
    ),
    "cloudflare": (
        "delivery.cdn.cloudflare.CloudflareBackend",
        lambda: {"zone_id": env("CLOUDFLARE_ZONE_ID"), "api_token": env("CLOUDFLARE_API_TOKEN")},
    ),
    "fastly": (
        "delivery.cdn.fastly.FastlyBackend",
        lambda: {"service_id": env("FASTLY_SERVICE_ID"), "api_token": env("FASTLY_API_TOKEN")},
    ),
}
if CDN_BACKEND in ("", "none"):
    CDN_BACKENDS = {}
elif CDN_BACKEND in _CDN_CHOICES:
    CDN_BACKENDS = {
        "default": {
            "BACKEND": _CDN_CHOICES[CDN_BACKEND][0],
            "OPTIONS": _CDN_CHOICES[CDN_BACKEND][1](),
        }
    }
else:
    CONFIG_ERRORS.append(
        f"CDN_BACKEND must be one of none, {', '.join(_CDN_CHOICES)}; not {CDN_BACKEND!r}."
    )
    CDN_BACKENDS = {}
# CDN_PURGE_MAX_ATTEMPTS, CDN_PURGE_RETRY_INTERVALS, CDN_PURGE_TIMEOUT: see delivery/conf.py.

# --- Moderation ---
# Defaults live in moderation/conf.py; a variable that is set here overrides its default.
# MODERATION_CLASSIFIERS: dotted paths (see moderation/classifiers.py). NudeNet's weights
# derive from an Ultralytics (AGPL-3.0) model: check that licence suits you, or name another.
# MODERATION_THRESHOLDS: JSON, {"LABEL": {"review": 0.25, "reject": 0.7}, ...}; empty sends
# every image to human review (fail closed) and `manage.py check` warns.
# MODERATION_CLIENT_IP_HEADER: behind a trusted reverse proxy, the META key holding the client
# address (e.g. HTTP_X_REAL_IP).
globals().update(
    env_overrides(
        env,
        MODERATION_CLASSIFIERS=env.list,
        MODERATION_CLASSIFY_MAX_SIDE=env.int,
        MODERATION_THRESHOLDS=env.json,
        MODERATION_PUBLISH_ON_APPROVE=env.bool,
        MODERATION_FORBID_SELF_APPROVAL=env.bool,
        MODERATION_CLAIM_SECONDS=env.int,
        MODERATION_JOB_RETRIES=env.int,
        MODERATION_RETRY_INTERVALS=lambda name: env.list(name, cast=int),
        MODERATION_JOB_TIMEOUT=env.int,
        MODERATION_TAKEDOWN_MAX_DISTANCE=env.int,
        MODERATION_TAKEDOWN_RATE=env.str,
        MODERATION_TAKEDOWN_MAX_BYTES=env.int,
        MODERATION_TAKEDOWN_MAX_PIXELS=env.int,
        MODERATION_CLIENT_IP_HEADER=env.str,
        MODERATION_FACE_MIN_SCORE=env.float,
        MODERATION_QUEUE_PER_PAGE=env.int,
    )
)

# --- Observability ---
# GET /metrics (Prometheus) needs `Authorization: Bearer $METRICS_TOKEN` and/or a client
# address (REMOTE_ADDR) in METRICS_ALLOWED_IPS (CIDRs, comma-separated); every check that is
# set must pass, and with neither set everyone gets 403. Multi-process servers and workers:
# set PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself) for every process.
# Defaults in ops/conf.py.
globals().update(
    env_overrides(
        env,
        METRICS_TOKEN=env.str,
        METRICS_ALLOWED_IPS=env.list,
        OPS_DASHBOARD_MAX_ROWS=env.int,
    )
)
# The admin dashboard (/admin/ops/dashboard/) reads at most this many rows per source.

# --- Content Credentials ---
# Every variant carries a C2PA manifest signed with our ES256 key (aiassets/c2pa/).
# C2PA_SIGNER_KEY / C2PA_SIGNER_CHAIN: PEM paths of the key and of the signer certificate
# followed by its intermediate(s) (c2pa refuses a lone self-signed certificate). Unset, and
# while C2PA_DEV_CREDENTIALS is on (the default unless HTTPS=true), an UNTRUSTED DEVELOPMENT
# chain derived from SECRET_KEY signs: computed in memory, the same on every host that shares
# SECRET_KEY, written nowhere. HTTPS=true refuses it (system check aiassets.E103).
# C2PA_TRUST_ANCHORS: PEM path of the roots whose signatures read as "trusted" (`manage.py
# make_dev_signer --shared` writes the dev root to C2PA_DEV_DIR/root.pem). C2PA_REQUIRED: a
# signing failure fails the variant; off, the variant ships unmarked and the row records why.
# The signing settings are part of every variant recipe, so turning signing on or changing
# the key gives new variant keys. Defaults in aiassets/conf.py (C2PA_DEV_CREDENTIALS off there,
# production's value; on here while HTTPS is off). C2PA_DEV_DIR sits under VAR_DIR.
if not HTTPS:
    C2PA_DEV_CREDENTIALS = True
globals().update(
    env_overrides(
        env,
        C2PA_SIGNING=env.bool,
        C2PA_SIGNER_KEY=env.str,
        C2PA_SIGNER_CHAIN=env.str,
        C2PA_TRUST_ANCHORS=env.str,
        C2PA_REQUIRED=env.bool,
        C2PA_DEV_CREDENTIALS=env.bool,
        C2PA_MATCH_MAX_DISTANCE=env.int,  # verify_image: the largest pHash distance that matches
    )
)
C2PA_DEV_DIR = Path(env("C2PA_DEV_DIR", default=str(VAR_DIR / "c2pa-dev")))

# --- Email and links in email ---
# EMAIL_URL: e.g. smtp+tls://user:password@smtp.example.com:587 (console in development).
# SITE_URL: the public origin that links in emails (takedown receipts) point at.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {k: v for k, v in _email_options.items() if v not in (None, "")}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="aiassets <noreply@localhost>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Webhooks ---
# Endpoints get signed events (HMAC-SHA256, Webhook-Signature: t=...,v1=...). Outside
# development they may only be public addresses: WEBHOOKS_ALLOW_PRIVATE_HOSTS lets them reach
# loopback and private networks (on unless HTTPS=true). Failed sends are retried after each of
# WEBHOOKS_RETRY_INTERVALS seconds, then marked failed (the admin can redeliver). Defaults in
# webhooks/conf.py (private hosts off there, production's value; on here while HTTPS is off).
if not HTTPS:
    WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
globals().update(
    env_overrides(
        env,
        WEBHOOKS_ALLOW_PRIVATE_HOSTS=env.bool,
        WEBHOOKS_RETRY_INTERVALS=lambda name: env.list(name, cast=int),
        WEBHOOKS_TIMEOUT=env.int,
    )
)
