"""Two pending requests of one address for one target, confirmed at once (services run only: real
PostgreSQL row locks, two connections): one becomes the active follow, the other is merged."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from credit.tests.factories import EnterpriseFactory
from following import services
from following.models import Follow, Target

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _pending(enterprise, n):
    return Follow.objects.create(target=Target.ENTERPRISE, enterprise=enterprise, channel="email",
                                 email="twice@example.cn", token=f"twice-token-{n}", created_at=timezone.now(),
                                 language="en")


def test_two_pending_requests_confirmed_at_once_make_one_active_follow():
    enterprise = EnterpriseFactory()
    first, second = _pending(enterprise, 1), _pending(enterprise, 2)
    first_confirmed, release, results, errors = threading.Event(), threading.Event(), {}, []

    def confirm_first():
        try:
            with transaction.atomic():  # A confirms and, before it commits, B starts
                results["first"] = services.follow_confirm(follow=first)
                first_confirmed.set()
                release.wait(10)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
            first_confirmed.set()
        finally:
            connection.close()

    def confirm_second():
        try:
            results["second"] = services.follow_confirm(follow=second)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    a = threading.Thread(target=confirm_first)
    a.start()
    assert first_confirmed.wait(10)
    b = threading.Thread(target=confirm_second)
    b.start()
    b.join(1.5)
    assert b.is_alive(), "the second confirmation must wait for the first one's lock"
    release.set()
    a.join(10)
    b.join(10)
    assert errors == []
    assert results["first"].pk == first.pk and results["second"].pk == first.pk
    assert list(Follow.objects.filter(confirmed_at__isnull=False, ended_at=None).values_list("pk", flat=True)) == [
        first.pk]
    second.refresh_from_db()
    assert second.confirmed_at is None and second.ended_at is not None
