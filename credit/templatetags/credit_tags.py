"""Small filters for the credit file: cheap per row, since page cost is mostly rendering."""

from __future__ import annotations

import datetime
from decimal import Decimal
from html import escape

from django import template
from django.utils import formats, timezone
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


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value)


@register.filter
def provenance(record) -> str:
    """The provenance cell of a published record: source agency, document number,
    decision and publication dates, the latest correction and the withdrawal if any.

    Built in Python rather than with an include per row: it appears on every row of
    nine tables, and an include costs several times more to render.
    """
    # html.escape and f-strings, not format_html: the same escaping at a fraction of the cost.
    day = file_html.date
    cell = escape(localized_name(record.source_agency))
    if record.document_number:
        cell += f'<br><span class="docno">{escape(record.document_number)}</span>'
    cell += (f'<br><span class="meta">{escape(gettext("Decided"))} {day(record.decided_on)}</span>'
             f'<br><span class="meta">{escape(gettext("Published"))} {day(record.published_at)}</span>')
    if record.corrected_at:
        # The latest correction only; earlier ones (and the old values) are in the audit log.
        label = gettext("Corrected on %(date)s:") % {"date": _date(record.corrected_at)}
        cell += (f'<br><strong class="badge badge-corrected">{escape(label)}</strong> '
                 f'<span class="reason">{escape(record.correction_reason)}</span>')
    if record.withdrawn_at:
        cell += (f'<br><strong class="badge badge-withdrawn">{escape(gettext("Withdrawn"))} '
                 f'{day(record.withdrawn_at)}</strong> <span class="reason">{escape(record.withdrawal_reason)}</span>')
    return mark_safe(f'<td class="prov">{cell}</td>')  # noqa: S308 - every value is escaped above


@register.simple_tag(takes_context=True)
def file_sections(context, shown) -> str:
    """`{% file_sections agency_sections %}`: each section's template in the file, in order
    (credit.sections.section_html); one tag for all, as a loop of includes costs more."""
    return mark_safe("".join(  # noqa: S308 - rendered by the templates, which escape
        sections.section_html(section, context) + "\n" for section in shown if section.template))


@register.simple_tag(takes_context=True)
def file_head(context) -> str:
    """`{% file_head %}`: the file's header, notices, contents and registration (credit.file_html)."""
    return mark_safe(file_html.file_head_html(context))  # noqa: S308 - every value is escaped there


# The rows of the sections most files have rows in, built in credit.file_html: a row through
# template lookups and filters costs several times more.
@register.filter
def shareholder_rows(shareholders) -> str:
    return mark_safe(file_html.shareholder_rows(shareholders))  # noqa: S308 - escaped there


@register.filter
def key_person_rows(people) -> str:
    return mark_safe(file_html.key_person_rows(people))  # noqa: S308 - escaped there


@register.filter
def change_rows(changes) -> str:
    return mark_safe(file_html.change_rows(changes))  # noqa: S308 - escaped there


@register.filter
def licence_rows(licences) -> str:
    return mark_safe(file_html.licence_rows(licences))  # noqa: S308 - escaped there


@register.filter
def annual_report_rows(years, uscc: str) -> str:
    return mark_safe(file_html.annual_report_rows(years, uscc))  # noqa: S308 - escaped there
