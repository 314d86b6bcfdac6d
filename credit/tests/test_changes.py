"""The change feed: ordering, no gaps, removals present, resumption, set-based emission, the hash
chain and its stdlib verifier (tampering with one event, dropping one, reordering two)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from credit import services
from credit import verify_changes as verifier
from credit.changes import GENESIS_HASH, canonical_bytes, chain_hash, change_head_record, event_document, feed_head
from credit.models import ChangeEvent, ChangeHead
from credit.tests.factories import EnterpriseFactory, PenaltyFactory

pytestmark = pytest.mark.django_db
SCRIPT = Path(settings.BASE_DIR) / "credit" / "verify_changes.py"


def _penalty(enterprise=None, **kwargs):
    enterprise = enterprise or EnterpriseFactory()
    penalty = PenaltyFactory.build(enterprise=enterprise, source_agency=enterprise.registration_authority,
                                   publication_ends_on=None, **kwargs)
    return services.credit_object_save(obj=penalty, actor=None)


def _feed() -> list[dict]:
    return [event_document(e) for e in ChangeEvent.objects.order_by("sequence")]


def test_a_publication_a_correction_and_a_withdrawal_are_ordered_events_without_gaps(today):
    penalty = _penalty(content="罚款一万元")
    penalty.content = "罚款两万元"
    services.credit_object_save(obj=penalty, actor=None, correction_reason="金额有误")
    services.published_record_withdraw(record=penalty, actor=None, reason="决定被撤销")
    events = _feed()
    assert [e["sequence"] for e in events] == [1, 2, 3]
    assert [e["kind"] for e in events] == ["published", "corrected", "withdrawn"]
    assert [e["action"] for e in events] == ["credit.penalty.published", "credit.penalty.corrected",
                                             "credit.penalty.withdrawn"]
    assert {e["address"] for e in events} == {f"/enterprises/{penalty.enterprise.uscc}/#penalties"}
    assert events[0]["state"]["content"] == "罚款一万元"
    assert events[1]["state"]["content"] == "罚款两万元"
    assert events[1]["state"]["fine_amount"] == "50000.00"
    assert events[1]["state"]["uscc"] == penalty.enterprise.uscc
    assert events[2]["state"] is None  # a removal is an event with no state, never a disappearance
    assert events[0]["prev_hash"] == GENESIS_HASH
    assert feed_head() == {"sequence": 3, "hash": events[2]["hash"]}


def test_the_chain_is_sha256_of_the_previous_hash_and_the_canonical_bytes(today):
    _penalty()
    _penalty()
    events = _feed()
    previous = GENESIS_HASH
    for event in events:
        document = {k: event[k] for k in ("action", "address", "kind", "object_id", "object_type", "occurred_at",
                                          "sequence", "state")}
        expected_bytes = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert canonical_bytes(event) == expected_bytes == verifier.canonical_bytes(event)
        assert event["hash"] == chain_hash(previous, expected_bytes)
        previous = event["hash"]
    assert events[0]["occurred_at"].endswith("Z") and len(events[0]["occurred_at"]) == 27


def test_a_warning_only_penalty_never_has_a_public_state(today):
    _penalty(warning_only=True)
    [event] = _feed()
    assert event["state"] is None and event["kind"] == "removed"


def test_the_expiry_sweep_emits_one_event_per_entry_set_based(today):
    from listings.services import list_entries_expire
    from listings.tests.factories import make_entry

    entries = [make_entry(listed_on=today - dt.timedelta(days=400)) for _ in range(3)]
    from listings.models import ListEntry

    ListEntry.objects.filter(pk__in=[e.pk for e in entries]).update(publication_ends_on=today - dt.timedelta(days=1))
    before = feed_head()["sequence"]
    assert list_entries_expire(today=today) == 3
    expired = [e for e in _feed() if e["sequence"] > before]
    assert [e["sequence"] for e in expired] == [before + 1, before + 2, before + 3]
    assert [e["object_id"] for e in expired] == sorted((str(e.pk) for e in entries), key=int)
    assert {e["kind"] for e in expired} == {"expired"} and {e["state"] is None for e in expired} == {True}
    assert expired[0]["address"] == entries[0].get_absolute_url()
    assert verifier.verify(_feed())["last"] == before + 3
    assert list_entries_expire(today=today) == 0  # a second run writes no event
    assert feed_head()["sequence"] == before + 3


def test_the_feed_api_pages_in_order_and_resumes(client, today):
    for _ in range(5):
        _penalty()
    page = client.get("/api/v1/changes/?limit=2").json()
    assert [e["sequence"] for e in page["events"]] == [1, 2]
    assert page["next_after"] == 2 and page["more"] is True
    assert page["head"]["sequence"] == ChangeEvent.objects.count()
    rest = client.get(f"/api/v1/changes/?after={page['next_after']}&limit=1000").json()
    head = rest["head"]["sequence"]
    assert [e["sequence"] for e in rest["events"]] == list(range(3, head + 1))
    assert rest["more"] is False and rest["next_after"] == head
    assert verifier.verify(page["events"] + rest["events"])["hash"] == rest["head"]["hash"]
    empty = client.get(f"/api/v1/changes/?after={head}").json()
    assert empty["events"] == [] and empty["next_after"] == head


@pytest.mark.parametrize(("query", "parameter"), [
    ("after=-1", "after"), ("after=x", "after"), ("limit=0", "limit"), ("limit=10001", "limit"),
    ("limit=1.5", "limit"), ("after=99999999999999999999999", "after"),
])
def test_invalid_parameters_answer_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == parameter


def test_the_feed_read_costs_the_same_queries_for_1_and_50_events(client, django_assert_num_queries, today):
    _penalty()
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/changes/").json()["events"]) == 1
    for _ in range(49):
        _penalty()
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get("/api/v1/changes/").json()["events"]) == 50
    assert len(one) == len(fifty) <= 3


def test_daily_heads_close_each_local_day(client, clock, today):
    _penalty()
    clock.shift(dt.timedelta(days=1))
    _penalty()
    head = change_head_record(day=today)
    assert head.sequence == 1 and head.hash == ChangeEvent.objects.get(sequence=1).hash
    assert change_head_record(day=today).pk == head.pk  # kept once recorded
    assert change_head_record(day=today - dt.timedelta(days=1)).sequence == 0
    heads = client.get("/api/v1/changes/heads/").json()
    assert heads["heads"][0] == {"date": today.isoformat(), "sequence": 1, "hash": head.hash}
    assert heads["current"]["sequence"] == 2
    assert ChangeHead.objects.count() == 2


# --- the verifier ------------------------------------------------------------------------


@pytest.fixture
def feed(today):
    for _ in range(6):
        _penalty()
    return _feed()


def _first_bad(events, **kwargs) -> int:
    with pytest.raises(verifier.Mismatch) as error:
        verifier.verify(events, **kwargs)
    return error.value.sequence


def test_the_verifier_accepts_the_feed_and_agrees_with_a_head(feed):
    assert verifier.verify(feed)["last"] == 6
    assert verifier.verify(feed, head=(4, feed[3]["hash"]))["head_checked"]
    assert verifier.verify(feed[4:], head=(4, feed[3]["hash"]))["anchored"]
    assert not verifier.verify(feed[2:])["anchored"]


def test_the_verifier_names_a_tampered_event(feed):
    tampered = [dict(e) for e in feed]
    tampered[2]["state"] = {**tampered[2]["state"], "content": "已修改"}
    assert _first_bad(tampered) == 3


def test_the_verifier_names_a_dropped_event(feed):
    assert _first_bad(feed[:3] + feed[4:]) == 4


def test_the_verifier_names_two_reordered_events(feed):
    assert _first_bad(feed[:1] + [feed[2], feed[1]] + feed[3:]) == 2


def test_the_verifier_names_a_rewritten_history_against_the_head_held(feed):
    # A rewritten event 2 with every later hash recomputed is consistent in itself: the head held says no.
    forged = [dict(e) for e in feed]
    forged[1]["state"] = {**forged[1]["state"], "content": "伪造"}
    previous = forged[0]["hash"]
    for event in forged[1:]:
        event["prev_hash"] = previous
        event["hash"] = previous = chain_hash(previous, canonical_bytes(event))
    assert verifier.verify(forged)["last"] == 6
    assert _first_bad(forged, head=(5, feed[4]["hash"])) == 5
    assert _first_bad(forged[2:], head=(2, feed[1]["hash"])) == 3  # chained to a forged event 2
    assert _first_bad(feed[4:], head=(2, feed[1]["hash"])) == 3  # a gap after the head


def test_the_standalone_script_runs_without_django_and_reports_by_exit_code(feed, tmp_path, client):
    lines = tmp_path / "feed.jsonl"
    lines.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in feed), encoding="utf-8")
    page = tmp_path / "page.json"
    page.write_text(client.get("/api/v1/changes/?after=3").content.decode(), encoding="utf-8")
    first = tmp_path / "first.json"
    first.write_text(client.get("/api/v1/changes/?limit=3").content.decode(), encoding="utf-8")

    def run(*args):
        return subprocess.run([sys.executable, "-I", "-S", str(SCRIPT), *args], capture_output=True, text=True,
                              check=False)

    ok = run(str(lines), "--head", f"6:{feed[5]['hash']}")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: events 1..6")
    assert run(str(first), str(page)).returncode == 0
    assert run(str(page), "--prev-hash", feed[2]["hash"]).returncode == 0
    dropped = tmp_path / "dropped.jsonl"
    dropped.write_text("".join(json.dumps(e) + "\n" for e in feed[:2] + feed[3:]), encoding="utf-8")
    bad = run(str(dropped))
    assert bad.returncode == 1 and bad.stdout.startswith("FAIL at sequence 3")
    assert run(str(tmp_path / "missing.jsonl")).returncode == 2
    assert run(str(lines), "--head", "six").returncode == 2


def test_the_management_command_checks_the_database_chain(feed, capsys):
    from django.core.management import call_command

    call_command("verify_changes", "--head", f"3:{feed[2]['hash']}")
    assert "OK: events 1..6" in capsys.readouterr().out
    call_command("verify_changes", "--after", "2")
    assert "OK: events 3..6" in capsys.readouterr().out
    ChangeEvent.objects.filter(sequence=4).update(address="/enterprises/forged/")
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_changes")
    assert exit_.value.code == 1
    assert "FAIL at sequence 4" in capsys.readouterr().out


def test_the_worked_example_of_docs_changes_md():
    event = {"sequence": 1, "occurred_at": "2026-11-16T02:00:00.000000Z", "action": "credit.penalty.published",
             "kind": "published", "object_type": "credit.administrativepenalty", "object_id": "7",
             "address": "/enterprises/91110000600037341L/#penalties",
             "state": {"uscc": "91110000600037341L", "content": "罚款", "fine_amount": "50000.00"}}
    first = chain_hash(GENESIS_HASH, canonical_bytes(event))
    assert first == "506178e22e9d144d71d00e27e169b0cada5c4ae29313b6fb6538184cb9d06b48"
    withdrawal = {**event, "sequence": 2, "occurred_at": "2026-11-16T03:00:00.000000Z",
                  "action": "credit.penalty.withdrawn", "kind": "withdrawn", "state": None}
    assert chain_hash(first, canonical_bytes(withdrawal)) == (
        "ee3f6ec7e7c8d5087694e36ab285b6a05a71199828de7610351c2304a7bf5ca4")
    text = (Path(settings.BASE_DIR) / "docs" / "changes.md").read_text(encoding="utf-8")
    assert first in text and "ee3f6ec7e7c8d5087694e36ab285b6a05a71199828de7610351c2304a7bf5ca4" in text


def test_events_and_heads_are_never_deleted(today):
    _penalty()
    change_head_record(day=today)
    event, head = ChangeEvent.objects.get(sequence=1), ChangeHead.objects.get(day=today)
    with pytest.raises(ProtectedError), transaction.atomic():
        event.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        head.delete()
    assert ChangeEvent.objects.count() == 1 and ChangeHead.objects.count() == 1


def test_a_penalty_whose_publication_ended_is_an_expired_event_once(today):
    from credit.models import AdministrativePenalty
    from credit.services import penalties_publication_end

    ended = _penalty(decided_on=today - dt.timedelta(days=200), severity="general")
    # Its last day of publication was yesterday (a shorter period the deciding agency set).
    AdministrativePenalty.objects.filter(pk=ended.pk).update(publication_ends_on=today - dt.timedelta(days=1))
    running = _penalty(decided_on=today - dt.timedelta(days=10), severity="general")
    before = feed_head()["sequence"]
    assert penalties_publication_end(today=today) == 1
    [event] = [e for e in _feed() if e["sequence"] > before]
    assert (event["action"], event["kind"], event["object_id"], event["state"]) == (
        "credit.penalty.expired", "expired", str(ended.pk), None)
    assert penalties_publication_end(today=today) == 0  # a second run: no event
    assert feed_head()["sequence"] == before + 1
    running.refresh_from_db()
    assert running.publication_ended_at is None
    # A correction moving the end into the future publishes it again.
    ended.refresh_from_db()
    ended.publication_ends_on = today + dt.timedelta(days=30)
    services.credit_object_save(obj=ended, actor=None, correction_reason="期限延长")
    last = _feed()[-1]
    assert last["kind"] == "corrected" and last["state"]["publication_ends_on"] == ended.publication_ends_on.isoformat()

