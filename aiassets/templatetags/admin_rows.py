"""``{% fast_result_list cl %}``: Django's ``{% result_list %}`` with rows written by
aiassets.admin.fastrows (the same markup, compiled per column instead of per cell)."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from aiassets.admin.fastrows import result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    return InclusionAdminNode(
        "fast_result_list",
        parser,
        token,
        func=result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
