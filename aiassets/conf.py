"""App settings over defaults, the way django-pictures and DRF do it.

Each app keeps its settings' defaults in its own ``conf.py`` (one home per default);
``config/settings.py`` only maps the environment onto them. Values are read from
``django.conf.settings`` on first use, cached, and the cache is reset on ``setting_changed``
(``override_settings`` and pytest-django's ``settings`` fixture send it), so tests see
their overrides.

    from aiassets.conf import AppSettings
    conf = AppSettings({"MODERATION_CLAIM_SECONDS": 900})
    conf.MODERATION_CLAIM_SECONDS   # settings.MODERATION_CLAIM_SECONDS if set, else 900
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from . import formats


class AppSettings:
    """Attribute access to an app's settings, each falling back to its default."""

    def __init__(self, defaults: Mapping[str, Any]):
        self.defaults = dict(defaults)
        self._cache: dict[str, Any] = {}
        setting_changed.connect(self.reset, weak=False)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self.defaults:
            raise AttributeError(f"{name} is not one of this app's settings")
        if name not in self._cache:
            self._cache[name] = getattr(settings, name, self.defaults[name])
        return self._cache[name]

    def get(self, name: str) -> Any:
        return getattr(self, name)

    def install_defaults(self) -> None:
        """Put each default on ``django.conf.settings`` where the project set none, so code
        that still reads ``settings.X`` directly keeps working (as django-appconf does).
        Called once from the app's ``ready()``; the defaults stay written only here."""
        for name, value in self.defaults.items():
            if not hasattr(settings, name):
                setattr(settings, name, value)

    def reset(self, setting: str | None = None, **kwargs: Any) -> None:
        """``setting_changed`` receiver: forget the cached value (or all of them)."""
        if setting is None:
            self._cache.clear()
        else:
            self._cache.pop(setting, None)


# aiassets' own settings (each overridable from the environment in config/settings.py).
DEFAULTS: dict[str, Any] = {
    # Ingest limits: larger files, images or provenance params are refused with a coded error.
    "INGEST_MAX_BYTES": 64 * 1024 * 1024,
    "INGEST_MAX_PIXELS": 100_000_000,
    "INGEST_MAX_SIDE": 20_000,
    "INGEST_ALLOW_ANIMATED": False,
    "INGEST_MAX_PARAMS_BYTES": 64 * 1024,
    "INGEST_MAX_PARAMS_DEPTH": 20,
    "INGEST_MAX_PROVENANCE_BYTES": 256 * 1024,
    # The orphan sweep (aiassets/orphans.py) removes files no row names once they are this old:
    # longer than any upload or build takes between writing a file and committing its row.
    "ORPHAN_GRACE_SECONDS": 3600,
    # The width ladder (px), slot-aware: every layout slot below gets a rung at most about 10 %
    # wider, so a browser downloads little more than it shows (bench/widths.py measures it).
    # Dense where pictures are small: the phone range (viewports 320-414 px, full width minus
    # the 32 px margin: 288-382 px at DPR 1, 576-764 at DPR 2) and the gallery's own slots
    # (public/views.py GRID_SIZES: 358/360/300/330 px at 390/768/1280/1920 px viewports, DPR 1,
    # twice that at DPR 2); sparse above (the detail page's 736-1200 px, 1472-2400 at DPR 2).
    # A source narrower than the last rung gets its own width instead of the rungs within 10 %
    # below it (imaging.plan_widths).
    "DERIVATIVE_WIDTHS": [
        *(320, 340, 360, 400, 480, 560, 640, 680, 720, 800),  # phones, the gallery; DPR 1, 2
        *(960, 1120, 1280, 1600, 1920, 2560),  # the detail page, tablets, DPR 2 desktops
    ],
    # Which renditions a build makes at once; the others are made on their first request by
    # the origin, through the on-demand path, under the same URL (renditions.plan.lazy_specs).
    # Entries: "fmt" (every width of the full frame), "fmt:W" (its widths up to W px), the
    # same after "crops:" for the DERIVATIVE_RATIOS crops, or "*" (everything at once).
    # <picture> lists AVIF first, so browsers that decode AVIF never ask for WebP: WebP is
    # built only when someone asks. Full-frame widths up to 1280 cover the gallery at any DPR,
    # phones at DPR 3 and the detail page at DPR 1; the wider ones (DPR 2 desktops and
    # tablets on the detail page) are built on their first view, then cached by the CDN. Our
    # pages show the full frame; crops serve templates that ask for them, so only their small
    # JPEGs are built at once (what a busy origin redirects to). The share card is always
    # built at once. See README "Derivative defaults".
    "DERIVATIVE_PRECOMPUTE": ["avif:1280", "jpeg:1280", "crops:jpeg:640"],
    # Rows a page of the admin's asset list: Wagtail's image index shows 30 too
    # (WAGTAILIMAGES_INDEX_PAGE_SIZE). Each row costs about 0.25 ms to fetch and write, and
    # a filtered list walks about 20 assets per row it finds (README "Scale").
    "ADMIN_ASSETS_PER_PAGE": 30,
    # django-taggit: "Cat" and "cat" are one tag (aiassets.tags looks names up this way too).
    "TAGGIT_CASE_INSENSITIVE": True,
}

# --- Moved from config/settings.py (issue 13): renditions, jobs, Content Credentials, API
# rate limits. config/settings.py still maps the environment onto each (AVIF_QUALITY etc. onto
# DERIVATIVE_FORMATS); unset, the value here applies.
DEFAULTS.update(
    {
        # Encoder settings chosen with bench/deriv_presets.py: see README "Derivative defaults"
        # (DERIVATIVE_WIDTHS is above). Order matters: formats are offered in this order in
        # <picture>.
        "DERIVATIVE_FORMATS": {fmt: dict(opts) for fmt, opts in formats.ENCODER_DEFAULTS.items()},
        # Art direction: ratios built in the background with the widths (any other valid ratio
        # is built on demand), and the share card (og:image) cropped around the focal rectangle.
        "DERIVATIVE_RATIOS": ["16/9", "1/1"],
        "SOCIAL_CARD_RATIO": "40/21",  # "": no share card
        "SOCIAL_CARD_WIDTH": 1200,  # 1200×630
        "DERIVATIVE_MAX_ATTEMPTS": 3,
        "DERIVATIVE_RETRY_INTERVALS": [10, 60],
        "DERIVATIVE_JOB_TIMEOUT": 600,
        # reconcile_variants: a pending row untouched for one job timeout (in minutes) is stuck.
        # config/settings.py derives it from DERIVATIVE_JOB_TIMEOUT when only that one is set.
        "DERIVATIVE_STALE_MINUTES": 10,
        # Past this many waiting derivative jobs, ingest still stores originals but defers their
        # builds (status "deferred"); each finished build and reconcile_variants let them in.
        # 0: off.
        "DERIVATIVE_QUEUE_MAX_DEPTH": 500,
        # Workers heartbeat this often; three missed beats mark one dead (aiassets.jobhealth).
        "JOBS_HEARTBEAT_SECONDS": 10,
        "JOBS_HEAL_MAX_REQUEUES": 10,  # healing re-enqueues per job and day
        # Per API token (overridable per token in the admin); 0 = unlimited. Past them: 429.
        "API_RATE_REQUESTS_PER_MINUTE": 120,
        "API_RATE_BYTES_PER_DAY": 20 * 1024**3,
        # Content Credentials (aiassets/c2pa/): see config/settings.py for what each means.
        "C2PA_SIGNING": True,
        "C2PA_SIGNER_KEY": "",  # PEM path
        "C2PA_SIGNER_CHAIN": "",  # PEM path: signer certificate, then its intermediate(s)
        "C2PA_TRUST_ANCHORS": "",  # PEM path of the roots that read as "trusted"
        "C2PA_REQUIRED": True,  # a signing failure fails the variant
        # The untrusted development chain derived from SECRET_KEY: off here (production's
        # value); config/settings.py turns it on while HTTPS is off.
        "C2PA_DEV_CREDENTIALS": False,
        # verify_image and the admin verify page: the largest pHash distance that is a match.
        "C2PA_MATCH_MAX_DISTANCE": 10,
    }
)
# --- end of the block moved from config/settings.py ---------------------------------------

app_settings = AppSettings(DEFAULTS)
