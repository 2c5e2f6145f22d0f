"""The editor's asset page: where the asset stands (one sentence each for moderation and the
renditions, with what happens next), every rendition once in a compact table, and the JSON
status the page polls while renditions are being built (static/aiassets/asset_page.js).

Moderation's sentence and timeline, rendition links and the public page come from the apps
that own them, through :mod:`aiassets.pagehooks`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .. import pagehooks as hooks
from ..models import Asset, Variant
from ..renditions.jobs import job_id

logger = logging.getLogger(__name__)
THUMB_WIDTH = 48
OPEN_UP_TO = 12  # renditions shown unfolded when all are ready


@dataclass(frozen=True)
class Progress:
    """Counts over the planned (not on-demand) rendition rows."""

    ready: int = 0
    pending: int = 0
    deferred: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.ready + self.pending + self.deferred + self.failed

    @property
    def building(self) -> bool:
        return bool(self.pending or self.deferred)

    def as_dict(self) -> dict[str, int]:
        return {
            "ready": self.ready,
            "pending": self.pending,
            "deferred": self.deferred,
            "failed": self.failed,
            "total": self.total,
        }


def progress(asset: Asset) -> Progress:
    counts = {s: 0 for s in Variant.Status.values}
    for v in asset.variants.all():  # prefetched by the admin's queryset
        if not v.on_demand:
            counts[v.status] += 1
    return Progress(counts["ready"], counts["pending"], counts["deferred"], counts["failed"])


def next_step(asset: Asset, done: Progress) -> str:
    """What happens to pending renditions next, from the derivatives job's state in Redis."""
    if done.deferred and not done.pending:
        return "The derivatives queue is full: they wait as deferred and are queued as it drains."
    if settings.JOBS_INLINE:
        return "They are built in this process; this page updates itself."
    state = _job_state(asset)
    return {
        "queued": "Queued: the next free derivatives worker builds them.",
        "started": "A worker is building them now.",
        "scheduled": "A retry is scheduled after a failed attempt.",
        "deferred": "Queued behind another job.",
        "unreachable": "Redis cannot be reached: the build waits until it is back.",
    }.get(
        state or "",
        "No build job is queued: healing re-queues stale work, or use “Rebuild variants”.",
    ) + " This page updates itself."


def _job_state(asset: Asset) -> str | None:
    from redis.exceptions import RedisError

    from ..jobhealth import job_states

    try:
        return job_states([job_id(asset.pk)])[job_id(asset.pk)]
    except (RedisError, OSError):
        logger.warning("could not read the derivatives job of %s", asset.pk)
        return "unreachable"


def renditions_sentence(asset: Asset, done: Progress) -> str:
    if asset.erased_at:
        return "No renditions: the asset was erased."
    if not done.total:
        return "No renditions planned yet."
    if done.building:
        return f"Building renditions: {done.ready} of {done.total} ready. " + next_step(asset, done)
    if done.failed:
        return (
            f"{done.failed} of {done.total} renditions failed (errors below); "
            "“Rebuild variants” in the list tries again."
        )
    return f"All {done.total} renditions ready."


def state_panel(asset: Asset) -> SafeString:
    """The moderation sentence, the renditions sentence and the public link."""
    done = progress(asset)
    moderation = hooks.call(hooks.MODERATION_STATE, asset) or (
        f"Moderation: {asset.get_moderation_status_display()}."
    )
    public = hooks.call(hooks.PUBLIC_URL, asset) if asset.is_public else None
    link = format_html(' <a href="{}" class="aia-public-link">Public page</a>', public)
    return format_html(
        '<div class="aia-state" data-status-url="{}" data-pending="{}">'
        '<p class="aia-state-moderation"><strong>{}</strong>{}</p>'
        '<p class="aia-state-renditions">{}</p></div>',
        reverse("admin:aiassets_asset_status", args=[asset.pk]),
        "1" if done.building else "",
        moderation,
        link if public else "",
        renditions_sentence(asset, done),
    )


def _order(v: Variant) -> tuple:
    return (v.ratio, v.format, -v.width, v.on_demand)


def _thumbs(asset: Asset, rows: list[Variant]) -> dict[int, str]:
    """One small image per (crop, format), on that group's first row: the smallest ready
    rendition's URL (one download per group, and the table stays compact)."""
    smallest: dict[tuple[str, str], Variant] = {}
    for v in sorted(rows, key=lambda v: v.width):
        if v.status == Variant.Status.READY:
            smallest.setdefault((v.ratio, v.format), v)
    first: dict[tuple[str, str], int] = {}
    for v in rows:
        first.setdefault((v.ratio, v.format), v.pk)
    return {
        first[group]: hooks.call(hooks.RENDITION_URL, asset, v, default="")
        for group, v in smallest.items()
    }


def renditions_table(asset: Asset) -> SafeString:
    """Each rendition once: thumbnail (lazy), format, crop, size, bytes, status, link."""
    rows = sorted(asset.variants.all(), key=_order)
    if not rows:
        return format_html("<p>{}</p>", "No renditions yet.")
    thumbs = _thumbs(asset, rows)
    body = format_html_join("", "{}", ((_row(asset, v, thumbs),) for v in rows))
    # A long, healthy list starts folded; anything pending or failed shows at once.
    unfold = len(rows) <= OPEN_UP_TO or any(v.status != Variant.Status.READY for v in rows)
    return format_html(
        '<details class="aia-renditions"{}><summary>{} rendition{}: {}</summary>'
        '<div class="aia-table-wrap"><table class="aia-renditions-table"><thead><tr>'
        '<th scope="col">Preview</th><th scope="col">Format</th><th scope="col">Crop</th>'
        '<th scope="col">Size</th><th scope="col">Bytes</th><th scope="col">Status</th>'
        '<th scope="col">Link</th></tr></thead><tbody>{}</tbody></table></div></details>',
        mark_safe(" open") if unfold else "",  # noqa: S308 - a constant
        len(rows),
        "" if len(rows) == 1 else "s",
        _summary(rows),
        body,
    )


def _summary(rows: list[Variant]) -> str:
    """ "76 ready" / "4 ready, 8 pending" over every row, on-demand ones too."""
    counts: dict[str, int] = {}
    for v in rows:
        counts[v.status] = counts.get(v.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def _row(asset: Asset, v: Variant, thumbs: dict[int, str]) -> SafeString:
    ready = v.status == Variant.Status.READY
    url = hooks.call(hooks.RENDITION_URL, asset, v, default="") if ready else ""
    thumb = thumbs.get(v.pk, "")
    height = max(1, round(THUMB_WIDTH * v.height / v.width)) if v.width else THUMB_WIDTH
    status = v.get_status_display() + (" (on demand)" if v.on_demand else "")
    return format_html(
        '<tr class="aia-rendition" data-status="{}"><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}×{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
        v.status,
        format_html(
            '<img src="{}" alt="" width="{}" height="{}" loading="lazy" decoding="async">',
            thumb,
            THUMB_WIDTH,
            height,
        )
        if thumb
        else "",
        v.format.upper(),
        v.ratio.replace("x", ":") if v.ratio else "full",
        v.width,
        v.height,
        filesizeformat(v.bytes) if v.bytes else "—",
        status,
        format_html('<br><span class="aia-error">{}</span>', v.error) if v.error else "",
        format_html('<a href="{}" target="_blank" rel="noopener">open</a>', url) if url else "—",
    )


def status(asset: Asset) -> dict:
    """What the page polls: the counts and both panels, re-rendered."""
    done = progress(asset)
    return {
        "renditions": done.as_dict(),
        "building": done.building,
        "state_html": str(state_panel(asset)),
        "renditions_html": str(renditions_table(asset)),
    }
