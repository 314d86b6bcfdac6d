"""The one enterprise picker (credit.widgets): search by name or code, shown as "name (USCC)"."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.test import RequestFactory

from credit import models as m
from credit.tests.factories import AgencyFactory, EnterpriseFactory
from credit.widgets import EnterpriseField, EnterprisePicker, is_enterprise_field

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = "/admin/autocomplete/"
PENALTY_FIELD = {"app_label": "credit", "model_name": "administrativepenalty", "field_name": "enterprise"}


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@pytest.fixture
def firm(personas):
    # Registered by agency A; staff of agency B pick it too: who registered a firm is public.
    return EnterpriseFactory(
        name="星河测绘有限公司", name_en="Xinghe Surveying Co., Ltd.", registration_authority=personas.agency_a
    )


def _results(client, term, **field):
    response = client.get(AUTOCOMPLETE, {**(field or PENALTY_FIELD), "term": term})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("persona", ["staff_a", "staff_b", "superuser"])
def test_the_picker_finds_an_enterprise_by_name_english_name_and_code(personas, firm, persona):
    client = personas.client(persona)
    shown = {"id": str(firm.pk), "text": f"星河测绘有限公司 ({firm.uscc})"}
    assert _results(client, "星河测绘") == [shown]
    assert _results(client, "xinghe surveying") == [shown]
    assert shown in _results(client, firm.uscc[:10])  # the first characters of the code
    assert shown in _results(client, firm.uscc[:10].lower())
    assert _results(client, full_width(firm.uscc)) == [shown]  # full-width, as an input method types it
    assert shown in _results(client, full_width(firm.uscc[:12]))
    assert _results(client, f"{firm.uscc[:6]} {firm.uscc[6:12]}-{firm.uscc[12:]}") == [shown]
    # Only what the picker needs: the id and the public name and code, nothing private.
    assert all(set(row) == {"id", "text"} for row in _results(client, firm.uscc[:10]))


def test_a_code_prefix_is_searched_with_startswith_on_the_normalised_code(personas, firm):
    model_admin = admin.site._registry[m.Enterprise]
    request = RequestFactory().get("/admin/")
    request.user = personas.users["staff_a"]
    queryset, _distinct = model_admin.get_search_results(request, m.Enterprise.objects.all(),
                                                         full_width(firm.uscc[:12].lower()))
    assert firm in queryset
    sql = str(queryset.query)
    # The normalised, upper-case prefix against the code as stored: no UPPER() around the column,
    # so PostgreSQL's pattern index on uscc answers it.
    assert f"LIKE {firm.uscc[:12]}%" in sql.replace("'", "") and 'UPPER("credit_enterprise"."uscc")' not in sql
    # A name-like term is not taken for a code.
    queryset, _distinct = model_admin.get_search_results(request, m.Enterprise.objects.all(), "星河")
    assert "uscc\" LIKE" not in str(queryset.query)


def test_the_picker_is_refused_to_logins_the_admin_refuses(personas, firm):
    for persona in ("staff_without_agency", "enterprise_a"):
        response = personas.client(persona).get(AUTOCOMPLETE, {**PENALTY_FIELD, "term": "星河"})
        assert response.status_code in (302, 403), persona


def _enterprise_fields():
    for model, model_admin in admin.site._registry.items():
        for field in model._meta.fields:
            if is_enterprise_field(field) and field.editable:
                yield model, model_admin, field


def test_every_admin_form_field_pointing_to_an_enterprise_uses_the_picker(personas):
    request = RequestFactory().get("/admin/")
    request.user = personas.users["superuser"]
    checked = []
    for model, model_admin, field in _enterprise_fields():
        form = model_admin.get_form(request)
        if field.name not in form.base_fields:
            continue  # read-only (a task's enterprise is the draw's) or not on the form
        form_field = form.base_fields[field.name]
        widget = form_field.widget.widget if isinstance(form_field.widget, RelatedFieldWidgetWrapper) else \
            form_field.widget
        assert isinstance(form_field, EnterpriseField), (model, field.name)
        assert isinstance(widget, EnterprisePicker), (model, field.name)
        checked.append(f"{model._meta.label}.{field.name}")
    assert {"credit.AdministrativePenalty.enterprise", "credit.AdministrativeLicence.enterprise",
            "credit.Shareholder.enterprise", "credit.ChattelMortgage.enterprise", "credit.EquityPledge.enterprise",
            "inspections.Conflict.enterprise", "inspections.SpotCheck.enterprise",
            "credit.EnterpriseAccount.enterprise"} <= set(checked)


@pytest.mark.parametrize("model", ["administrativepenalty", "administrativelicence", "shareholder",
                                   "chattelmortgage", "equitypledge"])
def test_the_rendered_admin_add_forms_carry_the_picker(personas, model):
    html = personas.client("staff_a").get(f"/admin/credit/{model}/add/").content.decode()
    assert 'class="admin-autocomplete"' in html or "admin-autocomplete" in html
    assert f'data-model-name="{model}"' in html and 'data-field-name="enterprise"' in html
    assert "admin/js/autocomplete.js" in html


def test_after_a_failed_validation_the_chosen_enterprise_shows_its_name_and_code(personas, firm):
    client = personas.client("staff_a")
    response = client.post("/admin/credit/administrativepenalty/add/", {
        "enterprise": firm.pk, "source_agency": personas.agency_a.pk, "document_number": "",
        "severity": "general",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{firm.pk}" selected>星河测绘有限公司 ({firm.uscc})</option>' in html


def test_the_field_takes_the_pickers_id_or_a_pasted_code(firm):
    field = EnterpriseField()
    assert field.clean(str(firm.pk)) == firm
    assert field.clean(f" {full_width(firm.uscc[:9])} {firm.uscc[9:].lower()} ") == firm
    with pytest.raises(Exception) as bad:
        field.clean(firm.uscc[:-1] + ("0" if firm.uscc[-1] != "0" else "1"))
    assert getattr(bad.value, "code", "") in {"uscc_check", "unknown_uscc"}
    with pytest.raises(Exception) as short:
        field.clean("91110108")
    assert short.value.code == "uscc_length"
    assert field.label_from_instance(firm) == f"星河测绘有限公司 ({firm.uscc})"


def test_agency_choices_still_hold_next_to_the_picker(personas):
    # The picker changes the enterprise field only; the source agency is still the staff's own.
    AgencyFactory()
    request = RequestFactory().get("/admin/")
    request.user = personas.users["staff_a"]
    form = admin.site._registry[m.AdministrativePenalty].get_form(request)
    assert list(form.base_fields["source_agency"].queryset) == [personas.agency_a]


def test_the_picker_answers_in_constant_queries_as_matches_grow(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = personas.client("staff_a")
    client.get(AUTOCOMPLETE, {**PENALTY_FIELD, "term": "星河"})  # sign-in and permission caches warm

    def queries(term):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(AUTOCOMPLETE, {**PENALTY_FIELD, "term": term}).status_code == 200
        return len(captured)

    EnterpriseFactory.create_batch(2, name="星河一号有限公司")
    few = queries("星河")
    EnterpriseFactory.create_batch(25, name="星河二号有限公司")  # more than one page of 20
    assert queries("星河") == few
