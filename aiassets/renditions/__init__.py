"""Renditions: the one spec and recipe, the plan, the build loop and its jobs.

    spec.py   Spec, Inputs, spec_for(): THE rendition identity (recipe and key)
    plan.py   plan() (widths, DERIVATIVE_RATIOS crops, the social card), plan_many() (batched),
              planned_ratios(), social_card(), ensure_rows(), retire_obsolete(), drop_variants(),
              reset_for_rebuild(), precompute_rules(), lazy_specs() (DERIVATIVE_PRECOMPUTE:
              built at once or lazily)
    build.py  build(), build_one(), render() (the build loop), limits(), BuildReport
    jobs.py   schedule(), release_deferred(), job_id(), build_variants() (the RQ job)
    previews.py  AdminThumbnail (staff-only previews through django-imagekit)

Callers import the package and use the names below: ``renditions.build(asset_id)``.
"""

from .build import BuildReport, build, build_one, limits, render
from .jobs import BuildFailed, build_variants, job_id, release_deferred, schedule
from .plan import (
    Plan,
    drop_variants,
    ensure_rows,
    lazy_specs,
    obsolete,
    plan,
    plan_many,
    planned_ratios,
    precompute_rules,
    reset_for_rebuild,
    retire_obsolete,
    social_card,
)
from .spec import PIPELINE_VERSION, Inputs, Spec, recipe, spec_for

__all__ = [
    "PIPELINE_VERSION",
    "BuildFailed",
    "BuildReport",
    "Inputs",
    "Plan",
    "Spec",
    "build",
    "build_one",
    "build_variants",
    "drop_variants",
    "ensure_rows",
    "job_id",
    "lazy_specs",
    "limits",
    "obsolete",
    "plan",
    "plan_many",
    "planned_ratios",
    "precompute_rules",
    "recipe",
    "reset_for_rebuild",
    "release_deferred",
    "render",
    "retire_obsolete",
    "schedule",
    "social_card",
    "spec_for",
]
