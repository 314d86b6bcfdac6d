from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import factory
import time_machine
from django.utils import timezone

from credit.tests.factories import AgencyFactory, ago, ahead, today
from inspections import models


class InspectionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InspectionItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ITEM-{n:03d}")
    name = factory.Sequence(lambda n: f"企业公示信息情况检查{n}")
    name_en = factory.Sequence(lambda n: f"Check of publicly disclosed information {n}")
    legal_basis = "《企业信息公示暂行条例》第十四条"
    kind = models.InspectionItem.Kind.GENERAL
    method = models.InspectionItem.Method.DESK


class InspectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Inspector
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"INS-{n:05d}")
    name = factory.Sequence(lambda n: f"检查员{n}")

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if create and extracted:
            self.items.set(extracted)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Plan
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    # This year's plan (the year of the pinned date in tests), its checks ended two weeks ago.
    year = factory.LazyFunction(lambda: today().year)
    number = factory.LazyAttributeSequence(lambda o, n: f"SJ-{o.year}-{n:04d}")
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.year}年度第{n}批企业公示信息双随机抽查")
    name_en = factory.LazyAttributeSequence(lambda o, n: f"{o.year} spot check of disclosed information, batch {n}")
    batch = 1
    statuses = factory.LazyFunction(lambda: ["active"])
    ratio_a = Decimal("0.5")
    ratio_b = Decimal("0.5")
    ratio_c = Decimal("1")
    ratio_d = Decimal("1")
    team_size = 2
    workload_cap = 10
    entropy_source = factory.LazyFunction(lambda: f"China Welfare Lottery 3D draw of {ahead(days=11).isoformat()}")
    # The named value exists a few minutes after the plan is made (and committed): entropy_due.
    entropy_available_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(minutes=5)).replace(microsecond=0))
    reveal_policy = models.RevealPolicy.IMMEDIATE
    checks_end_on = factory.LazyFunction(lambda: ago(days=17))

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if create:
            self.items.set(extracted if extracted is not None else [InspectionItemFactory(code="ITEM-BASE")])


def entropy_due(plan: models.Plan) -> None:
    """Move the pinned clock on to the moment the plan's public entropy exists, as staff wait
    for the named source before entering its value (services.plan_entropy_check refuses it
    earlier). Without a pinned clock (tests marked real_clock) it sleeps until then."""
    due = plan.entropy_available_at
    if due is None or timezone.now() >= due:
        return
    if time_machine.traveller_stack:
        time_machine.traveller_stack[-1].shift(due - timezone.now() + dt.timedelta(seconds=1))
    else:
        time.sleep((due - timezone.now()).total_seconds() + 0.01)
