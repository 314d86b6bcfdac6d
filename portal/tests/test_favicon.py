"""The site's icon: linked from every page and answered at /favicon.ico, so that a
browser's console stays clean (the browser tests check it too)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_links_the_icon_and_favicon_ico_leads_to_it(client):
    body = client.get("/").content.decode()
    assert 'rel="icon"' in body and "img/favicon" in body
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert "img/favicon" in response["Location"] and response["Location"].endswith(".svg")
    assert response["Location"] in body
