"""Deterministic demo data for the credit app, fast enough for a million enterprises.

Rows are generated as plain tuples with ids assigned here, so the same tuples can be
written by executemany (SQLite, or any backend) or by PostgreSQL's COPY. Everything
random comes from one random.Random(seed) and one seeded Faker, and all dates are
relative to a fixed reference date, so the same seed and size give identical rows.
Faker is only used to fill pools up front: calling it per row would make generation,
not the database, the bottleneck at a million enterprises.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import multiprocessing
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.module_loading import import_string
from faker import Faker

from credit import models as m
from credit import uscc as uscc_rules
from credit.demo_tables import (
    BANKS,
    CHANGE_ITEMS,
    COLLATERALS,
    COMMITMENT_TEXTS,
    COOPERATIVE_WORDS,
    DIVISIONS,
    INDUSTRIES,
    LICENCES,
    PARTNERSHIP_WORDS,
    PENALTIES_ENV,
    PENALTIES_FINANCE,
    PENALTIES_MARKET,
    PENALTIES_TAX,
    PROVINCES,
    SHOP_WORDS,
    SOLE_PROP_WORDS,
    TRADE_CHARS,
    Division,
)
from credit.search import name_tokens
from portal.audit import audit_record
from portal.models import AuditEvent

# Fixed so that the data does not depend on the day it is generated.
REFERENCE_DATE = dt.date(2026, 11, 20)
FIRST_DAY = dt.date(1995, 1, 1)
NATIONAL_MARKET_AGENCY = "SAMR"
DEMO_MARKER_COUNTY = "MR-110105"  # only the demo creates county-level agencies
STAFF_GROUP = "Agency staff (demo)"
DEMO_PASSWORD = "demo-Portal-2026"
SUPERUSER = ("admin", "admin-Portal-2026")

ORG_SPACE = 31**8
ORG_STEP = 2_147_483_647  # prime, so i -> (i * step + offset) mod 31^8 is a bijection
ID_DAYS = (dt.date(2004, 12, 31) - dt.date(1955, 1, 1)).days + 1
ID_SPACE = len(DIVISIONS) * ID_DAYS * 1000
ID_STEP = 1_000_003  # prime, coprime to ID_SPACE
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# (entity type, weight); mostly limited liability companies, as in the real register.
ENTITY_TYPES = (
    (m.EntityType.LLC, 70),
    (m.EntityType.JOINT_STOCK, 2),
    (m.EntityType.SOLE_PROPRIETORSHIP, 4),
    (m.EntityType.PARTNERSHIP, 4),
    (m.EntityType.FOREIGN_INVESTED, 2),
    (m.EntityType.INDIVIDUAL_BUSINESS, 13),
    (m.EntityType.FARMER_COOPERATIVE, 2),
    (m.EntityType.BRANCH, 3),
)
STATUSES = (
    (m.RegistrationStatus.ACTIVE, 850),
    (m.RegistrationStatus.SUSPENDED, 10),
    (m.RegistrationStatus.LIQUIDATION, 10),
    (m.RegistrationStatus.REVOKED, 50),
    (m.RegistrationStatus.DEREGISTERED, 70),
    (m.RegistrationStatus.MOVED_OUT, 10),
)
RISK_CLASSES = (("A", 40), ("B", 40), ("C", 15), ("D", 5))
CAPITALS = ((10, 5), (50, 15), (100, 25), (200, 12), (300, 8), (500, 15), (1000, 12), (3000, 4), (5000, 3), (10000, 1))
SEVERITIES = (("minor", 30), ("general", 55), ("serious", 15))


def _cum(pairs):
    values = [v for v, _ in pairs]
    return values, list(itertools.accumulate(w for _, w in pairs))


class _FastRandom(random.Random):
    """random.Random with choice() and randint() from one random() call each: the stock ones
    loop over getrandbits() and were a third of the generation time. (The bias, under 2**-40
    for these small ranges, does not matter for demo data.)"""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))


@dataclass
class Table:
    model: type[models.Model]
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)


# Column order of every row tuple; attnames, turned into column names when writing.
_RECORD = ("id", "enterprise_id", "source_agency_id", "document_number", "decided_on", "published_at",
           "withdrawn_at", "withdrawal_reason")
COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    m.Person: ("id", "name", "id_type", "id_number"),
    m.Enterprise: (
        "id", "uscc", "name", "name_en", "entity_type", "legal_representative_id", "legal_representative_name",
        "registered_capital", "capital_currency", "established_on", "operating_from", "operating_to",
        "registration_authority_id", "status", "approved_on", "domicile", "business_scope", "region_code",
        "industry", "risk_class", "search_tokens", "updated_at",
    ),
    m.Shareholder: _RECORD + ("shareholder_type", "name", "person_id", "licence_number", "subscribed_amount",
                              "paid_amount"),
    m.CapitalContribution: ("id", "shareholder_id", "kind", "form", "amount", "contributed_on"),
    m.KeyPerson: _RECORD + ("person_id", "position"),
    m.Branch: _RECORD + ("name", "uscc", "registration_authority_name"),
    m.ChangeRecord: _RECORD + ("item", "before", "after", "changed_on"),
    m.ChattelMortgage: _RECORD + ("registration_number", "registered_on", "secured_amount", "currency", "mortgagee",
                                  "collateral", "status"),
    m.EquityPledge: _RECORD + ("registration_number", "pledgor", "pledgor_person_id", "pledgor_licence_number",
                               "pledged_amount", "pledgee", "pledgee_licence_number", "established_on", "status"),
    m.AdministrativeLicence: _RECORD + ("name", "valid_from", "valid_to", "content", "status"),
    m.AdministrativePenalty: _RECORD + ("violation_type", "content", "fine_amount", "severity",
                                        "publication_ends_on"),
    m.JudicialAssistance: _RECORD + ("subject_name", "equity_amount", "ruling_number", "kind", "status",
                                     "frozen_from", "frozen_to"),
    m.AnnualReport: ("id", "enterprise_id", "year", "version", "submitted_at", "published_at", "report_public",
                     "operating_status", "address", "postcode", "phone", "email", "headcount", "total_assets",
                     "total_liabilities", "total_revenue", "net_profit", "total_tax"),
    m.InstantDisclosure: ("id", "enterprise_id", "kind", "summary", "fact_date", "published_at"),
    m.CommitmentLetter: ("id", "enterprise_id", "kind", "title", "text", "signed_on", "published_at"),
}
# Parents first, so that foreign keys always point at rows already written.
TABLE_ORDER = tuple(COLUMNS)


@dataclass
class AgencySet:
    """The demo agencies, by role, as (id, name) pairs keyed by division or province code."""

    national: int
    county_market: dict[str, tuple[int, str]]
    court: dict[str, tuple[int, str]]
    tax: dict[str, int]
    finance: dict[str, int]
    environment: dict[str, int]


def agency_rows() -> list[m.Agency]:
    """Every demo agency, in a fixed order: national, provincial, municipal, county."""
    agencies = [m.Agency(code=NATIONAL_MARKET_AGENCY, name="国家市场监督管理总局", name_en="State Administration for Market "
                         "Regulation", level=m.AgencyLevel.NATIONAL, region_code="100000",
                         kind=m.AgencyKind.MARKET_REGULATION)]
    for code, (name, name_en) in PROVINCES.items():
        agencies += [
            m.Agency(code=f"MR-{code}", name=f"{name}市场监督管理局", name_en=f"{name_en} Administration for Market "
                     "Regulation", level=m.AgencyLevel.PROVINCIAL, region_code=code,
                     kind=m.AgencyKind.MARKET_REGULATION),
            m.Agency(code=f"TAX-{code}", name=f"国家税务总局{name}税务局", name_en=f"{name_en} Provincial Tax Service, "
                     "STA", level=m.AgencyLevel.PROVINCIAL, region_code=code, kind=m.AgencyKind.TAX),
            m.Agency(code=f"FIN-{code}", name=f"国家金融监督管理总局{name.rstrip('市省')}监管局",
                     name_en=f"{name_en} Office, National Financial Regulatory Administration",
                     level=m.AgencyLevel.PROVINCIAL, region_code=code, kind=m.AgencyKind.FINANCE),
        ]
    cities: dict[str, Division] = {}
    for div in DIVISIONS:
        cities.setdefault(div.code[:4] + "00", div)
    for code, div in cities.items():
        if div.province:  # a municipality's city-level bodies are its provincial ones
            agencies.append(m.Agency(code=f"MR-{code}", name=f"{div.city}市场监督管理局", name_en=f"{div.city_en} "
                                     "Administration for Market Regulation", level=m.AgencyLevel.MUNICIPAL,
                                     region_code=code, kind=m.AgencyKind.MARKET_REGULATION))
        agencies.append(m.Agency(code=f"ENV-{code}", name=f"{div.city}生态环境局", name_en=f"{div.city_en} Ecology "
                                 "and Environment Bureau", level=m.AgencyLevel.MUNICIPAL, region_code=code,
                                 kind=m.AgencyKind.ENVIRONMENT))
    for div in DIVISIONS:
        place = div.city + div.district
        agencies += [
            m.Agency(code=f"MR-{div.code}", name=f"{place}市场监督管理局", name_en=f"{div.place_en} Administration "
                     "for Market Regulation", level=m.AgencyLevel.COUNTY, region_code=div.code,
                     kind=m.AgencyKind.MARKET_REGULATION),
            m.Agency(code=f"COURT-{div.code}", name=f"{place}人民法院", name_en=f"{div.place_en} People's Court",
                     level=m.AgencyLevel.COUNTY, region_code=div.code, kind=m.AgencyKind.COURT),
        ]
    # A county-level code may not also be a city-level code (441900 Dongguan): keep codes unique.
    seen: set[str] = set()
    unique = []
    for agency in agencies:
        if agency.code not in seen:
            seen.add(agency.code)
            unique.append(agency)
    return unique


def _agency_set() -> AgencySet:
    by_code = {a.code: (a.id, a.name) for a in m.Agency.objects.filter(code__regex=r"^(SAMR|MR-|COURT-|TAX-|FIN-|ENV-)")}
    return AgencySet(
        national=by_code[NATIONAL_MARKET_AGENCY][0],
        county_market={d.code: by_code[f"MR-{d.code}"] for d in DIVISIONS},
        court={d.code: by_code[f"COURT-{d.code}"] for d in DIVISIONS},
        tax={d.code: by_code[f"TAX-{d.code[:2]}0000"][0] for d in DIVISIONS},
        finance={d.code: by_code[f"FIN-{d.code[:2]}0000"][0] for d in DIVISIONS},
        environment={d.code: by_code[f"ENV-{d.code[:4]}00"][0] for d in DIVISIONS},
    )


class Generator:
    """Yields the rows of N enterprises, chunk by chunk, from one seed.

    Chunk k draws from its own random.Random derived from (seed, k), and numbers its rows
    from 0 in every table ("local" ids; the writer adds the chunk's offsets), so chunks can be
    generated in any order, by any number of processes, and still give the same rows. The
    code and identity-number sequences (bijections, so never a duplicate) are split into
    fixed blocks per chunk for the same reason."""

    # At most this many codes (the enterprise, its enterprise shareholders, its branches) and
    # persons (representative, shareholders, key persons) per enterprise; chunk() checks it.
    CODES_PER_ENTERPRISE = 8
    PERSONS_PER_ENTERPRISE = 10

    def __init__(self, *, seed: int, agencies: AgencySet, batch: int):
        self.seed = seed
        self.batch = batch
        self.rng = random.Random(seed)
        self.agencies = agencies
        self.next_id = {model: 0 for model in COLUMNS}
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        rng = self.rng
        self.surnames = [fake.last_name() for _ in range(4000)]
        self.given = [fake.first_name() for _ in range(4000)]
        self.streets = [fake.street_name() for _ in range(600)]
        self.faker_trades = list(dict.fromkeys(p for p in (fake.company_prefix() for _ in range(600)) if len(p) == 2))
        trade_chars = list(TRADE_CHARS)
        pairs = [a + b for a in trade_chars for b in trade_chars if a != b]
        rng.shuffle(pairs)
        self.trades = pairs[:2500]
        self.trade_set = frozenset(self.trades)
        self.divisions, self.division_cum = list(DIVISIONS), list(itertools.accumulate(d.weight for d in DIVISIONS))
        self.industries, self.industry_cum = list(INDUSTRIES), list(itertools.accumulate(i.weight for i in INDUSTRIES))
        self.entity_types, self.entity_cum = _cum(ENTITY_TYPES)
        self.statuses, self.status_cum = _cum(STATUSES)
        self.risks, self.risk_cum = _cum(RISK_CLASSES)
        self.capitals, self.capital_cum = _cum(CAPITALS)
        self.severities, self.severity_cum = _cum(SEVERITIES)
        self.span = (REFERENCE_DATE - FIRST_DAY).days
        self.days = [(FIRST_DAY + dt.timedelta(days=i)).isoformat() for i in range(self.span + 3 * 366 + 30 * 366)]
        self.times = [f" {h:02d}:{mi:02d}:00" for h in range(1, 10) for mi in range(0, 60, 7)]
        self.org_offset = rng.randrange(ORG_SPACE)
        self.id_offset = rng.randrange(ID_SPACE)
        self.code_index = 0
        self.person_index = 0
        self.reference_ts = REFERENCE_DATE.isoformat() + " 02:00:00"

    # --- small helpers (called per row: keep them cheap) ---

    def _id(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _day(self, offset: int) -> str:
        return self.days[min(max(offset, 0), self.span)]

    def _ts(self, offset: int) -> str:
        # Times are UTC; 01:00-09:59 UTC is office hours in Beijing.
        return self._day(offset) + self.rng.choice(self.times)

    def new_uscc(self, division: str, category: str = "1") -> str:
        n = (self.code_index * ORG_STEP + self.org_offset) % ORG_SPACE
        self.code_index += 1
        alphabet = uscc_rules.ALPHABET
        org = ""
        for _ in range(8):
            n, r = divmod(n, 31)
            org += alphabet[r]
        return uscc_rules.build("9", category, division, org)

    def person(self, persons: list, division: Division) -> tuple[int, str]:
        rng = self.rng
        name = rng.choice(self.surnames) + rng.choice(self.given)
        n = (self.person_index * ID_STEP + self.id_offset) % ID_SPACE
        self.person_index += 1
        div_index, rest = divmod(n, ID_DAYS * 1000)
        day, seq = divmod(rest, 1000)
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=day)
        body = f"{DIVISIONS[div_index].code}{birth:%Y%m%d}{seq:03d}"
        check = "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        pk = self._id(m.Person)
        persons.append((pk, name, "resident_id", body + check))
        return pk, name

    def _record(self, table: Table, eid: int, agency: int, doc: str, day: int, *rest, withdrawn=None) -> int:
        pk = self._id(table.model)
        withdrawn_at, reason = withdrawn or (None, "")
        table.rows.append((pk, eid, agency, doc, self._day(day), self._ts(day + self.rng.randint(1, 7)), withdrawn_at,
                           reason, *rest))
        return pk

    # --- the enterprise and its records ---

    def chunk(self, index: int, count: int) -> dict[type[models.Model], Table]:
        """The rows of chunk `index` (`count` enterprises), with local ids from 0 in every table."""
        if count > self.batch:
            raise ValueError("a chunk holds at most `batch` enterprises")
        self.rng = _FastRandom(f"demo|{self.seed}|{index}")
        self.next_id = {model: 0 for model in COLUMNS}
        code_base = self.code_index = index * self.batch * self.CODES_PER_ENTERPRISE
        person_base = self.person_index = index * self.batch * self.PERSONS_PER_ENTERPRISE
        tables = {model: Table(model, cols) for model, cols in COLUMNS.items()}
        for _ in range(count):
            self.enterprise(tables)
        # The blocks must not overlap, or two chunks could share a code or an identity number.
        assert self.code_index - code_base <= count * self.CODES_PER_ENTERPRISE
        assert self.person_index - person_base <= count * self.PERSONS_PER_ENTERPRISE
        return tables

    def enterprise(self, t: dict[type[models.Model], Table]) -> None:  # noqa: C901 - one flat recipe reads best
        rng = self.rng
        persons = t[m.Person].rows
        div = rng.choices(self.divisions, cum_weights=self.division_cum)[0]
        ind = rng.choices(self.industries, cum_weights=self.industry_cum)[0]
        etype = rng.choices(self.entity_types, cum_weights=self.entity_cum)[0]
        status = rng.choices(self.statuses, cum_weights=self.status_cum)[0]
        risk = rng.choices(self.risks, cum_weights=self.risk_cum)[0]
        reg_id, reg_name = self.agencies.county_market[div.code]
        # Recent years hold most registrations.
        est = int(self.span * rng.random() ** 0.6) - 40
        est = max(est, 0)
        est_year = int(self.days[est][:4])
        trade = rng.choice(self.trades) if rng.random() < 0.85 else rng.choice(self.faker_trades)
        city = div.city
        place = div.city + div.district
        name_en = ""
        category = "1"
        capital = rng.choices(self.capitals, cum_weights=self.capital_cum)[0]
        if etype == m.EntityType.INDIVIDUAL_BUSINESS:
            name = f"{place}{trade}{rng.choice(SHOP_WORDS)}"
            category, capital = "2", rng.choice((1, 3, 5, 10, 20))
        elif etype == m.EntityType.FARMER_COOPERATIVE:
            name = f"{place}{trade}{rng.choice(COOPERATIVE_WORDS)}专业合作社"
            category, capital = "3", rng.choice((50, 100, 200, 500))
        elif etype == m.EntityType.SOLE_PROPRIETORSHIP:
            name = f"{place}{trade}{rng.choice(SOLE_PROP_WORDS)}"
            capital = rng.choice((5, 10, 30, 50))
        elif etype == m.EntityType.PARTNERSHIP:
            name = f"{city}{trade}{rng.choice(PARTNERSHIP_WORDS)}"
        elif etype == m.EntityType.BRANCH:
            name = f"{city}{trade}{ind.word}有限公司{(div.district or div.city)}分公司"
            capital = None
        else:
            suffix = "股份有限公司" if etype == m.EntityType.JOINT_STOCK else "有限公司"
            name = f"{city}{trade}{ind.word}{suffix}"
            if trade in self.trade_set:
                pinyin = "".join(TRADE_CHARS[c] for c in trade).capitalize()
                form = "Co., Ltd." if etype != m.EntityType.JOINT_STOCK else "Corp., Ltd."
                name_en = f"{div.city_en} {pinyin} {ind.word_en} {form}"
        uscc = self.new_uscc(div.code, category)
        rep_id, rep_name = self.person(persons, div)
        eid = self._id(m.Enterprise)
        street = rng.choice(self.streets)
        domicile = f"{div.province}{place}{street}{rng.randint(1, 999)}号"
        if rng.random() < 0.6:
            domicile += f"{rng.randint(1, 30)}层{rng.randint(1, 40):02d}室"
        fixed_term = etype in (m.EntityType.LLC, m.EntityType.FOREIGN_INVESTED) and rng.random() < 0.4
        last_change = est
        has_serious = False

        # Records first (their facts feed the enterprise row: risk class, approval date).
        shares: list[tuple[int, str, int | None]] = []
        if etype not in (m.EntityType.BRANCH, m.EntityType.INDIVIDUAL_BUSINESS):
            holders = 1 if etype == m.EntityType.SOLE_PROPRIETORSHIP else rng.choice((1, 1, 2, 2, 3))
            if etype == m.EntityType.FARMER_COOPERATIVE:
                holders = rng.choice((5, 6, 8))
            remaining = Decimal(capital)
            for h in range(holders):
                if h == 0:
                    pid, hname, htype, licence = rep_id, rep_name, "person", ""
                elif etype != m.EntityType.FARMER_COOPERATIVE and rng.random() < 0.35:
                    pid, htype = None, "enterprise"
                    hname = f"{city}{rng.choice(self.trades)}投资有限公司"
                    licence = self.new_uscc(div.code)
                else:
                    pid, hname = self.person(persons, div)
                    htype, licence = "person", ""
                amount = remaining if h == holders - 1 else (Decimal(capital) / holders).quantize(Decimal("0.0001"))
                remaining -= amount
                paid = (amount * Decimal(rng.choice((0, 0, 1, 2, 2)))) / 2
                sid = self._record(t[m.Shareholder], eid, reg_id, "", est, htype, hname, pid, licence, str(amount),
                                   str(paid))
                shares.append((sid, hname, pid))
                contributions = t[m.CapitalContribution].rows
                contributions.append((self._id(m.CapitalContribution), sid, "subscribed", "money", str(amount),
                                      self.days[est + 365 * rng.choice((5, 10, 20))]))
                if paid:
                    contributions.append((self._id(m.CapitalContribution), sid, "paid",
                                          rng.choice(("money", "money", "money", "in_kind", "ip")), str(paid),
                                          self._day(est + rng.randint(0, 700))))

        key = t[m.KeyPerson]
        if etype == m.EntityType.JOINT_STOCK:
            positions = (("董事长", rep_id), ("董事", None), ("监事", None))
        elif etype in (m.EntityType.LLC, m.EntityType.FOREIGN_INVESTED):
            positions = (("执行董事兼总经理", rep_id), ("监事", None))
        elif etype == m.EntityType.BRANCH:
            positions = (("负责人", rep_id),)
        elif etype == m.EntityType.PARTNERSHIP:
            positions = (("执行事务合伙人委派代表", rep_id),)
        else:
            positions = ()
        for position, pid in positions:
            self._record(key, eid, reg_id, "", est, pid or self.person(persons, div)[0], position)

        if etype in (m.EntityType.LLC, m.EntityType.JOINT_STOCK) and rng.random() < 0.03:
            for _ in range(rng.randint(1, 2)):
                bdiv = rng.choices(self.divisions, cum_weights=self.division_cum)[0]
                day = est + rng.randint(100, 2000)
                if day < self.span:
                    self._record(t[m.Branch], eid, reg_id, "", day, f"{name}{bdiv.district or bdiv.city}分公司",
                                 self.new_uscc(bdiv.code), self.agencies.county_market[bdiv.code][1])

        for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
            day = est + rng.randint(30, 4000)
            if day >= self.span:
                continue
            last_change = max(last_change, day)
            item = rng.choice(CHANGE_ITEMS)
            if item == "住所变更":
                before = f"{div.province}{place}{rng.choice(self.streets)}{rng.randint(1, 999)}号"
                after = domicile
            elif item == "注册资本变更" and capital:
                before, after = f"{capital / 2:g}万元人民币", f"{capital}万元人民币"
            elif item == "法定代表人变更":
                before, after = rng.choice(self.surnames) + rng.choice(self.given), rep_name
            elif item == "名称变更":
                before, after = f"{city}{rng.choice(self.trades)}{ind.word}有限公司", name
            elif item == "经营范围变更":
                before, after = rng.choice(INDUSTRIES).scope, ind.scope
            else:
                before = rng.choice(self.surnames) + rng.choice(self.given)
                after = rng.choice(self.surnames) + rng.choice(self.given)
            self._record(t[m.ChangeRecord], eid, reg_id, "", day, item, before, after, self._day(day))

        year_now = REFERENCE_DATE.year
        if rng.random() < 0.3:
            lname, content, prefix = rng.choice(LICENCES)
            day = est + rng.randint(10, 3000)
            day = min(day, self.span - 1)
            source = reg_id if rng.random() < 0.7 else self.agencies.environment[div.code]
            end = day + 5 * 365
            self._record(t[m.AdministrativeLicence], eid, source, f"{prefix}{div.code}{rng.randint(10**7, 10**8 - 1)}",
                         day, lname, self._day(day), self.days[end], content, "valid" if end > self.span else "invalid")

        if rng.random() < 0.08:
            day = est + rng.randint(60, 4000)
            day = min(day, self.span - 5)
            roll = rng.random()
            if roll < 0.6:
                source, (vtype, content), org = reg_id, rng.choice(PENALTIES_MARKET), "市监"
            elif roll < 0.8:
                source, (vtype, content), org = self.agencies.tax[div.code], rng.choice(PENALTIES_TAX), "税"
            elif roll < 0.95:
                source, (vtype, content), org = self.agencies.environment[div.code], rng.choice(PENALTIES_ENV), "环"
            else:
                source, (vtype, content), org = self.agencies.finance[div.code], rng.choice(PENALTIES_FINANCE), "金"
            severity = rng.choices(self.severities, cum_weights=self.severity_cum)[0]
            fine = {"minor": rng.randint(1, 10) * 1000, "general": rng.randint(1, 20) * 10000,
                    "serious": rng.randint(20, 200) * 10000}[severity]
            months = m.PUBLICATION_MONTHS[severity].longest
            has_serious = severity == "serious"
            withdrawn = None
            if rng.random() < 0.03:
                withdrawn = (self._ts(min(day + 90, self.span)), "经行政复议，原处罚决定被撤销")
            year = self.days[day][:4]
            doc = f"{div.abbr}{(div.district or div.city)[0]}{org}罚〔{year}〕{rng.randint(1, 3000)}号"
            self._record(t[m.AdministrativePenalty], eid, source, doc, day, vtype, f"{content}人民币{fine}元。",
                         f"{fine}.00", severity, self.days[day + months * 30 + months // 2], withdrawn=withdrawn)

        if capital and rng.random() < 0.02:
            day = min(est + rng.randint(100, 3000), self.span - 1)
            year = self.days[day][:4]
            self._record(t[m.ChattelMortgage], eid, reg_id, "", day, f"{div.code}{year}{rng.randint(0, 999999):06d}",
                         self._day(day), str(Decimal(rng.randint(50, 5000))), "CNY",
                         f"{rng.choice(BANKS)}{city}分行", rng.choice(COLLATERALS),
                         "valid" if rng.random() < 0.7 else "cancelled")

        if shares and rng.random() < 0.02:
            sid, sname, spid = shares[0]
            day = min(est + rng.randint(100, 3000), self.span - 1)
            year = self.days[day][:4]
            self._record(t[m.EquityPledge], eid, reg_id, "", day, f"{div.code}{year}{rng.randint(0, 999999):06d}",
                         sname, spid, "", str(Decimal(capital) / 2), f"{rng.choice(BANKS)}{city}分行",
                         "", self._day(day), rng.choice(("valid", "valid", "cancelled")))

        if shares and rng.random() < 0.01:
            sid, sname, spid = shares[0]
            court_id, _court = self.agencies.court[div.code]
            day = min(est + rng.randint(200, 4000), self.span - 1)
            year = self.days[day][:4]
            kind, state = rng.choice((("freeze", "frozen"), ("freeze", "frozen"), ("renewed", "frozen"),
                                      ("unfrozen", "unfrozen")))
            ruling = f"（{year}）{div.abbr}{div.code[2:]}执{rng.randint(1, 9000)}号"
            self._record(t[m.JudicialAssistance], eid, court_id, f"{ruling[:-1]}之一号", day, sname,
                         str(Decimal(capital) / 4), ruling, kind, state, self._day(day), self.days[day + 3 * 365])

        alive = status in (m.RegistrationStatus.ACTIVE, m.RegistrationStatus.SUSPENDED,
                           m.RegistrationStatus.LIQUIDATION)
        if alive:
            reports = t[m.AnnualReport].rows
            for year in (year_now - 2, year_now - 1):
                if year <= est_year or rng.random() < 0.08:  # a few miss the deadline
                    continue
                filed = (dt.date(year + 1, 1, 2) - FIRST_DAY).days + rng.randint(0, 175)
                private = etype == m.EntityType.INDIVIDUAL_BUSINESS and rng.random() < 0.4
                shown = rng.random() < 0.5
                assets = Decimal(rng.randint(10, 50000)) if shown else None
                row = [None, eid, year, 1, self._ts(filed), self._ts(filed), not private, "开业", domicile,
                       f"{div.postcode}{rng.randint(0, 999):03d}",
                       f"{div.area_code}-{rng.randint(2000_0000, 8999_9999)}" if rng.random() < 0.5
                       else f"1{rng.choice((3, 5, 8))}{rng.randint(0, 999_999_999):09d}",
                       "", rng.randint(1, 300) if shown else None,
                       str(assets) if shown else None, str(assets * Decimal("0.4")) if shown else None,
                       str(assets * Decimal("1.3")) if shown else None,
                       str(assets * Decimal("0.05")) if shown else None,
                       str(assets * Decimal("0.02")) if shown else None]
                row[0] = self._id(m.AnnualReport)
                reports.append(tuple(row))
                if rng.random() < 0.03:  # a correction before 30 June keeps both versions public
                    row[0], row[3] = self._id(m.AnnualReport), 2
                    row[4] = row[5] = self._ts(filed + 20)
                    row[10] = f"{div.area_code}-{rng.randint(2000_0000, 8999_9999)}"
                    reports.append(tuple(row))

            if shares and rng.random() < 0.1:
                day = min(est + rng.randint(30, 3000), self.span - 1)
                kind = rng.choice(("capital", "capital", "equity_transfer"))
                summary = (f"股东{shares[0][1]}实缴出资{rng.randint(1, 100) * 5}万元，出资方式：货币。" if kind == "capital"
                           else f"股东{shares[0][1]}将所持{rng.randint(5, 50)}%股权转让给{rng.choice(self.surnames)}"
                                f"{rng.choice(self.given)}。")
                t[m.InstantDisclosure].rows.append((self._id(m.InstantDisclosure), eid, kind, summary,
                                                    self._day(day), self._ts(day + rng.randint(1, 25))))

            if rng.random() < 0.15:
                kind, title, text = rng.choice(COMMITMENT_TEXTS)
                day = min(est + rng.randint(0, 3000), self.span - 1)
                t[m.CommitmentLetter].rows.append((self._id(m.CommitmentLetter), eid, kind, title, text,
                                                   self._day(day), self._ts(day + 1)))

        if has_serious and risk in ("A", "B"):
            risk = rng.choice(("C", "D"))
        operating_to = self.days[est + 365 * rng.choice((20, 30))] if fixed_term else None
        t[m.Enterprise].rows.append((
            eid, uscc, name, name_en, etype, rep_id, rep_name,
            f"{capital}.0000" if capital is not None else None, "CNY",
            self.days[est], self.days[est], operating_to, reg_id, status, self.days[last_change], domicile,
            ind.scope, div.code, ind.section, risk, name_tokens(name), self.reference_ts,
        ))


# --- writing ---


def _columns(model, attnames):
    return [model._meta.get_field(a).column for a in attnames]


def _insert_sql(model, attnames) -> str:
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in _columns(model, attnames))
    return f"INSERT INTO {qn(model._meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(attnames))})"


def _copy_sql(model, attnames) -> str:
    qn = connection.ops.quote_name
    return f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in _columns(model, attnames))}) FROM STDIN"


def copy_text(rows) -> bytes:
    """Rows as PostgreSQL COPY text (what `COPY ... FROM STDIN` reads), built without a connection
    so that worker processes can do it: psycopg's own row formatter (its C version when installed),
    with the default adapters (UTF-8 text, dates and numbers as written)."""
    from psycopg._copy_base import format_row_text  # the formatter cursor.copy().write_row() uses
    from psycopg.adapt import Transformer

    transformer, out = Transformer(None), bytearray()
    for row in rows:
        format_row_text(row, transformer, out)
    return bytes(out)


def rows_write(cursor, model, attnames, rows) -> None:
    """Write plain rows (tuples in `attnames` order) to the model's table: COPY on PostgreSQL,
    one executemany elsewhere. No save(), no signals: the callers compute every column."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(_copy_sql(model, attnames)) as copy:
            copy.write(copy_text(rows))
    else:
        ops = connection.ops

        def adapt(value):
            if isinstance(value, dt.datetime):
                return ops.adapt_datetimefield_value(value)
            if isinstance(value, dt.date):
                return ops.adapt_datefield_value(value)
            return value

        cursor.executemany(_insert_sql(model, attnames), [tuple(adapt(v) for v in row) for row in rows])


def next_ids(model, count: int) -> list[int]:
    """`count` fresh primary keys after the table's largest, for rows written with their ids
    (the caller resets the sequence afterwards, see sequences_reset)."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return list(range(last + 1, last + 1 + count))


def sequences_reset(cursor, models_) -> None:
    for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
        cursor.execute(sql)


def _id_columns(model, attnames) -> list[tuple[int, int]]:
    """(column position, index in TABLE_ORDER of the table it numbers) for the row's own id and
    its references to rows generated in the same chunk: those hold local ids."""
    refs = []
    for position, attname in enumerate(attnames):
        if attname == "id":
            refs.append((position, TABLE_ORDER.index(model)))
            continue
        target = getattr(model._meta.get_field(attname), "related_model", None)
        if target in COLUMNS:
            refs.append((position, TABLE_ORDER.index(target)))
    return refs


def _globalised(rows, refs, offsets):
    """The rows with their local ids turned into table ids."""
    if not rows:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for position, table in refs:
            value = values[position]
            if value is not None:
                values[position] = value + offsets[table]
        out.append(values)
    return out


class _LocalSequence:
    """Chunk offsets in one process: chunks come in order, each starts where the last ended."""

    def __init__(self, starts: list[int]):
        self.next = list(starts)

    def __call__(self, index: int, counts: list[int] | None) -> list[int]:
        if counts is None:
            raise RuntimeError(f"demo chunk {index} failed")
        offsets = list(self.next)
        self.next = [o + c for o, c in zip(offsets, counts, strict=True)]
        return offsets


class _SharedSequence:
    """Chunk offsets across worker processes. Chunk k publishes its row counts as soon as it is
    generated, then waits for chunks 0..k-1 (the pool hands chunks out in order, so they are
    running or done) and starts its ids where theirs end: ids are dense and the same for any
    number of processes."""

    def __init__(self, ctx, chunks: int, starts: list[int]):
        self.tables = len(starts)
        self.starts = list(starts)
        self.counts = ctx.Array("q", chunks * self.tables, lock=False)
        self.state = ctx.Array("b", chunks, lock=False)  # 0 pending, 1 published, -1 failed
        self.cond = ctx.Condition()

    def __call__(self, index: int, counts: list[int] | None) -> list[int]:
        n = self.tables
        with self.cond:
            if counts is None:
                self.state[index] = -1
            else:
                self.counts[index * n:(index + 1) * n] = counts
                self.state[index] = 1
            self.cond.notify_all()
            if counts is None:
                raise RuntimeError(f"demo chunk {index} failed")
            self.cond.wait_for(lambda: all(self.state[j] for j in range(index)))
            if any(self.state[j] < 0 for j in range(index)):
                raise RuntimeError("an earlier demo chunk failed")
            return [self.starts[t] + sum(self.counts[j * n + t] for j in range(index)) for t in range(n)]


# What the chunk jobs need; set before the pool forks, so the workers inherit it.
_WORK: dict = {}


def _chunk_job(index: int) -> tuple[int, list[int], list]:
    """Generate chunk `index` and render it for the writer: COPY text on PostgreSQL, tuples elsewhere."""
    work = _WORK
    size = min(work["batch"], work["enterprises"] - index * work["batch"])
    try:
        tables = work["generator"].chunk(index, size)
        counts = [len(tables[model].rows) for model in TABLE_ORDER]
    except BaseException:
        work["sequence"](index, None)
        raise
    offsets = work["sequence"](index, counts)
    payloads = []
    for model, refs in zip(TABLE_ORDER, work["refs"], strict=True):
        rows = _globalised(tables[model].rows, refs, offsets)
        payloads.append(copy_text(rows) if work["copy"] and rows else rows)
    return size, counts, payloads


def default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _chunks(*, generator, enterprises: int, batch: int, processes: int, copy: bool, starts: list[int]):
    """Yield (enterprises, counts, payloads) chunk by chunk, in order, generated by `processes` processes."""
    chunks = -(-enterprises // batch)
    processes = max(1, min(processes, chunks))
    _WORK.clear()
    _WORK.update(generator=generator, batch=batch, enterprises=enterprises, copy=copy,
                 refs=[_id_columns(model, COLUMNS[model]) for model in TABLE_ORDER])
    try:
        if processes == 1:
            _WORK["sequence"] = _LocalSequence(starts)
            for index in range(chunks):
                yield _chunk_job(index)
            return
        # fork: the workers inherit the generator's pools and touch no database connection.
        ctx = multiprocessing.get_context("fork")
        _WORK["sequence"] = _SharedSequence(ctx, chunks, starts)
        with ctx.Pool(processes) as pool:
            yield from pool.imap(_chunk_job, range(chunks))
    finally:
        _WORK.clear()


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """Indexes that back no constraint: cheaper to build once after the load."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [tables],
    )
    return list(cursor.fetchall())


# --- the whole seed ---


@dataclass
class Login:
    username: str
    password: str
    role: str


STAFF_LOGINS = (
    ("samr", "SAMR", "national market regulation"),
    ("bj-market", "MR-110000", "Beijing market regulation (provincial)"),
    ("sz-market", "MR-440300", "Shenzhen market regulation (municipal)"),
    ("chaoyang-market", "MR-110105", "Beijing Chaoyang market regulation (registration authority)"),
    ("pudong-market", "MR-310115", "Shanghai Pudong market regulation (registration authority)"),
    ("nanshan-market", "MR-440305", "Shenzhen Nanshan market regulation (registration authority)"),
    ("bj-tax", "TAX-110000", "Beijing tax service"),
    ("chaoyang-court", "COURT-110105", "Beijing Chaoyang people's court"),
    ("sz-environment", "ENV-440300", "Shenzhen ecology and environment bureau"),
    ("bj-finance", "FIN-110000", "Beijing financial regulator"),
    # The national owners of the agency lists (their agencies come from the listings app's
    # data migration), so that every standard list has a demo login that may edit it.
    ("sta", "STA", "State Taxation Administration (tax lists)"),
    ("spc", "SPC", "Supreme People's Court (dishonest judgment debtors)"),
    ("mee", "MEE", "Ministry of Ecology and Environment (environmental violators)"),
    ("mof", "MOF", "Ministry of Finance (procurement blacklist)"),
)
# The apps the demo fills: credit, then those whose steps settings.DEMO_STEPS names.
DEMO_APPS = ("credit", *dict.fromkeys(path.split(".", 1)[0] for path in settings.DEMO_STEPS))


def is_seeded() -> bool:
    # Not the SAMR row: other apps' data migrations create national agencies too.
    return m.Enterprise.objects.exists() or m.Agency.objects.filter(code=DEMO_MARKER_COUNTY).exists()


def demo_usernames() -> list[str]:
    return [SUPERUSER[0]] + [u for u, _, _ in STAFF_LOGINS] + [f"enterprise{i}" for i in range(1, 4)]


class _DataMigrationEditor:
    """What data migrations use of a schema editor (its connection and execute()),
    usable inside a transaction where SQLite refuses a real schema editor."""

    def __init__(self, conn):
        self.connection = conn

    def execute(self, sql, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params or None)


def _replay_data_migrations(app_labels: tuple[str, ...]) -> None:
    """Re-run the RunPython steps of the apps' migrations, which create reference data
    (standard lists, national agencies, ...). They are idempotent (get_or_create, IF NOT
    EXISTS), as data migrations must be, so replaying them on emptied tables restores
    exactly what a fresh migrate would have."""
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.operations.special import RunPython

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    editor = _DataMigrationEditor(connection)
    for migration, _backwards in plan:
        if migration.app_label not in app_labels or not any(isinstance(o, RunPython) for o in migration.operations):
            continue
        state = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        for operation in migration.operations:
            if isinstance(operation, RunPython):
                operation.code(state.apps, editor)
            operation.state_forwards(migration.app_label, state)


def reset() -> None:
    """Empty the domain apps (credit, listings, inspections), restore their reference data,
    and remove the demo logins together with every agency-staff and enterprise login (those the
    audit log names are retired instead). Audit events stay: the log is append-only."""
    from django.apps import apps

    app_labels = tuple(app for app in DEMO_APPS if apps.is_installed(app))
    # include_auto_created: the many-to-many tables too, or they keep dangling rows.
    domain_models = [
        mdl for app in app_labels for mdl in apps.get_app_config(app).get_models(include_auto_created=True)
    ]
    tables = [mdl._meta.db_table for mdl in domain_models if not mdl._meta.proxy and mdl._meta.managed]
    User = get_user_model()
    linked = set(m.AgencyStaff.objects.values_list("user_id", flat=True))
    linked |= set(m.EnterpriseAccount.objects.values_list("user_id", flat=True))
    users = User.objects.filter(models.Q(username__in=demo_usernames()) | models.Q(pk__in=linked, is_superuser=False))
    user_ids = list(users.values_list("pk", flat=True))
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # Deferred foreign-key checks queued earlier in this transaction block TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} RESTART IDENTITY CASCADE")
    else:
        with connection.constraint_checks_disabled(), transaction.atomic(), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {qn(table)}")
    with transaction.atomic():
        # A login named by the audit log is never deleted (portal.audit): it is retired, inactive,
        # under another name, so that the demo's names are free again.
        actors = set(AuditEvent.objects.filter(actor_id__in=user_ids).values_list("actor_id", flat=True))
        for user in User.objects.filter(pk__in=actors):
            user.username = f"retired-{user.pk}-{user.username}"[:150]
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["username", "is_active", "password"])
        User.objects.filter(pk__in=user_ids).exclude(pk__in=actors).delete()
        _replay_data_migrations(app_labels)


def _staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=DEMO_APPS).exclude(codename__startswith="delete_")
    group.permissions.set(list(perms) + list(Permission.objects.filter(codename="view_auditevent")))
    return group


@functools.lru_cache(maxsize=8)
def _password_hash(password: str, hasher: str) -> str:
    return make_password(password)


def password_hash(password: str = DEMO_PASSWORD) -> str:
    """The demo password hashed once (per process and hasher) for every demo login that shares it:
    a real hash costs about half a second, and a demo has dozens of logins."""
    return _password_hash(password, settings.PASSWORD_HASHERS[0])


def demo_user(username: str, password: str, **fields):
    """A demo login whose password is `password`, hashed once for all (see password_hash)."""
    User = get_user_model()
    user = User(username=username, password=password_hash(password), **fields)
    user.save()
    return user


def create_agencies_and_logins() -> list[Login]:
    existing = set(m.Agency.objects.values_list("code", flat=True))
    m.Agency.objects.bulk_create([a for a in agency_rows() if a.code not in existing])
    logins = []
    admin_user = demo_user(SUPERUSER[0], SUPERUSER[1], is_staff=True, is_superuser=True)
    logins.append(Login(admin_user.username, SUPERUSER[1], "superuser"))
    group = _staff_group()
    agencies = {a.code: a for a in m.Agency.objects.filter(code__in=[c for _, c, _ in STAFF_LOGINS])}
    for username, code, role in STAFF_LOGINS:
        if code not in agencies:
            continue  # an app that owns this agency is not installed
        user = demo_user(username, DEMO_PASSWORD, is_staff=True)
        user.groups.add(group)
        m.AgencyStaff.objects.create(user=user, agency=agencies[code])
        logins.append(Login(username, DEMO_PASSWORD, f"staff: {role}"))
    return logins


def create_enterprise_logins() -> list[Login]:
    logins = []
    targets = m.Enterprise.objects.filter(status=m.RegistrationStatus.ACTIVE).exclude(
        entity_type=m.EntityType.BRANCH
    ).order_by("id")[:3]
    for i, enterprise in enumerate(targets, start=1):
        user = demo_user(f"enterprise{i}", DEMO_PASSWORD)
        m.EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
        logins.append(Login(user.username, DEMO_PASSWORD, f"enterprise: {enterprise.name} ({enterprise.uscc})"))
    return logins


def _start_ids() -> dict[type[models.Model], int]:
    starts = {}
    for model in TABLE_ORDER:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        starts[model] = (last or 0) + 1
    return starts


def seed_enterprises(
    *, enterprises: int, seed: int, batch: int = 5000, processes: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Generate and write the enterprises with their records; returns row counts per table.

    The rows depend on (seed, batch) only, not on `processes` (default: one per core)."""
    generator = Generator(seed=seed, agencies=_agency_set(), batch=batch)
    starts = _start_ids()
    counts = {model._meta.label: 0 for model in TABLE_ORDER}
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        dropped: list[tuple[str, str]] = []
        if postgres:
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Rows reference each other correctly by construction; per-row foreign key
            # triggers would dominate the load time (needs superuser; skipped otherwise).
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except Exception:  # noqa: BLE001 - an unprivileged role loads with the checks on
                pass
            if enterprises >= 50_000:
                dropped = _secondary_indexes(cursor, [mdl._meta.db_table for mdl in TABLE_ORDER])
                for name, _definition in dropped:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        statements = {model: (_copy_sql if postgres else _insert_sql)(model, COLUMNS[model]) for model in TABLE_ORDER}
        raw = cursor.cursor  # the driver's cursor under Django's wrapper
        for size, chunk_counts, payloads in _chunks(
            generator=generator, enterprises=enterprises, batch=batch, copy=postgres,
            processes=default_processes() if processes is None else processes,
            starts=[starts[model] for model in TABLE_ORDER],
        ):
            for model, count, payload in zip(TABLE_ORDER, chunk_counts, payloads, strict=True):
                if not count:
                    continue
                if postgres:
                    with raw.copy(statements[model]) as copy:
                        copy.write(payload)
                else:
                    cursor.executemany(statements[model], payload)
                counts[model._meta.label] += count
            if progress:
                progress(size)
        if dropped:
            # Room to build each index (the search GIN above all) in memory, once.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in dropped:
            cursor.execute(definition)
        sequences_reset(cursor, TABLE_ORDER)
        if postgres:
            cursor.execute("SET LOCAL session_replication_role = origin")
    if postgres:
        with connection.cursor() as cursor:
            for model in TABLE_ORDER:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return counts


def demo_steps() -> list[tuple[str, Callable]]:
    """The other apps' demo steps, in the order settings.DEMO_STEPS lists them (each
    `<app>.demo.seed_demo_data(seed=..., stdout=...)`): the project names them, so
    credit never imports the apps above it."""
    return [(path.split(".", 1)[0], import_string(path)) for path in settings.DEMO_STEPS]


def record_seed(*, enterprises: int, seed: int, counts: dict[str, int]) -> None:
    audit_record(action="credit.demo.seeded", actor_label="seed_demo",
                 payload={"enterprises": enterprises, "seed": seed, "rows": counts})


def existing_logins() -> list[Login]:
    """The demo logins present in the database (passwords are the documented demo ones)."""
    User = get_user_model()
    present = set(User.objects.filter(username__in=demo_usernames()).values_list("username", flat=True))
    logins = [Login(SUPERUSER[0], SUPERUSER[1], "superuser")] if SUPERUSER[0] in present else []
    logins += [Login(u, DEMO_PASSWORD, f"staff: {role}") for u, _, role in STAFF_LOGINS if u in present]
    accounts = m.EnterpriseAccount.objects.filter(user__username__in=present).select_related("user", "enterprise")
    logins += [Login(a.user.username, DEMO_PASSWORD, f"enterprise: {a.enterprise.name} ({a.enterprise.uscc})")
               for a in accounts.order_by("user__username")]
    return logins
