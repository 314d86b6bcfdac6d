"""A property-based run over the OpenAPI schema (instead of schemathesis): for every operation of
/api/v1/, hypothesis draws values for each of its parameters, from the schema (enums, integers,
any text) and from real objects (codes, plan numbers, ids), sends the request and checks that
no answer is a 5xx and that every 200 body matches the schema's response for it."""

from __future__ import annotations

import datetime as dt
import json
import string
from urllib.parse import quote, urlencode

import jsonschema
import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit.tests import factories as f

pytestmark = pytest.mark.django_db


def json_schema(node, components):
    """An OpenAPI 3.0 schema as JSON Schema: references inlined, `nullable` as a null type."""
    if isinstance(node, list):
        return [json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    out = {key: json_schema(value, components) for key, value in node.items()
           if key not in ("nullable", "readOnly", "writeOnly", "example", "format")}
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture
def world(settings):
    from inspections import services
    from inspections.models import Result, Task
    from inspections.tests.factories import InspectionItemFactory, InspectorFactory, PlanFactory
    from listings.tests.factories import make_entry
    from portal.testing.personas import build_personas

    settings.API_ANON_RATE = 1_000_000
    enterprise = f.EnterpriseFactory(name="北京鑫源科技有限公司")
    f.ShareholderFactory(enterprise=enterprise)
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
    f.AnnualReportFactory(enterprise=enterprise)
    disclosure = f.InstantDisclosureFactory(enterprise=enterprise)
    letter = f.CommitmentLetterFactory(enterprise=enterprise)
    entry = make_entry(enterprise=enterprise)
    personas = build_personas()
    item = InspectionItemFactory(code="ITEM-FUZZ")
    for _ in range(2):
        InspectorFactory(agency=personas.agency_b, items=[item])
    plan = services.plan_commit(plan=PlanFactory(agency=personas.agency_b, items=[item]), actor=personas.users["staff_b"])
    Task.objects.create(plan=plan, enterprise=enterprise, number=f"{plan.number}-1", position=1, uscc=enterprise.uscc,
                        risk_class="B", ticket="0" * 64, result=Result.NO_PROBLEM, completed_on=f.ago(days=2),
                        published_at=f.local_time(f.ago(days=1)))
    return {
        "uscc": [enterprise.uscc, enterprise.uscc.lower(), "91110000600037341X", f.make_uscc(7777)],
        "number": [plan.number, "NO-SUCH-PLAN"],
        "code": [entry.credit_list.code, "no-such-list"],
        "id": [str(disclosure.pk), str(letter.pk), str(entry.pk), "0", "999999"],
        "q": ["鑫源", "科技", enterprise.uscc, enterprise.uscc[:10], "x", ""],
        "list": [entry.credit_list.code, "nope"],
    }


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for route, methods in sorted(schema["paths"].items()):
        operation = methods.get("get")
        if operation is None:
            continue
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema")
        found.append((route, operation.get("parameters", []), json_schema(ok, components) if ok else None))
    return found


OPERATIONS = operations()
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
PRINTABLE = st.text(alphabet=string.ascii_letters + string.digits + "-_.~%", max_size=24)


def parameter_value(parameter, world):
    schema = parameter.get("schema", {})
    name = parameter["name"]
    options = [TEXT if parameter["in"] == "query" else PRINTABLE]
    if name in world:
        options.append(st.sampled_from(world[name]))
    if "enum" in schema:
        options.append(st.sampled_from([value for value in schema["enum"] if value is not None]))
    if schema.get("type") == "integer":
        options.append(st.integers(min_value=-5, max_value=10**12).map(str))
    if name in ("listed_from", "listed_to"):
        options.append(st.dates(min_value=dt.date(1800, 1, 1)).map(dt.date.isoformat))
    return st.one_of(options)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(data=st.data())
def test_no_5xx_and_every_200_matches_the_schema(world, data):
    route, parameters, response_schema = data.draw(st.sampled_from(OPERATIONS), label="operation")
    path, query = route, []
    for parameter in parameters:
        if parameter["in"] == "path":
            value = data.draw(parameter_value(parameter, world), label=parameter["name"])
            path = path.replace("{" + parameter["name"] + "}", quote(value or "x", safe=""))
        elif parameter["in"] == "query" and data.draw(st.booleans(), label=f"send {parameter['name']}"):
            query.append((parameter["name"], data.draw(parameter_value(parameter, world), label=parameter["name"])))
    url = path + ("?" + urlencode(query) if query else "")
    response = Client().get(url, HTTP_ACCEPT_LANGUAGE=data.draw(st.sampled_from(["en", "zh-hans"])))
    assert response.status_code < 500, (url, response.status_code)
    assert "RateLimit-Limit" in response, url
    if response.status_code == 200 and response_schema is not None and route != "/api/v1/schema/":
        jsonschema.validate(json.loads(response.content), response_schema)


def test_a_rich_credit_file_matches_its_schema(world):
    [(route, _, response_schema)] = [op for op in OPERATIONS if op[0] == "/api/v1/enterprises/{uscc}/"]
    assert response_schema is not None  # the credit file's 200 is in the schema
    response = Client().get(f"/api/v1/enterprises/{world['uscc'][0]}/")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["sections"]["penalties"] and body["sections"]["list_entries"] and body["sections"]["shareholders"]
    jsonschema.validate(body, response_schema)
    # The schema is strict enough to fail: a row of the wrong type does not pass.
    body["sections"]["penalties"][0]["document_number"] = 12345
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, response_schema)
