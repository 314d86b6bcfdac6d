"""The snapshot written by two processes (PostgreSQL: both read in the export's own snapshot of
the database) is byte for byte the one written by one, and a change committed while the export
runs is in neither."""

from __future__ import annotations

import gzip

import pytest
from django.test import override_settings

from credit import bulk

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_two_processes_write_the_same_bytes_as_one(tmp_path, today, monkeypatch):
    # Factories, not the demo: a transactional test's database was flushed of the migrations' rows
    # (agencies, lists) the demo reads.
    from credit.tests.factories import EnterpriseFactory, LicenceFactory, PenaltyFactory

    for enterprise in EnterpriseFactory.create_batch(60):
        PenaltyFactory(enterprise=enterprise, source_agency=enterprise.registration_authority)
        LicenceFactory(enterprise=enterprise, source_agency=enterprise.registration_authority)
    monkeypatch.setattr(bulk, "PART_IDS", 7)  # many parts, shared out between the processes
    children = []
    child_env = bulk._child_env
    monkeypatch.setattr(bulk, "_child_env", lambda: children.append(1) or child_env())
    manifests = {}
    for processes in (1, 2):
        with override_settings(DATA_ROOT=tmp_path / str(processes)):
            manifests[processes], _ = bulk.export_bulk(day=today, processes=processes)
    one = {f["name"]: (f["rows"], f["bytes"], f["sha256"]) for f in manifests[1]["files"]}
    two = {f["name"]: (f["rows"], f["bytes"], f["sha256"]) for f in manifests[2]["files"]}
    assert one == two
    assert len(children) == 2  # the second export did run in two processes
    enterprises = tmp_path / "2" / f"snapshot-{today.isoformat()}" / "enterprises.csv.gz"
    lines = gzip.decompress(enterprises.read_bytes()).decode().splitlines()
    assert lines[0].startswith("id,uscc,name") and len(lines) == 61  # one header, then every row once
    ids = [int(line.split(",", 1)[0]) for line in lines[1:]]
    assert ids == sorted(ids)
    assert not list((tmp_path / "2").rglob("*.part"))
