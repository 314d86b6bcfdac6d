"""Sign-in throttling per user name and per client address (django-axes), with a page
that says when to try again, and an audited release for superusers."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.test import Client
from django.utils import timezone

from credit.tests import factories as f
from portal import services
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
COOL_OFF = dt.timedelta(minutes=15)


def login(username: str, *, staff: bool = False, superuser: bool = False):
    user = f.UserFactory(username=username, is_staff=staff or superuser, is_superuser=superuser)
    user.set_password(PASSWORD)
    user.save()
    return user


def enterprise_login(username: str):
    account = f.EnterpriseAccountFactory()
    account.user.username = username
    account.user.set_password(PASSWORD)
    account.user.save()
    return account.user


def sign_in(client: Client, path: str, username: str, password: str, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def fail(client: Client, path: str, username: str, times: int = 5, **extra) -> None:
    """Wrong passwords: the form again with its error, and the fifth locks."""
    for attempt in range(1, times + 1):
        response = sign_in(client, path, username, "wrong", **extra)
        assert response.status_code == (429 if attempt >= 5 else 200)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def cool_off_passes() -> None:
    """The cool-off passes: every recorded failure is moved back past it."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOL_OFF - dt.timedelta(seconds=1))


@pytest.mark.parametrize("path", ["/account/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_user_name_even_against_the_right_one(path):
    user = login("liaison-a", staff=path.startswith("/admin"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    fail(client, path, "liaison-a")
    response = sign_in(client, path, "liaison-a", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    last = AccessAttempt.objects.get(username=user.username).attempt_time
    ends = timezone.localtime(last + COOL_OFF)
    body = response.content.decode()
    assert "Sign-in temporarily refused" in body
    assert f"Try again after {ends:%Y-%m-%d %H:%M} (Beijing time)" in body
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60


def test_the_lock_page_speaks_chinese_by_default():
    login("liaison-a")
    client = Client()
    fail(client, "/account/login/", "liaison-a")
    body = sign_in(client, "/account/login/", "liaison-a", PASSWORD).content.decode()
    assert "暂时拒绝登录" in body and "北京时间" in body


def test_after_the_cool_off_the_right_password_signs_in():
    enterprise_login("liaison-a")
    client = Client()
    fail(client, "/account/login/", "liaison-a")
    assert sign_in(client, "/account/login/", "liaison-a", PASSWORD).status_code == 429
    cool_off_passes()
    response = sign_in(client, "/account/login/", "liaison-a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert signed_in(client)


def test_failing_again_during_the_lock_does_not_extend_it():
    login("liaison-a")
    client = Client()
    fail(client, "/account/login/", "liaison-a")
    first = AccessAttempt.objects.get().attempt_time
    assert sign_in(client, "/account/login/", "liaison-a", "wrong again").status_code == 429
    assert AccessAttempt.objects.get().attempt_time == first


def test_the_user_name_stays_locked_from_another_address():
    login("liaison-a")
    fail(Client(REMOTE_ADDR="192.0.2.10"), "/account/login/", "liaison-a")
    assert sign_in(Client(REMOTE_ADDR="192.0.2.20"), "/account/login/", "liaison-a", PASSWORD).status_code == 429


def test_an_address_that_tried_many_user_names_is_locked_for_all_of_them():
    login("liaison-b")
    client = Client(REMOTE_ADDR="192.0.2.30")
    for index in range(5):
        sign_in(client, "/admin/login/", f"guess-{index}", "wrong")
    assert sign_in(client, "/account/login/", "liaison-b", PASSWORD).status_code == 429
    # Another address signs in as usual.
    other = Client(REMOTE_ADDR="192.0.2.31")
    assert sign_in(other, "/account/login/", "liaison-b", PASSWORD).status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock_and_success_forgets_them():
    login("liaison-a")
    client = Client()
    fail(client, "/account/login/", "liaison-a", times=4)
    assert sign_in(client, "/account/login/", "liaison-a", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="liaison-a").exists()


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(settings):
    settings.LOGIN_TRUSTED_PROXIES = 1
    login("liaison-a")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    for index in range(5):
        sign_in(attacker, "/account/login/", f"guess-{index}", "wrong")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    # Someone else behind the same proxy is not locked out.
    neighbour = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert sign_in(neighbour, "/account/login/", "liaison-a", PASSWORD).status_code == 302


# --- the audited release ---------------------------------------------------------------------


def test_a_superuser_releases_a_lock_and_the_release_is_audited():
    enterprise_login("liaison-a")
    admin = login("root", superuser=True)
    client = Client()
    fail(client, "/account/login/", "liaison-a")
    assert services.login_lock_release(username="liaison-a", actor=admin) == 1
    event = AuditEvent.objects.get(action="portal.login_lock.released")
    assert event.actor == admin
    assert event.payload == {"username": "liaison-a", "ip_address": "", "attempts": 1, "failures": 5}
    assert sign_in(client, "/account/login/", "liaison-a", PASSWORD).status_code == 302


def test_only_a_superuser_may_release_a_lock():
    staff = f.StaffFactory().user
    with pytest.raises(PermissionDenied):
        services.login_lock_release(username="liaison-a", actor=staff)
    with pytest.raises(PermissionDenied):
        services.login_lock_release(username="liaison-a", actor=None)
    assert not AuditEvent.objects.filter(action="portal.login_lock.released").exists()


def test_the_admin_shows_sign_in_attempts_to_superusers_only_and_releases_from_there():
    login("liaison-a")
    fail(Client(REMOTE_ADDR="192.0.2.40"), "/account/login/", "liaison-a")
    url = "/admin/axes/accessattempt/"
    staff_client = Client()
    staff_client.force_login(f.StaffFactory().user)
    assert staff_client.get(url).status_code == 403
    assert "/admin/axes/" not in staff_client.get("/admin/").content.decode()

    root = login("root", superuser=True)
    admin_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin_client.force_login(root)
    response = admin_client.get(url)
    assert response.status_code == 200 and "liaison-a" in response.content.decode()
    attempt = AccessAttempt.objects.get(username="liaison-a")
    response = admin_client.post(url, {"action": "release_login_locks", "_selected_action": [attempt.pk]},
                                 follow=True)
    assert response.status_code == 200
    assert "Sign-in lock of liaison-a released." in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get(action="portal.login_lock.released").actor == root
    # Rows are never deleted or changed by hand.
    assert admin_client.get(f"{url}{attempt.pk}/delete/").status_code in (403, 302)
