from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from credit.selectors import credit_file
from credit.tests.factories import EnterpriseAccountFactory, EnterpriseFactory, PersonFactory, StaffFactory, ago
from listings.models import EntryState, ListEntry
from listings.tests.factories import MeasureFactory, MemorandumFactory, make_entry, standard_agency, standard_list
from portal.models import AuditEvent
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """staff_a owns the abnormal-operations list (SAMR); staff_b is tax (STA); enterprise_user is the listed firm.

    Both staff hold the agency staff's model permissions, which the staff pages require as the admin does."""
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    memorandum = MemorandumFactory(lists=[entry.credit_list], signatories=[standard_agency("NDRC")])
    MeasureFactory(memorandum=memorandum, agency=standard_agency("MOF"))
    from listings import services

    objection = services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 9, 20))
    return {
        "entry": entry,
        "objection": objection,
        "staff_a": grant_staff_permissions(StaffFactory(agency=standard_agency("SAMR")).user),
        "staff_b": grant_staff_permissions(StaffFactory(agency=standard_agency("STA")).user),
        "enterprise_user": EnterpriseAccountFactory(enterprise=entry.enterprise).user,
        "other_enterprise_user": EnterpriseAccountFactory().user,
    }


PERSONAS = ["anonymous", "staff_a", "staff_b", "enterprise_user", "other_enterprise_user"]
# (address, expected status per persona in PERSONAS order); 302 = sent to log in.
# portal.access: 403 when the login is not for the page (whatever the address), 404 for
# another party's list, entry or objection (the same answer as for one that does not exist).
MATRIX = [
    ("/lists/", [200, 200, 200, 200, 200]),
    ("/lists/abnormal-operations/", [200, 200, 200, 200, 200]),
    ("/lists/no-such-list/", [404, 404, 404, 404, 404]),
    ("{entry}", [200, 200, 200, 200, 200]),
    ("/lists/serious-illegal/{pk}/", [404, 404, 404, 404, 404]),
    ("{entry}object/", [302, 200, 404, 200, 404]),
    ("/lists/staff/abnormal-operations/add/", [302, 200, 404, 403, 403]),
    ("/lists/staff/major-tax-violators/add/", [302, 404, 200, 403, 403]),
    ("/lists/staff/no-such-list/add/", [302, 404, 404, 403, 403]),
    ("/lists/staff/abnormal-operations/{pk}/remove/", [302, 200, 404, 403, 403]),
    ("/lists/staff/abnormal-operations/{pk}/revoke/", [302, 200, 404, 403, 403]),
    ("/lists/staff/serious-illegal/{pk}/revoke/", [302, 404, 404, 403, 403]),
    ("/lists/staff/objections/{objection}/", [302, 200, 404, 403, 403]),
]


@pytest.mark.parametrize(("address", "expected"), MATRIX)
def test_it_enforces_the_permission_matrix(world, address, expected):
    url = address.format(entry=world["entry"].get_absolute_url(), pk=world["entry"].pk, objection=world["objection"].pk)
    for persona, status in zip(PERSONAS, expected, strict=True):
        client = Client()
        if persona != "anonymous":
            client.force_login(world[persona])
        assert client.get(url).status_code == status, (persona, url)


def test_it_refuses_removal_by_another_agency_and_changes_nothing(world):
    client = Client()
    client.force_login(world["staff_b"])
    entry = world["entry"]
    response = client.post(
        f"/lists/staff/abnormal-operations/{entry.pk}/remove/", {"removed_on": "2025-10-01", "reason": "x"}
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.state == EntryState.LISTED


def test_it_lets_the_owner_remove_and_shows_errors_without_losing_input(world):
    client = Client()
    client.force_login(world["staff_a"])
    entry = world["entry"]
    url = f"/lists/staff/abnormal-operations/{entry.pk}/remove/"
    response = client.post(url, {"removed_on": "2025-09-01", "reason": "已补报年度报告"})
    assert response.status_code == 200
    assert "before the listing date" in response.content.decode() or "早于" in response.content.decode()
    assert "已补报年度报告" in response.content.decode()
    response = client.post(url, {"removed_on": "2025-10-01", "reason": "已补报年度报告"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == EntryState.REMOVED
    assert AuditEvent.objects.get(action="listings.entry.removed").actor == world["staff_a"]


def test_it_adds_an_entry_and_names_an_unknown_uscc(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["staff_a"])
    url = "/lists/staff/abnormal-operations/add/"
    form = {
        "uscc": "91110000600037341L", "reason_code": "unreachable", "decision_number": "京市监异〔2025〕9号",
        "deciding_agency": standard_agency("SAMR").pk, "decided_on": "2025-10-01", "listed_on": "2025-10-02",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "91110000600037341L" in response.content.decode()
    assert ListEntry.objects.count() == 1
    enterprise = EnterpriseFactory(uscc="91110000600037341L")
    response = client.post(url, {**form, "decided_on": "2099-01-01"})
    assert response.status_code == 200
    assert "future" in response.content.decode() or "将来" in response.content.decode()
    response = client.post(url, form)
    assert response.status_code == 302
    assert ListEntry.objects.filter(enterprise=enterprise, reason__code="unreachable").exists()


def test_it_lets_the_enterprise_object_through_the_page(world, today):
    entry = make_entry(listed_on=today - dt.timedelta(days=3), reason_code="unreachable",
                       enterprise=world["entry"].enterprise)
    client = Client()
    client.force_login(world["enterprise_user"])
    response = client.post(f"{entry.get_absolute_url()}object/", {"grounds": "地址可以联系"})
    assert response.status_code == 302
    assert entry.objections.get().submitted_by == world["enterprise_user"]


def _entries(n, credit_list_code="abnormal-operations"):
    reasons = ["no_annual_report", "disclosure_not_made", "name_change_not_registered", "unreachable"]
    for i in range(n):
        make_entry(list_code=credit_list_code, reason_code=reasons[i % 4], listed_on=dt.date(2025, 9, 1 + i % 20))


@pytest.mark.parametrize("rows", [2, 12])
def test_it_renders_the_list_page_in_constant_queries(world, rows, django_assert_num_queries):
    _entries(rows)
    client = Client()
    # 1 the site's version (the page cache's key), 2 list + owner, 3 memoranda, 4 signatories,
    # 5 measures + agency, 6 bounded count, 7 the page's ids, 8 the page's rows with
    # enterprise, reason and agency
    with django_assert_num_queries(8):
        response = client.get("/lists/abnormal-operations/?region=110000&listed_from=2025-01-01")
    assert response.status_code == 200
    assert response.content.decode().count('href="/lists/abnormal-operations/') >= rows


@pytest.mark.parametrize("rows", [1, 6])
def test_it_renders_the_index_in_one_query(world, rows, django_assert_num_queries):
    _entries(rows)
    with django_assert_num_queries(3):  # 1 the site's version, 2 active counts per list, 3 lists + owner
        response = Client().get("/lists/")
    assert response.status_code == 200


def test_it_renders_the_entry_page_in_constant_queries(world, django_assert_num_queries):
    MeasureFactory.create_batch(5, memorandum=world["entry"].credit_list.memoranda.get())
    # 1 the site's version, 2 entry + list + enterprise + reason + agencies, 3 memoranda,
    # 4 measures + agency, 5 whether an objection is being handled (EXISTS)
    with django_assert_num_queries(5):
        response = Client().get(world["entry"].get_absolute_url())
    body = response.content.decode()
    assert world["entry"].decision_number in body
    assert "History" not in body


def test_it_filters_the_list_by_status_and_region():
    active = make_entry(listed_on=dt.date(2025, 9, 1), enterprise=EnterpriseFactory(region_code="310115"))
    removed = make_entry(listed_on=dt.date(2025, 9, 1), enterprise=EnterpriseFactory(region_code="110108"))
    from listings import services

    services.list_entry_remove(entry=removed, removed_on=dt.date(2025, 9, 5), reason="已补报")
    client = Client()
    body = client.get("/lists/abnormal-operations/").content.decode()
    assert active.enterprise.uscc in body and removed.enterprise.uscc not in body
    body = client.get("/lists/abnormal-operations/?status=removed").content.decode()
    assert removed.enterprise.uscc in body and active.enterprise.uscc not in body
    body = client.get("/lists/abnormal-operations/?status=&region=310000").content.decode()
    assert active.enterprise.uscc in body and removed.enterprise.uscc not in body
    response = client.get("/lists/abnormal-operations/?region=abc")
    assert response.status_code == 200
    assert "abc" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 4])
def test_it_builds_credit_file_sections_in_constant_queries(rows, django_assert_num_queries):
    person = PersonFactory()
    enterprise = EnterpriseFactory(legal_representative=person)
    # Listed a year ago: the representative's three-year bar is running.
    make_entry(list_code="serious-illegal", reason_code="false_disclosure", listed_on=ago(years=1),
               enterprise=EnterpriseFactory(legal_representative=person))
    memorandum = MemorandumFactory(lists=[standard_list("abnormal-operations"), standard_list("major-tax-violators")])
    MeasureFactory.create_batch(rows, memorandum=memorandum)
    reasons = ["no_annual_report", "disclosure_not_made", "name_change_not_registered", "unreachable"]
    for i in range(rows):
        make_entry(enterprise=enterprise, reason_code=reasons[i % 4], listed_on=ago(months=2))
    make_entry(enterprise=enterprise, list_code="major-tax-violators", listed_on=ago(months=2))
    # 1 which sections have rows, 2 entries + lists + reasons + agencies, 3 the measures of
    # their lists' memoranda + agency, 4 the representative's bar
    with django_assert_num_queries(4):
        context = credit_file(enterprise=enterprise)
        # The bar is a notice at the top of the frame (credit.sections.Notice).
        html = render_to_string("credit/file_body.html", context)
    assert 'id="abnormal-operations"' in html and 'id="serious-illegal"' in html
    assert 'id="legal-representative-bar"' in html
    # Every active entry (rows abnormal + 1 tax) lists each of the memorandum's `rows` measures.
    assert html.split("</nav>", 1)[1].count("<li>") == (rows + 1) * rows  # after the contents


def test_it_shows_empty_sections_for_a_clean_enterprise():
    context = credit_file(enterprise=EnterpriseFactory())
    html = render_to_string("credit/file_body.html", context)
    for anchor in ("abnormal-operations", "serious-illegal", "other-lists"):
        assert f'<h2 id="{anchor}-h">' in html
    assert "legal-representative-bar" not in html and "file-notice" not in html


def test_it_shows_staff_the_history(world):
    client = Client()
    client.force_login(world["staff_b"])
    body = client.get(world["entry"].get_absolute_url()).content.decode()
    assert 'id="history"' in body


def test_it_speaks_chinese_by_default_and_english_on_request():
    entry = make_entry(listed_on=dt.date(2025, 9, 1), reason_code="unreachable")
    body = Client().get(entry.get_absolute_url()).content.decode()
    assert "通过登记的住所或者经营场所无法联系的" in body and "移出条件和程序" in body
    body = Client(HTTP_ACCEPT_LANGUAGE="en").get(entry.get_absolute_url()).content.decode()
    assert "Cannot be contacted at the registered domicile" in body and "How to get off it" in body


def test_it_updates_the_index_counts_after_a_change(django_capture_on_commit_callbacks):
    from listings import services
    from listings.selectors import credit_list_index

    entry = make_entry(listed_on=dt.date(2025, 9, 1))
    counts = {item.code: item.active_count for item in credit_list_index()}
    assert counts["abnormal-operations"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.list_entry_remove(entry=entry, removed_on=dt.date(2025, 9, 2), reason="已补报")
    counts = {item.code: item.active_count for item in credit_list_index()}
    assert counts["abnormal-operations"] == 0


def test_it_lets_the_owner_accept_and_uphold_an_objection_through_the_staff_page(world):
    client = Client()
    client.force_login(world["staff_a"])
    url = f"/lists/staff/objections/{world['objection'].pk}/"
    assert client.post(url, {"decision": "uphold", "reason": "x"}).status_code == 200  # not offered yet
    assert client.post(url, {"decision": "accept"}).status_code == 302
    response = client.post(url, {"decision": "uphold", "reason": ""})
    assert response.status_code == 200  # reasons are required; nothing changed
    world["entry"].refresh_from_db()
    assert world["entry"].state == EntryState.LISTED
    assert client.post(url, {"decision": "uphold", "reason": "地址核实可以联系"}).status_code == 302
    world["entry"].refresh_from_db()
    assert world["entry"].state == EntryState.REVOKED
    assert AuditEvent.objects.filter(action="listings.entry.revoked", object_id=str(world["entry"].pk)).count() == 1


def test_it_shows_staff_of_any_agency_the_entries_in_the_admin_read_only(world):
    client = Client()
    client.force_login(world["staff_b"])
    assert client.get("/admin/listings/listentry/").status_code == 200
    assert client.get(f"/admin/listings/listentry/{world['entry'].pk}/change/").status_code == 200
    assert client.post(f"/admin/listings/listentry/{world['entry'].pk}/delete/").status_code == 403


def test_it_shows_dates_in_the_format_of_the_language():
    entry = make_entry(listed_on=dt.date(2025, 11, 3))
    for address in [entry.get_absolute_url(), entry.credit_list.get_absolute_url()]:
        body = Client().get(address).content.decode()
        assert "2025年11月3日" in body and "2025-11-03" not in body
        body = Client(HTTP_ACCEPT_LANGUAGE="en").get(address).content.decode()
        assert "Nov. 3, 2025" in body and "2025-11-03" not in body


def test_it_offers_staff_only_their_own_agency_as_deciding_authority(world):
    from listings.forms import EntryCreateForm

    samr = standard_agency("SAMR")
    form = EntryCreateForm(credit_list=standard_list("abnormal-operations"), agency=samr)
    assert [choice for choice, _label in form.fields["deciding_agency"].choices if choice] == [samr.pk]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["staff_a"])
    enterprise = EnterpriseFactory(uscc="91110000600037341L")
    crafted = {
        "uscc": enterprise.uscc, "reason_code": "unreachable", "decision_number": "京市监异〔2025〕9号",
        "deciding_agency": standard_agency("SPC").pk, "decided_on": "2025-10-01", "listed_on": "2025-10-02",
    }
    response = client.post("/lists/staff/abnormal-operations/add/", crafted)
    assert response.status_code == 200
    assert response.context["form"].errors["deciding_agency"]
    assert not ListEntry.objects.filter(enterprise=enterprise).exists()


def test_it_refuses_a_staff_entry_decided_by_another_agency_in_the_service(world):
    from listings import services

    with pytest.raises(services.ListingError) as caught:
        make_entry(enterprise=EnterpriseFactory(), actor=world["staff_a"], deciding_agency=standard_agency("SPC"))
    assert (caught.value.code, caught.value.field) == ("not_own_decision", "deciding_agency")
    # System actions (the inspections follow-up) still record the deciding agency they were given.
    entry = make_entry(enterprise=EnterpriseFactory(), deciding_agency=standard_agency("SPC"))
    assert entry.deciding_agency == standard_agency("SPC")


@pytest.mark.parametrize(
    ("persona", "status", "revoked"),
    [("staff_a", 302, True), ("staff_b", 404, False), ("enterprise_user", 403, False), ("anonymous", 302, False)],
)
def test_it_lets_only_the_owner_staff_revoke_an_entry(world, persona, status, revoked, today):
    entry = world["entry"]
    client = Client()
    if persona != "anonymous":
        client.force_login(world[persona])
    url = f"/lists/staff/abnormal-operations/{entry.pk}/revoke/"
    response = client.post(url, {"revoked_on": today.isoformat(), "reason": "处罚决定已被撤销"})
    assert response.status_code == status
    if persona == "anonymous":
        assert "/login/" in response["Location"]
    entry.refresh_from_db()
    assert (entry.state == EntryState.REVOKED) is revoked
    assert AuditEvent.objects.filter(action="listings.entry.revoked").count() == int(revoked)
    if revoked:
        assert AuditEvent.objects.get(action="listings.entry.revoked").actor == world["staff_a"]
        assert response["Location"] == entry.get_absolute_url()


def test_it_requires_a_reason_and_csrf_to_revoke_and_links_it_for_owner_staff_only(world):
    entry = world["entry"]
    url = f"/lists/staff/abnormal-operations/{entry.pk}/revoke/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(world["staff_a"])
    page = client.get(entry.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page
    form = client.get(url)
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()
    assert client.post(url, {"revoked_on": "2025-10-01", "reason": "x"}).status_code == 403  # no CSRF token
    token = form.cookies["csrftoken"].value
    response = client.post(url, {"revoked_on": "2025-10-01", "reason": "", "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert 'value="2025-10-01"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == EntryState.LISTED
    assert not AuditEvent.objects.filter(action="listings.entry.revoked").exists()
    other = Client()
    other.force_login(world["staff_b"])
    assert f'href="{url}"' not in other.get(entry.get_absolute_url()).content.decode()
    assert f'href="{url}"' not in Client().get(entry.get_absolute_url()).content.decode()


def test_it_offers_the_objection_link_only_while_an_objection_is_possible(today):
    from listings import services

    enterprise = EnterpriseFactory()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(EnterpriseAccountFactory(enterprise=enterprise).user)
    recent = make_entry(enterprise=enterprise, reason_code="unreachable", listed_on=today - dt.timedelta(days=3))
    late = make_entry(enterprise=enterprise, reason_code="disclosure_not_made", listed_on=today - dt.timedelta(days=40))
    removed = make_entry(enterprise=enterprise, reason_code="name_change_not_registered",
                         listed_on=today - dt.timedelta(days=5))
    services.list_entry_remove(entry=removed, removed_on=today, reason="已办理名称变更登记")

    def page(entry):
        return client.get(entry.get_absolute_url()).content.decode()

    link = 'href="{}object/"'
    assert link.format(recent.get_absolute_url()) in page(recent)
    body = page(late)
    assert link.format(late.get_absolute_url()) not in body
    with translation.override("en"):
        assert f"the objection period ended on {date_format(late.objection_deadline)}" in body
    body = page(removed)
    assert link.format(removed.get_absolute_url()) not in body
    assert "the entry is no longer on the list" in body
    services.objection_submit(entry=recent, grounds="地址可以联系")
    body = page(recent)
    assert link.format(recent.get_absolute_url()) not in body
    assert "an objection to this entry is being handled" in body


def test_it_decides_objections_by_one_rule_for_page_and_service():
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    deadline = entry.objection_deadline
    assert entry.objection_refusal(deadline, objection_open=False) == ""
    assert entry.objection_refusal(deadline, objection_open=True) == "objection_open"
    assert entry.objection_refusal(deadline + dt.timedelta(days=1), objection_open=False) == "objection_late"
    ListEntry.objects.filter(pk=entry.pk).update(state=EntryState.REMOVED)
    entry.refresh_from_db()
    assert entry.objection_refusal(deadline, objection_open=False) == "not_active"


def test_the_credit_files_compiled_entries_are_the_querysets_own():
    """credit.sections.load_queryset builds what the ORM builds from the same queryset: every
    field, the related rows select_related joins and the annotation, in the same order."""
    from credit.sections import load_queryset
    from credit.selectors.credit_file import file_subject
    from listings.parts import _entries_with_related

    enterprise = EnterpriseFactory()
    make_entry(enterprise=enterprise, listed_on=ago(months=2))
    removed = make_entry(enterprise=enterprise, list_code="major-tax-violators", listed_on=ago(years=2))
    ListEntry.objects.filter(pk=removed.pk).update(state=EntryState.REMOVED, removed_on=ago(months=1),
                                                   removing_agency=removed.deciding_agency)
    subject = file_subject(enterprise)
    for _ in range(2):  # compiled on the first call, reused on the second
        loaded = load_queryset(_entries_with_related, subject)
        expected = list(_entries_with_related(subject))
        assert [e.pk for e in loaded] == [e.pk for e in expected] and len(loaded) == 2
        for mine, theirs in zip(loaded, expected, strict=True):
            fields = [f.attname for f in ListEntry._meta.concrete_fields]
            assert [getattr(mine, f) for f in fields] == [getattr(theirs, f) for f in fields]
            assert mine.derived_status == theirs.derived_status
            for related in ("credit_list", "reason", "deciding_agency", "removing_agency"):
                assert ListEntry._meta.get_field(related).is_cached(mine)
                assert getattr(mine, related) == getattr(theirs, related)
                if getattr(mine, related) is not None:
                    assert getattr(mine, related).name == getattr(theirs, related).name


def test_the_credit_file_lists_an_entrys_measures_in_the_entry_pages_order(django_assert_num_queries):
    """The file reads the measures of every memorandum covering the entry's list in one query
    (list_measures_of); the entry's page reads them through prefetched memoranda: the same
    measures, memoranda by signing day, then each memorandum's measures."""
    from listings.selectors import list_entry_measures, list_measures_by_list, list_measures_of

    tax = standard_list("major-tax-violators")
    later = MemorandumFactory(lists=[tax], signed_on=dt.date(2018, 3, 1))
    earlier = MemorandumFactory(lists=[tax, standard_list("abnormal-operations")], signed_on=dt.date(2016, 1, 4))
    for memorandum in (later, earlier, later):
        MeasureFactory(memorandum=memorandum)
    entry = make_entry(list_code="major-tax-violators", listed_on=ago(months=2))
    prefetched = (ListEntry.objects.select_related("credit_list")
                  .prefetch_related("credit_list__memoranda__measures").get(pk=entry.pk))
    with django_assert_num_queries(1):
        by_list = list_measures_by_list(list_measures_of([tax.pk]))
    assert [m.pk for m in list_entry_measures(entry=prefetched, by_list=by_list)] == [
        m.pk for m in list_entry_measures(entry=prefetched)] and len(by_list[tax.pk]) == 3
    assert [m.memorandum_id for m in by_list[tax.pk]] == [earlier.pk, later.pk, later.pk]
