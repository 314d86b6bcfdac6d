"""A covering index for the list pages on PostgreSQL.

The page filters (status, publication end, region) and the ordering are answered from the
index alone (an index-only scan), so counting and deep pages never visit the table. It is
created here rather than in Meta.indexes because SQLite has no INCLUDE columns and the
model check would warn about it there.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS listings_entry_list_page ON listings_listentry "
    "(credit_list_id, listed_on DESC, id DESC) INCLUDE (state, publication_ends_on, region_code)"
)
DROP = "DROP INDEX IF EXISTS listings_entry_list_page"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("listings", "0002_standard_lists")]

    operations = [migrations.RunPython(create, drop)]
