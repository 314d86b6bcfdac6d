"""The language cookie's SameSite, the enterprise login's password change, and the admin
login's fallback for an unsafe `next`."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.tests import factories as f
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "violet kiosk 7 ledger"


def enterprise_user(username: str = "liaison-a"):
    account = f.EnterpriseAccountFactory()
    account.user.username = username
    account.user.set_password(PASSWORD)
    account.user.save()
    return account.user


def test_the_language_cookie_is_samesite_lax():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies["django_language"]
    assert cookie.value == "en"
    assert cookie["samesite"] == "Lax"


# --- password change --------------------------------------------------------------------------


def test_the_password_page_asks_a_visitor_to_sign_in_first():
    response = Client().get("/account/password/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/account/password/"


def test_the_account_area_links_to_the_password_page():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(enterprise_user())
    body = client.get("/account/").content.decode()
    assert 'href="/account/password/"' in body and "Change your password" in body


def test_an_enterprise_login_changes_its_password_stays_signed_in_and_it_is_audited():
    user = enterprise_user()
    client, elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en"), Client()
    client.force_login(user)
    elsewhere.force_login(user)
    form = client.get("/account/password/")
    assert form.status_code == 200
    assert 'name="old_password"' in form.content.decode()
    assert "no-cache" in form["Cache-Control"]
    response = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert "Your password has been changed." in client.get("/account/").content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The other session is signed out by the change.
    assert elsewhere.get("/account/")["Location"].startswith("/account/login/")
    event = AuditEvent.objects.get(action="portal.login.password_changed")
    assert event.actor == user and event.object_id == str(user.pk)
    assert NEW_PASSWORD not in str(event.payload) and PASSWORD not in str(event.payload)


def test_a_wrong_current_password_or_a_weak_new_one_is_refused_with_the_reason():
    user = enterprise_user()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.post("/account/password/", {
        "old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    response = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="portal.login.password_changed").exists()


def test_the_password_page_speaks_chinese_by_default():
    client = Client()
    client.force_login(enterprise_user())
    body = client.get("/account/password/").content.decode()
    assert "修改密码" in body


# --- the admin login's next ------------------------------------------------------------------


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/admin/", "http://testserver.evil/"])
def test_an_unsafe_next_on_the_admin_login_falls_back_to_the_admin_index(unsafe):
    staff = f.StaffFactory().user
    staff.set_password(PASSWORD)
    staff.save()
    response = Client().post("/admin/login/", {"username": staff.username, "password": PASSWORD, "next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_safe_next_on_the_admin_login_is_followed():
    staff = f.StaffFactory().user
    staff.set_password(PASSWORD)
    staff.save()
    response = Client().post("/admin/login/", {"username": staff.username, "password": PASSWORD,
                                               "next": "/admin/portal/auditevent/"})
    assert response["Location"] == "/admin/portal/auditevent/"
