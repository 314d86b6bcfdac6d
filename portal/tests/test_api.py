"""What every /api/v1/ endpoint shares (portal/api.py): the limit headers on every answer,
429 with Retry-After and a JSON body, API keys and their pages, ETags and 304, the schema and
the documentation page (served from static, the CSP holding)."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db.models import F
from django.utils import translation

from credit.models import Enterprise
from credit.tests import factories as f
from portal import api, services
from portal.models import ApiKey, AuditEvent, Notice

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **headers)


def limit_headers(response) -> tuple[int, int, int]:
    return (int(response["RateLimit-Limit"]), int(response["RateLimit-Remaining"]), int(response["RateLimit-Reset"]))


def issued_key(email="dev@example.cn") -> str:
    services.api_key_request(email=email, ip_address="10.0.0.9", confirm_url=lambda token: token)
    token = services.api_key_confirm_token(ApiKey.objects.get(email=email, confirmed_at=None))
    return services.api_key_confirm(token=token)[1]


def test_every_answer_carries_the_limit_headers_200_304_and_404(client, settings):
    settings.API_ANON_RATE = 10
    enterprise = f.EnterpriseFactory()
    ok = get(client, f"/api/v1/enterprises/{enterprise.uscc}/")
    assert ok.status_code == 200 and limit_headers(ok)[:2] == (10, 9)
    assert 1 <= limit_headers(ok)[2] <= settings.API_RATE_WINDOW
    again = get(client, f"/api/v1/enterprises/{enterprise.uscc}/", HTTP_IF_NONE_MATCH=ok["ETag"])
    assert again.status_code == 304 and limit_headers(again)[:2] == (10, 8)
    missing = get(client, f"/api/v1/enterprises/{f.make_uscc(424242)}/")
    assert missing.status_code == 404 and limit_headers(missing)[:2] == (10, 7)
    for url in ("/api/v1/", "/api/v1/schema/", "/api/v1/lists/", "/api/v1/plans/no-such-plan/"):
        assert "RateLimit-Limit" in get(client, url), url


def test_over_the_limit_is_429_with_retry_after_and_a_json_body(client, settings):
    settings.API_ANON_RATE = 2
    for _ in range(2):
        assert get(client, "/api/v1/lists/").status_code == 200
    refused = get(client, "/api/v1/lists/")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    body = refused.json()
    assert int(refused["Retry-After"]) == body["retry_after"] == limit_headers(refused)[2]
    assert body["limit"] == 2 and body["window_seconds"] == settings.API_RATE_WINDOW
    assert "Try again in" in body["detail"] and body["available_at"]
    assert limit_headers(refused)[:2] == (2, 0)
    # Another address has its own counter.
    assert get(client, "/api/v1/lists/", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_the_limit_counts_behind_trusted_proxies_by_the_forwarded_address(client, settings):
    settings.API_ANON_RATE = 1
    settings.LOGIN_TRUSTED_PROXIES = 1
    assert get(client, "/api/v1/lists/", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 200
    assert get(client, "/api/v1/lists/", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    assert get(client, "/api/v1/lists/", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 200


def test_a_key_gets_the_higher_limit_and_an_unknown_or_revoked_key_is_401(client, settings):
    settings.API_ANON_RATE, settings.API_KEY_RATE = 1, 5
    key = issued_key()
    for header in ({"HTTP_AUTHORIZATION": f"Bearer {key}"}, {"HTTP_X_API_KEY": key}):
        response = get(client, "/api/v1/lists/", **header)
        assert response.status_code == 200 and limit_headers(response)[0] == 5
    unknown = get(client, "/api/v1/lists/", HTTP_AUTHORIZATION="Bearer cpk_not-a-key")
    assert unknown.status_code == 401 and "RateLimit-Limit" in unknown and "unknown" in unknown.json()["detail"]
    services.api_key_revoke(key=key)
    assert get(client, "/api/v1/lists/", HTTP_X_API_KEY=key).status_code == 401


def test_a_cache_outage_lets_requests_through_with_a_warning(client, settings, monkeypatch, caplog):
    settings.API_ANON_RATE = 1

    def broken(*args, **kwargs):
        raise ValueError("Key not found (cache unavailable).")

    monkeypatch.setattr(cache, "incr", broken)
    monkeypatch.setattr(api, "_last_warning", 0.0)
    with caplog.at_level(logging.WARNING, logger="portal.api"):
        for _ in range(3):
            response = get(client, "/api/v1/lists/")
            assert response.status_code == 200 and limit_headers(response)[:2] == (1, 1)
    assert "rate limit not counted" in caplog.text


def test_a_matching_etag_is_304_from_one_query_and_a_publication_changes_it(client, django_assert_num_queries):
    enterprise = f.EnterpriseFactory()
    first = get(client, f"/api/v1/enterprises/{enterprise.uscc}/")
    etag = first["ETag"]
    assert first["Cache-Control"].startswith("public, max-age=") and "Accept-Language" in first["Vary"]
    with django_assert_num_queries(1):  # the file's version
        assert get(client, f"/api/v1/enterprises/{enterprise.uscc}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert get(client, f"/api/v1/enterprises/{enterprise.uscc}/", HTTP_IF_NONE_MATCH=f'W/{etag}').status_code == 304
    # A second client gets the kept body: one query too.
    with django_assert_num_queries(1):
        assert get(client, f"/api/v1/enterprises/{enterprise.uscc}/").content == first.content
    Enterprise.objects.filter(pk=enterprise.pk).update(file_version=F("file_version") + 1)
    changed = get(client, f"/api/v1/enterprises/{enterprise.uscc}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    # Another language is another ETag.
    with translation.override("zh-hans"):
        chinese = client.get(f"/api/v1/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese["ETag"] != changed["ETag"]


def test_list_etags_follow_the_site_version(client):
    first = get(client, "/api/v1/lists/")
    assert get(client, "/api/v1/lists/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert get(client, "/api/v1/lists/?x=1", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_schema_is_valid_openapi_and_names_every_endpoint(client):
    from drf_spectacular.validation import validate_schema

    response = get(client, "/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    for prefix in api.registered():
        assert any(p.startswith(f"/api/v1/{prefix}/") for p in schema["paths"]), prefix
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


def test_the_docs_page_is_served_from_static_without_inline_script(client, settings):
    response = get(client, "/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "<style" not in html and " style=" not in html
    for path in ("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                 "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css", "js/api-docs.js"):
        assert f"/static/{path}" in html and finders.find(path), path
    assert f"{settings.API_ANON_RATE} requests per {settings.API_RATE_WINDOW} seconds" in html
    assert f"{settings.API_KEY_RATE} requests per" in html


# --- keys ---------------------------------------------------------------------------------------


def test_a_key_is_requested_confirmed_shown_once_and_revoked(client, settings):
    settings.API_KEY_RATE = 7
    with translation.override("en"):
        sent = client.post("/api/keys/", {"email": "Dev@Example.cn"}, HTTP_ACCEPT_LANGUAGE="en")
    assert sent.status_code == 200 and "confirmation link is on its way" in sent.content.decode()
    notice = Notice.objects.get(recipient="dev@example.cn")
    link = re.search(r"http://testserver(/api/keys/confirm/[^/\s]+/)", notice.body).group(1)
    assert "只显示一次" in notice.body and "shown once" in notice.body
    # The same address again within the hour: refused on the field, no second mail.
    with translation.override("en"):
        again = client.post("/api/keys/", {"email": "dev@example.cn"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 429 and "less than 60 minutes ago" in again.content.decode()
    assert Notice.objects.filter(recipient="dev@example.cn").count() == 1
    # Opening the link issues nothing (a mail scanner may open it); the button does.
    assert "Show my key" in get(client, link).content.decode()
    assert ApiKey.objects.get().confirmed_at is None
    with translation.override("en"):
        shown = client.post(link, HTTP_ACCEPT_LANGUAGE="en")
    key = re.search(r'<code class="api-key">([^<]+)</code>', shown.content.decode()).group(1)
    stored = ApiKey.objects.get()
    assert stored.key_hash == api.key_hash(key) and key not in str(stored.__dict__)
    assert limit_headers(get(client, "/api/v1/lists/", HTTP_X_API_KEY=key))[0] == 7
    with translation.override("en"):
        used = client.post(link, HTTP_ACCEPT_LANGUAGE="en")
    assert used.status_code == 404 and "used already" in used.content.decode()
    with translation.override("en"):
        revoked = client.post("/api/keys/revoke/", {"key": key}, HTTP_ACCEPT_LANGUAGE="en")
    assert revoked.status_code == 200 and "has been revoked" in revoked.content.decode()
    assert get(client, "/api/v1/lists/", HTTP_X_API_KEY=key).status_code == 401
    assert list(AuditEvent.objects.filter(action__startswith="portal.api_key.").order_by("id")
                .values_list("action", flat=True)) == [
        "portal.api_key.requested", "portal.api_key.confirmed", "portal.api_key.revoked"]


def test_the_key_form_names_its_errors_and_is_no_email_cannon(client, settings):
    settings.API_KEY_REQUESTS_PER_IP = 2
    with translation.override("en"):
        bad = client.post("/api/keys/", {"email": "not an address"}, HTTP_ACCEPT_LANGUAGE="en")
        assert bad.status_code == 400 and "valid email" in bad.content.decode()
        assert 'value="not an address"' in bad.content.decode()
        for n in range(2):
            assert client.post("/api/keys/", {"email": f"a{n}@example.cn"}).status_code == 200
        third = client.post("/api/keys/", {"email": "a3@example.cn"}, HTTP_ACCEPT_LANGUAGE="en")
    assert third.status_code == 429 and "Too many key requests" in third.content.decode()
    with translation.override("en"):
        wrong = client.post("/api/keys/revoke/", {"key": "cpk_nothing"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400 and "not known" in wrong.content.decode()


def test_a_broken_or_expired_confirmation_link_says_so(client, clock, settings):
    with translation.override("en"):
        assert "not valid" in client.get("/api/keys/confirm/broken/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    services.api_key_request(email="late@example.cn", ip_address=None, confirm_url=lambda t: t)
    token = services.api_key_confirm_token(ApiKey.objects.get())
    clock.shift(settings.API_KEY_CONFIRM_HOURS * 3600 + 60)
    with translation.override("en"):
        expired = client.post(f"/api/keys/confirm/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert expired.status_code == 404 and "expired" in expired.content.decode()
    assert ApiKey.objects.get().confirmed_at is None
