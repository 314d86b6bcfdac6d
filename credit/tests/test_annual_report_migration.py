"""Migration 0011 moves the reports' old columns into their items (credit/annual_reports.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("credit", "0010_instant_disclosure_versions")]
AFTER = [("credit", "0011_annual_report_items_and_drafts")]


def test_it_moves_the_columns_into_the_items_and_marks_empty_figures_withheld():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        agency = apps.get_model("credit", "Agency").objects.create(
            code="T", name="测试局", level="local", region_code="110000", kind="market")
        enterprise = apps.get_model("credit", "Enterprise").objects.create(
            uscc="91110108MA01ABCD2X", name="测试有限公司", entity_type="llc", established_on=dt.date(2015, 1, 1),
            registration_authority=agency, status="active", domicile="北京", region_code="110108")
        moment = dt.datetime(2025, 4, 1, 1, 0, tzinfo=dt.UTC)
        apps.get_model("credit", "AnnualReport").objects.create(
            enterprise=enterprise, year=2024, submitted_at=moment, published_at=moment, operating_status="开业",
            address="北京市海淀区", postcode="100080", phone="010-12345678", headcount=12, total_assets="1250.5000")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    from credit.models import AnnualReport

    report = AnnualReport.objects.get()
    assert report.data["operating_status"] == "operating" and report.data["address"] == "北京市海淀区"
    assert report.data["headcount"] == "12" and report.data["total_assets"] == "1250.5000"
    assert report.withheld == ["total_liabilities", "total_revenue", "net_profit", "total_tax"]
