"""The English name's four-character windows, for rarer Latin words (PostgreSQL only).

pg_trgm's index over UPPER(name_en) (migration 0005) finds a word through the posting lists of
all its trigrams, and in names transliterated from Chinese most trigrams are syllables shared by
tens of thousands of names (ENG, ANG, UAN, ING): at a million enterprises a trade name of a few
hundred names (XINGGUANG, CHENGDA) read 200-350 index pages and rechecked 150-800 rows that held
every trigram but not the word, 6-11 ms. Four-character windows are rarer and fewer (the same
word: 2-5 ms), and ANALYZE of this index gives each window's share of names, so that the search
can estimate a Latin word by its rarest window (credit.selectors.search.english_share;
docs/architecture.md, "Search"). The table is analysed at the end, so that the statistics are
there at once (creating an index does not make autovacuum analyse).

- credit_name_en_quadgrams(name_en): the indexed expression, the distinct windows of
  upper(name_en) (counted on the capitals: a capital may be longer), an IMMUTABLE SQL function.

SQLite has neither: nothing is created there.
"""

from django.db import migrations

INDEX = "credit_enterprise_name_en_quadgrams_gin"
FUNCTION = """
CREATE OR REPLACE FUNCTION credit_name_en_quadgrams(name_en text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT array(SELECT DISTINCT substr(capitals, i, 4)
                   FROM (SELECT upper(name_en) AS capitals) AS name, generate_series(1, length(capitals) - 3) AS i) $$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON credit_enterprise USING gin (credit_name_en_quadgrams(name_en))"
    )
    schema_editor.execute("ANALYZE credit_enterprise")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS credit_name_en_quadgrams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0019_name_token_buckets"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
