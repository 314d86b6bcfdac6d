"""Bulk files: snapshot + delta = next snapshot, an empty delta on a day without changes, the
manifest's checksums, sizes and row counts, and the /data/ pages."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json

import pytest
from django.test import override_settings
from django.utils import translation

from credit import services
from credit.bulk import delta_apply, export_bulk, read_jsonl_gz
from credit.models import ChangeHead
from credit.tests.factories import EnterpriseFactory, PenaltyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tmp_path):
    with override_settings(DATA_ROOT=tmp_path):
        yield tmp_path


def _penalty(enterprise, content="罚款"):
    penalty = PenaltyFactory.build(enterprise=enterprise, source_agency=enterprise.registration_authority,
                                   publication_ends_on=None, content=content)
    return services.credit_object_save(obj=penalty, actor=None)


def _jsonl(root, day, kind, dataset) -> list[dict]:
    return list(read_jsonl_gz(root / f"{kind}-{day.isoformat()}" / f"{dataset}.jsonl.gz"))


def _csv(root, day, kind, dataset) -> list[dict]:
    with gzip.open(root / f"{kind}-{day.isoformat()}" / f"{dataset}.csv.gz", "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _as_map(rows):
    return {row["id"]: row for row in rows}


def _csv_apply(snapshot: dict, delta: list[dict]) -> dict:
    result = dict(snapshot)
    for row in delta:
        op = row.pop("op")
        if op == "delete":
            result.pop(row["id"], None)
        else:
            result[row["id"]] = row
    return result


def test_a_delta_applied_to_the_previous_snapshot_gives_the_next(root, clock, today):
    firms = EnterpriseFactory.create_batch(3)
    kept = _penalty(firms[0], "第一项")
    withdrawn = _penalty(firms[1], "第二项")
    corrected = _penalty(firms[2], "第三项")
    first, written = export_bulk(day=today)
    assert written
    clock.shift(dt.timedelta(days=1))
    day2 = today + dt.timedelta(days=1)
    services.published_record_withdraw(record=withdrawn, actor=None, reason="撤销")
    corrected.content = "第三项（更正）"
    services.credit_object_save(obj=corrected, actor=None, correction_reason="笔误")
    added = _penalty(firms[0], "第四项")
    firms[1].name = "改名后的公司"
    services.credit_object_save(obj=firms[1], actor=None)
    second, _ = export_bulk(day=day2)

    for dataset in ("penalties", "enterprises"):
        before = _as_map(_jsonl(root, today, "snapshot", dataset))
        after = _as_map(_jsonl(root, day2, "snapshot", dataset))
        assert delta_apply(before, _jsonl(root, day2, "delta", dataset)) == after
        csv_before = _as_map(_csv(root, today, "snapshot", dataset))
        assert _csv_apply(csv_before, _csv(root, day2, "delta", dataset)) == _as_map(_csv(root, day2, "snapshot",
                                                                                            dataset))
    penalties = _as_map(_jsonl(root, day2, "snapshot", "penalties"))
    assert set(penalties) == {str(kept.pk), str(corrected.pk), str(added.pk)}
    assert penalties[str(corrected.pk)]["content"] == "第三项（更正）"
    ops = {row["id"]: row["op"] for row in _jsonl(root, day2, "delta", "penalties")}
    assert ops == {str(withdrawn.pk): "delete", str(corrected.pk): "upsert", str(added.pk): "upsert"}
    assert _as_map(_jsonl(root, day2, "snapshot", "enterprises"))[str(firms[1].pk)]["name"] == "改名后的公司"
    assert second["previous"] == {"date": today.isoformat(), "sequence": first["as_of"]["sequence"]}
    assert second["delta"] == {"after": first["as_of"]["sequence"], "through": second["as_of"]["sequence"]}


def test_a_day_without_changes_publishes_an_empty_delta_and_a_second_run_writes_nothing(root, clock, today):
    _penalty(EnterpriseFactory())
    export_bulk(day=today)
    clock.shift(dt.timedelta(days=1))
    day2 = today + dt.timedelta(days=1)
    manifest, written = export_bulk(day=day2)
    assert written
    deltas = [f for f in manifest["files"] if f["kind"] == "delta"]
    assert deltas and all(f["rows"] == 0 for f in deltas)
    assert _csv(root, day2, "delta", "penalties") == []  # the header only
    assert _jsonl(root, today, "snapshot", "penalties") == _jsonl(root, day2, "snapshot", "penalties")
    again, written_again = export_bulk(day=day2)
    assert not written_again and again == manifest


def test_the_manifest_lists_every_file_with_its_size_rows_and_sha256(root, today):
    enterprise = EnterpriseFactory()
    _penalty(enterprise)
    manifest, _ = export_bulk(day=today)
    on_disk = json.loads((root / f"manifest-{today.isoformat()}.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    datasets = {"enterprises", "penalties", "licences", "list_entries", "inspection_results", "reports", "letters"}
    assert {f["dataset"] for f in manifest["files"]} == datasets
    assert len(manifest["files"]) == len(datasets) * 4  # snapshot and delta, CSV and JSON Lines
    for entry in manifest["files"]:
        data = (root / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        text = gzip.decompress(data).decode("utf-8")
        lines = [line for line in text.split("\n") if line]
        assert entry["rows"] == len(lines) - (1 if entry["format"] == "csv" else 0)
    snapshot = {f["dataset"]: f for f in manifest["files"] if f["kind"] == "snapshot" and f["format"] == "jsonl"}
    assert snapshot["penalties"]["rows"] == 1 and snapshot["enterprises"]["rows"] == 1
    head = ChangeHead.objects.get(day=today - dt.timedelta(days=1))
    assert manifest["head"] == {"date": head.day.isoformat(), "sequence": head.sequence, "hash": head.hash}
    assert manifest["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"


def test_the_same_rows_give_the_same_bytes(root, tmp_path_factory, today):
    _penalty(EnterpriseFactory())
    first, _ = export_bulk(day=today)
    other = tmp_path_factory.mktemp("again")
    second, _ = export_bulk(day=today, root=other)
    assert [f["sha256"] for f in first["files"]] == [f["sha256"] for f in second["files"]]


def test_the_data_page_lists_the_files_and_serves_only_published_names(client, root, today):
    with translation.override("en"):
        empty = client.get("/data/", HTTP_ACCEPT_LANGUAGE="en")
        assert empty.status_code == 200 and "No bulk files have been published yet." in empty.content.decode()
    _penalty(EnterpriseFactory())
    manifest, _ = export_bulk(day=today)
    with translation.override("en"):
        page = client.get("/data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    entry = next(f for f in manifest["files"] if f["name"].endswith("penalties.csv.gz"))
    assert entry["sha256"] in page and "CC BY 4.0" in page
    response = client.get(f"/data/{entry['name']}")
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == entry["sha256"]
    latest = client.get("/data/manifest.json")
    assert json.loads(b"".join(latest.streaming_content)) == manifest
    assert client.get(f"/data/manifest-{today.isoformat()}.json").status_code == 200
    assert client.get("/data/manifest-2001-01-01.json").status_code == 404
    assert client.get(f"/data/snapshot-{today.isoformat()}/nothing.csv.gz").status_code == 404
    assert client.get(f"/data/snapshot-{today.isoformat()}/../manifest.json").status_code == 404


def test_the_data_page_costs_the_same_queries_for_1_and_50_rows(client, root, today, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _penalty(EnterpriseFactory())
    export_bulk(day=today, root=root)
    with CaptureQueriesContext(connection) as one:
        client.get("/data/")
    for index in range(49):
        ChangeHead.objects.create(day=today - dt.timedelta(days=index + 10), sequence=0, hash="0" * 64)
    with CaptureQueriesContext(connection) as fifty:
        client.get("/data/")
    assert len(one) == len(fifty)


def test_the_command_exports_with_a_progress_bar(root, today, capsys):
    from django.core.management import call_command

    _penalty(EnterpriseFactory())
    call_command("export_bulk", "--date", today.isoformat(), "--quiet-progress")
    out = capsys.readouterr().out
    assert f"snapshot-{today.isoformat()}/penalties.csv.gz: 1 rows" in out
    call_command("export_bulk", "--date", today.isoformat(), "--quiet-progress")
    assert "already exported" in capsys.readouterr().out


def test_the_export_reads_each_dataset_as_the_feed_does(today):
    """The export reads plain values (RowView), the feed model instances: for every dataset and
    every row of the demo data, the one state() gives the same state from both."""
    from io import StringIO

    from django.core.management import call_command

    from credit.changes import datasets

    call_command("seed_demo", "--no-progress", "--enterprises", "40", "--seed", "7", stdout=StringIO())
    for serializer in datasets():
        instances = {obj.pk: serializer.state(obj) for obj in serializer.rows()}
        views = {view.pk: serializer.state(view) for view in serializer.row_views(chunk_size=7)}
        assert views == instances, serializer.dataset
        assert any(state is not None for state in views.values()) or serializer.dataset == "inspection_results"
