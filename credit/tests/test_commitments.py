"""Credit commitment letters: templates and their versions, the signed document's hash (rebuilt
from docs/commitments.md, not from the code), signing at /account/commitments/, the serious-list
refusal, states, the public pages, breach and fulfilment with their consequences."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from credit import commitments, services
from credit import models as m
from credit.tests import factories as f
from listings.models import ListEntry
from listings.tests.factories import make_entry, standard_list
from portal.audit import AuditEvent
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parents[1] / "verify_commitment.py"

# The SHA-256 of every published template version: (title_zh, title_en, text_zh, text_en,
# validity) joined by U+001F. Editing a published version fails here: add a version instead.
PINNED = {
    ("general", 1): "366aa9042a7f80b20dfbe0d141c94a7371504558436ef966975847dde6ecffb0",
    ("industry", 1): "8c0f51d3b7f2363574fa14c5101a8f93e0136da59f493660aaac0973b65c6e26",
    ("licensing", 1): "40e0da158be9f7ad3da47299b41e61fe61707cd02b78a2047a699ce61c4f6d15",
    ("credit_repair", 1): "f60c6dcd5f33d28a44866b9dc888d70e145692eafff7eff32c21e3c54b2fc9f6",
}


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def liaison(enterprise=None):
    return f.EnterpriseAccountFactory(enterprise=enterprise or f.EnterpriseFactory())


def staff_of(agency):
    return grant_staff_permissions(f.StaffFactory(agency=agency).user)


def sign(enterprise, actor=None, **kwargs):
    kwargs.setdefault("kind", "general")
    kwargs.setdefault("language", "zh-hans")
    kwargs.setdefault("signatory_name", "张三")
    kwargs.setdefault("signatory_title", "法定代表人")
    kwargs.setdefault("confirmed", True)
    return services.commitment_letter_sign(enterprise=enterprise, actor=actor, **kwargs)


# --- templates ---------------------------------------------------------------------------


def test_every_published_template_version_is_pinned_and_never_edited():
    found = {
        key: hashlib.sha256("\x1f".join([t.title_zh, t.title_en, t.text_zh, t.text_en, str(t.validity_months),
                                          t.published_on.isoformat()]).encode()).hexdigest()
        for key, t in commitments.TEMPLATES.items()
    }
    assert found == PINNED, "a published template version changed: add a new version instead of editing it"


def test_new_letters_use_the_highest_version_and_signed_letters_keep_their_text(monkeypatch, today):
    enterprise = f.EnterpriseFactory()
    first = sign(enterprise)
    old = commitments.TEMPLATES[("general", 1)]
    newer = commitments.Template("general", 2, old.published_on, 12, old.title_zh, old.title_en,
                                 old.text_zh + "\n七、新增条款。", old.text_en + "\n7. A new clause.")
    monkeypatch.setitem(commitments.TEMPLATES, ("general", 2), newer)
    assert commitments.current_template("general") is newer
    second = sign(enterprise)
    assert (first.template_version, second.template_version) == (1, 2)
    assert "新增条款" in second.text and "新增条款" not in m.CommitmentLetter.objects.get(pk=first.pk).text


# --- the canonical document and its hash -----------------------------------------------------


def documented_form(*, uscc, kind, version, language, agency, matter, signatory, signatory_title, signed_at_utc,
                    title, text) -> bytes:
    """docs/commitments.md sections 2-3, written from the document, not from credit.commitments."""

    def normalise(value: str) -> str:
        value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
        return "\n".join(line.rstrip(" \t") for line in value.split("\n")).strip("\n")

    def one_line(value: str) -> str:
        return normalise(value).replace("\n", " ")

    headers = [("uscc", uscc), ("kind", kind), ("template", f"{kind}/{version}"), ("language", language),
               ("agency", agency), ("matter", one_line(matter)), ("signatory", one_line(signatory)),
               ("signatory-title", one_line(signatory_title)), ("signed-at", signed_at_utc)]
    document = "CREDIT-COMMITMENT-v1\n" + "".join(f"{name}: {value}\n" for name, value in headers)
    document += "\n" + one_line(title) + "\n\n" + normalise(text) + "\n"
    return document.encode("utf-8")


def test_the_documented_form_recomputes_the_published_hash(client, now):
    agency = f.AgencyFactory(code="SH-SAMR-1", level=m.AgencyLevel.NATIONAL)
    enterprise = f.EnterpriseFactory(name_en="Shanghai Example Co., Ltd.")
    # Signing takes one line of plain text per value (a tab or line break is refused, naming the
    # field: test_commitment_review.py); spaces inside stay, those around go.
    letter = sign(enterprise, kind="licensing", language="en", agency=agency, approval_matter="Food  business licence ",
                  signatory_name=" Li Si ", signatory_title="Legal representative")
    expected = documented_form(
        uscc=enterprise.uscc, kind="licensing", version=1, language="en", agency="SH-SAMR-1",
        matter="Food  business licence", signatory="Li Si", signatory_title="Legal representative",
        signed_at_utc=now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), title=letter.title, text=letter.text,
    )
    assert hashlib.sha256(expected).hexdigest() == letter.text_sha256
    # The documented form's own rules for a value (a tab kept, a line break made a space, CR LF and
    # trailing blanks normalised) are the code's, whatever the portal accepts at signing.
    values = {"matter": "Food  business\tlicence \r\n", "signatory": " Li Si ", "signatory_title": "Legal\nrepresentative"}
    assert documented_form(
        uscc=enterprise.uscc, kind="licensing", version=1, language="en", agency="SH-SAMR-1",
        signed_at_utc=now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), title=letter.title, text=letter.text,
        **values,
    ).decode("utf-8") == commitments.canonical_document(
        uscc=enterprise.uscc, kind="licensing", template_version=1, language="en", agency_code="SH-SAMR-1",
        matter=values["matter"], signatory_name=values["signatory"], signatory_title=values["signatory_title"],
        signed_at=letter.signed_at, title=letter.title, text=letter.text)
    response = client.get(f"/commitments/{letter.pk}/letter.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == expected
    # The text kept is the one the page shows: the template filled in with the English names.
    assert "Shanghai Example Co., Ltd." in letter.text and agency.name_en in letter.text


def test_the_worked_examples_of_the_documentation_hold():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "commitments.md").read_text(encoding="utf-8")
    general = documented_form(uscc="91110108MA01ABCD2X", kind="general", version=1, language="en", agency="BJ-SAMR",
                              matter="", signatory="Zhang San", signatory_title="Legal representative",
                              signed_at_utc="2026-11-16T02:00:00Z", title="Credit commitment letter",
                              text="We commit.\nLine two.")
    licensing = documented_form(uscc="91110108MA01ABCD2X", kind="licensing", version=1, language="zh-hans",
                                agency="SAMR", matter="食品经营许可", signatory="张三", signatory_title="法定代表人",
                                signed_at_utc="2026-11-16T02:00:00Z", title="告知承诺书", text="本单位承诺。")
    for document in (general, licensing):
        assert hashlib.sha256(document).hexdigest() in docs
        assert repr(document.decode("utf-8")) in docs
    # ... and the code builds the same documents.
    built = commitments.canonical_document(
        uscc="91110108MA01ABCD2X", kind="general", template_version=1, language="en", agency_code="BJ-SAMR",
        matter="", signatory_name="Zhang San", signatory_title="Legal representative",
        signed_at=dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        title="Credit commitment letter", text="We commit.\r\nLine two.  \n\n")
    assert built.encode("utf-8") == general


def run_verifier(tmp_path, data: bytes, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "letter.txt"
    path.write_bytes(data)
    return subprocess.run([sys.executable, "-I", "-S", str(VERIFIER), str(path), *args], capture_output=True,
                          text=True, check=False)


def test_the_standalone_verifier_says_ok_or_mismatch(client, tmp_path):
    letter = sign(f.EnterpriseFactory())
    data = client.get(f"/commitments/{letter.pk}/letter.txt").content
    ok = run_verifier(tmp_path, data, letter.text_sha256)
    assert ok.returncode == 0 and f"SHA-256 {letter.text_sha256}" in ok.stdout and "OK" in ok.stdout
    resaved = run_verifier(tmp_path, data.replace(b"\n", b"\r\n"), letter.text_sha256)
    assert resaved.returncode == 1 and "MISMATCH" in resaved.stdout and "CR characters" in resaved.stdout
    assert run_verifier(tmp_path, data).returncode == 0
    # The public copy of the script is the shipped file, byte for byte.
    assert client.get("/commitments/verify_commitment.py").content == VERIFIER.read_bytes()


def test_the_management_command_recomputes_from_the_database():
    letter = sign(f.EnterpriseFactory())
    out = io.StringIO()
    call_command("verify_commitment", str(letter.pk), stdout=out)
    assert f"letter {letter.pk}:" in out.getvalue() and out.getvalue().strip().endswith("OK")
    m.CommitmentLetter.objects.filter(pk=letter.pk).update(text=letter.text + "。")  # tampered behind the services
    with pytest.raises(CommandError):
        call_command("verify_commitment", str(letter.pk), stdout=io.StringIO())


# --- signing -------------------------------------------------------------------------------


def test_signing_is_refused_without_confirmation_signatory_or_matter():
    enterprise = f.EnterpriseFactory()
    with pytest.raises(ValidationError) as caught:
        sign(enterprise, kind="licensing", signatory_name="", signatory_title="", confirmed=False)
    assert set(caught.value.error_dict) == {"signatory_name", "signatory_title", "approval_matter", "agency",
                                            "confirmed"}
    assert not m.CommitmentLetter.objects.exists()


def test_a_changed_text_is_refused_not_signed():
    enterprise = f.EnterpriseFactory()
    preview = services.commitment_preview(enterprise=enterprise, kind="general", language="zh-hans",
                                          agency=enterprise.registration_authority)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            sign(enterprise, expected_template=preview.template_ref, expected_text_sha256="0" * 64)
        assert "changed since it was shown" in str(caught.value)
    with pytest.raises(ValidationError):
        sign(enterprise, expected_template="general/9", expected_text_sha256=preview.text_sha256)
    letter = sign(enterprise, expected_template=preview.template_ref, expected_text_sha256=preview.text_sha256)
    assert letter.text == preview.text and letter.title == preview.title
    event = AuditEvent.objects.get(action="credit.commitment.signed")
    assert event.payload["sha256"] == letter.text_sha256


def test_an_enterprise_signs_in_two_steps_at_its_account(now):
    account = liaison()
    client = english()
    client.force_login(account.user)
    with translation.override("en"):
        assert client.get("/account/commitments/sign/").status_code == 200
        step2 = client.post("/account/commitments/sign/", {"step": "preview", "kind": "general", "language": "zh-hans"})
        assert step2.status_code == 200
        body = step2.content.decode()
        preview = services.commitment_preview(enterprise=account.enterprise, kind="general", language="zh-hans",
                                              agency=account.enterprise.registration_authority)
        assert preview.text.splitlines()[0] in body and preview.text_sha256 in body
        data = {"step": "sign", "kind": "general", "language": "zh-hans", "approval_matter": "", "agency": "",
                "template": preview.template_ref, "text_sha256": preview.text_sha256,
                "signatory_name": "王五", "signatory_title": "法定代表人"}
        unconfirmed = client.post("/account/commitments/sign/", data)
        assert unconfirmed.status_code == 200 and "Confirmation: confirm" in unconfirmed.content.decode()
        assert "王五" in unconfirmed.content.decode()  # the input is kept
        assert not m.CommitmentLetter.objects.exists()
        signed = client.post("/account/commitments/sign/", {**data, "confirmed": "on"})
    letter = m.CommitmentLetter.objects.get()
    assert signed.status_code == 302 and signed["Location"] == f"/commitments/{letter.pk}/"
    assert (letter.signatory_name, letter.signed_by, letter.agency) == (
        "王五", account.user, account.enterprise.registration_authority)
    with translation.override("en"):
        listing = client.get("/account/commitments/").content.decode()
    assert f"/commitments/{letter.pk}/" in listing and "In force" in listing


def test_a_licensing_letter_names_the_matter_and_an_agency_of_the_province_or_national():
    account = liaison(f.EnterpriseFactory(region_code="310115"))
    national = f.AgencyFactory(level=m.AgencyLevel.NATIONAL, region_code="100000")
    local = f.AgencyFactory(region_code="310000")
    elsewhere = f.AgencyFactory(region_code="440000")
    client = english()
    client.force_login(account.user)
    with translation.override("en"):
        missing = client.post("/account/commitments/sign/", {"step": "preview", "kind": "licensing",
                                                               "language": "en"}).content.decode()
        assert "Approval matter: name the approval applied for." in missing
        assert "Approving agency: choose the agency" in missing
        assert f'value="{national.code}"' in missing and f'value="{local.code}"' in missing
        assert f'value="{elsewhere.code}"' not in missing
        other = client.post("/account/commitments/sign/", {"step": "preview", "kind": "licensing", "language": "en",
                                                             "approval_matter": "食品经营许可",
                                                             "agency": elsewhere.code}).content.decode()
        assert "Approving agency: choose one of the agencies listed." in other
        shown = client.post("/account/commitments/sign/", {"step": "preview", "kind": "licensing", "language": "en",
                                                            "approval_matter": "食品经营许可", "agency": local.code})
    assert "食品经营许可" in shown.content.decode() and local.name_en in shown.content.decode()


def test_an_enterprise_on_the_serious_list_may_not_use_notification_and_commitment(today):
    enterprise = f.EnterpriseFactory()
    entry = make_entry(list_code="serious-illegal", enterprise=enterprise, listed_on=today - dt.timedelta(days=40))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        sign(enterprise, kind="licensing", agency=enterprise.registration_authority, approval_matter="食品经营许可")
    message = " ".join(caught.value.error_dict["kind"][0].messages)
    assert "serious illegal and dishonest list" in message and "Order 44 Art. 15(3)" in message
    with translation.override("en"):
        from django.utils.formats import date_format

        assert f"until {date_format(entry.publication_ends_on)}" in message
    assert sign(enterprise, kind="general").kind == "general"  # other kinds stay open
    # The account page refuses it at the first step, with the same reason.
    account = liaison(enterprise)
    client = english()
    client.force_login(account.user)
    with translation.override("en"):
        page = client.post("/account/commitments/sign/", {"step": "preview", "kind": "licensing", "language": "en",
                                                           "approval_matter": "x",
                                                           "agency": enterprise.registration_authority.code})
    assert "serious illegal and dishonest list" in page.content.decode()
    # Once the entry is no longer active, the refusal ends.
    ListEntry.objects.filter(pk=entry.pk).update(publication_ends_on=today - dt.timedelta(days=1))
    assert sign(enterprise, kind="licensing", agency=enterprise.registration_authority,
                approval_matter="食品经营许可").kind == "licensing"


def test_other_logins_cannot_sign_and_see_no_own_letters():
    staff = staff_of(f.AgencyFactory())
    client = Client()
    client.force_login(staff)
    assert client.get("/account/commitments/").status_code == 403
    assert client.post("/account/commitments/sign/", {"step": "preview"}).status_code == 403


# --- states ----------------------------------------------------------------------------------


def letters_of_every_state(today):
    enterprise = f.EnterpriseFactory()
    in_force = f.CommitmentLetterFactory(enterprise=enterprise, signed_on=today - dt.timedelta(days=10),
                                         valid_until=today + dt.timedelta(days=360))
    open_ended = f.CommitmentLetterFactory(enterprise=enterprise, valid_until=None)
    last_day = f.CommitmentLetterFactory(enterprise=enterprise, signed_on=today - dt.timedelta(days=364),
                                         valid_until=today)
    expired = f.CommitmentLetterFactory(enterprise=enterprise)
    fulfilled = f.CommitmentLetterFactory(enterprise=enterprise, fulfilled_on=today - dt.timedelta(days=3))
    breached = f.CommitmentBreachFactory(letter=f.CommitmentLetterFactory(enterprise=enterprise,
                                                                          fulfilled_on=today)).letter
    withdrawn = f.CommitmentBreachFactory(letter=f.CommitmentLetterFactory(enterprise=enterprise, valid_until=None),
                                          withdrawn_at=f.local_time(today), withdrawal_reason="错误").letter
    return {
        "in_force": {in_force, open_ended, last_day, withdrawn},
        "expired": {expired}, "fulfilled": {fulfilled}, "breached": {breached},
    }


def test_states_derive_from_dates_and_events_the_same_way_in_python_and_in_sql(today):
    expected = letters_of_every_state(today)
    for state, letters in expected.items():
        found = set(m.CommitmentLetter.objects.filter(commitments.state_q(state, today)))
        assert {x.pk for x in found} == {x.pk for x in letters}, state
        for letter in letters:
            assert commitments.letter_state(m.CommitmentLetter.objects.get(pk=letter.pk), today) == state
            annotated = commitments.with_breached(m.CommitmentLetter.objects.filter(pk=letter.pk)).get()
            assert commitments.letter_state(annotated, today) == state
    # Tomorrow the letter on its last day has expired.
    last_day = next(x for x in expected["in_force"] if x.valid_until == today)
    assert commitments.letter_state(last_day, today + dt.timedelta(days=1)) == "expired"


# --- public pages ----------------------------------------------------------------------------


def test_the_public_list_searches_and_filters(today):
    expected = letters_of_every_state(today)
    other = f.EnterpriseFactory(name="上海某某贸易有限公司")
    agency = f.AgencyFactory()
    licensing = f.CommitmentLetterFactory(enterprise=other, kind="licensing", agency=agency,
                                          approval_matter="食品经营许可", signed_on=today - dt.timedelta(days=2),
                                          valid_until=None)
    client = english()

    def ids(query: str) -> set[int]:
        body = client.get(f"/commitments/{query}").content.decode()
        return {letter.pk for letter in m.CommitmentLetter.objects.all() if f'href="/commitments/{letter.pk}/"' in body}

    with translation.override("en"):
        assert ids("?q=某某贸易") == {licensing.pk}
        assert ids(f"?q={other.uscc[:10]}") == {licensing.pk}
        assert ids("?kind=licensing") == {licensing.pk}
        assert ids(f"?agency={agency.code}") == {licensing.pk}
        assert ids("?state=breached") == {x.pk for x in expected["breached"]}
        assert ids("?state=in_force") == {x.pk for x in expected["in_force"]} | {licensing.pk}
        assert ids(f"?signed_from={(today - dt.timedelta(days=5)).isoformat()}") >= {licensing.pk}
        assert licensing.pk not in ids(f"?signed_to={(today - dt.timedelta(days=5)).isoformat()}")
        bad = client.get("/commitments/?signed_from=9999-99-99&q=某某贸易")
        assert bad.status_code == 200
        body = bad.content.decode()
        assert "Signed from: enter a real date" in body and 'value="某某贸易"' in body
        reversed_range = client.get("/commitments/?signed_from=2026-02-01&signed_to=2026-01-01").content.decode()
        assert "Signed to: the date cannot be before" in reversed_range
        assert "No letters match these filters." in client.get("/commitments/?q=不存在的企业名称").content.decode()
        assert "Enterprise: the search term is too short" in client.get("/commitments/?q=a").content.decode()


def test_the_list_is_newest_first_and_paginated(today):
    enterprise = f.EnterpriseFactory()
    letters = [f.CommitmentLetterFactory(enterprise=enterprise, signed_on=today - dt.timedelta(days=i))
               for i in range(51)]
    client = english()
    with translation.override("en"):
        first = client.get("/commitments/").content.decode()
        second = client.get("/commitments/?page=2").content.decode()
    assert first.index(f'"/commitments/{letters[0].pk}/"') < first.index(f'"/commitments/{letters[1].pk}/"')
    assert f'"/commitments/{letters[50].pk}/"' not in first and f'"/commitments/{letters[50].pk}/"' in second
    assert "51 letters" in first and "Page 1 of 2" in first


def test_the_letter_page_shows_the_text_hash_breaches_and_licences(today):
    letter = f.CommitmentLetterFactory(kind="licensing", approval_matter="食品经营许可", valid_until=None)
    licence = f.LicenceFactory(enterprise=letter.enterprise, commitment_letter=letter, name="食品经营许可证")
    breach = f.CommitmentBreachFactory(letter=letter, false_commitment=True)
    with translation.override("en"):
        body = english().get(f"/commitments/{letter.pk}/").content.decode()
    for text in (letter.text, letter.text_sha256, "sha256sum letter.txt", f"/commitments/{letter.pk}/letter.txt",
                 "verify_commitment.py", breach.document_number, breach.facts, licence.name, "Breached",
                 letter.enterprise.get_absolute_url(), "食品经营许可", "张三", "法定代表人"):
        assert text in body, text


@pytest.mark.parametrize("rows", [1, 50])
def test_the_list_costs_constant_queries(rows, django_assert_num_queries, today):
    for i in range(rows):
        letter = f.CommitmentLetterFactory(kind="licensing" if i % 2 else "general", approval_matter="许可",
                                           signed_on=today - dt.timedelta(days=i), valid_until=None)
        if i % 3 == 1:
            f.CommitmentBreachFactory(letter=letter)
    client = english()
    # 1 the site's version (page cache key) 2 the agency choices 3 the bounded count 4 the page's ids
    # 5 the page's letters with enterprise, agency and whether each is breached
    with django_assert_num_queries(5):
        response = client.get("/commitments/")
    assert response.status_code == 200
    cache.clear()
    with django_assert_num_queries(5):
        response = client.get("/commitments/?state=in_force&kind=general")
    assert response.status_code == 200 and "No letters match" not in response.content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_the_letter_page_costs_constant_queries(rows, django_assert_num_queries):
    letter = f.CommitmentLetterFactory(kind="licensing", approval_matter="许可")
    for _ in range(rows):
        f.LicenceFactory(enterprise=letter.enterprise, commitment_letter=letter)
        f.CommitmentBreachFactory(letter=letter, withdrawn_at=f.local_time(f.today()), withdrawal_reason="误录")
    f.CommitmentLetterFactory.create_batch(rows, enterprise=letter.enterprise)
    # 1 the file's version (page cache key) 2 the letter with enterprise, agency, breached
    # 3 its breaches with their agency 4 its licences with their agency
    with django_assert_num_queries(4):
        assert english().get(f"/commitments/{letter.pk}/").status_code == 200
    with django_assert_num_queries(1):
        assert english().get(f"/commitments/{letter.pk}/").status_code == 200  # cached whole


@pytest.mark.parametrize("rows", [1, 50])
def test_the_account_and_staff_lists_cost_constant_queries(rows, django_assert_num_queries):
    agency = f.AgencyFactory()
    account = liaison(f.EnterpriseFactory(registration_authority=agency))
    f.CommitmentLetterFactory.create_batch(rows, enterprise=account.enterprise)
    client = english()
    client.force_login(account.user)
    # session, user, the login's links, the letters
    with django_assert_num_queries(4):
        assert client.get("/account/commitments/").status_code == 200
    staff = english()
    staff.force_login(staff_of(agency))
    # session, user, the login's links, its own and its groups' permissions, agency choices,
    # the bounded count, the page's ids, the rows
    with django_assert_num_queries(9), translation.override("en"):
        body = staff.get("/staff/commitments/").content.decode()
    assert body.count("Record a breach") == rows


def test_the_letter_page_is_cached_for_anonymous_visitors_and_follows_a_breach(today):
    letter = f.CommitmentLetterFactory(valid_until=None)
    client = english()
    assert "In force" in client.get(f"/commitments/{letter.pk}/").content.decode()
    services.commitment_breach_record(letter=letter, actor=staff_of(letter.agency), decided_on=today,
                                      document_number="沪市监信〔1〕号", facts="事实", evidence="证据",
                                      false_commitment=False)
    body = client.get(f"/commitments/{letter.pk}/").content.decode()
    assert "Breached" in body and "沪市监信〔1〕号" in body
    assert "Breached" in client.get("/commitments/").content.decode()


# --- breach and fulfilment ----------------------------------------------------------------------


def test_a_breach_of_a_licensing_letter_revokes_its_licences_and_is_a_negative_record(today):
    agency = f.AgencyFactory()
    letter = f.CommitmentLetterFactory(kind="licensing", agency=agency, approval_matter="食品经营许可",
                                       valid_until=None)
    granted = f.LicenceFactory(enterprise=letter.enterprise, source_agency=agency, commitment_letter=letter)
    unrelated = f.LicenceFactory(enterprise=letter.enterprise, source_agency=agency)
    staff = staff_of(agency)
    breach = services.commitment_breach_record(
        letter=letter, actor=staff, decided_on=today, document_number="京市监信〔2026〕1号",
        facts="未实际具备经营条件", evidence="现场核查", false_commitment=False)
    granted.refresh_from_db()
    unrelated.refresh_from_db()
    assert granted.status == m.AdministrativeLicence.Status.REVOKED and "京市监信〔2026〕1号" in granted.correction_reason
    assert unrelated.status == m.AdministrativeLicence.Status.VALID
    assert commitments.letter_state(letter, today) == "breached"
    event = AuditEvent.objects.get(action="credit.commitment.breached")
    assert event.payload["licences_revoked"] == [granted.pk] and event.payload["consequences"] == []
    assert AuditEvent.objects.filter(action="credit.licence.corrected").count() == 1
    assert not ListEntry.objects.filter(enterprise=letter.enterprise).exists()  # not a false commitment
    with translation.override("en"):
        file = english().get(letter.enterprise.get_absolute_url()).content.decode()
    assert "未实际具备经营条件" in file and "京市监信〔2026〕1号" in file and "Revoked" in file
    with pytest.raises(ValidationError):  # recorded once
        services.commitment_breach_record(letter=letter, actor=staff, decided_on=today, document_number="2",
                                          facts="x", evidence="y", false_commitment=False)
    # Withdrawn in error: the letter is in force again, the breach keeps its row.
    services.published_record_withdraw(record=breach, actor=staff, reason="录入错误")
    assert commitments.letter_state(m.CommitmentLetter.objects.get(pk=letter.pk), today) == "in_force"
    assert AuditEvent.objects.filter(action="credit.commitment_breach.withdrawn").exists()


def test_a_false_commitment_lists_the_enterprise_where_the_agency_may_list(today):
    samr = standard_list("serious-illegal").owner_agency
    letter = f.CommitmentLetterFactory(kind="licensing", agency=samr, approval_matter="食品经营许可", valid_until=None)
    services.commitment_breach_record(letter=letter, actor=staff_of(samr), decided_on=today,
                                      document_number="国市监信〔2026〕7号", facts="虚假承诺具备条件", evidence="核查",
                                      false_commitment=True)
    entry = ListEntry.objects.get(enterprise=letter.enterprise)
    assert (entry.credit_list.code, entry.reason.code, entry.decision_number, entry.deciding_agency) == (
        "serious-illegal", "false_commitment", "国市监信〔2026〕7号", samr)
    assert entry.source_url == f"/commitments/{letter.pk}/"
    event = AuditEvent.objects.get(action="credit.commitment.breached")
    assert event.payload["consequences"] == [{"listing": "created", "entry": entry.pk}]
    # The listing now bars new notification-and-commitment letters.
    with pytest.raises(ValidationError):
        sign(letter.enterprise, kind="licensing", agency=samr, approval_matter="另一许可")


def test_a_false_commitment_to_an_agency_that_may_not_list_is_skipped_with_a_note(today):
    agency = f.AgencyFactory()
    letter = f.CommitmentLetterFactory(kind="licensing", agency=agency, approval_matter="许可", valid_until=None)
    services.commitment_breach_record(letter=letter, actor=staff_of(agency), decided_on=today,
                                      document_number="1号", facts="虚假", evidence="核查", false_commitment=True)
    assert not ListEntry.objects.filter(enterprise=letter.enterprise).exists()
    (consequence,) = AuditEvent.objects.get(action="credit.commitment.breached").payload["consequences"]
    assert consequence["listing"] == "skipped" and agency.code in consequence["note"]


def test_only_the_letters_agency_records_a_breach_or_fulfilment(today):
    letter = f.CommitmentLetterFactory(valid_until=None)
    stranger = staff_of(f.AgencyFactory())
    with pytest.raises(PermissionDenied):
        services.commitment_breach_record(letter=letter, actor=stranger, decided_on=today, document_number="1",
                                          facts="x", evidence="y", false_commitment=False)
    with pytest.raises(PermissionDenied):
        services.commitment_fulfilment_record(letter=letter, actor=stranger, fulfilled_on=today)
    client = Client()
    client.force_login(stranger)
    assert client.get(f"/staff/commitments/{letter.pk}/breach/").status_code == 404
    assert client.post(f"/staff/commitments/{letter.pk}/fulfil/", {"fulfilled_on": today.isoformat()}).status_code == 404
    assert f"/commitments/{letter.pk}/" not in client.get("/staff/commitments/").content.decode()
    assert not m.CommitmentBreach.objects.exists()


def test_staff_record_a_breach_and_a_fulfilment_through_their_pages(today):
    agency = f.AgencyFactory()
    breached = f.CommitmentLetterFactory(agency=agency, valid_until=None)
    kept = f.CommitmentLetterFactory(agency=agency, valid_until=None)
    client = english()
    client.force_login(staff_of(agency))
    with translation.override("en"):
        invalid = client.post(f"/staff/commitments/{breached.pk}/breach/", {
            "decided_on": (today + dt.timedelta(days=1)).isoformat(), "document_number": "A-1", "facts": "事实",
            "evidence": "证据", "false_commitment": "no"})
        assert invalid.status_code == 200 and "Decision date: the date cannot be in the future." in \
            invalid.content.decode() and "A-1" in invalid.content.decode()
        empty = client.post(f"/staff/commitments/{breached.pk}/breach/", {}).content.decode()
        assert "Document number: enter the number" in empty and "False commitment: answer yes or no." in empty
        done = client.post(f"/staff/commitments/{breached.pk}/breach/", {
            "decided_on": today.isoformat(), "document_number": "A-1", "facts": "事实", "evidence": "证据",
            "false_commitment": "yes"})
        assert done.status_code == 302
        breach = m.CommitmentBreach.objects.get()
        assert (breach.document_number, breach.false_commitment, breach.source_agency) == ("A-1", True, agency)
        fulfilled = client.post(f"/staff/commitments/{kept.pk}/fulfil/", {"fulfilled_on": today.isoformat(),
                                                                          "note": "按期履行"})
        assert fulfilled.status_code == 302
        kept.refresh_from_db()
        assert kept.fulfilled_on == today and commitments.letter_state(kept, today) == "fulfilled"
        again = client.post(f"/staff/commitments/{kept.pk}/fulfil/", {"fulfilled_on": today.isoformat()})
        assert "its fulfilment cannot be recorded" in again.content.decode()
    assert AuditEvent.objects.filter(action="credit.commitment.fulfilled").count() == 1


def test_the_admin_never_changes_a_signed_letter():
    from django.contrib import admin

    model_admin = admin.site._registry[m.CommitmentLetter]
    superuser = f.UserFactory(is_superuser=True, is_staff=True)
    request = type("Request", (), {"user": superuser})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, f.CommitmentLetterFactory())
    assert not model_admin.has_delete_permission(request)


def test_no_letter_is_in_force_for_less_than_the_minimum_validity(today):
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        f.CommitmentLetterFactory(signed_on=today, valid_until=today + dt.timedelta(days=commitments.MIN_VALIDITY_DAYS - 1))
    assert f.CommitmentLetterFactory(signed_on=today, valid_until=today + dt.timedelta(
        days=commitments.MIN_VALIDITY_DAYS)).pk
    # Every template's validity keeps to it.
    for template in commitments.TEMPLATES.values():
        signed = dt.date(today.year, 2, 28)
        from dateutil.relativedelta import relativedelta

        assert signed + relativedelta(months=template.validity_months) - dt.timedelta(days=1) - signed >= \
            dt.timedelta(days=commitments.MIN_VALIDITY_DAYS)


# --- review fixes: double signing, deregistration, the licence link, huge ids --------------------


def test_the_same_letter_submitted_twice_is_signed_once(clock):
    enterprise = f.EnterpriseFactory()
    first = sign(enterprise)
    clock.shift(dt.timedelta(seconds=5))
    assert sign(enterprise) == first
    assert m.CommitmentLetter.objects.filter(enterprise=enterprise).count() == 1
    clock.shift(dt.timedelta(seconds=services.DUPLICATE_SIGNING_SECONDS))
    assert sign(enterprise) != first  # a minute later it is a new letter


def test_a_deregistered_enterprises_breaches_are_no_longer_published(today):
    letter = f.CommitmentLetterFactory(valid_until=None)
    services.commitment_breach_record(letter=letter, actor=staff_of(letter.agency), decided_on=today,
                                      document_number="沪市监信〔7〕号", facts="违诺事实", evidence="证据",
                                      false_commitment=False)
    enterprise = letter.enterprise
    m.Enterprise.objects.filter(pk=enterprise.pk).update(status=m.RegistrationStatus.DEREGISTERED)
    cache.clear()
    client = english()
    assert "沪市监信〔7〕号" not in client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    body = client.get(f"/commitments/{letter.pk}/").content.decode()
    assert "沪市监信〔7〕号" not in body and "no longer published" in body


def test_a_licence_is_linked_only_to_its_enterprises_notification_and_commitment_letter():
    from credit.admin import LicenceForm

    letter = f.CommitmentLetterFactory(kind=m.CommitmentLetter.Kind.LICENSING)
    other = f.CommitmentLetterFactory(kind=m.CommitmentLetter.Kind.LICENSING)
    fields = ("enterprise", "source_agency", "commitment_letter")

    def errors(candidate):
        # The admin builds its form from LicenceForm the same way, with the fields it shows.
        bound = type("LicenceFields", (LicenceForm,), {"Meta": type("Meta", (), {
            "model": m.AdministrativeLicence, "fields": fields})})
        form = bound(data={"enterprise": letter.enterprise_id, "source_agency": letter.agency_id,
                           "commitment_letter": candidate.pk})
        form.is_valid()
        return form.errors.get("commitment_letter", [])

    assert errors(letter) == []
    with translation.override("en"):
        assert errors(other) and errors(other)[0].startswith("Granted on the commitment letter:")


def test_an_id_beyond_a_bigint_is_not_found(client):
    assert client.get("/commitments/99999999999999999999/").status_code == 404
    assert client.get("/commitments/9223372036854775808/letter.txt").status_code == 404


def test_fulfilment_cannot_be_dated_after_the_letter_was_in_force(today):
    letter = f.CommitmentLetterFactory(signed_on=today - dt.timedelta(days=400),
                                       valid_until=today - dt.timedelta(days=30))
    with pytest.raises(ValidationError) as refused:
        services.commitment_fulfilment_record(letter=letter, actor=staff_of(letter.agency),
                                              fulfilled_on=today - dt.timedelta(days=10))
    assert list(refused.value.message_dict) == ["fulfilled_on"]
    services.commitment_fulfilment_record(letter=letter, actor=staff_of(letter.agency),
                                          fulfilled_on=today - dt.timedelta(days=30))
