from __future__ import annotations

import importlib.machinery
import sys
import types
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from credit import demo
from credit import models as m
from credit import uscc as uscc_rules
from credit.demo_tables import DIVISIONS
from credit.search import name_tokens
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

N = 30


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--no-progress", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(
        m.Enterprise.objects.order_by("id").values_list(
            "uscc", "name", "legal_representative_name", "domicile", "risk_class", "established_on"
        )
    )


def test_it_gives_identical_rows_for_the_same_seed_and_different_rows_for_another():
    seed("--enterprises", str(N), "--seed", "11")
    first = snapshot()
    first_people = list(m.Person.objects.order_by("id").values_list("name", "id_number"))
    seed("--enterprises", str(N), "--seed", "11", "--reset")
    assert snapshot() == first
    assert list(m.Person.objects.order_by("id").values_list("name", "id_number")) == first_people
    seed("--enterprises", str(N), "--seed", "12", "--reset")
    other = snapshot()
    assert [row[0] for row in other] != [row[0] for row in first]
    assert [row[1] for row in other] != [row[1] for row in first]


def test_it_creates_the_requested_number_of_valid_enterprises_with_records():
    seed("--enterprises", str(N), "--seed", "3")
    enterprises = list(m.Enterprise.objects.all())
    assert len(enterprises) == N
    divisions = {d.code for d in DIVISIONS}
    for enterprise in enterprises:
        assert uscc_rules.is_valid(enterprise.uscc), enterprise.uscc
        assert enterprise.uscc[2:8] == enterprise.region_code
        assert enterprise.region_code in divisions
        assert enterprise.legal_representative_name == enterprise.legal_representative.name
        assert enterprise.registration_authority.region_code == enterprise.region_code
    assert len({e.uscc for e in enterprises}) == N
    for branch in m.Branch.objects.all():
        assert uscc_rules.is_valid(branch.uscc)
    assert m.Shareholder.objects.exists()
    assert m.CapitalContribution.objects.exists()
    assert m.KeyPerson.objects.exists()
    assert m.AnnualReport.objects.exists()


def test_it_fills_search_tokens_although_rows_bypass_save():
    seed("--enterprises", str(N), "--seed", "5")
    for enterprise in m.Enterprise.objects.all():
        assert enterprise.search_tokens == name_tokens(enterprise.name)
        assert enterprise.name[:2] in enterprise.search_tokens.split()


def test_it_leaves_an_already_seeded_database_alone():
    seed("--enterprises", str(N), "--seed", "4")
    before = snapshot()
    output = seed("--enterprises", "5", "--seed", "9")
    assert "already loaded" in output
    assert snapshot() == before
    assert "admin" in output  # the logins are still shown


def test_it_resets_and_loads_again():
    seed("--enterprises", str(N), "--seed", "4")
    seed("--enterprises", "7", "--seed", "4", "--reset")
    assert m.Enterprise.objects.count() == 7
    assert get_user_model().objects.filter(username="admin", is_superuser=True).count() == 1


def test_it_creates_staff_logins_bound_to_agencies_with_admin_permissions():
    output = seed("--enterprises", str(N), "--seed", "4")
    assert demo.DEMO_PASSWORD in output
    assert "/account/login/" in output  # where the enterprise logins sign in
    user = get_user_model().objects.get(username="chaoyang-market")
    assert user.is_staff and not user.is_superuser
    assert user.agency_staff.agency.code == "MR-110105"
    assert user.has_perm("credit.change_administrativepenalty")
    assert user.has_perm("credit.add_enterprise")
    assert not user.has_perm("credit.delete_administrativepenalty")
    assert user.check_password(demo.DEMO_PASSWORD)
    levels = set(m.Agency.objects.values_list("level", flat=True))
    assert {"national", "provincial", "municipal", "county"} <= levels
    kinds = set(m.Agency.objects.values_list("kind", flat=True))
    assert {"market", "tax", "court", "environment", "finance"} <= kinds


def test_it_records_one_audit_event_for_the_seed():
    seed("--enterprises", str(N), "--seed", "4")
    event = AuditEvent.objects.get(action="credit.demo.seeded")
    assert event.payload["enterprises"] == N
    assert event.payload["rows"]["credit.Enterprise"] == N


def test_it_calls_other_apps_demo_hooks(monkeypatch):
    calls = []
    module = types.ModuleType("listings.demo")
    module.__spec__ = importlib.machinery.ModuleSpec("listings.demo", None)
    module.seed_demo_data = lambda *, seed, stdout: calls.append((seed, m.Enterprise.objects.count()))
    monkeypatch.setitem(sys.modules, "listings.demo", module)
    seed("--enterprises", str(N), "--seed", "8")
    assert calls == [(8, N)]


def test_it_uses_a_realistic_mix():
    seed("--enterprises", "400", "--seed", "2026")
    types_ = set(m.Enterprise.objects.values_list("entity_type", flat=True))
    assert {"llc", "individual"} <= types_
    llc_share = m.Enterprise.objects.filter(entity_type="llc").count() / 400
    assert 0.55 < llc_share < 0.85
    risk = {c: m.Enterprise.objects.filter(risk_class=c).count() / 400 for c in "ABCD"}
    assert risk["A"] > risk["C"] > risk["D"]
    assert m.Enterprise.objects.filter(status="active").count() > 300
    assert m.AdministrativePenalty.objects.exists()
    assert all(name.endswith(("公司", "店", "厂", "社", "）", "部", "行")) for name in
               m.Enterprise.objects.values_list("name", flat=True))


def test_it_names_every_district_in_english():
    for division in DIVISIONS:
        assert bool(division.district) == bool(division.district_en), division.code
        assert division.district_en.isascii(), division.code


def test_it_gives_county_agencies_english_names_without_chinese():
    seed("--enterprises", "5", "--seed", "4")
    county = m.Agency.objects.filter(level=m.AgencyLevel.COUNTY)
    assert county.exists()
    for agency in county:
        assert agency.name_en.isascii(), agency.name_en
    names = dict(m.Agency.objects.filter(code__in=["MR-110101", "COURT-310115", "MR-330782"]).values_list("code", "name_en"))
    assert names == {
        "MR-110101": "Beijing Dongcheng District Administration for Market Regulation",
        "COURT-310115": "Shanghai Pudong New Area People's Court",
        "MR-330782": "Yiwu Administration for Market Regulation",
    }
    # Deterministic: the same seed gives the same names.
    before = list(m.Agency.objects.order_by("code").values_list("code", "name", "name_en"))
    seed("--enterprises", "5", "--seed", "4", "--reset")
    assert list(m.Agency.objects.order_by("code").values_list("code", "name", "name_en")) == before


def test_every_standard_list_has_a_demo_login_of_its_owner():
    from listings.models import CreditList

    call_command("seed_demo", enterprises=20, seed=5, stdout=StringIO())
    owners = set(CreditList.objects.values_list("owner_agency__code", flat=True))
    staffed = set(m.AgencyStaff.objects.values_list("agency__code", flat=True))
    assert owners - staffed == set()


def test_a_load_makes_every_cached_page_old():
    from credit.cache import site_version

    before = site_version()
    seed("--enterprises", str(N), "--seed", "4")
    loaded = site_version()
    assert loaded != before  # rows written in bulk publish nothing one by one
    seed("--enterprises", "7", "--seed", "4", "--reset")
    assert site_version() not in (before, loaded)


def table_digests() -> dict[str, str]:
    """A digest of every row (all generated columns, ids included) of every table the demo generates."""
    import hashlib

    # Agencies are made again by --reset, under new ids: compare them by code.
    agency_codes = dict(m.Agency.objects.values_list("id", "code"))
    digests = {}
    for model in demo.TABLE_ORDER:
        columns = demo.COLUMNS[model]
        agency = [getattr(model._meta.get_field(c), "related_model", None) is m.Agency for c in columns]
        rows = [tuple(agency_codes[v] if is_agency and v is not None else v for v, is_agency in zip(row, agency, strict=True))
                for row in model.objects.order_by("id").values_list(*columns)]
        digests[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def test_the_rows_do_not_depend_on_the_number_of_processes(monkeypatch):
    import multiprocessing

    pools = []
    real = multiprocessing.get_context

    def spy(method=None):
        pools.append(method)
        return real(method)

    monkeypatch.setattr(demo.multiprocessing, "get_context", spy)
    seed("--enterprises", "45", "--seed", "21", "--batch", "7", "--processes", "1")
    one = table_digests()
    assert pools == []  # one process generates inline
    seed("--enterprises", "45", "--seed", "21", "--batch", "7", "--processes", "2", "--reset")
    assert pools == ["fork"]  # two worker processes generated the chunks
    assert table_digests() == one
    assert m.Enterprise.objects.count() == 45
    # Ids are dense across chunks: each chunk starts where the one before ended.
    ids = list(m.Person.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    seed("--enterprises", "45", "--seed", "22", "--batch", "7", "--processes", "2", "--reset")
    assert table_digests()[m.Enterprise._meta.label] != one[m.Enterprise._meta.label]


def test_it_hashes_each_demo_password_once(monkeypatch):
    from django.contrib.auth import hashers

    demo._password_hash.cache_clear()
    hashed = []

    def counting(password, *args, **kwargs):
        hashed.append(password)
        return hashers.make_password(password, *args, **kwargs)

    monkeypatch.setattr(demo, "make_password", counting)
    output = seed("--enterprises", str(N), "--seed", "4")
    # One hash per distinct password, however many logins share it.
    assert sorted(hashed) == sorted(set(hashed))
    assert demo.DEMO_PASSWORD in hashed and demo.SUPERUSER[1] in hashed
    users = get_user_model().objects.filter(username__in=demo.demo_usernames())
    assert users.count() == len(demo.demo_usernames())
    for user in users:
        password = demo.SUPERUSER[1] if user.username == demo.SUPERUSER[0] else demo.DEMO_PASSWORD
        assert user.check_password(password), user.username
        assert user.username in output
    assert get_user_model().objects.get(username="admin").is_superuser


def test_it_prints_activation_letters_that_work_and_prints_them_again():
    import re

    from django.test import Client

    output = seed("--enterprises", str(N), "--seed", "6")
    letters = re.findall(r"^  (\w{18})  ([2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){3})  ", output, re.MULTILINE)
    assert len(letters) == 3
    assert m.ActivationCode.objects.filter(used_at__isnull=True).count() == 3
    assert all(code.replace("-", "") not in row.code_hash for _, code in letters for row in m.ActivationCode.objects.all())
    uscc, code = letters[0]
    assert letters[0] in re.findall(r"^  (\w{18})  (\S+)  ", seed(), re.MULTILINE)  # already seeded: shown again
    response = Client().post("/account/activate/", {
        "uscc": uscc, "code": code, "username": "demo-liaison", "email": "liaison@example.cn",
        "password1": "correct horse battery staple", "password2": "correct horse battery staple"})
    assert response.status_code == 302
    again = re.findall(r"^  (\w{18})  (\S+)  ", seed(), re.MULTILINE)
    assert (uscc, code) not in again and len(again) == 2  # a used letter is not offered again
