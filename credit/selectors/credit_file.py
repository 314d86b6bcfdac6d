"""The credit file of one enterprise, assembled from the sections the apps register
(credit.sections): the frame is credit's, each section's rows are its app's."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Subquery
from django.utils import timezone

from credit import sections
from credit import uscc as uscc_rules
from credit.cache import file_version_token
from credit.models import Enterprise, PublicationState, RegistrationStatus
from portal.db import prepared_cursor

_ENTERPRISE_RELATED = (("registration_authority", ("name", "name_en")),)
# Stands for the code while the ORM writes the enterprise's SQL.
_USCC_PARAM = "<uscc>"


@functools.cache
def _enterprise_query() -> tuple[str, tuple, tuple[str, ...], int, dict]:
    """(SQL, parameters, the name of each column in the model or as annotated, how many
    are the model's fields, the database converters per column), worked out once."""
    generation = PublicationState.objects.filter(pk=1).values("generation")[:1]
    queryset = (
        Enterprise.objects.filter(uscc=_USCC_PARAM)
        .defer("search_tokens")
        .annotate(**sections.related_annotations(_ENTERPRISE_RELATED))
        .annotate(publication_generation=Subquery(generation))
    )
    compiler = queryset.query.get_compiler(connection.alias)
    sql, params = compiler.as_sql()
    # The model's columns come first, in the order of its concrete fields, then the annotations.
    names = tuple(alias or expression.target.attname for expression, _, alias in compiler.select)
    fields = sum(1 for _, _, alias in compiler.select if not alias)
    converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
    return sql, tuple(params), names, fields, converters


def enterprise_get(*, uscc: str) -> Enterprise | None:
    """The enterprise of a credit file with its registration authority's names and the
    site's publication generation (for the cache key). The file shows the legal
    representative's name from the enterprise row, so the person is not joined, and
    search_tokens (wide, used only by search) is not read. Its SQL is written once per
    process and its row read with a plain cursor: a raw() queryset works out its columns
    and converters again on every call."""
    row = _enterprise_row(uscc_rules.normalise(uscc))
    return None if row is None else _enterprise_from_row(row)


def enterprise_version_get(*, uscc: str) -> tuple[str, Callable[[], Enterprise]] | None:
    """The version of the credit file of the enterprise whose code is exactly `uscc` (the
    token of credit.cache.credit_file_version) and a function giving the enterprise as
    enterprise_get does, from the same row: one query for the page cache's version and, on
    a miss, the page's enterprise. None when no enterprise has the code as given."""
    if not uscc_rules.is_stored_form(uscc):
        return None
    row = _enterprise_row(uscc)
    if row is None:
        return None
    file_version, generation = _version_columns()
    # Both are plain integers, which no converter changes.
    return file_version_token(row[file_version], row[generation]), lambda: _enterprise_from_row(row)


@functools.cache
def _version_columns() -> tuple[int, int]:
    names = _enterprise_query()[2]
    return names.index("file_version"), names.index("publication_generation")


def _enterprise_row(code: str) -> tuple | None:
    sql, params, _, _, _ = _enterprise_query()
    with prepared_cursor() as cursor:
        cursor.execute(sql, [code if p == _USCC_PARAM else p for p in params])
        return cursor.fetchone()


def _enterprise_from_row(row: tuple) -> Enterprise:
    _, _, names, fields, converters = _enterprise_query()
    values = sections.converted(row, converters)
    enterprise = Enterprise.from_db(connection.alias, names[:fields], values[:fields])
    for name, value in zip(names[fields:], values[fields:], strict=True):
        setattr(enterprise, name, value)
    sections.attach_related(Enterprise, [enterprise], _ENTERPRISE_RELATED)
    if enterprise.publication_generation is None:
        enterprise.publication_generation = 0  # a flushed test database has no state row
    return enterprise


def file_subject(enterprise: Enterprise, today: dt.date | None = None) -> sections.FileSubject:
    return sections.FileSubject(
        enterprise_id=enterprise.pk,
        legal_representative_id=enterprise.legal_representative_id,
        today=today or timezone.localdate(),
        deregistered=enterprise.status == RegistrationStatus.DEREGISTERED,
    )


def credit_file(*, enterprise: Enterprise, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the credit file shows, section by section in the registered order.

    Each query costs about a millisecond of Python and round trip even when it finds
    nothing. So one query (credit.sections.file_rows) asks which sections have rows (an
    EXISTS per section over the section's own queryset) and brings the rows of every
    section read through load_rows as JSON; only the sections whose `load` reads other
    querysets (list entries with their memoranda, inspection results with their plans)
    cost queries of their own, and only when they have rows, whatever their length (see
    the query-count tests: at most 12 for a file with rows in every section).
    """
    subject = file_subject(enterprise, today)
    context: dict[str, Any] = {"enterprise": enterprise, "today": subject.today}
    agency_sections, self_disclosed, notices = [], [], []
    # A deregistered enterprise's negative records are no longer published (SAMR Order 107
    # Art. 20): its file is built from the sections that remain and says so.
    context["negative_records_withheld"] = subject.deregistered and bool(sections.negative_sections())
    shown = sections.file_sections(deregistered=subject.deregistered)
    if subject.deregistered:
        kept = {section.key for section in shown}
        for section in sections.sections():
            if section.key not in kept:
                context.update(section.empty_context())  # left out: not loaded, not shown
    with sections.file_rows(subject) as present:
        # Which sections are shown without rows (and, for a section with `finish`, with nothing
        # found by it): their rendering is the same in every file (credit.sections.section_html),
        # so the template renders it once per language.
        context["empty_sections"] = {section.key for section in shown if not present[section.key]}
        for section in shown:
            if present[section.key]:
                section_context = section.context(subject)
                if section.notices is not None:
                    notices.extend(section.notices(section_context))
            else:
                section_context = section.empty_context()
            context.update(section_context)
            (self_disclosed if section.self_disclosed else agency_sections).append(section)
    for section in shown:
        if section.finish is not None:
            finished = section.finish(context)
            context.update(finished)
            if any(finished.values()):
                # It shows what it found in the other sections' rows: rendered for this file.
                context["empty_sections"].discard(section.key)
    # Alerts (blacklists, bars) before statuses (red lists), each group in section order.
    context["notices"] = sorted(notices, key=lambda n: n.kind != "alert")
    context["agency_sections"] = agency_sections
    context["self_disclosed_sections"] = self_disclosed
    return context
