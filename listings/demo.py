"""Demo data for the lists: memoranda with measures, and active, expired, removed entries with objections."""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection, transaction
from django.utils import timezone

from credit.demo import next_ids, rows_write, sequences_reset
from credit.filing import filing_window, report_filed_q
from credit.models import Agency, AnnualReport, AnnualReportDraft, Enterprise, EnterpriseAccount
from listings.cure import last_closed_report_year
from listings.models import (
    PUBLICATION_TIME_ZONE,
    CreditList,
    EntryState,
    ListEntry,
    ListEntryEvent,
    Measure,
    Memorandum,
    Objection,
    legal_representative_bar_end,
    local_today,
)
from listings.repair.demo import seed_repairs
from listings.services import (
    EXPIRY_REASON,
    OBJECTION_ACCEPTANCE_WORKING_DAYS,
    publication_window,
)
from listings.services.removals import removal_application_submit
from portal.audit import audit_record
from portal.workdays import add_working_days

MEMORANDA = [
    {
        "code": "dishonest-judgment-debtors-2016",
        "title": "关于对失信被执行人实施联合惩戒的合作备忘录",
        "title_en": "Memorandum on joint punishment of dishonest judgment debtors",
        "document_number": "发改财金〔2016〕141号",
        "signed_on": dt.date(2016, 1, 20),
        "signatories": ["NDRC", "SPC", "MOF", "STA", "SAMR"],
        "lists": ["dishonest-judgment-debtors"],
        "measures": [
            ("MOF", "restriction", "不得作为供应商参加政府采购活动", "Barred from government procurement as a supplier",
             "《政府采购法》第二十二条"),
            ("NDRC", "restriction", "限制发行企业债券", "Restricted from issuing enterprise bonds", "发改财金〔2016〕141号"),
            ("SPC", "restriction", "限制高消费及非生活和工作必需的消费", "High-consumption limits",
             "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》"),
        ],
    },
    {
        "code": "serious-illegal-samr-2018",
        "title": "关于对严重违法失信企业实施联合惩戒的合作备忘录",
        "title_en": "Memorandum on joint punishment of seriously illegal and dishonest enterprises",
        "document_number": "发改财金〔2018〕1933号",
        "signed_on": dt.date(2018, 11, 21),
        "signatories": ["NDRC", "SAMR", "MOF", "STA"],
        "lists": ["serious-illegal"],
        "measures": [
            ("SAMR", "restriction", "列为重点监管对象，提高抽查比例和频次",
             "Key supervision target with more frequent spot checks", "市场监管总局令第44号第十五条"),
            ("SAMR", "restriction", "不适用告知承诺制", "No notification-and-commitment approvals", "市场监管总局令第44号第十五条"),
            ("MOF", "restriction", "依法限制参加政府采购活动", "Restricted in government procurement", "《政府采购法》第二十二条"),
            ("NDRC", "restriction", "不予授予荣誉称号", "No honours", "国发〔2016〕33号"),
        ],
    },
    {
        "code": "abnormal-operations-2016",
        "title": "关于对经营异常企业实施协同监管的合作备忘录",
        "title_en": "Memorandum on coordinated supervision of enterprises on the abnormal operations list",
        "document_number": "发改财金〔2016〕1200号",
        "signed_on": dt.date(2016, 6, 1),
        "signatories": ["NDRC", "SAMR", "MOF"],
        "lists": ["abnormal-operations"],
        "measures": [
            ("MOF", "restriction", "政府采购中依法予以限制", "Restricted in government procurement",
             "《企业信息公示暂行条例》第十八条"),
            ("SAMR", "restriction", "列为重点监管对象", "Closer supervision", "《企业信息公示暂行条例》第十八条"),
        ],
    },
    {
        "code": "major-tax-violators-2014",
        "title": "关于对重大税收违法案件当事人实施联合惩戒措施的合作备忘录",
        "title_en": "Memorandum on joint punishment of parties to major tax violation cases",
        "document_number": "发改财金〔2014〕3062号",
        "signed_on": dt.date(2014, 12, 30),
        "signatories": ["NDRC", "STA", "MOF"],
        "lists": ["major-tax-violators", "procurement-blacklist"],
        "measures": [
            ("STA", "restriction", "纳税信用级别直接判为D级", "Tax credit grade set to D", "《纳税信用管理办法》"),
            ("MOF", "restriction", "禁止参加政府采购活动", "Barred from government procurement", "《政府采购法实施条例》第十九条"),
        ],
    },
    {
        "code": "environmental-2016",
        "title": "关于对环境保护领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录",
        "title_en": "Memorandum on joint punishment of dishonest entities in environmental protection",
        "document_number": "发改财金〔2016〕1580号",
        "signed_on": dt.date(2016, 7, 20),
        "signatories": ["NDRC", "MEE", "MOF"],
        "lists": ["environmental-violators"],
        "measures": [
            ("MEE", "restriction", "限制取得排污许可等生产许可", "Limits on production and discharge permits",
             "发改财金〔2016〕1580号"),
            ("MOF", "restriction", "限制参加政府采购和财政资金项目招标", "Limits on procurement and publicly funded bidding",
             "发改财金〔2016〕1580号"),
        ],
    },
    {
        "code": "a-grade-taxpayers-2016",
        "title": "关于对纳税信用A级纳税人实施联合激励措施的合作备忘录",
        "title_en": "Memorandum on joint incentives for A-grade taxpayers",
        "document_number": "发改财金〔2016〕1467号",
        "signed_on": dt.date(2016, 7, 1),
        "signatories": ["NDRC", "STA", "SAMR"],
        "lists": ["a-grade-taxpayers"],
        "measures": [
            ("SAMR", "reward", "行政审批绿色通道", "Green channel for administrative approvals", "发改财金〔2016〕1467号"),
            ("STA", "reward", "按需领用发票，提供办税绿色通道", "Invoices on demand and a tax-filing green channel",
             "《纳税信用管理办法》"),
        ],
    },
]

# (list code, share of enterprises, decision-number template)
PLAN = [
    ("abnormal-operations", 0.06, "市监异列〔{year}〕{n}号"),
    ("serious-illegal", 0.008, "市监严列〔{year}〕{n}号"),
    ("major-tax-violators", 0.006, "税稽公〔{year}〕{n}号"),
    ("dishonest-judgment-debtors", 0.01, "（{year}）执{n}号"),
    ("procurement-blacklist", 0.004, "财库处〔{year}〕{n}号"),
    ("environmental-violators", 0.006, "环罚〔{year}〕{n}号"),
    ("a-grade-taxpayers", 0.03, "税信评〔{year}〕{n}号"),
]


# Non-filers are listed within 10 working days after the 30 June filing deadline (docs/rules.md).
NO_ANNUAL_REPORT = "no_annual_report"
NON_FILER_LISTING_WORKING_DAYS = 10


def _non_filer_dates(rnd: random.Random, today: dt.date, deadlines: dict) -> tuple[dt.date, dt.date]:
    """Decision and listing dates for a non-filer: working days 1-10 after 30 June of one of the last five years.

    `deadlines` caches the calendar look-ups (a few dozen distinct dates for thousands of entries)."""

    def after_deadline(year: int, days: int) -> dt.date:
        if (year, days) not in deadlines:
            deadlines[year, days] = add_working_days(dt.date(year, 6, 30), days).date
        return deadlines[year, days]

    year = today.year - rnd.randint(0, 4)
    days = rnd.randint(1, NON_FILER_LISTING_WORKING_DAYS)
    if after_deadline(year, days) >= today:  # this year's listing round has not happened yet
        year -= 1
    return after_deadline(year, rnd.randint(1, days)), after_deadline(year, days)


# The A-grade list is the result of the annual tax credit evaluation, published each April for the
# year before; an entry runs 12 months, so the latest round is on the list and earlier ones have ended.
A_GRADE = "a-grade-taxpayers"
A_GRADE_EVALUATION_MONTH = 4
A_GRADE_LATEST_SHARE = 0.6


def _a_grade_dates(rnd: random.Random, today: dt.date) -> tuple[dt.date, dt.date]:
    """Decision and listing dates of one A-grade entry: the latest evaluation round most often, else 1-4 years older."""
    day = rnd.randint(1, 20)
    latest = dt.date(today.year, A_GRADE_EVALUATION_MONTH, day)
    if latest > today:
        latest = latest.replace(year=today.year - 1)
    listed_on = latest if rnd.random() < A_GRADE_LATEST_SHARE else latest.replace(year=latest.year - rnd.randint(1, 4))
    return listed_on - dt.timedelta(days=rnd.randint(3, 10)), listed_on


# The demo enterprise logins (credit.demo creates enterprise1-3) get entries that show the account's
# objection flow: enterprise1 may still object, enterprise2's objection awaits the acceptance decision.
# (login, reason, days since listing, days since the objection or None)
SHOWCASE = [
    ("enterprise1", "unreachable", 6, None),
    ("enterprise2", "disclosure_not_made", 12, 4),
]


def _showcase_accounts() -> dict[str, EnterpriseAccount]:
    return {
        account.user.username: account
        for account in EnterpriseAccount.objects.select_related("user", "enterprise").filter(
            user__username__in=[login for login, *_ in SHOWCASE]
        )
    }


def _showcase_entries(
    accounts: dict[str, EnterpriseAccount], credit_list: CreditList, today: dt.date
) -> list[tuple[dict, dict | None]]:
    """Recent abnormal-operations entries for the demo logins' enterprises, within the 30 objection days
    (as rows: column -> value, like every demo entry)."""
    reasons = {reason.code: reason for reason in credit_list.reasons.all()}
    made = []
    for login, reason_code, listed_days, objection_days in SHOWCASE:
        account = accounts.get(login)
        if account is None:
            continue
        entry = _showcase_entry(account.enterprise, credit_list, reasons[reason_code],
                                today - dt.timedelta(days=listed_days))
        objection = None
        if objection_days is not None:
            submitted_on = today - dt.timedelta(days=objection_days)
            due = add_working_days(submitted_on, OBJECTION_ACCEPTANCE_WORKING_DAYS)
            objection = {
                "submitted_by_id": account.user_id, "submitted_on": submitted_on,
                "grounds": "企业已在登记住所正常经营，可以通过登记住所联系，请予核实。",
                "acceptance_due": due.date, "acceptance_due_provisional": due.provisional,
            }
        made.append((entry, objection))
    return made


def _showcase_entry(enterprise: Enterprise, credit_list: CreditList, reason, listed_on: dt.date, **more) -> dict:
    decided_on = listed_on - dt.timedelta(days=2)
    ends_on, repair_from = publication_window(credit_list=credit_list, enterprise=enterprise, listed_on=listed_on)
    return {
        "credit_list_id": credit_list.pk, "enterprise_id": enterprise.pk, "region_code": enterprise.region_code,
        "reason_id": reason.pk, "legal_basis": credit_list.legal_basis,
        "decision_number": f"市监异列〔{decided_on.year}〕{enterprise.pk}-{reason.pk}号",
        "deciding_agency_id": enterprise.registration_authority_id or credit_list.owner_agency_id,
        "severity": credit_list.severity, "decided_on": decided_on, "listed_on": listed_on,
        "publication_ends_on": ends_on, "repair_from": repair_from, "source_label": credit_list.owner_agency.name,
        "published_at": dt.datetime.combine(listed_on, dt.time(9), tzinfo=PUBLICATION_TIME_ZONE),
        "_code": credit_list.code, **more,
    }


# The login whose enterprise was listed for not filing a year's report, has filed it since (credit.demo
# picks an enterprise that filed the last years) and applied for removal: the staff removals queue and
# the pending application on /account/ show it.
CURED_LOGIN = "enterprise2"


def _cured_entry(accounts: dict[str, EnterpriseAccount], credit_list: CreditList, today: dt.date) -> dict | None:
    account = accounts.get(CURED_LOGIN)
    year = last_closed_report_year(today)
    if account is None:
        return None
    if not Enterprise.objects.filter(report_filed_q(year), pk=account.enterprise_id).exists():
        # The demo run later than its generated years: the report is filed late now, as the login would.
        from credit.selectors.annual_reports import report_prefill
        from credit.services import AnnualReportInvalid, AnnualReportRefused, annual_report_submit

        draft = AnnualReportDraft.objects.filter(enterprise=account.enterprise, year=year).first()
        report_id = next_ids(AnnualReport, 1)[0]  # SQLite does not restart its sequence on --reset
        try:
            report = annual_report_submit(enterprise=account.enterprise, year=year, actor=account.user,
                                          raw=report_prefill(enterprise=account.enterprise, year=year),
                                          revision=draft.revision if draft else 0)
        except (AnnualReportInvalid, AnnualReportRefused):
            return None
        # Stamped at the start of the demo's day, not the second it ran: the same seed gives the same rows.
        moment = dt.datetime.combine(today, dt.time(0, 5), tzinfo=PUBLICATION_TIME_ZONE)
        AnnualReport.objects.filter(pk=report.pk).update(id=report_id, submitted_at=moment, published_at=moment)
        with connection.cursor() as cursor:
            sequences_reset(cursor, [AnnualReport])
    # Listed by the sweep after 30 June, within the last weeks where the calendar allows.
    listed_on = max(today - dt.timedelta(days=20), filing_window(year)[1] + dt.timedelta(days=1))
    reason = credit_list.reasons.get(code=NO_ANNUAL_REPORT)
    return _showcase_entry(account.enterprise, credit_list, reason, listed_on, report_year=year)


def _removal_applications(accounts: dict[str, EnterpriseAccount], entry_id: int | None) -> int:
    """The cured login's application, through the service (it checks the cure and audits it)."""
    if entry_id is None:
        return 0
    removal_application_submit(entry=ListEntry.objects.get(pk=entry_id), actor=accounts[CURED_LOGIN].user)
    return 1


def _memoranda(agencies: dict[str, Agency], lists: dict[str, CreditList]) -> int:
    created_count = 0
    for spec in MEMORANDA:
        memorandum, created = Memorandum.objects.get_or_create(
            code=spec["code"],
            defaults={key: spec[key] for key in ("title", "title_en", "document_number", "signed_on")},
        )
        if not created:
            continue
        created_count += 1
        memorandum.signatories.add(*(agencies[code] for code in spec["signatories"]))
        memorandum.lists.add(*(lists[code] for code in spec["lists"]))
        Measure.objects.bulk_create(
            Measure(memorandum=memorandum, agency=agencies[agency], kind=kind, description=text, description_en=text_en,
                    legal_basis=basis)
            for agency, kind, text, text_en, basis in spec["measures"]
        )
    return created_count


def _columns(model) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


def _defaults(model, now: dt.datetime) -> dict:
    """Each column's value when a demo row does not set it (the model's defaults)."""
    defaults = {}
    for field in model._meta.concrete_fields:
        default = field.get_default()
        defaults[field.attname] = now if default is not None and callable(field.default) else default
    return defaults


def _rows(model, dicts: list[dict], ids: list[int], now: dt.datetime) -> list[tuple]:
    defaults = _defaults(model, now)
    columns = _columns(model)
    rows = []
    for pk, values in zip(ids, dicts, strict=True):
        values["id"] = pk
        rows.append(tuple(values[c] if c in values else defaults[c] for c in columns))
    return rows


def _at_nine(day: dt.date, tz=dt.timezone.utc) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=tz)


def seed_demo_data(*, seed: int, stdout) -> None:
    """The demo entries, events and objections, computed as plain rows (no model instance, no query
    per entry) and written set-wise: COPY on PostgreSQL, one executemany per table elsewhere."""
    rnd = random.Random(seed)
    today = local_today()
    now = timezone.now()
    agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=["SAMR", "STA", "SPC", "MEE", "MOF", "NDRC"])}
    lists = {item.code: item for item in CreditList.objects.select_related("owner_agency").prefetch_related("reasons")}
    memoranda = _memoranda(agencies, lists)
    if ListEntry.objects.exists():
        stdout.write(f"listings: {memoranda} memoranda; entries already present, none added\n")
        return
    enterprises = list(
        Enterprise.objects.order_by("id").values_list(
            "id", "entity_type", "legal_representative_id", "registration_authority_id", "region_code"
        )
    )
    if not enterprises:
        stdout.write("listings: no enterprises, no entries\n")
        return
    accounts = _showcase_accounts()
    showcase = _showcase_entries(accounts, lists["abnormal-operations"], today)
    cured = _cured_entry(accounts, lists["abnormal-operations"], today)
    if cured is not None:
        showcase.append((cured, None))
    # The showcase enterprises keep just their showcase entries, so their account pages read as described.
    showcased = {entry["enterprise_id"] for entry, _objection in showcase}
    pool = [row for row in enterprises if row[0] not in showcased] or enterprises
    entries: list[dict] = []
    counter = 0
    deadlines: dict[tuple[int, int], dt.date] = {}
    # publication_window reads the entity type only: one probe per type, windows cached per date.
    probes = {entity_type: Enterprise(entity_type=entity_type) for entity_type in {row[1] for row in pool}}
    windows: dict[tuple[str, str, dt.date], tuple[dt.date | None, dt.date]] = {}
    for code, share, number_template in PLAN:
        credit_list = lists[code]
        reasons = list(credit_list.reasons.all())
        owner_id, owner_name = credit_list.owner_agency_id, credit_list.owner_agency.name
        chosen = rnd.sample(pool, max(2, int(len(pool) * share)) if len(pool) >= 2 else 1)
        for index, (enterprise_id, entity_type, person_id, registration_authority_id, region) in enumerate(chosen):
            counter += 1
            reason = rnd.choice(reasons)
            if reason.code == NO_ANNUAL_REPORT:
                decided_on, listed_on = _non_filer_dates(rnd, today, deadlines)
            elif code == A_GRADE:
                decided_on, listed_on = _a_grade_dates(rnd, today)
            else:
                # A spread over five years gives active, expired and removed entries on every list.
                listed_on = today - dt.timedelta(days=rnd.randint(5, 5 * 365))
                decided_on = listed_on - dt.timedelta(days=rnd.randint(0, 10))
            key = (code, entity_type, listed_on)
            if key not in windows:
                windows[key] = publication_window(credit_list=credit_list, enterprise=probes[entity_type],
                                                  listed_on=listed_on)
            ends_on, repair_from = windows[key]
            deciding_agency_id = registration_authority_id if code == "abnormal-operations" and index % 2 else owner_id
            number = number_template.format(year=decided_on.year, n=counter)
            entry = {
                "credit_list_id": credit_list.pk, "enterprise_id": enterprise_id, "region_code": region,
                "reason_id": reason.pk, "legal_basis": credit_list.legal_basis, "decision_number": number,
                "deciding_agency_id": deciding_agency_id, "severity": credit_list.severity,
                "decided_on": decided_on, "listed_on": listed_on, "publication_ends_on": ends_on,
                "repair_from": repair_from, "source_label": owner_name,
                # Published the day it was listed; the objection window counts from this.
                "published_at": _at_nine(listed_on, PUBLICATION_TIME_ZONE), "_code": code,
            }
            if code == "serious-illegal":
                # The demo has no penalty decision behind these listings: each names its other basis.
                entry["other_legal_basis"] = f"{reason.name}（{number}认定）"
            if reason.bars_legal_representative and person_id:
                entry["barred_person_id"] = person_id
                entry["bar_ends_on"] = legal_representative_bar_end(listed_on)
            if ends_on is not None and ends_on < today:
                entry.update(state=EntryState.EXPIRED, removed_on=ends_on + dt.timedelta(days=1),
                             removal_reason=EXPIRY_REASON, removing_agency_id=deciding_agency_id)
            elif code != A_GRADE and rnd.random() < 0.3 and listed_on < today - dt.timedelta(days=30):
                # A red-list grade runs its year; removal on application is for the blacklists.
                entry.update(
                    state=EntryState.REMOVED,
                    removed_on=listed_on + dt.timedelta(days=rnd.randint(20, (today - listed_on).days)),
                    removal_reason=(
                        "已补报未报年份的年度报告并公示，申请移出" if code == "abnormal-operations" else "已履行相关义务，申请提前移出"
                    ),
                    removing_agency_id=deciding_agency_id,
                )
            if "state" in entry:
                entry["state_changed_at"] = _at_nine(entry["removed_on"])
            entries.append(entry)
    entries += [entry for entry, _objection in showcase]
    # One active entry per enterprise, list and reason (the service's rule): drop later duplicates.
    seen, unique = set(), []
    for entry in entries:
        listed = entry.get("state", EntryState.LISTED) == EntryState.LISTED
        key = (entry["_code"], entry["enterprise_id"], entry["reason_id"])
        if listed and key in seen:
            continue
        if listed:
            seen.add(key)
        unique.append(entry)
    entry_ids = next_ids(ListEntry, len(unique))
    events = []
    for pk, entry in zip(entry_ids, unique, strict=True):
        events.append({"entry_id": pk, "kind": ListEntryEvent.Kind.LISTED, "actor_label": "demo",
                       "occurred_at": _at_nine(entry["listed_on"])})
        if "state" in entry:
            events.append({"entry_id": pk, "kind": entry["state"], "actor_label": "demo",
                           "note": entry["removal_reason"], "occurred_at": _at_nine(entry["removed_on"])})
    objections = []
    for pk, entry in zip(entry_ids, unique, strict=True):
        if entry["enterprise_id"] in showcased:
            continue
        if "state" not in entry and entry["_code"] == "abnormal-operations" and rnd.random() < 0.05:
            submitted_on = entry["listed_on"] + dt.timedelta(days=rnd.randint(1, 29))
            if submitted_on > today:
                continue
            due = add_working_days(submitted_on, 5)
            objections.append({"entry_id": pk, "submitted_on": submitted_on, "grounds": "企业已迁入新址，可以通过新地址联系。",
                               "acceptance_due": due.date, "acceptance_due_provisional": due.provisional})
    showcase_ids = {id(entry): pk for pk, entry in zip(entry_ids, unique, strict=True)}
    for entry, objection in showcase:
        if objection is not None and id(entry) in showcase_ids:
            objections.append({**objection, "entry_id": showcase_ids[id(entry)]})
    with transaction.atomic(), connection.cursor() as cursor:
        rows_write(cursor, ListEntry, _columns(ListEntry), _rows(ListEntry, unique, entry_ids, now))
        rows_write(cursor, ListEntryEvent, _columns(ListEntryEvent),
                   _rows(ListEntryEvent, events, next_ids(ListEntryEvent, len(events)), now))
        rows_write(cursor, Objection, _columns(Objection),
                   _rows(Objection, objections, next_ids(Objection, len(objections)), now))
        sequences_reset(cursor, (ListEntry, ListEntryEvent, Objection))
    applications = _removal_applications(accounts, showcase_ids.get(id(cured)) if cured is not None else None)
    repairs = seed_repairs(today=today)
    audit_record(
        action="listings.demo.seeded",
        actor_label="seed_demo",
        payload={"seed": seed, "entries": len(unique), "objections": len(objections), "memoranda": memoranda,
                 "removal_applications": applications, "repair_applications": repairs},
    )
    stdout.write(f"listings: {memoranda} memoranda, {len(unique)} entries, {len(objections)} objections, "
                 f"{applications} removal application, {repairs} repair applications\n")

