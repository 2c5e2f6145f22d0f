"""Fixed demo data for the screenshot tests: the same assets, titles and timestamps every run.

State is set directly here (queryset updates, one Decision row per review item) only to
arrange fixtures; production code changes it through moderation.workflow alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, User

from aiassets import synth
from aiassets.groups import ensure_groups
from aiassets.models import Asset, ModerationStatus
from moderation.models import Decision
from moderation.permissions import grant_moderator_permissions
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, provenance

# Blink turns on subpixel glyph positioning when the device scale factor is above 1, but a
# renderer may create its first fonts before the emulated DPR reaches it; which of the two
# wins is a race, so 16px text came out in one of two renderings (and line boxes moved by a
# pixel) from one run to the next at DPR 2 and 3. With subpixel positioning off there is one
# rendering. Grayscale antialiasing (no LCD) keeps text independent of the host's settings.
TEXT_ARGS = ["--disable-font-subpixel-positioning", "--disable-lcd-text"]


@dataclass(frozen=True)
class Demo:
    seed: int
    size: tuple[int, int]
    title: str
    alt: str
    created_at: datetime
    prompt: str


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


# Newest first is the gallery's order; created_at decides it, so every value is distinct.
PUBLISHED = [
    Demo(3, (1200, 800), "Harbour lights", "Orange discs over a teal harbour", at(14, 9, 30),
         "a harbour at night, long exposure"),
    Demo(7, (800, 1200), "Tall garden", "Violet shapes stacked in a tall garden", at(13, 16),
         "a vertical garden of glass flowers"),
    Demo(11, (1000, 1000), "Square sun", "A yellow sun on a square field", at(12, 11, 15),
         "a square sun over wheat, poster art"),
    Demo(14, (1200, 675), "Coastline", "Triangles along a wide coastline", at(10, 8, 45),
         "a wide coastline from the air"),
]  # fmt: skip
IN_REVIEW = [
    Demo(21, (1000, 750), "Fox at dawn", "A red fox in low sun", at(15, 7, 5),
         "a fox at dawn, editorial photo"),
    Demo(22, (750, 1000), "Heron at dusk", "A heron standing in reeds", at(15, 7, 40),
         "a heron at dusk, editorial photo"),
]  # fmt: skip
GENERATED_AT = "2025-03-01T12:00:00Z"


@pytest.fixture(scope="session")
def visual_browser(browser):
    """Chromium for screenshots: the session's Playwright and binary, deterministic text."""
    instance = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *TEXT_ARGS]
    )
    yield instance
    instance.close()


@dataclass
class DemoSite:
    published: list[Asset]
    in_review: list[Asset]
    moderator: User
    editor: User


def _ingest(ingest_now, demo: Demo, model: dict) -> Asset:
    data = synth.encode(synth.artwork(*demo.size, seed=demo.seed, style="flat"))
    prov = provenance(
        model=model,
        prompt=demo.prompt,
        seed=demo.seed,
        generated_at=GENERATED_AT,
        source={"platform": "visual-tests", "job_id": f"demo-{demo.seed}"},
    )
    asset = ingest_now(data, prov, title=demo.title, alt_text=demo.alt).asset
    Asset.objects.filter(pk=asset.pk).update(created_at=demo.created_at)
    return asset


@pytest.fixture(scope="session")
def c2pa_dev_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("c2pa-dev")


@pytest.fixture
def demo_site(ingest_now, settings, c2pa_dev_dir) -> DemoSite:
    # What the pages show must not follow the environment (time zone, encoder settings, the
    # C2PA signer named on the asset page): development credentials of this session sign.
    settings.C2PA_SIGNING = True
    settings.C2PA_REQUIRED = True
    settings.C2PA_SIGNER_KEY = ""
    settings.C2PA_SIGNER_CHAIN = ""
    settings.C2PA_DEV_CREDENTIALS = True
    settings.C2PA_DEV_DIR = c2pa_dev_dir
    settings.TIME_ZONE = "UTC"
    settings.LANGUAGE_CODE = "en-us"
    settings.DELIVERY_PUBLIC_BASE_URL = ""
    settings.DERIVATIVE_WIDTHS = [320, 640, 1280]
    settings.DERIVATIVE_FORMATS = {
        "avif": {"quality": 70, "speed": 9},
        "webp": {"quality": 88, "method": 2},
        "jpeg": {"quality": 82},
    }
    published = []
    for demo in PUBLISHED:
        asset = _ingest(ingest_now, demo, {"name": "Demo Diffusion", "version": "2.1"})
        Asset.objects.filter(pk=asset.pk).update(
            moderation_status=ModerationStatus.APPROVED, published=True
        )
        published.append(Asset.objects.get(pk=asset.pk))
    in_review = []
    for demo in IN_REVIEW:
        asset = _ingest(ingest_now, demo, {"name": "Editorial Diffusion", "version": "2"})
        Asset.objects.filter(pk=asset.pk).update(moderation_status=ModerationStatus.IN_REVIEW)
        Decision.objects.create(
            asset=asset,
            actor_kind=Decision.ActorKind.CLASSIFIER,
            classifier="policy",
            verdict=Decision.Verdict.REVIEW,
            from_status=ModerationStatus.PENDING,
            to_status=ModerationStatus.IN_REVIEW,
            reason_code="licence_restricted",
            created_at=demo.created_at,
        )
        in_review.append(Asset.objects.get(pk=asset.pk))
    ensure_groups()
    grant_moderator_permissions()
    moderator = User.objects.create_user("moira", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))
    editor = User.objects.create_user("eddie", is_staff=True)
    editor.groups.add(Group.objects.get(name="editors"))
    return DemoSite(published, in_review, moderator, editor)
