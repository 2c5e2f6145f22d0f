"""Gallery filters (django-filter): model, date range, aspect ratio, prompt search, tag and
collection (aiassets.tags: one indexed join each; a name only private assets use finds
nothing, exactly like a name nobody uses)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connection
from django.db.models import F, QuerySet

from aiassets import search, tags
from aiassets.models import Asset, Collection, GenerativeModel, Provenance

ASPECTS = [("landscape", "Landscape"), ("portrait", "Portrait"), ("square", "Square")]
SQUARE_TOLERANCE = 0.05  # within 5 % counts as square


class AssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search prompts",
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. lighthouse"}),
    )
    model = django_filters.ModelChoiceFilter(
        label="Model",
        field_name="provenance__model",
        queryset=GenerativeModel.objects.order_by("name", "version"),
        empty_label="Any model",
    )
    aspect = django_filters.ChoiceFilter(
        label="Shape", choices=ASPECTS, method="by_aspect", empty_label="Any shape"
    )
    tag = django_filters.CharFilter(
        label="Tag",
        method="by_tag",
        max_length=tags.MAX_TAG_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. seascape"}),
    )
    collection = django_filters.CharFilter(
        method="by_collection", max_length=100, widget=forms.HiddenInput
    )
    date = django_filters.DateFromToRangeFilter(
        label="Added between",
        field_name="created_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    chosen_collection: Collection | None = None  # the filtered collection, once filtered

    class Meta:
        model = Asset
        fields = ["q", "model", "aspect", "tag", "date", "collection"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Full-text search over prompts that are public; private prompts are never searched.

        On PostgreSQL this reads the stored, GIN-indexed vector (aiassets.search)."""
        match = search.prompt_q("prompt", value, connection.vendor)
        if not match:
            return queryset
        public = Provenance.objects.prompt_public().filter(match)
        return queryset.filter(pk__in=public.values("asset_id"))

    def by_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return tags.with_tag(queryset, value) if value.strip() else queryset

    def by_collection(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        self.chosen_collection = tags.collection_named(value)  # the view names it
        return tags.in_collection(queryset, self.chosen_collection)

    def by_aspect(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        lo, hi = 1 - SQUARE_TOLERANCE, 1 + SQUARE_TOLERANCE
        if value == "square":
            return queryset.filter(width__gte=F("height") * lo, width__lte=F("height") * hi)
        if value == "landscape":
            return queryset.filter(width__gt=F("height") * hi)
        if value == "portrait":
            return queryset.filter(width__lt=F("height") * lo)
        return queryset


__all__ = ["AssetFilter"]
