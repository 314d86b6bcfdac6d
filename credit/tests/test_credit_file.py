from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation
from django.utils.formats import date_format

from credit import sections, selectors, services, uscc
from credit.cache import credit_file_cache_key
from credit.models import EntityType, Severity, ShareholderType
from credit.tests import factories as f

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
WITHDRAWN_AT = dt.datetime(2024, 9, 1, 10, 0, tzinfo=TZ)


def english(day: dt.date | dt.datetime) -> str:
    """A date as the English file shows it ("May 10, 2024")."""
    with translation.override("en"):
        return date_format(timezone.localtime(day) if isinstance(day, dt.datetime) else day)


def page(client, enterprise, **headers) -> str:
    response = client.get(f"/enterprises/{enterprise.uscc}/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def section(body: str, anchor: str) -> str:
    """The HTML of one <section id=anchor> of the file."""
    match = re.search(rf'<section id="{anchor}".*?</section>', body, re.S)
    assert match, f"section {anchor} missing"
    return match.group(0)


def fill_every_section(enterprise, n: int = 1) -> None:
    for _ in range(n):
        holder = f.ShareholderFactory(enterprise=enterprise)
        f.CapitalContributionFactory(shareholder=holder)
        f.CapitalContributionFactory(shareholder=holder, kind="paid", amount="50", contributed_on=f.ago(years=10))
        f.KeyPersonFactory(enterprise=enterprise)
        f.BranchFactory(enterprise=enterprise)
        f.ChangeRecordFactory(enterprise=enterprise)
        f.ChattelMortgageFactory(enterprise=enterprise)
        f.EquityPledgeFactory(enterprise=enterprise)
        f.LicenceFactory(enterprise=enterprise)
        f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
        f.JudicialAssistanceFactory(enterprise=enterprise)
        f.AnnualReportFactory(enterprise=enterprise, year=2000 + len(enterprise.annual_reports.all()))
        f.InstantDisclosureFactory(enterprise=enterprise)
        f.CommitmentBreachFactory(letter=f.CommitmentLetterFactory(enterprise=enterprise))


SECTIONS_IN_ORDER = [
    "registration",
    "shareholders",
    "key-personnel",
    "branches",
    "changes",
    "chattel-mortgages",
    "equity-pledges",
    "licences",
    "penalties",
    "commitment-breaches",
    "abnormal-operations",
    "serious-illegal",
    "spot-checks",
    "double-random",
    "judicial-assistance",
    "annual-reports",
    "instant-disclosures",
    "commitment-letters",
]


def test_it_shows_every_section_in_necips_order_with_a_table_of_contents(client):
    enterprise = f.EnterpriseFactory()
    body = page(client, enterprise)
    positions = [body.index(f'<section id="{anchor}"') for anchor in SECTIONS_IN_ORDER]
    assert positions == sorted(positions)
    for anchor in SECTIONS_IN_ORDER:
        assert f'href="#{anchor}"' in body
    divider = body.index("以下信息由该企业提供") if "以下信息由该企业提供" in body else body.index("provided by the enterprise")
    assert positions[SECTIONS_IN_ORDER.index("judicial-assistance")] < divider < positions[-3]


def test_it_says_so_when_a_section_is_empty(client):
    enterprise = f.EnterpriseFactory()
    body = page(client, enterprise, HTTP_ACCEPT_LANGUAGE="en")
    # Sections owned by other apps word their empty state for their subject
    # ("Not on the abnormal operations list."), but every one marks it the same way.
    for anchor in SECTIONS_IN_ORDER[1:]:
        assert '<p class="empty">' in section(body, anchor), anchor
    assert "No records in this section." in section(body, "shareholders")


def test_it_shows_all_registration_fields(client):
    enterprise = f.EnterpriseFactory(
        name="北京某某科技有限公司", operating_to=None, domicile="北京市海淀区中关村大街1号", region_code="110108"
    )
    body = section(page(client, enterprise, HTTP_ACCEPT_LANGUAGE="en"), "registration")
    for text in [
        enterprise.uscc,
        "北京某某科技有限公司",
        "Limited liability company",
        "Legal representative",
        enterprise.legal_representative_name,
        "5,000,000 Renminbi",
        english(enterprise.established_on),
        "no fixed term",
        enterprise.registration_authority.name_en,
        "In existence",
        english(enterprise.approved_on),
        "Domicile",
        "北京市海淀区中关村大街1号",
        "技术开发",
        "Beijing",
    ]:
        assert text in body, text


def test_it_uses_branch_wording_for_a_branch(client):
    enterprise = f.EnterpriseFactory(entity_type=EntityType.BRANCH)
    body = section(page(client, enterprise), "registration")
    assert "负责人" in body and "营业场所" in body
    assert "法定代表人" not in body and "注册资本" not in body


def test_it_shows_records_of_each_section_with_provenance(client):
    enterprise = f.EnterpriseFactory()
    fill_every_section(enterprise)
    body = page(client, enterprise, HTTP_ACCEPT_LANGUAGE="en")
    penalty = enterprise.penalties.get()
    expected = {
        "shareholders": ["Natural person shareholder", "100", "50", "Subscribed: Currency 100", "Paid in: Currency 50"],
        "key-personnel": ["执行董事"],
        "branches": ["分公司", "北京市海淀区市场监督管理局"],
        "changes": ["住所变更", "中关村大街1号", "中关村大街2号", english(enterprise.changes.get().changed_on)],
        "chattel-mortgages": ["生产设备一批", "中国某某银行股份有限公司北京分行", "300"],
        "equity-pledges": ["北京某某担保有限公司", "40", "Valid"],
        "licences": ["食品经营许可证", "预包装食品销售", english(enterprise.licences.get().valid_to)],
        "penalties": ["虚假宣传", "罚款人民币伍万元", "50,000", "General"],
        "judicial-assistance": ["张三", "Equity freeze | Frozen", "京0108执"],
    }
    for anchor, texts in expected.items():
        html = section(body, anchor)
        # Every record of the factory is decided and published on the same days.
        for text in [*texts, f"Decided {english(penalty.decided_on)}", f"Published {english(penalty.published_at)}",
                     "Market Regulation Bureau No."]:
            assert text in html, (anchor, text)
        assert f"京市监处罚〔{penalty.decided_on.year}〕" in html, anchor
    assert "股东张三实缴出资50万元" in section(body, "instant-disclosures")
    letters = section(body, "commitment-letters")
    letter = enterprise.commitment_letters.get()
    # The file shows the letter's title, state and hash with a link to its page, not the whole text.
    assert "本企业承诺所提交材料真实" not in letters
    assert f'href="/commitments/{letter.pk}/"' in letters and letter.text_sha256 in letters and "Breached" in letters
    breach = letter.breaches.get()
    breaches = section(body, "commitment-breaches")
    for text in ("未按承诺在期限内补交相关证明材料", breach.document_number, f"Decided {english(breach.decided_on)}",
                 f'href="/commitments/{letter.pk}/"', "General good-faith commitment"):
        assert text in breaches, text
    assert "/annual-reports/" in section(body, "annual-reports")


def test_it_shows_withdrawn_records_with_their_reason(client):
    enterprise = f.EnterpriseFactory()
    f.PenaltyFactory(
        enterprise=enterprise, withdrawn_at=WITHDRAWN_AT, withdrawal_reason="复议撤销原处罚决定", publication_ends_on=None
    )
    f.LicenceFactory(enterprise=enterprise, withdrawn_at=WITHDRAWN_AT, withdrawal_reason="许可被依法撤回")
    body = page(client, enterprise, HTTP_ACCEPT_LANGUAGE="en")
    penalties = section(body, "penalties")
    assert 'class="withdrawn"' in penalties
    assert "Withdrawn Sept. 1, 2024" in penalties and "复议撤销原处罚决定" in penalties
    assert "许可被依法撤回" in section(body, "licences")


def test_it_shows_penalty_severity_and_stops_showing_a_penalty_after_its_publication_period(client):
    enterprise = f.EnterpriseFactory()
    f.PenaltyFactory(enterprise=enterprise, severity=Severity.SERIOUS, publication_ends_on=f.ahead(years=2))
    f.PenaltyFactory(enterprise=enterprise, violation_type="过期处罚", publication_ends_on=dt.date(2020, 1, 1))
    penalties = section(page(client, enterprise), "penalties")
    assert "severity-serious" in penalties and "严重" in penalties
    assert "过期处罚" not in penalties
    assert "1" in penalties and "公示期已届满" in penalties


def test_it_shows_annual_report_versions_and_private_sole_proprietor_reports(client):
    enterprise = f.EnterpriseFactory()
    f.AnnualReportFactory(enterprise=enterprise, year=2023)
    f.AnnualReportFactory(enterprise=enterprise, year=2023, version=2)
    f.AnnualReportFactory(enterprise=enterprise, year=2024, report_public=False)
    f.AnnualReportFactory(enterprise=enterprise, year=2025, published_at=None)
    html = section(page(client, enterprise, HTTP_ACCEPT_LANGUAGE="en"), "annual-reports")
    # By year: the filing date of the original, the date of the latest correction, the link.
    assert "Corrected on April 1, 2024 (1 correction)" in html
    assert f"/enterprises/{enterprise.uscc}/annual-reports/2023/" in html
    assert "chose not to publish" in html
    assert "<td>2025</td>" not in html


def test_it_never_shows_a_full_identity_number(client):
    enterprise = f.EnterpriseFactory()
    holder = f.ShareholderFactory(enterprise=enterprise)
    key = f.KeyPersonFactory(enterprise=enterprise)
    pledge = f.EquityPledgeFactory(enterprise=enterprise, pledgee_licence_number="110108199001011234")
    organisation_holder = f.ShareholderFactory(
        enterprise=enterprise,
        person=None,
        name="某某投资有限公司",
        shareholder_type=ShareholderType.ENTERPRISE,
        licence_number=f.make_uscc(999),
    )
    numbers = [
        enterprise.legal_representative.id_number,
        holder.person.id_number,
        key.person.id_number,
        pledge.pledgor_person.id_number,
        "110108199001011234",
    ]
    pages = [
        page(client, enterprise),
        page(client, enterprise, HTTP_ACCEPT_LANGUAGE="en"),
        client.get("/search/", {"q": enterprise.name[:4]}).content.decode(),
        client.get("/search/", {"q": enterprise.legal_representative_name}).content.decode(),
        client.get("/").content.decode(),
    ]
    for body in pages:
        for number in numbers:
            assert number not in body
    assert holder.person.masked_id_number in pages[0]
    assert pledge.pledgor_person.masked_id_number in pages[0]
    # An organisation's code is public and shown in full.
    assert organisation_holder.licence_number in pages[0]


def test_it_redirects_a_lower_case_code_to_the_canonical_address(client):
    enterprise = f.EnterpriseFactory()
    response = client.get(f"/enterprises/{enterprise.uscc.lower()}/")
    assert response.status_code == 301
    assert response["Location"] == f"/enterprises/{enterprise.uscc}/"


def test_it_answers_an_unknown_code_with_a_helpful_404(client):
    code = uscc.build("9", "1", "110108", "MA01XYW1")
    response = client.get(f"/enterprises/{code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    body = response.content.decode()
    assert f"No enterprise with code {code}" in body
    assert 'action="/search/"' in body


def test_it_names_the_failed_rule_for_a_malformed_code(client):
    response = client.get("/enterprises/91110000600037341A/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    body = response.content.decode()
    assert "check character" in body
    response = client.get("/enterprises/12345/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "18 characters" in response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_it_caches_the_file_per_language_and_shows_a_correction_on_the_next_view(
        client, django_assert_num_queries, signed_in):
    enterprise = f.EnterpriseFactory()
    penalty = f.PenaltyFactory(enterprise=enterprise, violation_type="原处罚", publication_ends_on=None,
                               severity=Severity.SERIOUS, decided_on=f.ago(days=30))
    if signed_in:
        client.force_login(f.UserFactory())
    page(client, enterprise)
    loaded = selectors.enterprise_get(uscc=enterprise.uscc)
    # A signed-in visitor's sections are kept as a fragment; an anonymous visitor's whole page
    # is kept by the page cache, so no fragment is stored beside it.
    assert bool(cache.get(credit_file_cache_key(loaded, "zh-hans"))) is signed_in
    assert cache.get(credit_file_cache_key(loaded, "en")) is None
    # A write behind the services' back is not seen: the file is served from the cache
    # (anonymous: the page's version only; signed in: session, user, enterprise).
    type(penalty).objects.filter(pk=penalty.pk).update(content="绕过服务的改动")
    with django_assert_num_queries(3 if signed_in else 1):
        assert "绕过服务的改动" not in page(client, enterprise)
    # A correction through the service raises the file's version: the next view shows it.
    penalty.refresh_from_db()
    penalty.violation_type = "更正后的处罚"
    services.credit_object_save(obj=penalty, actor=None, correction_reason="录入有误")
    body = section(page(client, enterprise), "penalties")
    assert "更正后的处罚" in body and "原处罚" not in body


def test_random_parameters_do_not_make_each_anonymous_request_a_full_build(client, django_assert_max_num_queries):
    """The page cache keys on the query string, which the file ignores: with one, the sections'
    fragment is kept, so /enterprises/<USCC>/?x=<random> costs the version and the enterprise,
    not every section's queries again."""
    enterprise = f.EnterpriseFactory()
    f.PenaltyFactory(enterprise=enterprise, source_agency=enterprise.registration_authority)
    f.LicenceFactory(enterprise=enterprise, source_agency=enterprise.registration_authority)
    client.get(f"/enterprises/{enterprise.uscc}/?x=1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    loaded = selectors.enterprise_get(uscc=enterprise.uscc)
    assert cache.get(credit_file_cache_key(loaded, "zh-hans"))
    with django_assert_max_num_queries(2):
        response = client.get(f"/enterprises/{enterprise.uscc}/?x=2", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and enterprise.uscc in response.content.decode()


def test_it_stops_serving_a_cached_penalty_the_day_after_its_publication_ends(client, clock, today):
    enterprise = f.EnterpriseFactory()
    f.PenaltyFactory(enterprise=enterprise, violation_type="今日届满", publication_ends_on=today)
    clock.move_to(dt.datetime.combine(today, dt.time(23, 59), tzinfo=TZ))
    assert "今日届满" in page(client, enterprise)
    # Past local (Beijing) midnight, without any write: the fragment cached yesterday is not reused.
    clock.move_to(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 0, 1), tzinfo=TZ))
    assert "今日届满" not in section(page(client, enterprise), "penalties")


def test_it_skips_the_queries_of_empty_sections(client, django_assert_num_queries):
    enterprise = f.EnterpriseFactory()
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
    # the file's version with the enterprise (portal.pagecache; credit.views), and the probe:
    # which sections have rows (including the listings and inspections sections, all empty
    # here) with the penalties' rows.
    with django_assert_num_queries(2):
        body = page(client, enterprise)
    assert "虚假宣传" in section(body, "penalties")


def test_it_notes_the_latest_correction_on_the_record_without_extra_queries(client, django_assert_num_queries):
    enterprise = f.EnterpriseFactory()
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None, corrected_at=WITHDRAWN_AT,
                     correction_reason="罚款金额录入有误，已按决定书更正")
    # The same two queries as a file with an uncorrected penalty: the file's version with the
    # enterprise, the probe with the penalties (the correction is stored on the record's row).
    with django_assert_num_queries(2):
        penalties = section(page(client, enterprise), "penalties")
    assert "更正于 2024年9月1日" in penalties and "罚款金额录入有误，已按决定书更正" in penalties


def test_it_links_a_branch_code_only_when_that_enterprise_is_registered(client, django_assert_num_queries):
    enterprise = f.EnterpriseFactory()
    registered = f.EnterpriseFactory(entity_type=EntityType.BRANCH)
    linked = f.BranchFactory(enterprise=enterprise, uscc=registered.uscc)
    unknown = f.BranchFactory(enterprise=enterprise)
    # the file's version with the enterprise, the probe with the branches and whether each
    # code is registered.
    with django_assert_num_queries(2):
        body = section(page(client, enterprise), "branches")
    assert f'<a href="/enterprises/{linked.uscc}/">{linked.uscc}</a>' in body
    assert unknown.uscc in body
    assert f"/enterprises/{unknown.uscc}/" not in body
    # The unknown code's page really is missing: the link would have been broken.
    assert client.get(f"/enterprises/{unknown.uscc}/").status_code == 404


def test_an_app_adds_a_section_through_the_registry_alone(client):
    """A section registered by an app appears in its place and in the contents, loaded
    through its own queryset, and the probe skips it when it has no row."""
    from credit.models import AdministrativePenalty

    extra = sections.Section(
        key="test_fines", order=81, template="credit/sections/penalties.html",
        rows=lambda subject: AdministrativePenalty.objects.filter(
            enterprise_id=subject.enterprise_id, fine_amount__gt=0
        ).order_by("-id"),
        contents=(("test-fines", "Fines"),),
        load=lambda section, subject: {"penalties": list(section.rows(subject)), "penalties_ended": 0},
        empty=dict,
    )
    sections.section_register(extra)
    try:
        enterprise = f.EnterpriseFactory()
        context = selectors.credit_file(enterprise=enterprise)
        keys = [s.key for s in context["agency_sections"]]
        assert keys.index("penalties") + 1 == keys.index("test_fines")
        assert "test-fines" in page(client, enterprise)
        fined = f.PenaltyFactory(enterprise=enterprise, fine_amount="100")
        context = selectors.credit_file(enterprise=enterprise)
        assert context["penalties"] == [fined]
    finally:
        sections.section_unregister("test_fines")
    assert "test_fines" not in [s.key for s in sections.sections()]


@pytest.mark.parametrize("rows", [1, 50])
def test_it_issues_a_constant_number_of_queries(client, django_assert_num_queries, rows):
    enterprise = f.EnterpriseFactory()
    fill_every_section(enterprise, rows)
    url = f"/enterprises/{enterprise.uscc}/"
    # Cold cache:
    #  0 the file's version (portal.pagecache: the key of the whole page), read with the
    #    enterprise + registration authority (one join), which the view takes from it
    #  1 the probe: which sections have rows (the listings and inspections sections
    #    included; they are empty here, so they cost nothing) and, as JSON, the rows of
    #    every credit section with their agencies, persons, contributions and whether each
    #    branch code is registered
    # (test_a_file_with_rows_in_every_section_costs_at_most_12_queries adds the listings
    # and inspections sections.)
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
    # Warm cache: only the file's version; the whole page comes from the cache.
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


def test_it_fetches_exactly_the_listings_and_inspections_parts_that_have_rows(django_assert_num_queries, now):
    from credit.selectors import credit_file
    from inspections.models import Result, SpotCheck, Task
    from inspections.tests.factories import PlanFactory
    from listings import services as listing_services
    from listings.tests.factories import make_entry

    person = f.PersonFactory()
    listed = f.EnterpriseFactory(legal_representative=person)
    other = f.EnterpriseFactory(legal_representative=person)
    entry = make_entry(
        list_code="serious-illegal", enterprise=listed, reason_code="false_disclosure", listed_on=f.ago(years=1)
    )
    context = credit_file(enterprise=listed)
    assert [e.pk for e in context["listings_serious_entries"]] == [entry.pk]
    assert context["listings_person_bars"] == []
    # The bar shows on the person's other enterprise, which has no entry of its own.
    context = credit_file(enterprise=other)
    assert [bar.pk for bar in context["listings_person_bars"]] == [entry.pk]
    assert context["listings_serious_entries"] == []
    listing_services.list_entry_revoke(entry=entry, revoked_on=f.ago(months=11), reason="处罚决定被撤销")
    # A revoked entry counts neither as an entry nor as a bar: the probe alone.
    for enterprise in (listed, other):
        with django_assert_num_queries(1):
            context = credit_file(enterprise=enterprise)
        assert context["listings_serious_entries"] == [] and context["listings_person_bars"] == []

    plan = PlanFactory()
    task = Task.objects.create(
        plan=plan, enterprise=other, number="T-1", position=1, uscc=other.uscc, risk_class="A", ticket="t"
    )
    # A task whose result is not published is not shown, and costs no query.
    with django_assert_num_queries(1):
        context = credit_file(enterprise=other)
    assert context["inspection_results"] == [] and context["inspection_spot_checks"] == []
    Task.objects.filter(pk=task.pk).update(
        result=Result.NO_PROBLEM, completed_on=f.ago(days=19), published_at=now
    )
    check = SpotCheck.objects.create(
        enterprise=other, agency=plan.agency, kind="即时信息抽查", checked_on=f.ago(months=6),
        result=Result.NO_PROBLEM, published_at=now,
    )
    context = credit_file(enterprise=other)
    assert [t.pk for t in context["inspection_results"]] == [task.pk]
    assert [c.pk for c in context["inspection_spot_checks"]] == [check.pk]


def test_a_section_whose_query_derives_a_value_from_the_subject_is_refused():
    """The compiled SQL is reused for every enterprise: a parameter computed from the
    subject (here: a day a month before today) would be frozen at its stand-in value."""
    import datetime as dt

    from credit.models import AdministrativePenalty

    def rows(subject):
        return AdministrativePenalty.objects.filter(
            enterprise_id=subject.enterprise_id, decided_on__gte=subject.today - dt.timedelta(days=30)
        )

    with pytest.raises(ValueError, match="derived from the subject"):
        sections.compile_query(rows)
    query = sections.compile_query(
        lambda subject: AdministrativePenalty.objects.filter(enterprise_id=subject.enterprise_id, decided_on__lte=subject.today)
    )
    assert sorted(p.name for p in query.params if isinstance(p, sections._Slot)) == ["enterprise_id", "today"]


def fill_every_app_section(enterprise, n: int, now) -> None:
    """Rows in every section of every app: the credit records, list entries on three
    lists with their memoranda and measures, a bar through the legal representative's
    other enterprise, spot checks and published inspection results."""
    from inspections.models import Result, SpotCheck, Task
    from inspections.tests.factories import PlanFactory
    from listings.tests.factories import MeasureFactory, make_entry

    fill_every_section(enterprise, n)
    other = f.EnterpriseFactory(legal_representative=enterprise.legal_representative)
    make_entry(list_code="serious-illegal", enterprise=other, reason_code="false_disclosure",
               listed_on=f.ago(months=3))
    entries = [
        make_entry(list_code="serious-illegal", enterprise=enterprise, reason_code="false_disclosure",
                   listed_on=f.ago(months=2)),
        make_entry(list_code="environmental-violators", enterprise=enterprise, listed_on=f.ago(months=2)),
    ]
    reasons = ["no_annual_report", "disclosure_not_made", "name_change_not_registered", "unreachable"]
    for index in range(n):
        entries.append(make_entry(list_code="abnormal-operations", enterprise=enterprise, reason_code=reasons[index],
                                  listed_on=f.ago(months=2, days=index)))
        for entry in entries:
            for memorandum in entry.credit_list.memoranda.all():
                MeasureFactory(memorandum=memorandum)
        plan = PlanFactory(number=f"SJ-RICH-{index}")
        Task.objects.create(plan=plan, enterprise=enterprise, number=f"T-{index}", position=1, uscc=enterprise.uscc,
                            risk_class="A", ticket="t", result=Result.NO_PROBLEM, completed_on=f.ago(days=19),
                            published_at=now)
        SpotCheck.objects.create(enterprise=enterprise, agency=plan.agency, kind="即时信息抽查",
                                 checked_on=f.ago(months=6), result=Result.NO_PROBLEM, published_at=now)


@pytest.mark.parametrize("rows", [1, 4])
def test_a_file_with_rows_in_every_section_costs_at_most_12_queries(client, django_assert_num_queries, rows, now):
    enterprise = f.EnterpriseFactory(legal_representative=f.PersonFactory())
    fill_every_app_section(enterprise, rows, now)
    # 0 the file's version (the whole page's key) with the enterprise; 1 the probe with the
    # credit sections' rows and the spot checks; 2 the bar; 3-5 list entries + their lists'
    # memoranda + measures; 6 inspection results + plan items. The goal is at most 12 for
    # any file, whatever it holds.
    with django_assert_num_queries(7):
        body = page(client, enterprise)
    for anchor in ("shareholders", "branches", "penalties", "abnormal-operations", "serious-illegal",
                   "spot-checks", "legal-representative-bar", "commitment-letters", "commitment-breaches"):
        assert f'id="{anchor}"' in body, anchor


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_file_read_through_prepared_statements_is_the_file_read_without(client, now, monkeypatch):
    enterprise = f.EnterpriseFactory(legal_representative=f.PersonFactory())
    fill_every_app_section(enterprise, 2, now)
    cache.clear()
    prepared = page(client, enterprise)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%json_agg%%'")
        assert cursor.fetchone()[0] == 1  # the probe
    cache.clear()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    assert page(client, enterprise) == prepared


def _shareholders_prefetched(subject):
    from credit.models import Shareholder

    return Shareholder.objects.filter(enterprise_id=subject.enterprise_id).prefetch_related("contributions")


def _shareholder_values(subject):
    from credit.models import Shareholder

    return Shareholder.objects.filter(enterprise_id=subject.enterprise_id).values("name")


@pytest.mark.parametrize("build", [_shareholders_prefetched, _shareholder_values])
def test_load_queryset_refuses_what_it_would_not_build(build):
    """It builds instances with their select_related rows: a prefetch or values() would be lost."""
    subject = selectors.file_subject(f.EnterpriseFactory())
    with pytest.raises(ValueError, match="select_related rows only"):
        sections.load_queryset(build, subject)


def test_the_version_read_with_the_enterprise_is_the_files_version():
    from credit.cache import credit_file_version, file_version_by_code
    from credit.publication import site_generation_raise

    enterprise = f.EnterpriseFactory(registered_capital="1234.5")
    versions = []
    for change in (lambda: None, lambda: services.credit_object_save(obj=f.ChangeRecordFactory(enterprise=enterprise), actor=None),
                   site_generation_raise):
        change()
        version, build = selectors.enterprise_version_get(uscc=enterprise.uscc)
        versions.append(version)
        assert version == file_version_by_code(enterprise.uscc)
        built, loaded = build(), selectors.enterprise_get(uscc=enterprise.uscc)
        assert version == credit_file_version(built)
        assert {k: v for k, v in vars(built).items() if k != "_state"} == {
            k: v for k, v in vars(loaded).items() if k != "_state"}
    assert len(set(versions)) == 3  # the file's own change, then the generation, each raise it
    for code in (enterprise.uscc.lower(), enterprise.uscc[:-1], enterprise.uscc + "\x00", f" {enterprise.uscc}"):
        assert selectors.enterprise_version_get(uscc=code) is None
    assert selectors.enterprise_version_get(uscc=uscc.build("9", "1", "110000", "MA00000X")) is None
