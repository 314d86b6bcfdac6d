"""The API documentation page works in a real browser under the site's CSP: Swagger UI (static
files of the sidecar package, no CDN) renders the schema's endpoints, and nothing is blocked or
logged as an error. The `browser` fixture lives in portal/tests/conftest.py."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_the_endpoints_without_a_csp_violation(live_server, browser):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=20000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/enterprises/{uscc}/" in text.replace("\u200b", "") for text in paths), paths
    assert page.locator("h1").first.inner_text() == "Public data API"
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    assert not errors, errors
    context.close()
