"""English names are searchable (credit.selectors.search.enterprise_name_match): a
case-insensitive substring test, UPPER(name_en) LIKE UPPER('%term%'), which a B-tree
cannot serve. On PostgreSQL a trigram GIN index over UPPER(name_en) serves it for terms
of three or more characters (shorter Latin terms are refused by the search form unless
they are two characters, which pg_trgm still answers through the index with a recheck).

pg_trgm is a trusted extension since PostgreSQL 13, so the database owner may create it.
Where it cannot be created the index is skipped (the search still works, by a sequential
scan of name_en: about 100 ms at a million enterprises) and a warning says so.
"""

import logging

from django.db import DatabaseError, migrations, transaction

INDEX = "credit_enterprise_name_en_trgm"
logger = logging.getLogger(__name__)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON credit_enterprise USING gin (UPPER(name_en) gin_trgm_ops)"
            )
    except DatabaseError as exc:  # no pg_trgm, or no right to create it
        logger.warning("English-name search index not created (%s); name_en searches scan the table", exc)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0004_publication_versions"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
