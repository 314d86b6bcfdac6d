from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from listings.models import CreditList

pytestmark = pytest.mark.django_db

fix = importlib.import_module("listings.migrations.0004_abnormal_removal_five_working_days")


def test_it_says_the_abnormal_operations_removal_is_decided_within_5_working_days():
    credit_list = CreditList.objects.get(code="abnormal-operations")
    assert "5个工作日内作出决定" in credit_list.removal_conditions
    assert "within 5 working days" in credit_list.removal_conditions_en
    assert "2个工作日" not in credit_list.removal_conditions
    assert "2 working days" not in credit_list.removal_conditions_en


def test_it_can_run_the_text_fix_again_without_changing_anything():
    fix.fix_text(apps, None)
    fix.fix_text(apps, None)
    credit_list = CreditList.objects.get(code="abnormal-operations")
    assert (credit_list.removal_conditions, credit_list.removal_conditions_en) == (fix.REMOVAL, fix.REMOVAL_EN)
    assert CreditList.objects.filter(removal_conditions=fix.REMOVAL).count() == 1
