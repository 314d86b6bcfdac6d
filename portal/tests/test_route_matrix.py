"""The route matrix: every address of the site, per persona and method (the rule: portal/access.py).

`test_every_route` is parametrized with every URL pattern of the project, found by walking
``get_resolver().url_patterns`` (the admin's, i18n's and every app's), so a new address without
a row fails, naming its pattern; `test_every_row_has_a_route` fails for a row left behind.

Adding a row
- An app's address: add ``"<route>": [Case(url=..., GET=..., POST=...)]`` to ROWS, the route
  spelled as the failure prints it. `url` builds a concrete address from the `World`, with the
  other party's objects where that matters (enterprise B's objection, agency B's list entry,
  plan, record: personas A are the other party). Each method gets one expectation per persona,
  in PERSONAS order; leave a method out where the view does not take it.
- A model admin: add its model label to ADMIN with the object(s) to open and, per persona,
  what changelist, add, change, history and delete answer; its six addresses follow from that.
  A custom admin view (an extra ``get_urls`` address) is a route of its own in ROWS.

Expectations: an HTTP status, LOGIN (302 to a sign-in page), HIDDEN (the admin's answer for a row
outside its queryset: 302 to /admin/), REDIRECT (any other redirect), VIEW / EDIT (an admin change
page, read-only / editable). In ADMIN strings: L login, D 403, H hidden, V view, E edit, O 200.
The admin gets POSTs only where the GET is refused or read-only, and must refuse them the same
way (read-only: 403); nothing is deleted.

The world is built once per module (one transaction, rolled back at the end; each test runs in a
savepoint of it), every persona signs in once, and the module uses an in-process cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from portal.testing.personas import PERSONAS, build_personas

pytestmark = pytest.mark.django_db

LOGIN, HIDDEN, REDIRECT, VIEW, EDIT = "login", "hidden", "redirect", "view", "edit"
ADMIN_CODES = {"L": LOGIN, "D": 403, "H": HIDDEN, "V": VIEW, "E": EDIT, "O": 200, "N": 404, "R": REDIRECT}
NON_STAFF = ("anonymous", "enterprise_a", "enterprise_b")
FIXED = dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.UTC)


def each(expected) -> tuple:
    return (expected,) * len(PERSONAS)


def walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


ROUTES = dict(walk(get_resolver().url_patterns))


# --- the world ------------------------------------------------------------------------


@dataclass
class World:
    p: Any  # the Personas
    objects: dict[str, Any]
    sessions: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name):
        if name == "objects":
            raise AttributeError(name)
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None

    def client(self, persona: str) -> Client:
        client = Client()
        if persona in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client


def build_world() -> World:
    from axes.models import AccessAttempt, AccessLog
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from credit.tests import factories as f
    from inspections import services as inspection_services
    from inspections.models import Conflict, DisclosureOrder, Result, SpotCheck, Task
    from inspections.tests.factories import InspectionItemFactory, InspectorFactory, PlanFactory
    from listings import services as listing_services
    from listings.models import CreditList, RemovalApplication, RepairApplication
    from listings.tests.factories import MemorandumFactory, make_entry, make_repair_file
    from portal.audit import audit_record
    from portal.models import ApiKey, Notice
    from portal.services import api_key_confirm_token
    from portal.testing.personas import staff_group

    p = build_personas()
    b, firm_b = p.agency_b, p.firm_b
    records = {"enterprise": firm_b, "agency": b}
    for name, factory in [
        ("administrativepenalty", f.PenaltyFactory), ("administrativelicence", f.LicenceFactory),
        ("shareholder", f.ShareholderFactory), ("keyperson", f.KeyPersonFactory), ("branch", f.BranchFactory),
        ("changerecord", f.ChangeRecordFactory), ("chattelmortgage", f.ChattelMortgageFactory),
        ("equitypledge", f.EquityPledgeFactory), ("judicialassistance", f.JudicialAssistanceFactory),
    ]:
        records[name] = factory(enterprise=firm_b, source_agency=b)
    for name, factory in [("annualreport", f.AnnualReportFactory), ("instantdisclosure", f.InstantDisclosureFactory),
                          ("commitmentletter", f.CommitmentLetterFactory)]:
        records[name] = factory(enterprise=firm_b)
    records["person"] = firm_b.legal_representative
    # Enterprise B's letter is made to agency B (its registration authority); a breach of another.
    records["commitmentbreach"] = f.CommitmentBreachFactory(letter=f.CommitmentLetterFactory(enterprise=firm_b))
    records["agencystaff"] = p.users["staff_b"].agency_staff
    records["enterpriseaccount"] = p.users["enterprise_b"].enterprise_account

    # Listings: SAMR (agency B) owns the abnormal-operations list; enterprise B is on it and objects.
    abnormal = CreditList.objects.get(code="abnormal-operations")
    entry = make_entry(list_code=abnormal.code, enterprise=firm_b, listed_on=dt.date(2025, 9, 15))
    objection = listing_services.objection_submit(
        entry=entry, grounds="地址可以联系", submitted_on=dt.date(2025, 9, 20), actor=p.users["enterprise_b"]
    )
    memorandum = MemorandumFactory(signatories=[b], lists=[abnormal])
    # Enterprise B applied for the entry's removal (no_annual_report); agency B decides it.
    removal = RemovalApplication.objects.create(entry=entry, submitted_on=dt.date(2025, 9, 25),
                                                decision_due=dt.date(2025, 10, 9))
    # Enterprise B applied to repair agency B's penalty; agency B decides it (whoever recorded it).
    repair = RepairApplication.objects.create(
        enterprise=firm_b, record_kind="penalty", record_id=records["administrativepenalty"].pk,
        record_label=records["administrativepenalty"].document_number, deciding_agency=b,
        commitment_letter=records["commitmentletter"], statement="已改正", submitted_at=FIXED,
        acceptance_due=dt.date(2026, 2, 4),
    )

    # Inspections of agency B: a committed plan (public) and a draft (private), an unrevealed task,
    # inspectors and a declared conflict (private), a published spot check (public).
    item = InspectionItemFactory(code="ITEM-BASE")
    inspectors = [InspectorFactory(agency=b, items=[item]) for _ in range(3)]
    committed = inspection_services.plan_commit(plan=PlanFactory(agency=b, items=[item]), actor=p.users["staff_b"])
    draft = PlanFactory(agency=b, items=[item])
    task = Task.objects.create(plan=committed, enterprise=firm_b, number=f"{committed.number}-0001", position=1,
                               uscc=firm_b.uscc, risk_class=firm_b.risk_class, ticket="0" * 64)
    conflict = Conflict.objects.create(inspector=inspectors[0], enterprise=firm_b, reason="亲属任职",
                                       declared_on=dt.date(2026, 1, 5))
    spot_check = SpotCheck.objects.create(enterprise=firm_b, agency=b, kind="即时信息抽查",
                                          checked_on=dt.date(2026, 2, 1), result=Result.NO_PROBLEM, published_at=FIXED)
    disclosure_order = DisclosureOrder.objects.create(
        enterprise=firm_b, agency=b, number="责令公示-0001", ordered_on=dt.date(2026, 2, 2), due_on=dt.date(2026, 2, 13),
    )

    # Enterprise B's repair application, decided by agency B, with its proof file.
    repair_file = make_repair_file(enterprise=firm_b, deciding_agency=b, application=repair)

    # Following by e-mail: a confirmed follow of enterprise B (its token opens its pages) and an alert.
    from credit.models import ChangeEvent
    from following.models import Alert, Follow

    follow = Follow.objects.create(target="enterprise", enterprise=firm_b, channel="email", email="f@example.cn",
                                   token="matrix-follow-token", created_at=FIXED, confirmed_at=FIXED)
    event = ChangeEvent.objects.create(sequence=9_000_001, occurred_at=FIXED, action="credit.penalty.published",
                                       kind="published", object_type="credit.administrativepenalty",
                                       object_id=str(records["administrativepenalty"].pk),
                                       address=f"/enterprises/{firm_b.uscc}/#penalties", state=None,
                                       prev_hash="0" * 64, hash="1" * 64, enterprise=firm_b)
    alert = Alert.objects.create(follow=follow, event=event, created_at=FIXED)

    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    objects = {
        **records, "credit_list": abnormal, "entry": entry, "objection": objection, "memorandum": memorandum,
        "removal": removal, "repair_file": repair_file, "repair": repair, "follow": follow, "alert": alert,
        "item": item, "inspector": inspectors[0], "conflict": conflict, "spot_check": spot_check,
        "disclosure_order": disclosure_order, "report_year": f.today().year - 1,
        "plan": committed, "draft_plan": draft, "task": task,
        "auditevent": audit_record(action="portal.matrix.prepared", actor_label="test"),
        "notice": Notice.objects.create(key="matrix.notice:1", recipient="a@example.cn", subject="s", body="b"),
        "group": staff_group(), "user": p.users["enterprise_b"],
        "api_key_token": api_key_confirm_token(ApiKey.objects.create(email="matrix@example.cn", requested_at=FIXED)),
        "intervalschedule": interval,
        "crontabschedule": CrontabSchedule.objects.create(minute="10", hour="0"),
        "solarschedule": SolarSchedule.objects.create(event="sunrise", latitude="39.90", longitude="116.40"),
        "clockedschedule": ClockedSchedule.objects.create(clocked_time=FIXED),
        "periodictask": PeriodicTask.objects.create(name="expire", task="listings.entries_expire", interval=interval),
        "accessattempt": AccessAttempt.objects.create(
            username="nobody", ip_address="127.0.0.1", user_agent="test", http_accept="*/*",
            path_info="/account/login/", get_data="", post_data="", failures_since_start=1,
        ),
        "accesslog": AccessLog.objects.create(
            username="nobody", ip_address="127.0.0.1", user_agent="test", http_accept="*/*", path_info="/admin/login/",
        ),
    }
    world = World(p=p, objects=objects)
    for persona in PERSONAS:
        user = p.users.get(persona)
        if user is not None:
            client = Client()
            client.force_login(user)
            world.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return world


# The matrix is about answers, not caching: an in-process cache keeps its hundreds of tests (each
# clearing the cache twice, conftest._clear_cache) from flushing the Redis that parallel workers
# share with the Celery broker, and from filling it with pages keyed by ids other workers reuse.
IN_PROCESS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "matrix"}}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from credit.bulk import export_bulk

    # Wrong-password POSTs from every persona would lock the login pages (tested in portal/tests/test_login_throttle.py).
    # The bulk files of /data/ are written into a folder of the module's own.
    with django_db_blocker.unblock(), override_settings(CACHES=IN_PROCESS_CACHE, AXES_ENABLED=False,
                                                        DATA_ROOT=tmp_path_factory.mktemp("data"),
                                                        API_ANON_RATE=100_000), \
            transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = build_world()
        built.objects["bulk"], _written = export_bulk()
        yield built
        transaction.set_rollback(True)


# --- the rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    url: Callable[[World], str]
    GET: tuple | None = None
    HEAD: tuple | None = None
    POST: tuple | None = None
    data: dict = field(default_factory=dict)
    survives: str = ""  # a World object that must still exist afterwards (the delete views)


PUBLIC = each(200)
# Persona columns:          anonymous enterprise_a enterprise_b staff_a staff_b staff_a_no_perms staff_without_agency superuser
# A staff page of agency B's object: 403 for who may not use staff pages, whatever the address names;
# 404 for the other agency's staff (as for a missing object); a superuser needs an agency link here.
STAFF_PAGE_OF_B = (LOGIN, 403, 403, 404, 200, 403, 403, 403)
# A staff page of one's own agency (a queue): for the staff of any agency with the permission.
STAFF_PAGE_OF_OWN = (LOGIN, 403, 403, 200, 200, 403, 403, 403)
# The objection page of enterprise B's entry on agency B's list: for the enterprise and the owner's staff.
PARTY_PAGE_OF_B = (LOGIN, 404, 200, 404, 200, 403, 403, 403)
ACCOUNT_AREA = (LOGIN, 200, 200, 403, 403, 403, 403, 403)
STAFF_HOME = (LOGIN, 403, 403, 200, 200, 200, 403, 403)
ADMIN_STAFF = (LOGIN, LOGIN, LOGIN, 200, 200, 200, 200, 200)
METHOD_NOT_ALLOWED = each(405)


def plan_url(suffix=""):
    return lambda w: f"/inspections/plans/{w.plan.number}/{suffix}"


def draft_url(suffix=""):
    return lambda w: f"/inspections/plans/{w.draft_plan.number}/{suffix}"


ROWS: dict[str, list[Case]] = {
    "": [Case(lambda w: "/", GET=PUBLIC, HEAD=PUBLIC)],
    "search/": [Case(lambda w: "/search/?q=公司", GET=PUBLIC, HEAD=PUBLIC)],
    "healthz": [Case(lambda w: "/healthz", GET=PUBLIC, HEAD=PUBLIC)],
    "favicon.ico": [Case(lambda w: "/favicon.ico", GET=each(REDIRECT), HEAD=each(REDIRECT))],
    "i18n/setlang/": [Case(lambda w: "/i18n/setlang/", GET=each(REDIRECT), POST=each(REDIRECT),
                           data={"language": "en", "next": "/"})],
    "enterprises/<str:uscc>/annual-reports/<int:year>/": [
        Case(lambda w: f"/enterprises/{w.enterprise.uscc}/annual-reports/{w.annualreport.year}/", GET=PUBLIC,
             HEAD=PUBLIC),
        Case(lambda w: f"/enterprises/{w.enterprise.uscc}/annual-reports/1999/", GET=each(404)),
    ],
    "enterprises/<str:uscc>/": [
        Case(lambda w: f"/enterprises/{w.enterprise.uscc}/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/enterprises/91110000600037341X/", GET=each(404)),  # fails the check digit
    ],
    "lists/": [Case(lambda w: "/lists/", GET=PUBLIC, HEAD=PUBLIC)],
    # Atom feeds beside the pages they follow (following/feeds.py): public, read-only.
    "enterprises/<str:uscc>/feed.atom": [
        Case(lambda w: f"/enterprises/{w.enterprise.uscc}/feed.atom", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/enterprises/91110000600037341X/feed.atom", GET=each(404)),
        Case(lambda w: f"/enterprises/{w.enterprise.uscc.lower()}/feed.atom", GET=each(301)),
    ],
    "lists/<slug:code>/feed.atom": [
        Case(lambda w: f"/lists/{w.credit_list.code}/feed.atom", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/lists/no-such-list/feed.atom", GET=each(404)),
    ],
    "search/feed.atom": [
        Case(lambda w: "/search/feed.atom?q=公司", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/search/feed.atom?q=x", GET=each(400)),
    ],
    "lists/<slug:code>/": [Case(lambda w: f"/lists/{w.credit_list.code}/", GET=PUBLIC, HEAD=PUBLIC)],
    "lists/<slug:code>/<int:pk>/": [Case(lambda w: w.entry.get_absolute_url(), GET=PUBLIC, HEAD=PUBLIC)],
    "lists/<slug:code>/<int:pk>/object/": [
        Case(lambda w: f"{w.entry.get_absolute_url()}object/", GET=PARTY_PAGE_OF_B, POST=PARTY_PAGE_OF_B),
    ],
    # The abnormal-operations list is agency B's, and every market-regulation bureau lists the firms it
    # registered there (listings.models.CreditList.may_open): agency A's staff open the page too.
    "lists/staff/<slug:code>/add/": [
        Case(lambda w: f"/lists/staff/{w.credit_list.code}/add/", GET=STAFF_PAGE_OF_OWN, POST=STAFF_PAGE_OF_OWN),
        Case(lambda w: "/lists/staff/no-such-list/add/", GET=(LOGIN, 403, 403, 404, 404, 403, 403, 403)),
    ],
    "lists/staff/<slug:code>/<int:pk>/remove/": [
        Case(lambda w: f"/lists/staff/{w.credit_list.code}/{w.entry.pk}/remove/", GET=STAFF_PAGE_OF_B,
             POST=STAFF_PAGE_OF_B),
    ],
    "lists/staff/<slug:code>/<int:pk>/revoke/": [
        Case(lambda w: f"/lists/staff/{w.credit_list.code}/{w.entry.pk}/revoke/", GET=STAFF_PAGE_OF_B,
             POST=STAFF_PAGE_OF_B),
    ],
    "lists/staff/objections/": [Case(lambda w: "/lists/staff/objections/", GET=STAFF_PAGE_OF_OWN)],
    "lists/staff/objections/<int:pk>/": [
        Case(lambda w: f"/lists/staff/objections/{w.objection.pk}/", GET=STAFF_PAGE_OF_B, POST=STAFF_PAGE_OF_B),
    ],
    "lists/staff/removals/": [Case(lambda w: "/lists/staff/removals/", GET=STAFF_PAGE_OF_OWN)],
    "lists/staff/removals/<int:pk>/": [
        Case(lambda w: f"/lists/staff/removals/{w.removal.pk}/", GET=STAFF_PAGE_OF_B, POST=STAFF_PAGE_OF_B),
    ],
    "lists/staff/repairs/": [Case(lambda w: "/lists/staff/repairs/", GET=STAFF_PAGE_OF_OWN)],
    # The deciding agency's (B's) staff only; an empty POST is answered with the form's errors.
    "lists/staff/repairs/<id:pk>/": [
        Case(lambda w: f"/lists/staff/repairs/{w.repair.pk}/", GET=STAFF_PAGE_OF_B, POST=STAFF_PAGE_OF_B),
    ],
    "account/repairs/": [Case(lambda w: "/account/repairs/", GET=ACCOUNT_AREA)],
    # Enterprise B's penalty: its own liaison sees the form; enterprise A gets the 404 of a missing record.
    "account/repairs/apply/<slug:kind>/<id:record_id>/": [
        Case(lambda w: f"/account/repairs/apply/penalty/{w.administrativepenalty.pk}/",
             GET=(LOGIN, 404, 200, 403, 403, 403, 403, 403), POST=(LOGIN, 404, 200, 403, 403, 403, 403, 403)),
        Case(lambda w: f"/account/repairs/apply/no-such-kind/{w.administrativepenalty.pk}/",
             GET=(LOGIN, 404, 404, 403, 403, 403, 403, 403)),
    ],
    "account/repairs/<id:pk>/supplement/": [
        Case(lambda w: f"/account/repairs/{w.repair.pk}/supplement/", GET=(LOGIN, 404, 200, 403, 403, 403, 403, 403),
             POST=(LOGIN, 404, 200, 403, 403, 403, 403, 403)),
    ],
    # Enterprise B's entry: its own liaison applies (a POST while one is pending answers with the error).
    "account/entries/<int:pk>/removal/": [
        Case(lambda w: f"/account/entries/{w.entry.pk}/removal/", GET=(LOGIN, 404, 200, 403, 403, 403, 403, 403),
             POST=(LOGIN, 404, 200, 403, 403, 403, 403, 403)),
    ],
    # Repair applications' proof files: the applying enterprise B at its address, agency B's staff at
    # theirs; everyone else (anonymous, enterprise A, another agency, a superuser) the 404 of a missing file.
    "account/repairs/files/<str:stored_name>/": [
        Case(lambda w: f"/account/repairs/files/{w.repair_file.stored_name}/", GET=(404, 404, 200, *(404,) * 5),
             HEAD=(404, 404, 200, *(404,) * 5), POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/account/repairs/files/..%2F..%2Fetc%2Fpasswd/", GET=each(404)),
    ],
    "lists/staff/repairs/files/<str:stored_name>/": [
        Case(lambda w: f"/lists/staff/repairs/files/{w.repair_file.stored_name}/",
             GET=(404, 404, 404, 404, 200, 404, 404, 404), HEAD=(404, 404, 404, 404, 200, 404, 404, 404),
             POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/lists/staff/repairs/files/" + "A" * 32 + "/", GET=each(404)),
    ],
    "inspections/staff/disclosure-orders/": [
        Case(lambda w: "/inspections/staff/disclosure-orders/", GET=STAFF_PAGE_OF_OWN, HEAD=STAFF_PAGE_OF_OWN),
    ],
    "inspections/staff/disclosure-orders/<int:pk>/cure/": [
        Case(lambda w: f"/inspections/staff/disclosure-orders/{w.disclosure_order.pk}/cure/", GET=STAFF_PAGE_OF_B,
             POST=STAFF_PAGE_OF_B),
    ],
    # Public pages of plans: a draft is nobody's public business, its own agency's staff included.
    "inspections/": [Case(lambda w: "/inspections/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    # The change feed and the bulk files: public, read-only (docs/changes.md, docs/data.md).
    "api/v1/changes/": [
        Case(lambda w: "/api/v1/changes/?after=0&limit=5", GET=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/api/v1/changes/?after=-1", GET=each(400)),
    ],
    "api/v1/changes/heads/": [Case(lambda w: "/api/v1/changes/heads/", GET=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "data/": [Case(lambda w: "/data/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "data/manifest.json": [Case(lambda w: "/data/manifest.json", GET=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    r"data/^manifest-(?P<date>\d{4}-\d{2}-\d{2})\.json$": [
        Case(lambda w: f"/data/manifest-{w.bulk['date']}.json", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/data/manifest-2001-01-01.json", GET=each(404)),
    ],
    r"data/^(?P<folder>(?:snapshot|delta)-\d{4}-\d{2}-\d{2})/(?P<name>[a-z_]{1,40}\.(?:csv|jsonl)\.gz)$": [
        Case(lambda w: f"/data/{w.bulk['files'][0]['name']}", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: f"/data/delta-{w.bulk['date']}/unknown.csv.gz", GET=each(404)),
    ],
    "inspections/verify_draw.py": [
        Case(lambda w: "/inspections/verify_draw.py", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
    ],
    "inspections/plans/<inspections_plan:number>/": [
        Case(plan_url(), GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(draft_url(), GET=each(404), HEAD=each(404)),
    ],
    "inspections/plans/<inspections_plan:number>/files.zip": [
        Case(lambda w: f"/inspections/plans/{w.plan.number}/files.zip", GET=PUBLIC, HEAD=PUBLIC,
             POST=METHOD_NOT_ALLOWED),
        Case(lambda w: f"/inspections/plans/{w.draft_plan.number}/files.zip", GET=each(404)),
    ],
    "inspections/plans/<inspections_plan:number>/files/<inspections_file:name>": [
        Case(plan_url("files/parameters.json"), GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(plan_url("files/reveal.json"), GET=each(404)),  # not before the reveal
        Case(draft_url("files/parameters.json"), GET=each(404)),
    ],
    # The per-plan results table: the plan's own agency's staff, drafts included (nothing to enter yet).
    # A POST without the table's rows is a page with the error, nothing saved.
    "inspections/staff/plans/<inspections_plan:number>/results/": [
        Case(lambda w: f"/inspections/staff/plans/{w.plan.number}/results/", GET=STAFF_PAGE_OF_B,
             HEAD=STAFF_PAGE_OF_B, POST=STAFF_PAGE_OF_B),
        Case(lambda w: f"/inspections/staff/plans/{w.plan.number}/results/", POST=STAFF_PAGE_OF_B,
             data={"action": "publish_all"}),
        Case(lambda w: f"/inspections/staff/plans/{w.draft_plan.number}/results/", GET=STAFF_PAGE_OF_B),
        Case(lambda w: "/inspections/staff/plans/NO-SUCH-PLAN/results/", GET=(LOGIN, 403, 403, 404, 404, 403, 403, 403)),
    ],
    # The staff home: any agency staff login (its queues by the permissions it holds); a login
    # without an agency link, a superuser's included, acts for no agency and gets 403.
    "staff/": [Case(lambda w: "/staff/", GET=STAFF_HOME, HEAD=STAFF_HOME, POST=METHOD_NOT_ALLOWED)],
    "account/": [Case(lambda w: "/account/", GET=ACCOUNT_AREA, HEAD=ACCOUNT_AREA)],
    # Credit commitment letters: public pages, the enterprise's own list and signing (an empty
    # POST is step 1 again with its errors), the staff pages of the agency a letter is made to
    # (enterprise B's letters are made to agency B; an empty POST is the form with its errors).
    "commitments/": [
        Case(lambda w: "/commitments/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/commitments/?state=breached&kind=general", GET=PUBLIC),
    ],
    "commitments/verify_commitment.py": [
        Case(lambda w: "/commitments/verify_commitment.py", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
    ],
    "commitments/<id:pk>/": [
        Case(lambda w: f"/commitments/{w.commitmentletter.pk}/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/commitments/999999/", GET=each(404)),
        # An id beyond a bigint is no match, not an overflow.
        Case(lambda w: "/commitments/99999999999999999999/", GET=each(404)),
        Case(lambda w: "/commitments/9223372036854775808/letter.txt", GET=each(404)),
    ],
    "commitments/<id:pk>/letter.txt": [
        Case(lambda w: f"/commitments/{w.commitmentletter.pk}/letter.txt", GET=PUBLIC, HEAD=PUBLIC,
             POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/commitments/999999/letter.txt", GET=each(404)),
    ],
    "account/commitments/": [Case(lambda w: "/account/commitments/", GET=ACCOUNT_AREA, HEAD=ACCOUNT_AREA)],
    "account/commitments/sign/": [
        Case(lambda w: "/account/commitments/sign/", GET=ACCOUNT_AREA, POST=ACCOUNT_AREA, data={"step": "preview"}),
    ],
    "staff/commitments/": [Case(lambda w: "/staff/commitments/", GET=STAFF_PAGE_OF_OWN, HEAD=STAFF_PAGE_OF_OWN)],
    "staff/commitments/<id:pk>/breach/": [
        Case(lambda w: f"/staff/commitments/{w.commitmentletter.pk}/breach/", GET=STAFF_PAGE_OF_B,
             POST=STAFF_PAGE_OF_B),
        Case(lambda w: "/staff/commitments/999999/breach/", GET=(LOGIN, 403, 403, 404, 404, 403, 403, 403)),
    ],
    "staff/commitments/<id:pk>/fulfil/": [
        Case(lambda w: f"/staff/commitments/{w.commitmentletter.pk}/fulfil/", GET=STAFF_PAGE_OF_B,
             POST=STAFF_PAGE_OF_B),
        Case(lambda w: "/staff/commitments/999999/fulfil/", GET=(LOGIN, 403, 403, 404, 404, 403, 403, 403)),
    ],
    "account/login/": [Case(lambda w: "/account/login/", GET=PUBLIC, POST=PUBLIC,
                            data={"username": "nobody", "password": "wrong"})],
    # Any signed-in login may change its own password (an empty POST is a form error, 200).
    "account/password/": [Case(lambda w: "/account/password/", GET=(LOGIN, *(200,) * 7), POST=(LOGIN, *(200,) * 7))],
    "account/logout/": [Case(lambda w: "/account/logout/", GET=METHOD_NOT_ALLOWED, POST=each(REDIRECT))],
    # Activation with a letter's code and the password reset: public forms (an empty POST is a form error).
    "account/activate/": [Case(lambda w: "/account/activate/", GET=PUBLIC, POST=PUBLIC)],
    "account/password-reset/": [Case(lambda w: "/account/password-reset/", GET=PUBLIC, POST=PUBLIC,
                                     data={"email": ""})],
    "account/password-reset/sent/": [Case(lambda w: "/account/password-reset/sent/", GET=PUBLIC)],
    # A link that does not check out is a page that says so.
    "account/password-reset/<uidb64>/<token>/": [Case(lambda w: "/account/password-reset/MQ/no-such-token/",
                                                      GET=PUBLIC, POST=PUBLIC)],
    "account/password-reset/done/": [Case(lambda w: "/account/password-reset/done/", GET=PUBLIC)],
    # Enterprise logins (credit.accounts.may_manage_accounts): the registration authority's staff (A for
    # firm A) and a national market regulator's (B, for every firm); another bureau's staff get 404.
    "staff/enterprises/accounts/": [Case(lambda w: "/staff/enterprises/accounts/", GET=STAFF_PAGE_OF_OWN,
                                         HEAD=STAFF_PAGE_OF_OWN)],
    "staff/enterprises/<str:uscc>/accounts/": [
        # A revocation without its reason: the page with the error, nothing changed.
        Case(lambda w: f"/staff/enterprises/{w.enterprise.uscc}/accounts/", GET=STAFF_PAGE_OF_B, HEAD=STAFF_PAGE_OF_B,
             POST=STAFF_PAGE_OF_B, data={"action": "revoke_login", "account": "1"}),
        Case(lambda w: f"/staff/enterprises/{w.p.firm_a.uscc}/accounts/", GET=STAFF_PAGE_OF_OWN),
        Case(lambda w: f"/staff/enterprises/{w.p.firm_a.uscc}/accounts/", POST=(LOGIN, 403, 403, 400, 400, 403, 403, 403),
             data={"action": "no-such-action"}),
        Case(lambda w: "/staff/enterprises/91110000600037341X/accounts/", GET=(LOGIN, 403, 403, 404, 404, 403, 403, 403)),
    ],
    # Instant disclosures: enterprise logins only; an empty POST is a form error (200); B's disclosure is 404 to A.
    "account/disclosures/": [Case(lambda w: "/account/disclosures/", GET=ACCOUNT_AREA)],
    "account/disclosures/new/<slug:kind>/": [
        Case(lambda w: "/account/disclosures/new/capital/", GET=ACCOUNT_AREA, POST=ACCOUNT_AREA),
        Case(lambda w: "/account/disclosures/new/no-such-kind/", GET=(LOGIN, 404, 404, *(403,) * 5)),
    ],
    "account/disclosures/<int:pk>/correct/": [
        Case(lambda w: f"/account/disclosures/{w.instantdisclosure.pk}/correct/", GET=(LOGIN, 404, 200, *(403,) * 5),
             POST=(LOGIN, 404, 200, *(403,) * 5)),
    ],
    "account/annual-reports/": [Case(lambda w: "/account/annual-reports/", GET=ACCOUNT_AREA, HEAD=ACCOUNT_AREA)],
    # The login's own enterprise's years only: a year it cannot file is 404 (there is no address of
    # another enterprise's draft). A POST saves a draft and redirects to the page (PRG).
    "account/annual-reports/<int:year>/": [
        Case(lambda w: f"/account/annual-reports/{w.report_year}/", GET=ACCOUNT_AREA, HEAD=ACCOUNT_AREA,
             POST=(LOGIN, REDIRECT, REDIRECT, 403, 403, 403, 403, 403), data={"action": "save", "address": "x"}),
        Case(lambda w: "/account/annual-reports/1999/", GET=(LOGIN, 404, 404, 403, 403, 403, 403, 403),
             POST=(LOGIN, 404, 404, 403, 403, 403, 403, 403), data={"action": "save"}),
    ],
    # The public read API (portal/api.py): the same answer for everyone, signed in or not (it reads no
    # session); drafts and unknown objects are 404; it takes no writes (405).
    "api/v1/": [Case(lambda w: "/api/v1/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "api/v1/schema/": [Case(lambda w: "/api/v1/schema/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "api/v1/docs/": [Case(lambda w: "/api/v1/docs/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "api/v1/^enterprises/$": [
        Case(lambda w: "/api/v1/enterprises/?q=公司", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/api/v1/enterprises/?q=x", GET=each(400)),
    ],
    "api/v1/^enterprises/(?P<uscc>[^/]+)/$": [
        Case(lambda w: f"/api/v1/enterprises/{w.enterprise.uscc}/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/api/v1/enterprises/91110000600037341X/", GET=each(404)),
        Case(lambda w: f"/api/v1/enterprises/{w.enterprise.uscc.lower()}/", GET=each(301)),
    ],
    "api/v1/^enterprises/(?P<uscc>[^/]+)/annual-reports/$": [
        Case(lambda w: f"/api/v1/enterprises/{w.enterprise.uscc}/annual-reports/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/api/v1/enterprises/91110000600037341X/annual-reports/", GET=each(404)),
    ],
    "api/v1/^disclosures/$": [Case(lambda w: f"/api/v1/disclosures/?uscc={w.enterprise.uscc}", GET=PUBLIC,
                                   HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "api/v1/^disclosures/(?P<pk>[^/.]+)/$": [
        Case(lambda w: f"/api/v1/disclosures/{w.instantdisclosure.pk}/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/api/v1/disclosures/999999/", GET=each(404)),
    ],
    "api/v1/^commitment-letters/$": [Case(lambda w: "/api/v1/commitment-letters/", GET=PUBLIC, HEAD=PUBLIC,
                                          POST=METHOD_NOT_ALLOWED)],
    "api/v1/^commitment-letters/(?P<pk>[^/.]+)/$": [
        Case(lambda w: f"/api/v1/commitment-letters/{w.commitmentletter.pk}/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/api/v1/commitment-letters/999999/", GET=each(404)),
    ],
    # Webhooks (following/api.py): only with an API key, which no persona's session carries (401
    # for everyone, also for the writes); following/tests/test_api.py tests them with keys.
    "api/v1/^webhooks/$": [Case(lambda w: "/api/v1/webhooks/", GET=each(401), HEAD=each(401), POST=each(401))],
    "api/v1/^webhooks/(?P<pk>[^/.]+)/$": [Case(lambda w: "/api/v1/webhooks/1/", GET=each(401))],
    "api/v1/^webhooks/(?P<pk>[^/.]+)/deliveries/$": [Case(lambda w: "/api/v1/webhooks/1/deliveries/",
                                                          GET=each(401))],
    "api/v1/^webhooks/(?P<pk>[^/.]+)/disable/$": [Case(lambda w: "/api/v1/webhooks/1/disable/", POST=each(401))],
    "api/v1/^follows/$": [Case(lambda w: "/api/v1/follows/", GET=each(401), POST=each(401))],
    "api/v1/^follows/(?P<pk>[^/.]+)/$": [Case(lambda w: "/api/v1/follows/1/", GET=each(401))],
    "api/v1/^follows/(?P<pk>[^/.]+)/end/$": [Case(lambda w: "/api/v1/follows/1/end/", POST=each(401))],
    "api/v1/^lists/$": [Case(lambda w: "/api/v1/lists/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "api/v1/^lists/(?P<code>[-a-zA-Z0-9_]+)/$": [
        Case(lambda w: f"/api/v1/lists/{w.credit_list.code}/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/api/v1/lists/no-such-list/", GET=each(404)),
    ],
    "api/v1/^list-entries/$": [
        Case(lambda w: f"/api/v1/list-entries/?list={w.credit_list.code}&status=", GET=PUBLIC, HEAD=PUBLIC,
             POST=METHOD_NOT_ALLOWED),
        Case(lambda w: "/api/v1/list-entries/?list=no-such-list", GET=each(400)),
    ],
    "api/v1/^list-entries/(?P<pk>[^/.]+)/$": [
        Case(lambda w: f"/api/v1/list-entries/{w.entry.pk}/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/api/v1/list-entries/999999/", GET=each(404)),
    ],
    "api/v1/^plans/$": [Case(lambda w: "/api/v1/plans/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED)],
    "api/v1/^plans/(?P<number>[A-Za-z0-9._-]{1,64})/$": [
        Case(lambda w: f"/api/v1/plans/{w.plan.number}/", GET=PUBLIC, HEAD=PUBLIC, POST=METHOD_NOT_ALLOWED),
        Case(lambda w: f"/api/v1/plans/{w.draft_plan.number}/", GET=each(404)),  # a draft is nobody's business
    ],
    "api/v1/^plans/(?P<number>[A-Za-z0-9._-]{1,64})/tasks/$": [
        Case(lambda w: f"/api/v1/plans/{w.plan.number}/tasks/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: f"/api/v1/plans/{w.draft_plan.number}/tasks/", GET=each(404)),
    ],
    # API keys: public forms; an empty request is a form error (400); a broken link says so (404); a
    # pending request's link shows its button to anyone holding it (only a POST issues the key).
    "api/keys/": [Case(lambda w: "/api/keys/", GET=PUBLIC, HEAD=PUBLIC, POST=each(400), data={"email": ""})],
    # Following by e-mail (following/views.py): public forms; an empty POST is told what is missing.
    "follow/enterprises/<str:uscc>/": [
        Case(lambda w: f"/follow/enterprises/{w.enterprise.uscc}/", GET=PUBLIC, HEAD=PUBLIC, POST=each(400)),
        Case(lambda w: "/follow/enterprises/91110000600037341X/", GET=each(404), POST=each(404)),
    ],
    "follow/lists/<slug:code>/": [
        Case(lambda w: f"/follow/lists/{w.credit_list.code}/", GET=PUBLIC, HEAD=PUBLIC, POST=each(400)),
        Case(lambda w: "/follow/lists/no-such-list/", GET=each(404)),
    ],
    "follow/search/": [
        Case(lambda w: "/follow/search/?q=公司", GET=PUBLIC, HEAD=PUBLIC, POST=each(400)),
        Case(lambda w: "/follow/search/", GET=each(400)),  # nothing searched: the search's own error
    ],
    # The token is the capability: anyone holding the link; an unknown token is 404.
    "follow/confirm/<str:token>/": [
        Case(lambda w: f"/follow/confirm/{w.follow.token}/", GET=PUBLIC, HEAD=PUBLIC, POST=PUBLIC),
        Case(lambda w: "/follow/confirm/unknown/", GET=each(404), POST=each(404)),
    ],
    "follow/unsubscribe/<str:token>/": [
        Case(lambda w: f"/follow/unsubscribe/{w.follow.token}/", GET=PUBLIC, HEAD=PUBLIC, POST=PUBLIC),
        Case(lambda w: "/follow/unsubscribe/unknown/", GET=each(404), POST=each(404)),
    ],
    "follow/manage/<str:token>/": [
        Case(lambda w: f"/follow/manage/{w.follow.token}/", GET=PUBLIC, HEAD=PUBLIC, POST=each(400)),
        Case(lambda w: "/follow/manage/unknown/", GET=each(404), POST=each(404)),
    ],
    "api/keys/confirm/<str:token>/": [
        Case(lambda w: f"/api/keys/confirm/{w.api_key_token}/", GET=PUBLIC, HEAD=PUBLIC),
        Case(lambda w: "/api/keys/confirm/broken/", GET=each(404), POST=each(404)),
    ],
    "api/keys/revoke/": [Case(lambda w: "/api/keys/revoke/", GET=METHOD_NOT_ALLOWED, POST=each(400),
                              data={"key": "cpk_unknown"})],
    "admin/": [Case(lambda w: "/admin/", GET=ADMIN_STAFF)],
    "admin/login/": [Case(lambda w: "/admin/login/", GET=(200, 200, 200, *(REDIRECT,) * 5), POST=PUBLIC,
                          data={"username": "nobody", "password": "wrong"})],
    # Signed-out visitors are sent to the index (and from there to the sign-in page).
    "admin/logout/": [Case(lambda w: "/admin/logout/", GET=(REDIRECT,) * 3 + (405,) * 5,
                           POST=(REDIRECT,) * 3 + (200,) * 5)],
    "admin/password_change/": [Case(lambda w: "/admin/password_change/", GET=ADMIN_STAFF)],
    "admin/password_change/done/": [Case(lambda w: "/admin/password_change/done/", GET=ADMIN_STAFF)],
    "admin/jsi18n/": [Case(lambda w: "/admin/jsi18n/", GET=ADMIN_STAFF)],
    # Answers from the target admin's own queryset and view permission (here: logins, superusers only).
    "admin/autocomplete/": [Case(
        lambda w: "/admin/autocomplete/?app_label=inspections&model_name=inspector&field_name=user&term=staff",
        GET=(LOGIN, LOGIN, LOGIN, 403, 403, 403, 403, 200)),
        # The enterprise picker (credit.widgets): any agency's staff with the permission pick any
        # enterprise (name and code are public); no agency link or no permission: 403.
        Case(lambda w: "/admin/autocomplete/?app_label=listings&model_name=listentry&field_name=enterprise&term=科技",
             GET=(LOGIN, LOGIN, LOGIN, 200, 200, 403, 403, 200))],
    # "View on site" follows the object's public address, for any staff login (a public object here).
    # Only for a row the model's admin shows the user (portal.access.admin_view_on_site).
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        Case(lambda w: f"/admin/r/{content_type_id(w.enterprise)}/{w.enterprise.pk}/",
             GET=(LOGIN, LOGIN, LOGIN, REDIRECT, REDIRECT, 404, 404, REDIRECT)),
        # Agency B's draft plan: hidden from agency A, so its address (its number) is not told.
        Case(lambda w: f"/admin/r/{content_type_id(w.draft_plan)}/{w.draft_plan.pk}/",
             GET=(LOGIN, LOGIN, LOGIN, 404, REDIRECT, 404, 404, REDIRECT)),
        Case(lambda w: f"/admin/r/{content_type_id(w.enterprise)}/not-a-number/",
             GET=(LOGIN, LOGIN, LOGIN, 404, 404, 404, 404, 404)),
        Case(lambda w: "/admin/r/999999/1/", GET=(LOGIN, LOGIN, LOGIN, *(404,) * 5)),
    ],
    "admin/auth/user/<id>/password/": [Case(
        lambda w: f"/admin/auth/user/{w.user.pk}/password/",
        GET=(LOGIN, LOGIN, LOGIN, 403, 403, 403, 403, 200), POST=(LOGIN, LOGIN, LOGIN, 403, 403, 403, 403, 200))],
    "admin:app_list": [Case(lambda w: "/admin/credit/", GET=(LOGIN, LOGIN, LOGIN, 200, 200, 404, 404, 200))],
    "admin:catch_all": [Case(lambda w: "/admin/no-such-page/", GET=(LOGIN, LOGIN, LOGIN, *(404,) * 5))],
}


def content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


@dataclass(frozen=True)
class AdminRow:
    """What changelist, add, change, history and delete answer each persona for `obj`."""

    obj: str  # a key of World.objects
    staff_a: str
    staff_b: str
    superuser: str
    staff_a_no_perms: str = "D D D D D"
    staff_without_agency: str = "D D D D D"


def published(obj):
    # Agency B's public record: A's staff read it, B's change it; nobody deletes it.
    return AdminRow(obj, staff_a="O O V O D", staff_b="O O E O D", superuser="O O E O D")


def staff_read(obj):
    # Staff read it, only a superuser adds or changes it.
    return AdminRow(obj, staff_a="O D V O D", staff_b="O D V O D", superuser="O O E O D")


def superuser_only(obj, deletable=False):
    return AdminRow(obj, staff_a="D D D D D", staff_b="D D D D D", superuser="O O E O O" if deletable else "O O E O D")


def private(obj):
    # Agency B's private row: hidden from A's staff (the admin's "does not exist"), B's own.
    return AdminRow(obj, staff_a="O O H H D", staff_b="O O E O D", superuser="O O E O D")


ADMIN: dict[str, list[AdminRow]] = {
    **{f"credit.{name}": [published(name)] for name in [
        "administrativepenalty", "administrativelicence", "shareholder", "keyperson", "branch", "changerecord",
        "chattelmortgage", "equitypledge", "judicialassistance"]},
    "credit.enterprise": [published("enterprise")],  # owned by its registration authority
    "credit.person": [AdminRow("person", staff_a="O O V O D", staff_b="O O V O D", superuser="O O E O D")],
    # Submitted versions are immutable: read by staff and the superuser alike.
    "credit.annualreport": [AdminRow("annualreport", staff_a="O D V O D", staff_b="O D V O D", superuser="O D V O D")],
    "credit.instantdisclosure": [staff_read("instantdisclosure")],
    # A signed letter never changes: read by staff and the superuser alike.
    "credit.commitmentletter": [AdminRow("commitmentletter", staff_a="O D V O D", staff_b="O D V O D",
                                         superuser="O D V O D")],
    # Recorded through the staff page only; agency B corrects or withdraws its own.
    "credit.commitmentbreach": [AdminRow("commitmentbreach", staff_a="O D V O D", staff_b="O D E O D",
                                         superuser="O D E O D")],
    "credit.agency": [staff_read("agency")],
    "credit.agencystaff": [superuser_only("agencystaff")],
    "credit.enterpriseaccount": [superuser_only("enterpriseaccount")],
    "listings.creditlist": [AdminRow("credit_list", staff_a="O D V O D", staff_b="O D E O D", superuser="O O E O D")],
    "listings.listentry": [AdminRow("entry", staff_a="O D V O D", staff_b="O D V O D", superuser="O D V O D")],
    "listings.objection": [AdminRow("objection", staff_a="O D V O D", staff_b="O D V O D", superuser="O D V O D")],
    # Signed by agency B, whose staff open it to maintain their own measures.
    "listings.memorandum": [AdminRow("memorandum", staff_a="O D V O D", staff_b="O D E O D", superuser="O O E O D")],
    # The one list: national staff (B) maintain it.
    "inspections.inspectionitem": [AdminRow("item", staff_a="O D V O D", staff_b="O O E O D",
                                            superuser="O O E O D")],
    "inspections.inspector": [private("inspector")],
    "inspections.conflict": [private("conflict")],
    "inspections.spotcheck": [AdminRow("spot_check", staff_a="O O V O D", staff_b="O O V O D",
                                       superuser="O O V O D")],
    "inspections.plan": [
        published("plan"),  # committed: public
        # A draft: private to B; only a superuser holds the delete permission that removes one.
        AdminRow("draft_plan", staff_a="O O H H D", staff_b="O O E O D", superuser="O O E O O"),
    ],
    # Selected but not revealed: the plan's agency's secret. The draw adds tasks, nobody else.
    "inspections.task": [AdminRow("task", staff_a="O D H H D", staff_b="O D E O D", superuser="O D E O D")],
    # Sign-in attempts name people and addresses: superusers read them, nobody edits or deletes.
    "axes.accessattempt": [AdminRow("accessattempt", staff_a="D D D D D", staff_b="D D D D D", superuser="O D V O D")],
    "axes.accesslog": [AdminRow("accesslog", staff_a="D D D D D", staff_b="D D D D D", superuser="O D V O D")],
    "portal.auditevent": [AdminRow("auditevent", staff_a="D D D D D", staff_b="D D D D D", superuser="O D V O D")],
    "portal.notice": [AdminRow("notice", staff_a="D D D D D", staff_b="D D D D D", superuser="O D V O D")],
    # Follows and alerts name people's addresses: superusers read them; they change through their links.
    "following.follow": [AdminRow("follow", staff_a="D D D D D", staff_b="D D D D D", superuser="O D V O D")],
    "following.alert": [AdminRow("alert", staff_a="D D D D D", staff_b="D D D D D", superuser="O D V O D")],
    "auth.group": [superuser_only("group", deletable=True)],
    "auth.user": [superuser_only("user")],  # deactivated, never deleted (portal.admin.PortalUserAdmin)
    **{f"django_celery_beat.{name}": [superuser_only(name, deletable=True)] for name in [
        "periodictask", "intervalschedule", "crontabschedule", "solarschedule", "clockedschedule"]},
}

ADMIN_VIEWS = {
    "": "changelist",
    "add/": "add",
    "<path:object_id>/change/": "change",
    "<path:object_id>/history/": "history",
    "<path:object_id>/delete/": "delete",
    "<path:object_id>/": "redirect",
}
COLUMNS = ["changelist", "add", "change", "history", "delete"]


def admin_route(route: str):
    """(model label, view) if `route` is one of a registered model admin's standard addresses."""
    for model in admin.site._registry:
        prefix = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        if route.startswith(prefix) and route[len(prefix):] in ADMIN_VIEWS:
            return model._meta.label_lower, ADMIN_VIEWS[route[len(prefix):]]
    return None


def admin_cases(label: str, view: str) -> list[Case]:
    app_label, model_name = label.split(".")
    base = f"/admin/{app_label}/{model_name}/"
    cases = []
    for row in ADMIN[label]:
        def url(w, row=row):
            obj = w.objects[row.obj]
            return {"changelist": base, "add": f"{base}add/", "change": f"{base}{obj.pk}/change/",
                    "history": f"{base}{obj.pk}/history/", "delete": f"{base}{obj.pk}/delete/",
                    "redirect": f"{base}{obj.pk}/"}[view]

        if view == "redirect":
            get = tuple(LOGIN if persona in NON_STAFF else REDIRECT for persona in PERSONAS)
        else:
            codes = {persona: ("L L L L L" if persona in NON_STAFF else getattr(row, persona)).split()
                     for persona in PERSONAS}
            get = tuple(ADMIN_CODES[codes[persona][COLUMNS.index(view)]] for persona in PERSONAS)
        # Refused stays refused on POST; read-only means a POST is refused. Allowed writes are not
        # sent (the apps' own admin tests do them), so nothing here changes or deletes a row.
        post = None
        if view in ("changelist", "add", "change", "delete"):
            post = tuple(403 if code == VIEW else code if code in (LOGIN, 403, HIDDEN) else None for code in get)
        cases.append(Case(url, GET=get, POST=post, data={"post": "yes"} if view == "delete" else {},
                          survives=row.obj if view == "delete" else ""))
    return cases


def cases_for(route: str) -> list[Case] | None:
    found = admin_route(route)
    if found is not None:
        label, view = found
        return admin_cases(label, view) if label in ADMIN else None
    name = ROUTES.get(route)
    if route in ROWS:
        return ROWS[route]
    if name == "app_list":
        return ROWS.get("admin:app_list")
    if route.startswith("admin/") and name is None and "(?P<url>" in route:
        return ROWS.get("admin:catch_all")
    return None


# --- the checks -------------------------------------------------------------------------


def answers(response, expected) -> bool:
    status, location = response.status_code, response.get("Location", "")
    if expected == LOGIN:
        return status == 302 and "/login/?next=" in location
    if expected == HIDDEN:
        return status == 302 and location == "/admin/"
    if expected == REDIRECT:
        return status in (301, 302) and "/login/?next=" not in location
    if expected in (VIEW, EDIT):
        return status == 200 and response.context["has_change_permission"] is (expected == EDIT)
    return status == expected


def shown(response) -> str:
    text = str(response.status_code)
    if response.get("Location"):
        text += f" -> {response['Location']}"
    if response.status_code == 200 and response.context and "has_change_permission" in response.context:
        text += f" (has_change_permission={response.context['has_change_permission']})"
    return text


def send(client: Client, method: str, url: str, data: dict):
    if method == "GET":
        return client.get(url)
    if method == "HEAD":
        return client.head(url)
    return client.post(url, data)


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route(world, route):
    cases = cases_for(route)
    if cases is None:
        where = "ADMIN (a model admin)" if admin_route(route) else "ROWS"
        pytest.fail(f"No row for the URL pattern {route!r} (name {ROUTES[route]!r}): add one to {where} in "
                    f"{__name__} saying what each persona gets.")
    clients = {persona: world.client(persona) for persona in PERSONAS}
    wrong = []
    for case in cases:
        url = case.url(world)
        for method in ("GET", "HEAD", "POST"):
            expected = getattr(case, method)
            if expected is None:
                continue
            assert len(expected) == len(PERSONAS), f"{route}: {method} needs one expectation per persona"
            for persona, answer in zip(PERSONAS, expected, strict=True):
                if answer is None:
                    continue
                response = send(clients[persona], method, url, case.data)
                if not answers(response, answer):
                    wrong.append(f"{method} {url} as {persona}: expected {answer}, got {shown(response)}")
        if case.survives:
            obj = world.objects[case.survives]
            if not type(obj)._default_manager.filter(pk=obj.pk).exists():
                wrong.append(f"{url}: the {case.survives} was deleted")
    assert not wrong, f"{route}:\n" + "\n".join(wrong)


def test_every_row_has_a_route():
    known = set(ROUTES)
    stale = [route for route in ROWS if route not in known and not route.startswith("admin:")]
    registered = {model._meta.label_lower for model in admin.site._registry}
    stale += [label for label in ADMIN if label not in registered]
    assert not stale, f"rows for addresses that no longer exist: {stale}"
