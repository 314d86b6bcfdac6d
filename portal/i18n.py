"""The one rule for bilingual values: a record keeps its official Chinese text in `field`
and may keep an English one in `field + "_en"`; English pages show the English text when
there is one, every other page (and an English page without it) the Chinese.

Templates use the `localized_name` filter of credit_tags, which calls localized_name here.
"""

from __future__ import annotations

import datetime as dt
import functools
from html import escape

from django.utils import formats, translation
from django.utils.dates import MONTHS_AP
from django.utils.translation import get_language


def is_english(language: str | None = None) -> bool:
    """Whether `language` (default: the active language) is English ("en", "en-gb"...)."""
    return (language or get_language() or "").startswith("en")


def localized(chinese: str, english: str, language: str | None = None) -> str:
    """`english` on an English page when it is filled, otherwise `chinese`."""
    return english if english and is_english(language) else chinese


def localized_name(obj, field: str = "name", language: str | None = None) -> str:
    """The shown value of `obj.<field>` / `obj.<field>_en` (empty for None)."""
    if obj is None:
        return ""
    return localized(getattr(obj, field, ""), getattr(obj, f"{field}_en", ""), language)


def day_html(day: dt.date, language: str | None = None) -> str:
    """`{{ day|date }}` of a date, escaped: the active language's DATE_FORMAT. `language`:
    the active language, when the caller has it already (asking costs more than the cache)."""
    return _day_html(day, language or get_language())


@functools.lru_cache(maxsize=1 << 16)
def _day_html(day: dt.date, language: str | None) -> str:
    # The same days recur on a page (decided, published, printed on) and across pages;
    # formatting one costs more than a row's other cells. The cache holds some ninety years
    # of days in one language, forty-five in two (about 17 MB when full).
    with translation.override(language):
        return escape(date_formatter()(day))


def date_formatter():
    """A function writing a date as `formats.date_format(day)` does (the active language's
    DATE_FORMAT), for the formats made of years, months and days (zh-hans "Y年n月j日", en
    "N j, Y"): Django parses the format string again for every date, which cost a sixth of a
    search page's rows and most of a day's first formatting. Other formats go through Django."""
    fmt = formats.get_format("DATE_FORMAT")
    parts: list = []
    for char in fmt:
        if char in _DATE_PARTS:
            parts.append(_DATE_PARTS[char])
        elif (char.isascii() and char.isalpha()) or char == "\\":
            return formats.date_format
        else:
            parts.append(char)
    return lambda day: "".join(part if isinstance(part, str) else part(day) for part in parts)


_DATE_PARTS = {
    "Y": lambda day: f"{day.year:04d}", "n": lambda day: str(day.month), "j": lambda day: str(day.day),
    "m": lambda day: f"{day.month:02d}", "d": lambda day: f"{day.day:02d}",
    "N": lambda day: str(MONTHS_AP[day.month]),
}
