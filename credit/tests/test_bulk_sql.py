"""The snapshot PostgreSQL writes from a declared state (credit/bulk_sql.py) holds, for every
dataset, exactly the rows and values `state()` gives in Python: the same ids in id order, the
same JSON values under the same keys in the columns' order, and the same CSV cells (a JSON cell
the same JSON value)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from credit import bulk_sql
from credit.bulk import csv_cell
from credit.changes import datasets
from credit.tests.factories import AnnualReportFactory, EnterpriseFactory, LicenceFactory, PenaltyFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the snapshot is generated in SQL on PostgreSQL"),
]

AWKWARD = 'A "quoted", comma\nnew line\r\ttab \\ backslash \u2028 \x01 — 中文'


def _edge_rows(today):
    """Rows whose values a CSV or JSON writer could get wrong, and rows the public no longer sees."""
    enterprise = EnterpriseFactory(name=AWKWARD, name_en="", business_scope=AWKWARD, registered_capital=Decimal("0"))
    authority = enterprise.registration_authority
    PenaltyFactory(enterprise=enterprise, source_agency=authority, content=AWKWARD, fine_amount=Decimal("1234.5"))
    PenaltyFactory(enterprise=enterprise, source_agency=authority, fine_amount=None, publication_ends_on=None)
    PenaltyFactory(enterprise=enterprise, source_agency=authority, warning_only=True)
    PenaltyFactory(enterprise=enterprise, source_agency=authority,
                   withdrawn_at=dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))
    PenaltyFactory(enterprise=enterprise, source_agency=authority,
                   publication_ended_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    LicenceFactory(enterprise=enterprise, source_agency=authority, valid_to=None)
    AnnualReportFactory(enterprise=enterprise, year=today.year - 3, withheld=["phone", "email", "total_assets"])
    AnnualReportFactory(enterprise=enterprise, year=today.year - 4, report_public=False, withheld=["phone"])
    AnnualReportFactory(enterprise=enterprise, year=today.year - 5, published_at=None)
    AnnualReportFactory(enterprise=enterprise, year=today.year - 6,
                        data={"address": AWKWARD, "investments": [{"name": "甲", "amount": "1.00"}], "headcount": 0})


def _read(path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8")


def test_the_database_writes_every_dataset_as_the_feed_states_it(tmp_path, today):
    call_command("seed_demo", "--no-progress", "--enterprises", "40", "--seed", "7", stdout=StringIO())
    _edge_rows(today)
    for serializer in datasets():
        assert bulk_sql.available(serializer), serializer.dataset
        # Every row of the model, not only the candidates: public_when in SQL is the one in Python.
        everything = serializer.model._default_manager.select_related(*serializer.related).order_by("pk")
        expected = {str(o.pk): state for o in everything if (state := serializer.state(o)) is not None}
        csv_path, jsonl_path = tmp_path / f"{serializer.dataset}.csv.gz", tmp_path / f"{serializer.dataset}.jsonl.gz"
        rows = bulk_sql.part_write(serializer, (0, 2**62), csv_path, jsonl_path, compresslevel=1)

        lines = [json.loads(line) for line in _read(jsonl_path).split("\n") if line]
        assert rows == len(lines) == len(expected), serializer.dataset
        assert [line["id"] for line in lines] == list(expected), serializer.dataset  # id order
        for line in lines:
            assert list(line) == ["id", *serializer.columns]
            assert {k: v for k, v in line.items() if k != "id"} == expected[line["id"]], (serializer.dataset, line)

        cells = list(csv.reader(io.StringIO(_read(csv_path), newline="")))
        assert [row[0] for row in cells] == list(expected)
        for row in cells:
            state = expected[row[0]]
            for column, cell in zip(serializer.columns, row[1:], strict=True):
                value = state[column]
                if isinstance(value, dict | list):
                    assert json.loads(cell) == value, (serializer.dataset, column)
                else:
                    assert cell == csv_cell(value), (serializer.dataset, column, cell, value)


def test_an_empty_range_writes_empty_members(tmp_path):
    serializer = next(s for s in datasets() if s.dataset == "penalties")
    rows = bulk_sql.part_write(serializer, (1, 1), tmp_path / "a.csv.gz", tmp_path / "a.jsonl.gz", compresslevel=1)
    assert rows == 0
    assert _read(tmp_path / "a.csv.gz") == "" and _read(tmp_path / "a.jsonl.gz") == ""
