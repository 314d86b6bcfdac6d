"""Where a rendered page is cached, and why it is never stale: the one home of the
version tokens the cache keys carry.

credit.publication raises, in the same transaction as the change, the version of each
affected credit file (`Enterprise.file_version`), for changes shown in every file the
site's publication `generation`, and for every publication at all the site's count of
`changes`. A key carries the token of what its page shows, so the first request after
the commit asks for a key nobody has filled yet; old entries simply expire.

- a credit file: `<file_version>.<generation>` (`credit_file_version`);
- every other public page (home, search, lists, entries, inspections, plans), which
  shows rows of many enterprises: `<generation>.<changes>` (`site_version`).

The local day is part of every key (credit.cache users and portal.pagecache) because
publication periods end at local midnight: a page rendered at 23:59 must not keep
showing a penalty or entry the next day.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from credit import uscc as uscc_rules
from credit.models import Enterprise, PublicationState
from portal.db import prepared_cursor


def publication_generation() -> int:
    """The site's publication generation (credit.publication.site_generation_raise)."""
    return PublicationState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0


# The version queries run on every page served from the cache (portal.pagecache), so they
# are plain SQL written once: the ORM's compiling and model building cost more CPU than
# the page's cache lookup itself.
_STATE = PublicationState._meta.db_table
_SITE_SQL = f"SELECT generation, changes FROM {_STATE} WHERE id = 1"
_FILE_SQL = (
    f"SELECT e.file_version, COALESCE((SELECT s.generation FROM {_STATE} s WHERE s.id = 1), 0) "
    f"FROM {Enterprise._meta.db_table} e WHERE e.uscc = %s"
)


def site_version() -> str:
    """The version of every public page that is not one enterprise's file (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_SITE_SQL)
        row = cursor.fetchone() or (0, 0)
    return f"{row[0]}.{row[1]}"


def file_version_by_code(uscc: str) -> str | None:
    """The version of the credit file of the enterprise whose code is exactly `uscc` (one
    query, the same token as `credit_file_version`), or None when no enterprise has it, as
    the code is given: a code to normalise first or not found is not a page of its own."""
    if not uscc_rules.is_stored_form(uscc):
        return None
    with prepared_cursor() as cursor:
        cursor.execute(_FILE_SQL, [uscc])
        row = cursor.fetchone()
    return None if row is None else file_version_token(row[0], row[1])


_LETTER_SQL = (
    f"SELECT e.file_version, COALESCE((SELECT s.generation FROM {_STATE} s WHERE s.id = 1), 0) "
    f"FROM {Enterprise._meta.db_table} e JOIN credit_commitmentletter c ON c.enterprise_id = e.id WHERE c.id = %s"
)


def file_version_by_letter(pk: int) -> str | None:
    """The version of the credit file of the enterprise that signed commitment letter `pk` (one
    query; None: no such letter): the letter page shows what that file shows of it."""
    with connection.cursor() as cursor:
        cursor.execute(_LETTER_SQL, [pk])
        row = cursor.fetchone()
    return None if row is None else file_version_token(row[0], row[1])


def credit_file_version(enterprise: Enterprise) -> str:
    """The version of the file of `enterprise` as credit.selectors.enterprise_get loads it
    (with `publication_generation` read in the same query)."""
    generation = getattr(enterprise, "publication_generation", None)
    if generation is None:
        generation = publication_generation()
    return file_version_token(enterprise.file_version, generation)


def file_version_token(file_version: int, generation: int | None) -> str:
    """The version token of a credit file: `<file_version>.<generation>`."""
    return f"{file_version}.{generation or 0}"


def credit_file_cache_key(enterprise: Enterprise, language: str, day: dt.date | None = None) -> str:
    """The key of the rendered sections of the file of `enterprise` (for signed-in
    visitors, whose whole page is not cached)."""
    day = day or timezone.localdate()
    return f"creditfile:{enterprise.pk}:{credit_file_version(enterprise)}:{language}:{day.isoformat()}"
