"""Input the admin and the site refuse (issue 8): undeclared change-list lookups, control
characters, over-long values, out-of-range dates, mistyped plan scopes.

These tests run on SQLite and, in the services suite, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.filters import FieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.test import RequestFactory

from portal.access import ADMIN_SEARCH_MAX_LENGTH
from portal.middleware import MAX_QUERY_VALUE_LENGTH

pytestmark = pytest.mark.django_db

LOOKUPS = ("exact", "startswith", "contains", "isnull")
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)


def changelist_url(model) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def declared_parameters(model_admin, request) -> set[str]:
    """What the admin's declared list filters and date hierarchy read from a query string."""
    declared = set()
    for list_filter in model_admin.get_list_filter(request):
        if callable(list_filter) and not isinstance(list_filter, (tuple, list)):
            spec = list_filter(request, {}, model_admin.model, model_admin)
        else:
            path, create = list_filter if isinstance(list_filter, (tuple, list)) else (list_filter, None)
            field = get_fields_from_path(model_admin.model, path)[-1]
            spec = (create or FieldListFilter.create)(field, request, {}, model_admin.model, model_admin,
                                                      field_path=path)
        declared.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        declared.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return declared


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=[model._meta.label_lower for model, _ in REGISTRY])
def test_every_admin_filters_only_by_its_declared_lookups(personas, model, model_admin):
    url = changelist_url(model)
    for persona in ("superuser", "staff_a"):
        client = personas.client(persona)
        first = client.get(url)
        if first.status_code == 403:  # not this persona's admin at all: nothing to probe
            assert persona != "superuser"
            continue
        assert first.status_code == 200, (persona, url)
        declared = declared_parameters(model_admin, first.wsgi_request)
        for field in model._meta.concrete_fields:
            for lookup in LOOKUPS:
                parameter = f"{field.name}__{lookup}"
                if parameter in declared:
                    continue
                response = client.get(url, {parameter: "1"})
                assert response.status_code == 400, (persona, url, parameter, response.status_code)


def test_staff_cannot_probe_another_agencys_unrevealed_draw_or_results(personas):
    client = personas.client("staff_a")
    for url, params in [
        ("/admin/inspections/plan/", {"seed__startswith": "a"}),
        ("/admin/inspections/task/", {"plan__id__exact": "1", "result": "no_problem"}),
        ("/admin/inspections/task/", {"plan__agency__id__exact": "1"}),
        ("/admin/inspections/task/", {"findings__contains": "x"}),
        ("/admin/inspections/task/", {"result__exact": "no_problem"}),
    ]:
        assert client.get(url, params).status_code == 400, (url, params)
    # What the list declares still filters.
    assert client.get("/admin/inspections/task/", {"result": "no_problem"}).status_code == 200
    assert client.get("/admin/inspections/plan/", {"state__exact": "committed"}).status_code == 200


@pytest.mark.parametrize("year", ["99999999999", "9999", "0", "-1", "２０２６", "x"])
def test_an_out_of_range_date_hierarchy_is_a_400(personas, year):
    client = personas.client("superuser")
    assert client.get("/admin/listings/listentry/", {"listed_on__year": year}).status_code == 400
    assert client.get("/admin/portal/auditevent/", {"created_at__year": year}).status_code == 400


def test_a_date_hierarchy_in_range_still_filters(personas):
    client = personas.client("superuser")
    response = client.get("/admin/listings/listentry/", {"listed_on__year": "2026", "listed_on__month": "2"})
    assert response.status_code == 200


def test_an_over_long_admin_search_is_a_400(personas):
    client = personas.client("superuser")
    assert client.get("/admin/credit/enterprise/", {"q": "a " * 50}).status_code == 200
    assert client.get("/admin/credit/enterprise/", {"q": "a " * ADMIN_SEARCH_MAX_LENGTH}).status_code == 400


@pytest.mark.parametrize(("params", "name"), [
    ({"q": "A\x00"}, "q"), ({"state\x00": "x"}, "state\\x00"), ({"term": "\x1b[0m"}, "term"),
    ({"page": "1\x7f"}, "page"),
])
def test_a_control_character_in_the_query_string_is_a_400_naming_the_parameter(client, params, name):
    for url in ("/", "/search/", "/admin/credit/enterprise/", "/admin/autocomplete/"):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/plain")
        assert name in response.content.decode()


def test_a_control_character_in_a_form_is_a_400_and_tabs_and_newlines_are_not(personas):
    client = personas.client("superuser")
    response = client.post("/admin/credit/person/add/", {"name": "张\x00三", "id_type": "id_card"})
    assert response.status_code == 400 and "name" in response.content.decode()
    response = client.post("/admin/credit/person/add/", {"name": "张三\t\r\n"})
    assert response.status_code == 200  # the form answers (with its own errors)


def test_an_over_long_query_value_is_a_400(client):
    assert client.get("/search/", {"q": "x" * (MAX_QUERY_VALUE_LENGTH + 1)}).status_code == 400


def test_an_over_long_autocomplete_term_is_a_400(personas):
    client = personas.client("superuser")
    query = {"app_label": "inspections", "model_name": "inspector", "field_name": "user"}
    assert client.get("/admin/autocomplete/", {**query, "term": "staff"}).status_code == 200
    assert client.get("/admin/autocomplete/", {**query, "term": "a " * ADMIN_SEARCH_MAX_LENGTH}).status_code == 400


def test_the_user_autocomplete_refuses_a_nul_character(personas):
    client = personas.client("superuser")
    url = "/admin/autocomplete/?app_label=inspections&model_name=inspector&field_name=user&term=st%00aff"
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("value", ["true", "1.5", "1e9", '{"a": 1}', "[1]", '[""]'])
@pytest.mark.parametrize("name", ["regions", "entity_types", "industries", "statuses"])
def test_a_plan_scope_that_is_not_a_list_of_codes_is_a_form_error_on_its_field(personas, name, value):
    from inspections.models import Plan

    request = RequestFactory().get("/admin/inspections/plan/add/")
    request.user = personas.users["superuser"]
    form_class = admin.site._registry[Plan].get_form(request)
    form = form_class(data={name: value})
    assert not form.is_valid()
    assert name in form.errors


def test_a_plan_scope_list_of_codes_is_accepted(personas):
    from inspections.models import Plan

    request = RequestFactory().get("/admin/inspections/plan/add/")
    request.user = personas.users["superuser"]
    form = admin.site._registry[Plan].get_form(request)(data={"regions": ["11", "4403"], "statuses": ["active"]})
    form.is_valid()
    assert "regions" not in form.errors and "statuses" not in form.errors
    assert form.cleaned_data["regions"] == ["11", "4403"] and form.cleaned_data["statuses"] == ["active"]


@pytest.mark.parametrize("decided_on", ["9999-12-31", "1000-01-01", "2101-01-01"])
def test_an_implausible_decision_date_is_a_form_error_on_its_field(personas, decided_on):
    from credit.models import AdministrativePenalty, Severity

    request = RequestFactory().get("/admin/credit/administrativepenalty/add/")
    request.user = personas.users["staff_b"]
    form_class = admin.site._registry[AdministrativePenalty].get_form(request)
    form = form_class(data={
        "enterprise": personas.firm_b.pk, "source_agency": personas.agency_b.pk, "document_number": "X-1",
        "decided_on": decided_on, "violation_type": "虚假宣传", "content": "罚款", "fine_amount": "1",
        "severity": Severity.SERIOUS,
    })
    assert not form.is_valid()
    assert "decided_on" in form.errors


@pytest.mark.parametrize("path", [
    "/enterprises/91110108%00MA01234567/", "/lists/abnormal%00operations/", "/admin/credit/%00/",
    "/search/%1b/",
])
def test_a_control_character_in_the_path_is_a_400(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_an_ordinary_path_with_percent_encoding_is_not_refused(client):
    assert client.get("/lists/%61bnormal-operations/").status_code == 200
