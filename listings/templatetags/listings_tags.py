from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def lname(obj, field: str = "name") -> str:
    """The English variant of `field` (field + "_en") when the page is in English and it is filled."""
    if obj is None:
        return ""
    if (get_language() or "").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field, "")
