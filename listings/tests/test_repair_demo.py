"""The demo has a credit repair application in each state for enterprise3, decided by the samr login."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from listings.models import RepairApplication

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_demo_has_repair_applications_in_each_state_that_the_samr_login_can_act_on(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--no-progress", "--enterprises", "30", "--seed", "5", stdout=StringIO())
    applications = RepairApplication.objects.filter(enterprise__accounts__user__username="enterprise3")
    assert sorted(applications.values_list("state", flat=True)) == sorted(
        ["submitted", "accepted", "approved", "rejected", "revoked"])
    assert all(a.files.count() == 1 for a in applications)
    client = Client()
    client.force_login(applications.first().deciding_agency.staff.get(user__username="samr").user)
    body = client.get("/lists/staff/repairs/").content.decode()
    for application in applications.filter(state__in=["submitted", "accepted"]):
        assert f"/lists/staff/repairs/{application.pk}/" in body
    pending = applications.get(state="submitted")
    assert client.post(f"/lists/staff/repairs/{pending.pk}/", {"action": "accept"}).status_code == 302
