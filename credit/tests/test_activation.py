"""Enterprise logins: activation codes issued by staff, activation at /account/activate/ (with its
throttle), staff revocation of codes and logins, and password reset by e-mail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from credit import accounts, services
from credit.models import ActivationCode, AgencyKind, AgencyLevel, EnterpriseAccount
from credit.tests import factories as f
from portal.models import AuditEvent
from portal.testing.activation import issue_activation_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
WRONG_CODE = "2345-6789-ABCD-EFGH"


def activation_data(enterprise, code, **changes):
    data = {"uscc": enterprise.uscc, "code": code, "username": "liaison-new", "email": "liaison@example.cn",
            "password1": PASSWORD, "password2": PASSWORD}
    data.update(changes)
    return data


def activate(client, enterprise, code, **changes):
    return client.post("/account/activate/", activation_data(enterprise, code, **changes))


def code_error(response) -> list[str]:
    return list(response.context["form"].errors.get("code", [])) if response.context else []


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- codes ------------------------------------------------------------------------------------


def test_codes_are_long_unambiguous_and_grouped():
    codes = {accounts.code_generate() for _ in range(200)}
    assert len(codes) == 200
    assert accounts.CODE_BITS >= 60
    for code in codes:
        assert len(code) == accounts.CODE_LENGTH and not set(code) & set("0O1I")
    grouped = accounts.code_grouped("abcd efgh-jklmnpqr")
    assert grouped == "ABCD-EFGH-JKLM-NPQR"
    assert accounts.code_normalise(" abcd-EFGH jklm npqr ") == "ABCDEFGHJKLMNPQR"


def test_only_a_salted_hash_is_stored(personas):
    plain = issue_activation_code(personas.firm_a, by=personas.users["staff_a"])
    row = ActivationCode.objects.get()
    bare = accounts.code_normalise(plain)
    assert bare not in row.code_hash and bare not in row.code_salt
    assert row.code_hash == accounts.code_hash(plain, row.code_salt) != accounts.code_hash(plain, "other salt")


def test_who_may_manage_accounts(personas):
    firm_a, firm_b = personas.firm_a, personas.firm_b
    assert accounts.may_manage_accounts(personas.agency_a, firm_a)  # its registration authority
    assert not accounts.may_manage_accounts(personas.agency_a, firm_b)  # another local bureau
    assert accounts.may_manage_accounts(personas.agency_b, firm_a)  # a national market regulator
    national_tax = f.AgencyFactory(level=AgencyLevel.NATIONAL, kind=AgencyKind.TAX)
    assert not accounts.may_manage_accounts(national_tax, firm_a)
    assert not accounts.may_manage_accounts(None, firm_a)


def test_the_code_expires_after_the_configured_days(personas, settings, now):
    settings.ACTIVATION_CODE_DAYS = 10
    issue_activation_code(personas.firm_a, by=personas.users["staff_a"])
    row = ActivationCode.objects.get()
    assert row.expires_at - row.issued_at == dt.timedelta(days=10)
    assert abs(row.issued_at - now) < dt.timedelta(minutes=1)


# --- activation -------------------------------------------------------------------------------


def test_the_right_code_creates_a_login_once(personas):
    firm = personas.firm_a
    code = issue_activation_code(firm, by=personas.users["staff_a"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = activate(client, firm, code.lower().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert signed_in(client)
    user = get_user_model().objects.get(username="liaison-new")
    assert user.email == "liaison@example.cn" and user.check_password(PASSWORD)
    account = EnterpriseAccount.objects.get(user=user)
    assert account.enterprise == firm
    row = ActivationCode.objects.get()
    assert row.used_at is not None and row.account == account
    event = AuditEvent.objects.get(action="credit.enterprise_account.activated")
    assert event.actor == user and event.payload["activation_code_id"] == row.pk
    page = client.get("/account/")
    assert page.status_code == 200 and "Your login for" in page.content.decode()
    # Used: a second activation with the same code is refused.
    again = activate(Client(HTTP_ACCEPT_LANGUAGE="en"), firm, code, username="liaison-two")
    assert again.status_code == 200 and code_error(again) == [str(services.ACTIVATION_CODE_REFUSED)]
    assert not get_user_model().objects.filter(username="liaison-two").exists()


def refused(enterprise, code) -> list[str]:
    response = activate(Client(HTTP_ACCEPT_LANGUAGE="en"), enterprise, code)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="liaison-new").exists()
    return code_error(response)


def test_wrong_expired_revoked_replaced_and_other_enterprises_codes_are_refused_alike(personas, clock, settings):
    settings.AXES_FAILURE_LIMIT = 50  # the throttle is tested below
    firm_a, firm_b = personas.firm_a, personas.firm_b
    staff = personas.users["staff_b"]  # national: may issue for both
    generic = [str(services.ACTIVATION_CODE_REFUSED)]

    assert refused(firm_a, WRONG_CODE) == generic
    assert refused(firm_a, "not-a-code") == generic

    revoked = issue_activation_code(firm_a, by=staff)
    services.activation_code_revoke(code=ActivationCode.objects.get(), actor=staff)
    assert refused(firm_a, revoked) == generic

    replaced = issue_activation_code(firm_a, by=staff)
    current = issue_activation_code(firm_a, by=staff)  # the reissue revokes `replaced`
    assert refused(firm_a, replaced) == generic

    of_b = issue_activation_code(firm_b, by=staff)
    assert refused(firm_a, of_b) == generic  # right code, wrong USCC

    clock.shift(dt.timedelta(days=30, seconds=1))
    assert refused(firm_a, current) == generic  # expired
    assert refused(firm_b, of_b) == generic


def test_an_unknown_uscc_is_refused_with_the_same_message(personas):
    unknown = f.make_uscc(987654)
    data = activation_data(personas.firm_a, WRONG_CODE, uscc=unknown)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/account/activate/", data)
    assert code_error(response) == [str(services.ACTIVATION_CODE_REFUSED)]


def test_a_malformed_uscc_names_the_rule(personas):
    response = activate(Client(HTTP_ACCEPT_LANGUAGE="en"), personas.firm_a, WRONG_CODE, uscc="91110000")
    assert response.context["form"].errors["uscc"] == [
        "Unified social credit code: A unified social credit code has 18 characters; this one has 8."]
    assert AccessAttempt.objects.count() == 0  # nothing to check, nothing counted


@pytest.mark.parametrize(("changes", "field", "expected"), [
    ({"password1": "abc", "password2": "abc"}, "password1", "This password is too short"),
    ({"password1": "password123", "password2": "password123"}, "password1", "This password is too common"),
    ({"password1": "83920174635", "password2": "83920174635"}, "password1", "This password is entirely numeric"),
    ({"password2": "something else entirely"}, "password2", "the two passwords differ"),
    ({"email": "not-an-address"}, "email", "Enter a valid email address"),
    ({"username": "has space"}, "username", "Enter a valid username"),
])
def test_the_login_fields_are_validated_and_the_code_is_kept(personas, changes, field, expected):
    firm = personas.firm_a
    code = issue_activation_code(firm, by=personas.users["staff_a"])
    response = activate(Client(HTTP_ACCEPT_LANGUAGE="en"), firm, code, **changes)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field] and expected in " ".join(errors[field])
    assert ActivationCode.objects.get().used_at is None  # not used up by a failed form
    body = response.content.decode()
    # What was typed comes back, except the passwords.
    assert f'value="{firm.uscc}"' in body and f'value="{code}"' in body
    if field != "username":
        assert 'value="liaison-new"' in body
    assert PASSWORD not in body and "83920174635" not in body and "password123" not in body
    assert AccessAttempt.objects.count() == 0  # the right code is no failure


def test_a_taken_user_name_is_refused(personas):
    firm = personas.firm_a
    code = issue_activation_code(firm, by=personas.users["staff_a"])
    response = activate(Client(HTTP_ACCEPT_LANGUAGE="en"), firm, code, username="ENTERPRISE_A")
    assert response.context["form"].errors["username"] == ["User name: this name is taken; choose another."]


# --- the throttle -----------------------------------------------------------------------------


def five_failures(client, enterprise):
    for attempt in range(1, 6):
        response = activate(client, enterprise, WRONG_CODE)
        assert response.status_code == (429 if attempt == 5 else 200), attempt


def test_five_wrong_codes_lock_the_uscc_even_against_the_right_code(personas):
    firm = personas.firm_a
    code = issue_activation_code(firm, by=personas.users["staff_a"])
    five_failures(Client(REMOTE_ADDR="192.0.2.10", HTTP_ACCEPT_LANGUAGE="en"), firm)
    # From another address, with the right code: still refused.
    response = activate(Client(REMOTE_ADDR="192.0.2.20", HTTP_ACCEPT_LANGUAGE="en"), firm, code)
    assert response.status_code == 429
    assert not get_user_model().objects.filter(username="liaison-new").exists()
    body = response.content.decode()
    assert "Activation temporarily refused" in body
    last = AccessAttempt.objects.filter(username=f"activation:{firm.uscc}").latest("attempt_time").attempt_time
    ends = timezone.localtime(last + dt.timedelta(minutes=15))
    assert f"Try again after {ends:%Y-%m-%d %H:%M} (Beijing time)" in body
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    assert ActivationCode.objects.get().used_at is None


def test_the_address_is_locked_for_every_uscc(personas):
    firm_a, firm_b = personas.firm_a, personas.firm_b
    code_b = issue_activation_code(firm_b, by=personas.users["staff_b"])
    client = Client(REMOTE_ADDR="192.0.2.30", HTTP_ACCEPT_LANGUAGE="en")
    five_failures(client, firm_a)
    assert activate(client, firm_b, code_b).status_code == 429
    # Another address activates B as usual.
    response = activate(Client(REMOTE_ADDR="192.0.2.31"), firm_b, code_b)
    assert response.status_code == 302


def test_the_lock_lifts_after_the_cool_off(personas, clock):
    firm = personas.firm_a
    code = issue_activation_code(firm, by=personas.users["staff_a"])
    five_failures(Client(REMOTE_ADDR="192.0.2.40"), firm)
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    assert activate(Client(REMOTE_ADDR="192.0.2.40"), firm, code).status_code == 302


def test_the_activation_lock_speaks_chinese_by_default(personas):
    five_failures(Client(REMOTE_ADDR="192.0.2.50"), personas.firm_a)
    body = activate(Client(REMOTE_ADDR="192.0.2.50"), personas.firm_a, WRONG_CODE).content.decode()
    assert "暂时拒绝激活" in body and "北京时间" in body


# --- staff pages ------------------------------------------------------------------------------


def accounts_url(enterprise) -> str:
    return f"/staff/enterprises/{enterprise.uscc}/accounts/"


def test_issuing_shows_the_letter_in_both_languages_once(personas, client_as):
    firm = personas.firm_a
    response = client_as("staff_a").post(accounts_url(firm), {"action": "issue"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    row = ActivationCode.objects.get()
    plain = response.context["plain"]
    assert row.code_hash == accounts.code_hash(plain, row.code_salt)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}", plain)
    body = response.content.decode()
    assert body.count(plain) == 2 and firm.uscc in body and firm.name in body
    assert "http://testserver/account/activate/" in body
    expires = timezone.localtime(row.expires_at)
    assert f"{expires.year}年{expires.month}月{expires.day}日" in body
    assert f"{expires.day} {expires:%B} {expires.year}" in body
    assert "企业登录账号激活函" in body and "Enterprise login activation letter" in body
    event = AuditEvent.objects.get(action="credit.activation_code.issued")
    assert event.payload["revoked_codes"] == [] and event.object_id == str(row.pk)
    # The page afterwards lists the code as open, without the code itself.
    page = client_as("staff_a", HTTP_ACCEPT_LANGUAGE="en").get(accounts_url(firm)).content.decode()
    assert plain not in page
    assert "Reissue the activation letter" in page


def test_reissuing_revokes_the_open_code(personas, client_as):
    firm = personas.firm_a
    client = client_as("staff_a")
    first = client.post(accounts_url(firm), {"action": "issue"}).context["plain"]
    second = client.post(accounts_url(firm), {"action": "issue"}).context["plain"]
    old, new = ActivationCode.objects.order_by("pk")
    assert old.revoked_because == ActivationCode.RevokedBecause.REISSUED and old.revoked_by == personas.users["staff_a"]
    assert new.is_open()
    event = AuditEvent.objects.get(action="credit.activation_code.reissued")
    assert event.payload["revoked_codes"] == [old.pk]
    assert AuditEvent.objects.filter(action__startswith="credit.activation_code.").count() == 2
    assert code_error(activate(Client(), firm, first)) != []
    assert activate(Client(), firm, second).status_code == 302


def test_revoking_a_code(personas, client_as):
    firm = personas.firm_a
    code = issue_activation_code(firm, by=personas.users["staff_a"])
    row = ActivationCode.objects.get()
    response = client_as("staff_a").post(accounts_url(firm), {"action": "revoke_code", "code": row.pk})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_because == ActivationCode.RevokedBecause.REVOKED
    assert AuditEvent.objects.filter(action="credit.activation_code.revoked", object_id=str(row.pk)).count() == 1
    assert code_error(activate(Client(), firm, code)) != []
    # Revoking again changes nothing and says so.
    again = client_as("staff_a", HTTP_ACCEPT_LANGUAGE="en").post(
        accounts_url(firm), {"action": "revoke_code", "code": row.pk}, follow=True)
    assert "no longer open" in again.content.decode()
    assert AuditEvent.objects.filter(action="credit.activation_code.revoked").count() == 1


def test_revoking_a_login_signs_it_out_for_good(personas, client_as):
    firm = personas.firm_a
    liaison = personas.users["enterprise_a"]
    liaison.set_password(PASSWORD)
    liaison.save()
    signed = Client()
    assert signed.post("/account/login/", {"username": "enterprise_a", "password": PASSWORD}).status_code == 302
    account = liaison.enterprise_account
    # A reason is required; the typed page comes back with the error.
    empty = client_as("staff_a", HTTP_ACCEPT_LANGUAGE="en").post(
        accounts_url(firm), {"action": "revoke_login", "account": account.pk, "reason": "  "})
    assert empty.status_code == 200 and "Reason: say why the login is revoked" in empty.content.decode()
    assert liaison.__class__.objects.get(pk=liaison.pk).is_active
    response = client_as("staff_a").post(accounts_url(firm), {"action": "revoke_login", "account": account.pk,
                                                              "reason": "联络员已离职"})
    assert response.status_code == 302
    account.refresh_from_db()
    liaison.refresh_from_db()
    assert not liaison.is_active and account.revoked_reason == "联络员已离职"
    assert account.revoked_by == personas.users["staff_a"] and account.revoked_at is not None
    assert EnterpriseAccount.objects.filter(pk=account.pk).exists()  # kept
    assert AuditEvent.objects.filter(action="credit.enterprise_account.revoked").count() == 1
    # Its open session ends, and it cannot sign in again.
    assert signed.get("/account/").status_code == 302
    assert Client().post("/account/login/", {"username": "enterprise_a", "password": PASSWORD}).status_code == 200


def test_an_enterprise_may_have_several_logins(personas, client_as):
    firm = personas.firm_a
    for name in ("liaison-one", "liaison-two"):
        code = issue_activation_code(firm, by=personas.users["staff_a"])
        assert activate(Client(), firm, code, username=name).status_code == 302
    assert firm.accounts.count() == 3  # with the persona's own
    page = client_as("staff_a").get(accounts_url(firm)).content.decode()
    assert "liaison-one" in page and "liaison-two" in page and "enterprise_a" in page


def test_another_bureaus_staff_get_404_and_change_nothing(personas, client_as):
    firm_b = personas.firm_b  # registered by SAMR
    client = client_as("staff_a")  # Beijing's bureau
    assert client.get(accounts_url(firm_b)).status_code == 404
    assert client.post(accounts_url(firm_b), {"action": "issue"}).status_code == 404
    account = personas.users["enterprise_b"].enterprise_account
    assert client.post(accounts_url(firm_b), {"action": "revoke_login", "account": account.pk,
                                              "reason": "x"}).status_code == 404
    assert not ActivationCode.objects.exists()
    assert personas.users["enterprise_b"].__class__.objects.get(pk=account.user_id).is_active
    with pytest.raises(services.PermissionDenied):
        services.activation_code_issue(enterprise=firm_b, actor=personas.users["staff_a"])
    # The index does not open it either.
    found = client.get("/staff/enterprises/accounts/", {"uscc": firm_b.uscc})
    assert found.status_code == 200 and found.context["form"].errors["uscc"]


def test_a_code_or_login_of_another_enterprise_is_404(personas, client_as):
    issue_activation_code(personas.firm_b, by=personas.users["staff_b"])
    other_code = ActivationCode.objects.get()
    other_login = personas.users["enterprise_b"].enterprise_account
    client = client_as("staff_b")
    url = accounts_url(personas.firm_a)
    assert client.post(url, {"action": "revoke_code", "code": other_code.pk}).status_code == 404
    assert client.post(url, {"action": "revoke_login", "account": other_login.pk, "reason": "x"}).status_code == 404
    other_code.refresh_from_db()
    assert other_code.is_open()


@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("enterprise_a", 403), ("staff_a_no_perms", 403), ("staff_without_agency", 403),
    ("superuser", 403),
])
def test_who_may_not_use_the_staff_pages(personas, client_as, persona, status):
    for url in (accounts_url(personas.firm_a), "/staff/enterprises/accounts/"):
        response = client_as(persona).get(url)
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith("/account/login/?next=")
    assert client_as(persona).post(accounts_url(personas.firm_a), {"action": "issue"}).status_code == status
    assert not ActivationCode.objects.exists()


def test_the_index_opens_a_manageable_enterprise(personas, client_as):
    response = client_as("staff_a").get("/staff/enterprises/accounts/", {"uscc": personas.firm_a.uscc.lower()})
    assert response.status_code == 302 and response["Location"] == accounts_url(personas.firm_a)
    bad = client_as("staff_a").get("/staff/enterprises/accounts/", {"uscc": "123"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "18 characters" in bad.context["form"].errors["uscc"][0]


def test_the_staff_home_links_the_accounts_page(client_as):
    assert "/staff/enterprises/accounts/" in client_as("staff_a").get("/staff/").content.decode()


QUERIES = 8  # measured at 1 and 20 rows: the same


@pytest.mark.parametrize("rows", [1, 20])
def test_the_accounts_page_costs_the_same_at_1_and_20_rows(personas, client_as, django_assert_max_num_queries, rows):
    firm = personas.firm_a
    staff = personas.users["staff_a"]
    for index in range(rows):
        issue_activation_code(firm, by=staff)
        account = f.EnterpriseAccountFactory(enterprise=firm)
        services.enterprise_account_revoke(account=account, actor=staff, reason=f"left {index}")
    code = issue_activation_code(firm, by=staff)
    assert activate(Client(), firm, code).status_code == 302  # one used code, with its login
    client = client_as("staff_a", HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_max_num_queries(QUERIES):
        response = client.get(accounts_url(firm))
    assert response.status_code == 200
    assert len(response.context["codes"]) == rows + 1 and len(response.context["accounts"]) == rows + 2
    body = response.content.decode()
    assert "Used " in body and "replaced by a new code" in body and body.count("Revoked ") == 2 * rows


# --- password reset ---------------------------------------------------------------------------


def reset_request(email: str):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post("/account/password-reset/", {"email": email})


def test_a_reset_link_is_mailed_to_an_active_enterprise_login_and_sets_the_password(personas):
    liaison = personas.users["enterprise_a"]
    liaison.email = "liaison-a@example.cn"
    liaison.save()
    response = reset_request("LIAISON-A@example.cn")
    assert response.status_code == 302 and response["Location"] == "/account/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liaison-a@example.cn"] and "Reset your password" in message.subject
    link = re.search(r"http://testserver(/account/password-reset/\S+/)", message.body).group(1)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    short = client.post(set_url, {"new_password1": "abc", "new_password2": "abc"})
    assert "too short" in " ".join(short.context["form"].errors["new_password2"])
    done = client.post(set_url, {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"})
    assert done.status_code == 302 and done["Location"] == "/account/password-reset/done/"
    liaison.refresh_from_db()
    assert liaison.check_password("a new long passphrase")
    event = AuditEvent.objects.get(action="portal.login.password_changed")
    assert event.actor == liaison and event.payload == {"via": "reset"}
    # The link works once.
    assert not Client().get(link, follow=True).context["validlink"]


def test_no_mail_for_unknown_addresses_staff_or_revoked_logins(personas):
    staff = personas.users["staff_a"]
    staff.email = "staff-a@example.cn"
    staff.save()
    liaison = personas.users["enterprise_b"]
    liaison.email = "liaison-b@example.cn"
    liaison.save()
    services.enterprise_account_revoke(account=liaison.enterprise_account, actor=personas.users["staff_b"], reason="x")
    for address in ("nobody@example.cn", "staff-a@example.cn", "liaison-b@example.cn"):
        response = reset_request(address)
        # The same answer whatever the address: nothing is told about it.
        assert response.status_code == 302 and response["Location"] == "/account/password-reset/sent/"
    assert mail.outbox == []


def test_the_login_page_links_reset_and_activation():
    body = Client(HTTP_ACCEPT_LANGUAGE="en").get("/account/login/").content.decode()
    assert 'href="/account/password-reset/"' in body and 'href="/account/activate/"' in body



def test_a_revoked_login_reactivated_by_hand_acts_for_no_enterprise(personas, client_as):
    liaison = personas.users["enterprise_a"]
    services.enterprise_account_revoke(account=liaison.enterprise_account, actor=personas.users["staff_a"], reason="x")
    liaison.refresh_from_db()
    liaison.is_active = True  # say, a superuser's change in the admin
    liaison.save()
    client = Client()
    client.force_login(liaison)
    assert client.get("/account/").status_code == 403
