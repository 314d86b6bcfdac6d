"""Load 1,000,000 credit commitment letters into a dedicated PostgreSQL database (set-based SQL).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_letters \
        .venv/bin/python bench/commitments_load.py [--letters 1000000] [--enterprises 100000]

Creates the database if needed, migrates it, and writes with INSERT ... SELECT over
generate_series: `--enterprises` enterprises (codes starting with C, names from a small
vocabulary so that name searches match thousands), 60 agencies (national and provincial),
and `--letters` letters signed over the last five years, oldest first as a real table fills (kinds 50% general, 20% industry,
25% notification-and-commitment, 5% repair; 12-month validity, so most are expired; 8%
fulfilled), 1% of them breached (a breach row each, a tenth of those withdrawn). The letters'
text is synthetic text of a real letter's length and its hash the SHA-256 of the row number: the bench
measures the list pages, which show the hash but never recompute it.
Then VACUUM ANALYZE.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import ROOT, admin_dsn  # noqa: E402

DEFAULT = "postgres://postgres@127.0.0.1:5432/portal_bench_letters"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT)
    dsn, name = admin_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("REDIS_URL", None)
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True)
    started = time.monotonic()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        x = conn.execute
        x("TRUNCATE credit_commitmentbreach, credit_commitmentletter RESTART IDENTITY CASCADE")
        x("DELETE FROM credit_enterprise WHERE uscc LIKE 'C%'")
        x("DELETE FROM credit_agency WHERE code LIKE 'BL-%'")
        x("""INSERT INTO credit_agency (code, name, name_en, level, region_code, kind)
             SELECT 'BL-' || lpad(g::text, 3, '0'), '基准测试第' || g || '市场监督管理局', 'Bench bureau ' || g,
                    CASE WHEN g <= 10 THEN 'national' ELSE 'provincial' END,
                    CASE WHEN g <= 10 THEN '100000' ELSE lpad((10 + g % 30)::text, 2, '0') || '0000' END, 'market'
             FROM generate_series(1, 60) g""")
        first_agency = x("SELECT min(id) FROM credit_agency WHERE code LIKE 'BL-%'").fetchone()[0]
        words = ["科技", "贸易", "网络", "餐饮", "建筑", "物流", "环保", "医药", "文化", "农业"]
        x("""INSERT INTO credit_enterprise (uscc, name, name_en, entity_type, legal_representative_name,
                 capital_currency, established_on, status, domicile, business_scope, region_code, industry,
                 risk_class, search_tokens, updated_at, registration_authority_id)
             SELECT 'C' || lpad(g::text, 17, '0'),
                    (ARRAY['北京','上海','广州','深圳','杭州'])[1 + g %% 5] || '测试' || g ||
                      (%(words)s::text[])[1 + g %% 10] || '有限公司',
                    '', 'llc', '', 'CNY', date '2015-01-01', 'active', '测试地址', '', '110108', 'I', 'B', '',
                    now(), %(agency)s + g %% 60
             FROM generate_series(1, %(n)s) g""",
          {"words": words, "agency": first_agency, "n": args.enterprises})
        first_enterprise = x("SELECT min(id) FROM credit_enterprise WHERE uscc LIKE 'C%'").fetchone()[0]
        # Search tokens as the model computes them would need Python per row: the search
        # matches by LIKE on SQLite and by tokens on PostgreSQL, so fill them in SQL: unigrams
        # and bigrams of the name (credit.search.name_tokens).
        x("""UPDATE credit_enterprise e SET search_tokens = t.tokens FROM (
               SELECT id, string_agg(tok, ' ') AS tokens FROM (
                 SELECT id, substr(name, i, 1) AS tok FROM credit_enterprise, generate_series(1, length(name)) i
                   WHERE uscc LIKE 'C%'
                 UNION
                 SELECT id, substr(name, i, 2) FROM credit_enterprise, generate_series(1, length(name) - 1) i
                   WHERE uscc LIKE 'C%') s GROUP BY id) t
             WHERE e.id = t.id""")
        x("""INSERT INTO credit_commitmentletter (enterprise_id, kind, template_version, language, agency_id,
                 approval_matter, title, text, signatory_name, signatory_title, signed_at, signed_on, valid_until,
                 text_sha256, published_at, fulfilled_on, fulfilment_note)
             SELECT %(ent)s + (g::bigint * 7919) %% %(n_ent)s,
                    CASE WHEN g %% 20 < 10 THEN 'general' WHEN g %% 20 < 14 THEN 'industry'
                         WHEN g %% 20 < 19 THEN 'licensing' ELSE 'credit_repair' END,
                    1, CASE WHEN g %% 10 = 0 THEN 'en' ELSE 'zh-hans' END,
                    %(agency)s + (g * 31) %% 60,
                    CASE WHEN g %% 20 >= 14 THEN '食品经营许可' ELSE '' END,
                    '信用承诺书', repeat('本单位郑重承诺依法诚信经营。', 20), '张三', '法定代表人',
                    d + time '10:00' - interval '8 hours', d, d + interval '1 year' - interval '1 day',
                    encode(sha256(g::text::bytea), 'hex'), d + time '10:00' - interval '8 hours',
                    CASE WHEN g %% 25 < 2 THEN d + 30 END, ''
             FROM (SELECT g, current_date - 1826 + ((g::bigint * 1826) / %(n)s)::int AS d
                   FROM generate_series(1, %(n)s) g) s""",
          {"ent": first_enterprise, "n_ent": args.enterprises, "agency": first_agency, "n": args.letters})
        x("""INSERT INTO credit_commitmentbreach (enterprise_id, source_agency_id, document_number, decided_on,
                 published_at, withdrawn_at, withdrawal_reason, correction_reason, letter_id, facts, evidence,
                 false_commitment)
             SELECT l.enterprise_id, l.agency_id, '基准信承〔' || l.id || '〕号', l.signed_on + 60,
                    l.published_at + interval '60 days',
                    CASE WHEN l.id % 1000 = 107 THEN l.published_at + interval '90 days' END,
                    CASE WHEN l.id % 1000 = 107 THEN '录入错误' ELSE '' END, '',
                    l.id, '未履行承诺', '核查笔录', l.id % 3 = 0
             FROM credit_commitmentletter l WHERE l.id % 100 = 7 AND l.fulfilled_on IS NULL""")
        conn.commit()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE credit_enterprise")
        conn.execute("VACUUM ANALYZE credit_commitmentletter")
        conn.execute("VACUUM ANALYZE credit_commitmentbreach")
        conn.execute("VACUUM ANALYZE credit_agency")
        counts = conn.execute("SELECT (SELECT count(*) FROM credit_commitmentletter), "
                              "(SELECT count(*) FROM credit_commitmentbreach)").fetchone()
    print(f"loaded {counts[0]:,} letters and {counts[1]:,} breaches in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
