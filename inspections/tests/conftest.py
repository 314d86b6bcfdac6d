from __future__ import annotations

import pytest

from credit.tests.factories import AgencyFactory, EnterpriseFactory, StaffFactory
from inspections.tests.factories import InspectionItemFactory, InspectorFactory, PlanFactory


@pytest.fixture
def setup_plan(db):
    """A draft plan of agency A with 12 firms in scope and 4 qualified inspectors."""

    def make(**plan_fields):
        agency = plan_fields.pop("agency", None) or AgencyFactory(code="AG-A")
        item = InspectionItemFactory(code="ITEM-BASE")
        for index in range(12):
            EnterpriseFactory(risk_class="ABCD"[index % 4], registration_authority=agency)
        inspectors = [InspectorFactory(agency=agency, items=[item]) for _ in range(4)]
        plan = PlanFactory(agency=agency, items=[item], **plan_fields)
        staff = StaffFactory(agency=agency)
        return plan, inspectors, staff.user

    return make


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Assertions read the English msgids; pages are requested in English too."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Unit tests run the draw task in-process even when a broker is configured; the
    services tests (marked) use a real worker instead."""
    if request.node.get_closest_marker("services"):
        yield
        return
    from portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
