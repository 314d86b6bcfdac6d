"""Small filters for the credit file: cheap per row, since page cost is mostly rendering."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from credit import file_html, regions, sections
from credit import uscc as uscc_rules
from credit.models import mask_identity_number
from portal import i18n

register = template.Library()


@register.filter
def localized_name(obj, field: str = "name") -> str:
    """`obj.<field>` in the page's language: `{{ agency|localized_name }}`,
    `{{ credit_list|localized_name:"consequences" }}` (portal.i18n.localized_name)."""
    return i18n.localized_name(obj, field)


@register.filter
def amount(value) -> str:
    """A decimal amount without trailing zeros, grouped the way the language groups numbers
    (credit.file_html.amount)."""
    return file_html.amount(value)


@register.filter
def registered_capital(enterprise) -> str:
    """Registered capital is kept in units of 10,000 (万). Chinese readers count in 万;
    English readers get the amount written out in full."""
    value = enterprise.registered_capital
    if value is None:
        return ""
    currency = enterprise.get_capital_currency_display()
    if i18n.is_english():
        return f"{amount(Decimal(value) * 10000)} {currency}"
    return gettext("%(amount)s ten thousand %(currency)s") % {"amount": amount(value), "currency": currency}


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


@register.filter
def provenance(record) -> str:
    """The provenance cell of a published record (credit.file_html.provenance)."""
    return mark_safe(file_html.provenance(record))  # noqa: S308 - every value is escaped there


@register.simple_tag(takes_context=True)
def file_sections(context, shown) -> str:
    """`{% file_sections agency_sections %}`: each section's part of the file, in order
    (credit.sections.section_html); one tag for all, as a loop of includes costs more."""
    return mark_safe("".join(  # noqa: S308 - rendered by the templates, which escape, or built escaped
        sections.section_html(section, context) + "\n" for section in shown if section.shown))


@register.simple_tag(takes_context=True)
def file_head(context) -> str:
    """`{% file_head %}`: the file's header, notices, contents and registration (credit.file_html)."""
    return mark_safe(file_html.file_head_html(context))  # noqa: S308 - every value is escaped there


