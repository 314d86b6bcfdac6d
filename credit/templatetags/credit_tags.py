"""Small filters for the credit file: cheap per row, since page cost is mostly rendering."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import get_language

from credit import regions
from credit import uscc as uscc_rules
from credit.models import mask_identity_number

register = template.Library()


@register.filter
def agency_name(agency) -> str:
    if agency is None:
        return ""
    return agency.display_name("en" if (get_language() or "").startswith("en") else "zh-hans")


@register.filter
def amount(value) -> str:
    """A decimal amount without trailing zeros, grouped the way the language groups numbers."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    else:
        value = value.normalize()
    return formats.number_format(value, use_l10n=True, force_grouping=True)


@register.filter
def licence_number(value: str) -> str:
    """An organisation's code is public; anything else might be a person's identity
    number, so it is masked."""
    if not value:
        return ""
    return value if uscc_rules.is_valid(value) else mask_identity_number(value)


@register.filter
def province(region_code: str) -> str:
    return regions.province_name(region_code)
