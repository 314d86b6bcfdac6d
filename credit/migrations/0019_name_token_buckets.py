"""Two indexes for the public search's frequent terms (PostgreSQL only).

The name's search tokens by id bucket:

A GIN query for a frequent token reads its whole posting list (科技: 180,000 entries at a
million enterprises) to find the first SEARCH_COUNT_LIMIT + 1 matches. This index holds the
same tokens suffixed with the row's bucket, `#` and id >> 16 (科技#0, 科技#1, ...), so that
a search can read the buckets one at a time, in order, and stop once it has enough
(credit.selectors.search.bucket_candidates; docs/architecture.md, "Search").

- credit_name_token_buckets(search_tokens, id): the indexed expression;
- credit_bucket_tokens(tokens, bucket): a query's tokens for one bucket.

The English name's three-character windows (in capitals) by id bucket, the same way
(credit_name_en_trigram_buckets(name_en, id)): a Latin word of a few percent of names
(SHANGHAI: 8%) read through pg_trgm's index costs the whole posting lists of its trigrams
(80,000 entries each), 27-33 ms; bucket by bucket, 4-6 ms.

Both are IMMUTABLE SQL functions; BUCKET_BITS in credit/selectors/search.py must match the 16
here.

The code's prefixes with the row's id (credit_enterprise_uscc_prefix): a search that may
start a code (91110108: a district's 36,000 codes) takes its first matches from an index-only
scan that a LIMIT stops, where the B-tree Django made for the unique code needs a heap fetch
for every id and the planner prefers a bitmap of the whole range.

SQLite has neither: nothing is created there.
"""

from django.db import migrations

INDEX = "credit_enterprise_token_buckets_gin"
ENGLISH_INDEX = "credit_enterprise_name_en_buckets_gin"
PREFIX_INDEX = "credit_enterprise_uscc_prefix"
FUNCTIONS = """
CREATE OR REPLACE FUNCTION credit_name_token_buckets(tokens text, id bigint) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT string_to_array(replace(tokens, ' ', '#' || (id >> 16)::text || ' ') || '#' || (id >> 16)::text, ' ') $$;
CREATE OR REPLACE FUNCTION credit_bucket_tokens(tokens text[], bucket bigint) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT array(SELECT token || '#' || bucket::text FROM unnest(tokens) AS token) $$;
CREATE OR REPLACE FUNCTION credit_name_en_trigram_buckets(name_en text, id bigint) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT array(SELECT DISTINCT substr(upper(name_en), i, 3) || '#' || (id >> 16)::text
                   FROM generate_series(1, length(name_en) - 2) AS i) $$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON credit_enterprise USING gin (credit_name_token_buckets(search_tokens, id))"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {ENGLISH_INDEX} ON credit_enterprise "
        "USING gin (credit_name_en_trigram_buckets(name_en, id))"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {PREFIX_INDEX} ON credit_enterprise (uscc varchar_pattern_ops) INCLUDE (id)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {PREFIX_INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {ENGLISH_INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS credit_name_en_trigram_buckets(text, bigint)")
    schema_editor.execute("DROP FUNCTION IF EXISTS credit_bucket_tokens(text[], bigint)")
    schema_editor.execute("DROP FUNCTION IF EXISTS credit_name_token_buckets(text, bigint)")


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0018_commitment_breach_publication_end"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
