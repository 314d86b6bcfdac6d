"""The search page's result rows and filter drop-downs as prepared HTML (/search/).

Twenty rows through template lookups and filters (the status label, the date, the bilingual
name, the province) were most of a search page's Python CPU (bench/RESULTS.md "Search page
CPU"), so each row is built here with every value escaped (html.escape, what Django's escape
does), as credit/commitment_rows.py does for the letters; what repeats on a page (status
labels, dates, provinces) is translated and formatted once. The filter fieldset is the same
for every visitor who chose the same filters: it is rendered once per process, language and
choice (portal/templates' `portal/_search_filters.html`), unless a filter has an error.
"""

from __future__ import annotations

import threading
from html import escape

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from credit import regions
from credit.commitment_rows import _Memo
from credit.models import Enterprise
from portal.i18n import date_formatter, is_english

_ROW = ('<tr><td><a href="/enterprises/{uscc}/">{name}</a></td><td class="code">{uscc}</td><td>{representative}</td>'
        '<td>{status}</td><td>{established}</td><td>{province}</td></tr>')


def enterprise_rows_html(rows) -> SafeString:
    """One <tr> per enterprise of a search page (SEARCH_COLUMNS loaded)."""
    english = is_english()
    statuses = {value: escape(str(label)) for value, label in Enterprise._meta.get_field("status").flatchoices}
    formatted = date_formatter()
    dates = _Memo(lambda day: escape(formatted(day)) if day else "")
    provinces = _Memo(lambda code: escape(regions.province_name(code)))
    out = []
    for e in rows:
        name = e.name_en if english and e.name_en else e.name
        out.append(_ROW.format(
            uscc=escape(e.uscc), name=escape(name), representative=escape(e.legal_representative_name),
            status=statuses.get(e.status, escape(e.status)), established=dates[e.established_on],
            province=provinces[(e.region_code or "")[:2]],
        ))
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


_lock = threading.Lock()
_heads: dict[str, str] = {}
_filters: dict[tuple, str] = {}
# Languages x the filters' chosen values: clears itself past this many.
_MAX_FILTERS = 2048


def filter_fields_html(form) -> SafeString:
    """The filter fields of the search form (every field but `q`), rendered by
    portal/_search_filters.html; kept per language and chosen values when no filter has an
    error (an error's text and attributes are the visitor's own)."""
    names = [name for name in form.fields if name != "q"]
    if any(form.errors.get(name) for name in names):
        return mark_safe(render_to_string("portal/_search_filters.html", {"form": form}))  # noqa: S308
    key = (get_language(), tuple(str(form[name].value() or "") for name in names))
    html = _filters.get(key)
    if html is None:
        html = render_to_string("portal/_search_filters.html", {"form": form})
        with _lock:
            if len(_filters) >= _MAX_FILTERS:
                _filters.clear()
            _filters[key] = html
    return mark_safe(html)  # noqa: S308 - Django's own rendering of the fields


def results_head_html() -> SafeString:
    """The results table's caption and head (portal/_search_results_head.html), rendered once
    per language: seven translations the same on every page."""
    language = get_language()
    html = _heads.get(language)
    if html is None:
        html = _heads[language] = render_to_string("portal/_search_results_head.html")
    return mark_safe(html)  # noqa: S308 - a template's output
