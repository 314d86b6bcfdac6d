"""The plan form of the admin: scope from pickers, ratios in percent, items in the reader's language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from inspections.admin import PlanForm, percent
from inspections.models import MINIMUM_YEARLY_SHARE, Plan
from inspections.tests.factories import InspectionItemFactory, PlanFactory

pytestmark = pytest.mark.django_db


def plan_form(user, *, instance=None, data=None):
    request = RequestFactory().get("/admin/inspections/plan/add/")
    request.user = user
    return admin.site._registry[Plan].get_form(request, obj=instance)(data=data, instance=instance)


def valid_data(plan, **changes):
    data = {
        "agency": plan.agency_id, "number": plan.number, "name": plan.name, "name_en": plan.name_en,
        "year": plan.year, "batch": plan.batch, "items": [item.pk for item in plan.items.all()],
        "regions": plan.regions, "entity_types": plan.entity_types, "industries": plan.industries,
        "statuses": plan.statuses, "ratio_a": "5", "ratio_b": "5", "ratio_c": "10", "ratio_d": "20",
        "ratio_reason": "", "team_size": 2, "workload_cap": 10, "conflict_period_days": 365,
        "entropy_source": plan.entropy_source, "reveal_policy": plan.reveal_policy,
        "checks_end_on": plan.checks_end_on.isoformat(),
    }
    return {**data, **changes}


def test_regions_are_picked_from_provinces_and_prefectures_labelled_code_and_name(personas):
    with translation.override("zh-hans"):
        choices = dict(plan_form(personas.users["superuser"]).fields["regions"].choices)
        assert choices["11"] == "11 北京市" and choices["4403"] == "4403 广东省深圳市"
    with translation.override("en"):
        choices = dict(plan_form(personas.users["superuser"]).fields["regions"].choices)
        assert choices["11"] == "11 Beijing" and choices["4403"] == "4403 Guangdong Shenzhen"
    assert len([code for code in choices if len(code) == 2]) == 31
    html = str(plan_form(personas.users["superuser"])["regions"])
    assert "<select" in html and "multiple" in html and 'size="12"' in html


def test_a_scoped_staff_member_is_offered_their_region_and_a_stored_prefix_stays(personas):
    guangdong = personas.agency_a
    guangdong.region_code = "440000"
    guangdong.save()
    user = personas.users["staff_a"]
    codes = [code for code, _label in plan_form(user).fields["regions"].choices]
    assert codes[0] == "44" and all(code.startswith("44") for code in codes) and "4403" in codes
    plan = PlanFactory(agency=guangdong, regions=["440305"])
    form = plan_form(user, instance=plan)
    assert "440305" in dict(form.fields["regions"].choices) and form["regions"].value() == ["440305"]


def test_scope_checkboxes_give_lists_of_strings_stored_unchanged(personas):
    plan = PlanFactory(agency=personas.agency_a, regions=["11"], statuses=["active"])
    user = personas.users["staff_a"]
    html = str(plan_form(user, instance=plan)["entity_types"]) + str(plan_form(user, instance=plan)["industries"])
    assert 'type="checkbox"' in html and 'value="llc"' in html and 'value="I"' in html
    form = plan_form(user, instance=plan, data=valid_data(
        plan, entity_types=["llc", "branch"], industries=["F", "I"], statuses=["active", "suspended"]))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["entity_types"] == ["llc", "branch"]
    assert form.cleaned_data["industries"] == ["F", "I"]
    assert form.cleaned_data["statuses"] == ["active", "suspended"]
    assert form.cleaned_data["regions"] == ["11"]
    refused = plan_form(user, instance=plan, data=valid_data(plan, industries=["Z"], entity_types=["bank"]))
    assert not refused.is_valid() and {"industries", "entity_types"} <= set(refused.errors)


def test_ratios_are_shown_and_typed_in_percent_and_stored_as_fractions(personas):
    plan = PlanFactory(agency=personas.agency_a, regions=["11"], ratio_a=Decimal("0.0525"), ratio_b=Decimal("0.03"),
                       ratio_c=Decimal("1"), ratio_d=Decimal("0"))
    user = personas.users["staff_a"]
    form = plan_form(user, instance=plan)
    assert [form[name].value() for name in ("ratio_a", "ratio_b", "ratio_c", "ratio_d")] == ["5.25", "3", "100", "0"]
    with translation.override("en"):
        assert "at least 3%" in str(plan_form(user, instance=plan).fields["ratio_a"].help_text)
        assert "5 means 5%" in str(plan_form(user, instance=plan).fields["ratio_a"].help_text)
    with translation.override("zh-hans"):
        assert "3%" in str(plan_form(user, instance=plan).fields["ratio_a"].help_text)
    form = plan_form(user, instance=plan, data=valid_data(plan, ratio_a="0.5", ratio_b="2.75", ratio_c="12",
                                                          ratio_d="100"))
    assert form.is_valid(), form.errors
    assert [form.cleaned_data[name] for name in ("ratio_a", "ratio_b", "ratio_c", "ratio_d")] == [
        Decimal("0.005"), Decimal("0.0275"), Decimal("0.12"), Decimal("1")]
    assert not form.has_changed() or "ratio_a" in form.changed_data


@pytest.mark.parametrize("typed", ["101", "-1", "2.555", "five"])
def test_a_ratio_out_of_range_is_refused_naming_the_field_and_the_range(personas, typed):
    plan = PlanFactory(agency=personas.agency_a, regions=["11"])
    with translation.override("en"):
        form = plan_form(personas.users["staff_a"], instance=plan, data=valid_data(plan, ratio_b=typed))
        assert not form.is_valid()
        message = form.errors["ratio_b"][0]
        assert message.startswith("Ratio for class B (%)") and "0 to 100%" in message, message
    with translation.override("zh-hans"):
        form = plan_form(personas.users["staff_a"], instance=plan, data=valid_data(plan, ratio_b=typed))
        assert not form.is_valid() and "0" in form.errors["ratio_b"][0] and "100%" in form.errors["ratio_b"][0]


def test_the_minimum_share_has_one_home():
    assert MINIMUM_YEARLY_SHARE == Decimal("0.03") and percent(MINIMUM_YEARLY_SHARE) == "3"


def test_the_item_picker_shows_names_in_the_readers_language(personas):
    InspectionItemFactory(code="ITEM-LANG", name="企业年报检查", name_en="Annual report check")
    user = personas.users["superuser"]
    with translation.override("en"):
        labels = [label for _value, label in plan_form(user).fields["items"].choices]
        assert "ITEM-LANG Annual report check" in labels
    with translation.override("zh-hans"):
        labels = [label for _value, label in plan_form(user).fields["items"].choices]
        assert "ITEM-LANG 企业年报检查" in labels


def test_the_add_page_renders_the_pickers(personas):
    html = personas.client("superuser").get("/admin/inspections/plan/add/").content.decode()
    assert 'name="regions"' in html and 'type="checkbox" name="entity_types"' in html
    assert 'name="ratio_a"' in html and 'step="0.01"' in html
    assert PlanForm.region_within == ""
