"""Demo data for `make run`: an admin, an editor and a moderator, models and demo images
(scikit-image's bundled photographs, graded and cropped, and some code-made art: aiassets.synth)
in a spread of moderation states (approved, in review, rejected, one taken down), tagged with
their subject and style, some in a collection, so every screen has something to show on
first start.

Idempotent and quick to re-run: users and models are created once, and the images already
seeded (found by their provenance job id) are skipped before anything is made; only newly
created assets get a demo state, set through moderation.workflow with the audit trail that
implies. Log records go to VAR_DIR/seed_demo.log while it seeds.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from aiassets import synth, tags
from aiassets.ingest import ingest
from aiassets.models import Asset, Collection, GenerativeModel, Provenance
from moderation import workflow

# name, version, licence, restrictions, restricts public use, prompts public by default
MODELS = [
    ("Lumen Diffusion", "3.1", "CreativeML Open RAIL-M", "No harm or deception.", False, True),
    ("Aurora XL", "1.0", "Apache-2.0", "", False, True),
    ("PixelForge", "2.4", "PixelForge Editorial Licence", "Editorial use only.", True, False),
    ("Nimbus Turbo", "0.9", "CC BY-NC 4.0", "Non-commercial use only.", False, False),
]
DEMO_NOTE = "Demo data: state set by seed_demo."
DEMO_PLATFORM = "demo-seed"
DEMO_COLLECTION = ("editors-picks", "Editors' picks", "Demo data: a hand-picked set.")


def _job_id(i: int) -> str:
    return f"demo-{i:03d}"


SUBJECTS = [
    "lighthouse",
    "fox",
    "city at dusk",
    "orchard",
    "glacier",
    "tram",
    "koi pond",
    "desert dunes",
    "violin",
    "market stall",
    "observatory",
    "heron",
    "paper lanterns",
]
STYLES = [
    "watercolour",
    "risograph print",
    "oil on canvas",
    "isometric render",
    "linocut",
    "35mm film still",
    "art deco poster",
    "soft pastel",
]
SIZES = [
    (1024, 1024),
    (1536, 1024),
    (1024, 1536),
    (1920, 1080),
    (896, 1344),
    (1344, 768),
    (1200, 1200),
    (800, 1200),
    (2048, 1152),
    (640, 960),
]
PHOTO_STYLES = [
    "35mm film still",
    "editorial photograph",
    "medium format",
    "documentary photograph",
    "studio portrait lighting",
    "long exposure",
]
FORMATS = [("PNG", {}), ("JPEG", {"quality": 92}), ("WEBP", {"quality": 90}), ("PNG", {})]


@contextmanager
def _log_to_file(path: Path) -> Iterator[None]:
    """While seeding, log records go to ``path``; the console shows only warnings and errors,
    printed above the progress bar (tqdm.write) instead of through it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    before = list(root.handlers)
    with logging_redirect_tqdm():
        for handler in set(root.handlers) - set(before):  # the console, now through tqdm
            to_file.setFormatter(handler.formatter)
            handler.setLevel(max(handler.level, logging.WARNING))
        root.addHandler(to_file)
        try:
            yield
        finally:
            root.removeHandler(to_file)
            to_file.close()


def _demo_image(i: int, rng: random.Random) -> tuple[Image.Image, dict, str]:
    """Image ``i``, its provenance so far (prompt, params) and its title.

    Mostly photographs (synth.photograph: scikit-image's sample photos, graded and cropped);
    every eighth (never the last seeded, the gallery's first), and all of them without
    scikit-image, code-made art (synth.artwork)."""
    made = None if i % 8 == 3 else synth.photograph(i)
    if made is not None:
        image, done = made
        look = rng.choice(PHOTO_STYLES)
        prompt = f"{done['subject']}, {look}, {done['grade']} colour grade, {done['crop']}"
        title = f"{done['subject'][0].upper()}{done['subject'][1:]} ({look})"
        alt = f"Photograph of {done['subject']}, {done['grade']} colour grade"
        extra = {"_alt": alt, "_tags": ["photograph", look]}
        return image, {"prompt": prompt, "params": {"demo": done}, **extra}, title
    width, height = SIZES[i % len(SIZES)]
    style = "flat" if i % 3 == 0 else "photo"
    subject, art = rng.choice(SUBJECTS), rng.choice(STYLES)
    image = synth.artwork(width, height, seed=1000 + i, style=style)
    return (
        image,
        {
            "prompt": f"a {subject}, {art}, highly detailed, soft light",
            "params": {"demo": {"source": "synth.artwork", "style": style}},
            "_alt": f"Synthetic {art} artwork of a {subject}",
            "_tags": [subject, art],
        },
        f"{subject.capitalize()} ({art})",
    )


class Command(BaseCommand):
    help = "Create demo users, generative models and demo images (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=48)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, count: int, no_progress: bool, **options):
        password = self._password()
        self._user("admin", password, superuser=True)
        self._user("editor", password, group="editors")
        self._user("moderator", password, group="moderators")
        models = [
            GenerativeModel.objects.get_or_create(
                name=name,
                version=version,
                defaults={
                    "licence": licence,
                    "usage_restrictions": restrictions,
                    "restricts_public_use": restricted,
                    "prompts_public_by_default": prompts_public,
                },
            )[0]
            for name, version, licence, restrictions, restricted, prompts_public in MODELS
        ]
        admin = User.objects.get(username="admin")
        # Skip what a previous run made before synthesising anything: a second start is quick.
        present = set(
            Provenance.objects.filter(source_platform=DEMO_PLATFORM).values_list(
                "source_job_id", flat=True
            )
        )
        todo = [i for i in range(count) if _job_id(i) not in present]
        created = 0
        log_path = settings.VAR_DIR / "seed_demo.log"
        if todo:
            self.stdout.write(f"Seeding {len(todo)} demo images (log: {log_path})")
        with _log_to_file(log_path) if todo else nullcontext():
            bar = tqdm(todo, unit="image", disable=no_progress or not todo, file=self.stderr._out)
            for i in bar:
                created += self._seed_one(i, models, admin)
        self.stdout.write(f"Demo images: {created} new, {count - created} already present.")
        self.stdout.write(f"Demo users admin, editor and moderator, password: {password}")

    def _seed_one(self, i: int, models: list[GenerativeModel], admin: User) -> bool:
        """Make, ingest and set the demo state of image ``i``; True if it was new."""
        rng = random.Random(7 * 1_000_003 + i)
        model = models[i % len(models)]
        fmt, opts = FORMATS[i % len(FORMATS)]
        image, provenance, title = _demo_image(i, rng)
        provenance.update(
            model={"name": model.name, "version": model.version},
            negative_prompt="blurry, watermark, text",
            seed=rng.randrange(2**32),
            generated_at=(timezone.now() - timedelta(hours=i * 5)).isoformat(),
            source={"platform": DEMO_PLATFORM, "job_id": _job_id(i)},
        )
        provenance["params"].update(
            steps=rng.choice([20, 28, 40]),
            cfg=rng.choice([5, 6.5, 7]),
            sampler=rng.choice(["euler_a", "dpmpp_2m", "ddim"]),
        )
        alt, names = provenance.pop("_alt"), provenance.pop("_tags")
        result = ingest(
            synth.encode(image, fmt, **opts),
            provenance,
            filename=f"demo-{i:03d}.{fmt.lower()}",
            title=title,
            alt_text=alt,
        )
        if result.created:
            self._demo_state(result.asset, i, admin)
            self._demo_tags(result.asset, i, names)
        return result.created

    def _demo_tags(self, asset: Asset, i: int, names: list[str]) -> None:
        """Its subject and style as tags; every fifth image in the demo collection."""
        tags.set_tags(asset, tags.clean(names))
        if i % 5 == 0:
            picks, _ = Collection.objects.get_or_create(
                slug=DEMO_COLLECTION[0],
                defaults={"name": DEMO_COLLECTION[1], "description": DEMO_COLLECTION[2]},
            )
            picks.assets.add(asset)

    def _demo_state(self, asset: Asset, i: int, admin: User) -> None:
        """A spread of states: mostly approved, some in review, a few rejected, one taken down."""
        asset.refresh_from_db()
        slot = i % 12
        if i == 11:
            wanted = "taken_down"
        elif slot in (3, 8):
            wanted = "in_review"
        elif slot == 6:
            wanted = "rejected"
        else:
            wanted = "approved"
        if asset.moderation_status == wanted:
            return
        steps = {
            "approved": [("approve", {})],
            "in_review": [("send_to_review", {})],
            "rejected": [("reject", {"reason_code": "quality"})],
            "taken_down": [("approve", {}), ("take_down", {"reason_code": "copyright"})],
        }[wanted]
        for name, extra in steps:
            if workflow.allowed(name, asset.moderation_status):
                workflow.transition(name, asset, by=admin, note=DEMO_NOTE, **extra)
                asset.refresh_from_db()

    def _password(self) -> str:
        path = settings.VAR_DIR / "demo-password.txt"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(9))
            path.chmod(0o600)
        return path.read_text().strip()

    def _user(self, username: str, password: str, superuser: bool = False, group: str = ""):
        user, made = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": superuser}
        )
        if made:
            user.set_password(password)
            user.save()
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        return user
