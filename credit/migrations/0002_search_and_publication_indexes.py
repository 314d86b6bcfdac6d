"""Indexes that the public search and the home page need at a million enterprises.

- A GIN index over string_to_array(search_tokens, ' ') on PostgreSQL only: the name's
  unigrams and bigrams, queried with `@> ARRAY[...]` (credit.selectors.NameTokenArray).
  SQLite has no GIN; there the search is a plain substring test.
- published_at indexes on penalties and licences so "latest publications" is an index
  walk rather than a sort of millions of rows. Not declared in Meta.indexes because
  credit/models.py belongs to the model owner; plain SQL keeps the model state unchanged.
"""

from django.db import migrations

GIN_NAME = "credit_enterprise_tokens_gin"
PUBLISHED_INDEXES = {
    "credit_penalty_published_idx": "credit_administrativepenalty",
    "credit_licence_published_idx": "credit_administrativelicence",
}


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    for name, table in PUBLISHED_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (published_at)")
    if connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_NAME} ON credit_enterprise USING gin (string_to_array(search_tokens, ' '))"
        )


def drop_indexes(apps, schema_editor):
    for name in [*PUBLISHED_INDEXES, GIN_NAME]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
