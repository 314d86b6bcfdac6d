"""The portal's own refusal and error pages, in the visitor's language."""

from __future__ import annotations

import pytest
from django.views.defaults import server_error

from credit.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_renders_the_portal_403_page_for_a_refused_request(client):
    # A staff login without an agency link: the admin raises PermissionDenied.
    client.force_login(UserFactory(username="loose", is_staff=True))
    response = client.get("/admin/credit/administrativepenalty/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "拒绝访问" in body and 'class="site-header"' in body


def test_it_renders_the_403_page_in_english_when_asked(client):
    client.force_login(UserFactory(username="loose", is_staff=True))
    response = client.get("/admin/credit/administrativepenalty/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Access refused" in response.content.decode()


def test_it_keeps_the_own_page_of_a_staff_login_in_the_enterprise_area(client):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    response = client.get("/account/")
    assert response.status_code == 403
    assert "account/no_enterprise.html" in [t.name for t in response.templates]


def test_it_renders_the_500_page_without_a_request_context_or_queries(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(rf.get("/enterprises/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "服务器错误" in body and "portal.css" in body
