"""Nothing published is deleted in code either, audit actors are kept, and on PostgreSQL the
audit log refuses UPDATE and DELETE itself (issue 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from credit import models as m
from credit.tests import factories as f
from portal import services
from portal.audit import audit_record
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_published_shareholder_and_its_contributions_cannot_be_deleted_in_code():
    contribution = f.CapitalContributionFactory()
    shareholder = contribution.shareholder
    for delete in (shareholder.delete, m.Shareholder.objects.filter(pk=shareholder.pk).delete,
                   contribution.delete, m.CapitalContribution.objects.all().delete,
                   shareholder.enterprise.delete, m.Enterprise.objects.all().delete):
        with pytest.raises(ProtectedError), transaction.atomic():
            delete()
    assert m.Shareholder.objects.filter(pk=shareholder.pk).exists()
    assert m.CapitalContribution.objects.filter(pk=contribution.pk).exists()


def test_memoranda_conflicts_and_committed_plans_cannot_be_deleted_but_a_draft_plan_can():
    from inspections.models import Conflict, Plan, PlanState
    from inspections.tests.factories import InspectorFactory, PlanFactory
    from listings.models import Memorandum
    from listings.tests.factories import MemorandumFactory

    memorandum = MemorandumFactory()
    conflict = Conflict.objects.create(inspector=InspectorFactory(), enterprise=f.EnterpriseFactory(),
                                       reason="亲属任职", declared_on=dt.date(2026, 1, 5))
    committed = PlanFactory()
    Plan.objects.filter(pk=committed.pk).update(state=PlanState.COMMITTED)
    committed.refresh_from_db()
    for delete in (memorandum.delete, Memorandum.objects.all().delete, conflict.delete, committed.delete):
        with pytest.raises(ProtectedError), transaction.atomic():
            delete()
    draft = PlanFactory()
    draft.delete()
    assert not Plan.objects.filter(pk=draft.pk).exists()


def test_a_login_named_in_the_audit_log_is_not_deleted_but_deactivated():
    actor, bystander, root = f.UserFactory(), f.UserFactory(), f.UserFactory(is_staff=True, is_superuser=True)
    audit_record(action="credit.penalty.published", actor=actor)
    with pytest.raises(ProtectedError), transaction.atomic():
        actor.delete()
    bystander.delete()  # named by nothing: may go
    assert services.user_deactivate(user=actor, actor=root) is True
    actor.refresh_from_db()
    assert not actor.is_active
    assert AuditEvent.objects.filter(action="portal.login.deactivated", object_id=str(actor.pk)).exists()


def test_the_user_admin_offers_deactivation_and_no_delete(client):
    root = f.UserFactory(is_staff=True, is_superuser=True)
    user = f.UserFactory()
    client.force_login(root)
    response = client.get("/admin/auth/user/")
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "deactivate_users" in actions and "delete_selected" not in actions
    client.post("/admin/auth/user/", {"action": "deactivate_users", "_selected_action": [user.pk]})
    user.refresh_from_db()
    assert not user.is_active
    assert client.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"}).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_to_update_or_delete_an_audit_event():
    event = audit_record(action="credit.penalty.published")
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'x.y.z' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "credit.penalty.published"
