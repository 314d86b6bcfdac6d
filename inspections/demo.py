"""Demo data for the inspections app, called by seed_demo after enterprises and agencies
exist. Deterministic for a given seed (the draw secrets are derived from it too)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from credit.demo import password_hash
from credit.models import Agency, AgencyKind, AgencyLevel, AgencyStaff, Enterprise
from inspections import selectors, services
from inspections.models import InspectionItem, Inspector, Plan, Result, Task

ITEMS = [
    ("GS-001", "企业年度报告公示信息检查", "Check of annual report information", InspectionItem.Kind.GENERAL,
     InspectionItem.Method.DESK, "《企业信息公示暂行条例》第八条、第十四条"),
    ("GS-002", "企业即时公示信息检查", "Check of instant disclosure information", InspectionItem.Kind.GENERAL,
     InspectionItem.Method.ONLINE, "《企业信息公示暂行条例》第十条、第十四条"),
    ("GS-003", "企业登记住所（经营场所）检查", "Check of the registered address", InspectionItem.Kind.GENERAL,
     InspectionItem.Method.SITE, "《市场主体登记管理条例》第四十七条"),
    ("ZD-001", "食品经营许可事项检查", "Food business licence check", InspectionItem.Kind.KEY,
     InspectionItem.Method.SITE, "《食品安全法》第一百一十条"),
]
# Weighted like a real batch; the unreachable and not-disclosed results show the
# follow-up into the abnormal-operations list on the demo site.
DEMO_AGENCIES = ("MR-110000", "MR-440300")
MIN_DEMO_FIRMS = 20
DEMO_INSPECTORS = 8  # per agency, at least
INSPECTOR_PASSWORD = "demo-Inspector-1"
DEMO_RESULTS = [Result.NO_PROBLEM] * 12 + [Result.CORRECTED, Result.PROBLEM_PENDING, Result.CLOSED,
                                           Result.FALSE_DISCLOSURE, Result.UNREACHABLE, Result.NOT_DISCLOSED]


# The 3D lottery is drawn every evening at 21:15 Beijing time; its numbers are out by 21:30.
LOTTERY_ANNOUNCED = dt.time(21, 30)


def _lottery(day: dt.date) -> str:
    return f"中国福利彩票3D {day.year}年{day.month}月{day.day}日开奖号码 (China Welfare Lottery 3D, draw of {day.isoformat()})"


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _secret(seed: int, label: str) -> bytes:
    return hashlib.sha256(f"demo-secret|{seed}|{label}".encode()).digest()


def _firms_in_region(agency: Agency) -> int:
    return Enterprise.objects.filter(region_code__startswith=services.agency_region_prefix(agency),
                                     status="active").count()


def _demo_agencies() -> list[Agency]:
    """Beijing's and Shenzhen's market regulators (they have demo staff logins and many
    firms); without the full demo agency set, the first two market regulators."""
    preferred = {agency.code: agency for agency in Agency.objects.filter(code__in=DEMO_AGENCIES)}
    if len(preferred) == len(DEMO_AGENCIES):
        national = Agency.objects.filter(level=AgencyLevel.NATIONAL, kind=AgencyKind.MARKET_REGULATION).order_by(
            "code").first()
        # A tiny seed may leave a region nearly empty: then the national regulator plans nationwide.
        return [agency if national is None or _firms_in_region(agency) >= MIN_DEMO_FIRMS else national
                for agency in (preferred[code] for code in DEMO_AGENCIES)]
    return list(Agency.objects.filter(kind=AgencyKind.MARKET_REGULATION).order_by("code")[:2]) or list(
        Agency.objects.order_by("code")[:2]
    )


def _regions(agency: Agency) -> list[str]:
    # A plan draws only within its agency's region (services.plan_regions_check).
    prefix = services.agency_region_prefix(agency)
    return [prefix] if prefix else []


def _inspectors_ensure(agency: Agency, items: list[InspectionItem], count: int) -> None:
    """The agency's demo inspectors JC01..JCnn (each with a staff login; every fourth is also
    qualified for the key item), creating those missing."""
    User = get_user_model()
    for index in range(1, count + 1):
        code = f"{agency.code}-JC{index:02d}"
        user, created = User.objects.get_or_create(username=f"inspector-{code.lower()}", defaults={"is_staff": True})
        if created:
            user.password = password_hash(INSPECTOR_PASSWORD)  # hashed once for all
            user.save()
            AgencyStaff.objects.create(user=user, agency=agency)
        inspector, created = Inspector.objects.get_or_create(
            code=code, defaults={"agency": agency, "name": f"检查员{agency.code[-2:]}{index:02d}", "user": user}
        )
        if created:
            inspector.items.set(items[:3] if index % 4 else items)


def _inspectors_needed(plan: Plan) -> int:
    """Inspectors for the plan's draw to give every selected firm a team within the workload cap."""
    from inspections.draw import algorithm

    counts = selectors.plan_scope_counts(plan)
    selected = sum(algorithm.quota(counts.get(cls, 0), plan.ratios[cls]) for cls in algorithm.RISK_CLASSES)
    return max(DEMO_INSPECTORS, -(-selected * plan.team_size // plan.workload_cap) + 2)


@transaction.atomic
def seed_demo_data(*, seed: int, stdout) -> None:
    rnd = random.Random(seed)
    items = []
    for code, name, name_en, kind, method, basis in ITEMS:
        item, _ = InspectionItem.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "kind": kind, "method": method, "legal_basis": basis}
        )
        items.append(item)
    agencies = _demo_agencies()
    if not agencies or not Enterprise.objects.exists():
        stdout.write("inspections: no agencies or enterprises yet, nothing seeded")
        return
    for agency in dict.fromkeys(agencies):
        _inspectors_ensure(agency, items, DEMO_INSPECTORS)

    today = timezone.localdate()
    checks_end = today - dt.timedelta(days=20)
    first, second = agencies[0], agencies[-1]
    year = today.year
    # The revealed plan's story began two months ago, in order (docs/draw.md 2): committed, then
    # the lottery draw it names, then its number entered and the draw run, all before the checks.
    committed_on, lottery_on = today - dt.timedelta(days=60), today - dt.timedelta(days=58)
    revealed = Plan(
        agency=first, number=f"DEMO-{year}-01", name=f"{year}年度企业公示信息双随机抽查（第一批）",
        name_en=f"{year} double-random check of disclosed information, batch 1", year=year, batch=1,
        regions=_regions(first), statuses=["active"], ratio_a=Decimal("0.01"), ratio_b=Decimal("0.03"), ratio_c=Decimal("0.1"),
        ratio_d=Decimal("0.3"), team_size=2, workload_cap=60, entropy_source=_lottery(lottery_on),
        entropy_available_at=_at(lottery_on, LOTTERY_ANNOUNCED), reveal_policy="on_publication",
        checks_end_on=checks_end,
    )
    # Enough inspectors for the draw to give every selected firm a team (a large demo selects thousands).
    _inspectors_ensure(first, items, _inspectors_needed(revealed))
    services.plan_save(plan=revealed, actor=None, items=items[:3])
    # created_at is auto_now_add; the story's draft precedes its backdated commitment.
    Plan.objects.filter(pk=revealed.pk).update(created_at=_at(committed_on - dt.timedelta(days=3), dt.time(9, 0)))
    services.plan_commit(plan=revealed, actor=None, secret=_secret(seed, revealed.number),
                         now=_at(committed_on, dt.time(10, 0)))
    entered = _at(lottery_on + dt.timedelta(days=1), dt.time(9, 0))
    services.plan_entropy_enter(plan=revealed, actor=None, public_entropy=f"{rnd.randint(0, 999):03d}", now=entered)
    # The draw runs synchronously through the same service the Celery task calls.
    services.draw_execute(plan_id=revealed.pk, now=entered + dt.timedelta(minutes=5))
    spare = list(selectors.plan_manual_team_candidates(revealed)[:2])
    for task in Task.objects.filter(plan=revealed, inspector_codes="").order_by("position"):
        services.task_assign_manual(task=task, inspectors=spare, actor=None)
    tasks = list(Task.objects.filter(plan=revealed).order_by("position"))
    # Two publications: the plan reveals its draw with the second, once every firm has a result.
    first_batch = max(1, len(tasks) * 3 // 4)
    for batch in (tasks[:first_batch], tasks[first_batch:]):
        results = {}
        for task in batch:
            result = rnd.choice(DEMO_RESULTS)
            results[task.pk] = (result, "" if result == Result.NO_PROBLEM else "检查发现的问题及处理情况见检查记录表。",
                                checks_end - dt.timedelta(days=rnd.randint(0, 15)))
        if batch:
            services.task_results_record(plan=revealed, results=results, actor=None)
            services.plan_results_publish(plan=revealed, actor=None)

    committed = Plan(
        agency=second, number=f"DEMO-{year}-02", name=f"{year}年度住所（经营场所）定向抽查（第二批）",
        name_en=f"{year} directed check of registered addresses, batch 2", year=year, batch=2,
        regions=_regions(second), statuses=["active"], industries=["F", "I"], ratio_a=Decimal("0.02"), ratio_b=Decimal("0.05"),
        ratio_c=Decimal("0.2"), ratio_d=Decimal("0.5"), team_size=2, workload_cap=40,
        entropy_source=_lottery(today + dt.timedelta(days=3)),
        entropy_available_at=_at(today + dt.timedelta(days=3), LOTTERY_ANNOUNCED), reveal_policy="immediate",
        checks_end_on=today + dt.timedelta(days=60),
    )
    services.plan_save(plan=committed, actor=None, items=[items[2]])
    services.plan_commit(plan=committed, actor=None, secret=_secret(seed, committed.number))

    in_region = Enterprise.objects.filter(region_code__startswith=services.agency_region_prefix(first))
    for enterprise in in_region.order_by("uscc")[:: max(1, in_region.count() // 5)][:5]:
        services.spot_check_publish(enterprise=enterprise, agency=first, kind="企业公示信息抽查",
                                    checked_on=today - dt.timedelta(days=rnd.randint(30, 300)),
                                    result=rnd.choice(DEMO_RESULTS), actor=None)
    stdout.write(f"inspections: {len(items)} items, {Inspector.objects.count()} inspectors, plans "
                 f"{revealed.number} ({len(tasks)} firms drawn, results published) and {committed.number} (committed)")
