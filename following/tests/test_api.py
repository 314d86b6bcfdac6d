"""The webhook addresses of the API: a key is needed, each key sees only its own endpoints, follows
and deliveries (another key's: 404), the secret is shown once, bad input is a 400 naming the field,
and the delivery log costs the same queries for 1 and 20 deliveries."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from credit.changes import feed_head
from credit.tests.factories import EnterpriseFactory
from following import webhooks
from following.models import Alert, Follow, WebhookAttempt, WebhookDelivery
from following.tests.test_webhooks import make_key, penalty

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local(settings):
    settings.WEBHOOK_ALLOW_LOCAL = True
    settings.API_KEY_RATE = 100_000
    settings.API_ANON_RATE = 100_000


def call(client, method, url, key=None, body=None, **extra):
    if key:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    if body is not None:
        extra.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(url, HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_a_key_is_needed(client):
    for url in ("/api/v1/webhooks/", "/api/v1/follows/", "/api/v1/webhooks/1/deliveries/"):
        response = call(client, "get", url)
        assert response.status_code == 401, url
        assert "API key" in response.json()["detail"] and "RateLimit-Limit" in response
    assert call(client, "post", "/api/v1/webhooks/", body={"url": "http://127.0.0.1:9/"}).status_code == 401
    assert call(client, "get", "/api/v1/webhooks/", key="cpk_unknown").status_code == 401


def test_endpoints_secret_once_list_disable_and_another_keys_404(client, now):
    _api_key, key = make_key(now)
    _other, other_key = make_key(now)
    created = call(client, "post", "/api/v1/webhooks/", key, {"url": "http://127.0.0.1:9/hook", "description": "CRM"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(base64.b64decode(body["secret"][6:])) == 32
    assert created["Cache-Control"] == "private, no-store"
    listed = call(client, "get", "/api/v1/webhooks/", key).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]] and "secret" not in listed["results"][0]
    assert listed["next"] is None
    shown = call(client, "get", f"/api/v1/webhooks/{body['id']}/", key).json()
    assert shown["active"] is True and "secret" not in shown
    for url in (f"/api/v1/webhooks/{body['id']}/", f"/api/v1/webhooks/{body['id']}/deliveries/"):
        assert call(client, "get", url, other_key).status_code == 404
    assert call(client, "post", f"/api/v1/webhooks/{body['id']}/disable/", other_key).status_code == 404
    assert call(client, "get", "/api/v1/webhooks/", other_key).json()["results"] == []
    assert call(client, "get", "/api/v1/webhooks/abc/", key).status_code == 404
    disabled = call(client, "post", f"/api/v1/webhooks/{body['id']}/disable/", key)
    assert disabled.status_code == 200 and disabled.json()["active"] is False


@pytest.mark.parametrize(("url", "rule"), [
    ("http://example.cn/hook", "https://"),
    ("https://169.254.169.254/latest/", "private"),
    ("https://10.0.0.1/hook", "private"),
    ("", ""),
])
def test_a_refused_url_is_a_400_naming_the_field(client, now, settings, url, rule):
    settings.WEBHOOK_ALLOW_LOCAL = False
    _api_key, key = make_key(now)
    with translation.override("en"):
        response = call(client, "post", "/api/v1/webhooks/", key, {"url": url})
    assert response.status_code == 400
    assert rule in " ".join(response.json()["url"])


def test_a_body_that_is_not_json_is_a_400(client, now):
    _api_key, key = make_key(now)
    response = client.post("/api/v1/webhooks/", data="url=x", content_type="application/x-www-form-urlencoded",
                           HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 415
    response = client.post("/api/v1/webhooks/", data="{not json", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400


def test_follows_of_an_enterprise_a_list_and_a_search(client, now):
    from listings.models import CreditList

    _api_key, key = make_key(now)
    endpoint = call(client, "post", "/api/v1/webhooks/", key, {"url": "http://127.0.0.1:9/hook"}).json()["id"]
    enterprise = EnterpriseFactory()
    credit_list = CreditList.objects.order_by("code").first()
    head = feed_head()["sequence"]
    made = call(client, "post", "/api/v1/follows/", key,
                {"endpoint": endpoint, "target": "enterprise", "enterprise": enterprise.uscc.lower(),
                 "kinds": ["withdrawn", "removed"]})
    assert made.status_code == 201, made.content
    assert made.json() | {"id": 0, "created_at": ""} == {
        "id": 0, "target": "enterprise", "endpoint": endpoint, "enterprise": enterprise.uscc, "list": None,
        "search": None, "search_label": "", "kinds": ["withdrawn", "removed"], "created_at": "",
        "start_after": head, "ended_at": None, "active": True}
    on_list = call(client, "post", "/api/v1/follows/", key, {"endpoint": endpoint, "target": "list",
                                                             "list": credit_list.code})
    assert on_list.status_code == 201 and on_list.json()["list"] == credit_list.code
    search = call(client, "post", "/api/v1/follows/", key, {"endpoint": endpoint, "target": "search",
                                                            "search": {"q": "科技", "province": "11"}})
    assert search.status_code == 201, search.content
    assert search.json()["search"] == {"q": "科技", "province": "11"}
    listed = call(client, "get", "/api/v1/follows/", key).json()["results"]
    assert [row["target"] for row in listed] == ["search", "list", "enterprise"]
    follow_id = made.json()["id"]
    _other, other_key = make_key(now)
    assert call(client, "get", f"/api/v1/follows/{follow_id}/", other_key).status_code == 404
    assert call(client, "post", f"/api/v1/follows/{follow_id}/end/", other_key).status_code == 404
    ended = call(client, "post", f"/api/v1/follows/{follow_id}/end/", key)
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert Follow.objects.get(pk=follow_id).ended_at is not None  # kept, not deleted


@pytest.mark.parametrize(("body", "field"), [
    ({"target": "enterprise", "enterprise": "91110000600037341L"}, "enterprise"),  # no such enterprise
    ({"target": "enterprise"}, "enterprise"),
    ({"target": "list", "list": "no-such-list"}, "list"),
    ({"target": "search", "search": {"q": "x"}}, "search.q"),  # too short
    ({"target": "search", "search": {"province": "99"}}, "search.province"),
    ({"target": "search", "search": {"colour": "red"}}, "search.colour"),
    ({"target": "search"}, "search"),
    ({"target": "everything"}, "target"),
    ({"target": "enterprise", "enterprise": "x", "kinds": ["deleted"]}, "kinds"),
    ({"target": "list", "list": "x", "endpoint": 999999}, "endpoint"),
])
def test_a_bad_follow_is_a_400_naming_the_field(client, now, body, field):
    _api_key, key = make_key(now)
    endpoint = call(client, "post", "/api/v1/webhooks/", key, {"url": "http://127.0.0.1:9/hook"}).json()["id"]
    response = call(client, "post", "/api/v1/follows/", key, {"endpoint": endpoint, **body})
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_no_follow_on_a_disabled_endpoint(client, now):
    _api_key, key = make_key(now)
    endpoint = call(client, "post", "/api/v1/webhooks/", key, {"url": "http://127.0.0.1:9/hook"}).json()["id"]
    call(client, "post", f"/api/v1/webhooks/{endpoint}/disable/", key)
    response = call(client, "post", "/api/v1/follows/", key, {"endpoint": endpoint, "target": "search",
                                                              "search": {"q": "科技"}})
    assert response.status_code == 400 and "endpoint" in response.json()


def _deliveries(api_key, n):
    endpoint = webhooks.webhook_endpoint_create(api_key=api_key, url="http://127.0.0.1:9/hook")
    enterprise = EnterpriseFactory()
    follow = webhooks.webhook_follow_create(endpoint=endpoint, target="enterprise", enterprise=enterprise)
    from credit.models import ChangeEvent

    for _ in range(n):
        penalty(enterprise)
    now = timezone.now()
    for event in ChangeEvent.objects.filter(enterprise=enterprise).order_by("sequence"):
        alert = Alert.objects.create(follow=follow, event=event, created_at=now)
        delivery = WebhookDelivery.objects.create(alert=alert, endpoint=endpoint, message_id=f"msg_{alert.pk}",
                                                  created_at=now, attempts=2, next_attempt_at=now)
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, status_code=500, duration_ms=12)
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, error="TimeoutError: timed out",
                                      duration_ms=5000)
    return endpoint


def test_the_delivery_log_and_its_constant_queries(client, now):
    api_key, key = make_key(now)
    small, large = _deliveries(api_key, 1), _deliveries(api_key, 20)
    counts = []
    for endpoint in (small, large):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = call(client, "get", f"/api/v1/webhooks/{endpoint.pk}/deliveries/", key)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
    rows = response.json()["results"]
    assert len(rows) == 20
    assert rows[0]["status"] == "pending" and rows[0]["attempts"] == 2 and rows[0]["message_id"].startswith("msg_")
    assert [a["status_code"] for a in rows[0]["attempt_log"]] == [500, None]
    assert rows[0]["attempt_log"][1]["error"].startswith("TimeoutError")
    assert rows[0]["event_sequence"] > rows[1]["event_sequence"]  # newest first
    paged = call(client, "get", f"/api/v1/webhooks/{large.pk}/deliveries/?page_size=5", key).json()
    assert len(paged["results"]) == 5 and paged["next"]
    following = call(client, "get", paged["next"], key).json()
    assert {r["id"] for r in following["results"]}.isdisjoint({r["id"] for r in paged["results"]})


def test_the_lists_of_endpoints_and_follows_cost_the_same_queries_for_1_and_10_rows(client, now):
    from listings.models import CreditList

    def build(n):
        api_key, key = make_key(now)
        credit_list = CreditList.objects.order_by("code").first()
        for _ in range(n):
            endpoint = webhooks.webhook_endpoint_create(api_key=api_key, url="http://127.0.0.1:9/hook")
            webhooks.webhook_follow_create(endpoint=endpoint, target="enterprise", enterprise=EnterpriseFactory())
            webhooks.webhook_follow_create(endpoint=endpoint, target="list", credit_list=credit_list)
        return key

    small, large = build(1), build(10)
    for url in ("/api/v1/webhooks/", "/api/v1/follows/"):
        counts = []
        for key in (small, large):
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                assert call(client, "get", url, key).status_code == 200
            counts.append(len(captured.captured_queries))
        assert counts[0] == counts[1], (url, counts)


def test_the_answers_match_the_schema(client, now):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    from portal.tests.test_api_fuzz import json_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    api_key, key = make_key(now)
    endpoint = _deliveries(api_key, 2)
    follow = Follow.objects.filter(endpoint=endpoint).first()
    for route, url in [
        ("/api/v1/webhooks/", "/api/v1/webhooks/"),
        ("/api/v1/webhooks/{id}/", f"/api/v1/webhooks/{endpoint.pk}/"),
        ("/api/v1/webhooks/{id}/deliveries/", f"/api/v1/webhooks/{endpoint.pk}/deliveries/"),
        ("/api/v1/follows/", "/api/v1/follows/"),
        ("/api/v1/follows/{id}/", f"/api/v1/follows/{follow.pk}/"),
    ]:
        operation = schema["paths"][route]["get"]
        expected = json_schema(operation["responses"]["200"]["content"]["application/json"]["schema"], components)
        response = call(client, "get", url, key)
        assert response.status_code == 200, url
        jsonschema.validate(response.json(), expected)
    created = call(client, "post", "/api/v1/webhooks/", key, {"url": "http://127.0.0.1:9/x"})
    operation = schema["paths"]["/api/v1/webhooks/"]["post"]
    jsonschema.validate(created.json(), json_schema(
        operation["responses"]["201"]["content"]["application/json"]["schema"], components))


def test_the_caps_per_key_are_400s_naming_the_field_and_the_rule(client, now, settings):
    settings.WEBHOOK_MAX_ENDPOINTS, settings.WEBHOOK_MAX_FOLLOWS = 1, 1
    _api_key, key = make_key(now)
    endpoint = call(client, "post", "/api/v1/webhooks/", key, {"url": "http://127.0.0.1:9/a"}).json()["id"]
    over = call(client, "post", "/api/v1/webhooks/", key, {"url": "http://127.0.0.1:9/b"})
    assert over.status_code == 400
    assert over.json() == {"url": ["A key may have at most 1 enabled webhook endpoints: disable one before "
                                   "registering another."]}
    one, two = EnterpriseFactory.create_batch(2)
    made = call(client, "post", "/api/v1/follows/", key, {"endpoint": endpoint, "target": "enterprise",
                                                          "enterprise": one.uscc})
    assert made.status_code == 201, made.content
    over = call(client, "post", "/api/v1/follows/", key, {"endpoint": endpoint, "target": "enterprise",
                                                          "enterprise": two.uscc})
    assert over.status_code == 400
    assert "at most 1 active webhook follows" in over.json()["endpoint"][0]
    assert Follow.objects.filter(endpoint_id=endpoint).count() == 1
    chinese = client.post("/api/v1/webhooks/", data=json.dumps({"url": "http://127.0.0.1:9/b"}),
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "最多" in chinese.json()["url"][0]
