"""base.html keeps its constant parts per language ({% per_language %}, with the addresses
reversed once) and its print line in Python ({% printed_from %}): every page renders as it did
through the template it replaced, kept here verbatim."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.template import TemplateSyntaxError, engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import translation

from credit.tests.factories import EnterpriseAccountFactory, StaffFactory

pytestmark = pytest.mark.django_db

BASE_BEFORE = '{% load i18n portal_tags %}{% get_current_language as LANGUAGE_CODE %}<!DOCTYPE html>\n<html lang="{% if LANGUAGE_CODE == \'en\' %}en{% else %}zh-Hans{% endif %}">\n<head>\n  <meta charset="utf-8">\n  <meta name="viewport" content="width=device-width, initial-scale=1">\n  <title>{% block title %}{% translate "Enterprise Credit Information Publicity Portal" %}{% endblock title %}</title>\n  <link rel="icon" href="{% static_url \'img/favicon.svg\' %}" type="image/svg+xml">\n  <link rel="stylesheet" href="{% static_url \'css/portal.css\' %}">\n  <link rel="stylesheet" href="{% static_url \'css/print.css\' %}" media="print">\n  {% block head %}{% endblock head %}\n</head>\n<body>\n  <a class="skip-link" href="#main">{% translate "Skip to main content" %}</a>\n  <header class="site-header">\n    <div class="wrap header-row">\n      <a class="brand" href="{% url \'home\' %}"><span class="brand-mark" aria-hidden="true">信</span>{% translate "Enterprise Credit Information Publicity Portal" %}</a>\n      <nav class="site-nav" aria-label="{% translate \'Main\' %}">\n        <a href="{% url \'home\' %}">{% translate "Home" %}</a>\n        <a href="{% url \'search\' %}">{% translate "Search" %}</a>\n        <a href="/lists/">{% translate "Lists" %}</a>\n        <a href="/inspections/">{% translate "Inspections" %}</a>\n      </nav>\n      <div class="session-nav">{% if user.is_authenticated %}\n        {% if user.is_staff %}<a href="{% url \'portal:staff_home\' %}">{% translate "Staff home" %}</a> <a href="/admin/">{% translate "Agency administration" %}</a>{% else %}<a href="{% url \'account:home\' %}">{% translate "My enterprise" %}</a>{% endif %}\n        <form class="logout-form" action="{% url \'account:logout\' %}" method="post">{% csrf_token %}<button type="submit">{% translate "Sign out" %}</button></form>\n      {% else %}{% url \'account:login\' as login_url %}\n        <a href="{{ login_url }}{% if request.path != login_url %}?next={{ request.get_full_path|urlencode }}{% endif %}">{% translate "Sign in" %}</a>\n      {% endif %}</div>\n      <form class="lang-switch" action="{% url \'set_language\' %}" method="post">\n        <input type="hidden" name="next" value="{{ request.get_full_path }}">\n        <span class="visually-hidden">{% translate "Language" %}</span>\n        <button type="submit" name="language" value="zh-hans" lang="zh-Hans"{% if LANGUAGE_CODE != \'en\' %} aria-current="true"{% endif %}>中文</button>\n        <button type="submit" name="language" value="en" lang="en"{% if LANGUAGE_CODE == \'en\' %} aria-current="true"{% endif %}>English</button>\n      </form>\n    </div>\n  </header>\n  <main id="main" class="wrap" tabindex="-1">\n    {% if messages %}<ul class="messages">{% for message in messages %}<li class="{{ message.tags }}">{{ message }}</li>{% endfor %}</ul>{% endif %}\n    {% block content %}{% endblock content %}\n  </main>\n  <footer class="site-footer">\n    <div class="wrap">{% translate "Records are published by the agencies named on each record. This site keeps no scores on private citizens." %}</div>\n  </footer>\n  <p class="print-footer">{% now "DATE_FORMAT" as printed_on %}{% blocktranslate with url=request.build_absolute_uri %}Printed from {{ url }} on {{ printed_on }}{% endblocktranslate %}</p>\n</body>\n</html>\n'
CHILD = """{% block title %}<b>Title & co</b>{% endblock title %}{% block head %}<meta name="x">{% endblock head %}{% block content %}<p>content</p>{% endblock content %}"""


def _request(path: str, user, message: str | None = None):
    request = RequestFactory().get(path, HTTP_HOST="testserver")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    if message:
        request._messages.add(constants.SUCCESS, message)
    return request


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("persona", ["anonymous", "staff", "enterprise"])
def test_every_page_renders_as_through_the_template_it_replaced(language, persona):
    engine = engines["django"]
    before = engine.from_string("{% extends base %}" + CHILD)
    after = engine.from_string('{% extends "base.html" %}' + CHILD)
    user = {"anonymous": AnonymousUser, "staff": lambda: StaffFactory().user,
            "enterprise": lambda: EnterpriseAccountFactory().user}[persona]()
    with translation.override(language):
        for path, message in (("/search/?q=%E7%A7%91%E6%8A%80&x=<a>", None), ("/accounts/login/", "Saved & sent"),
                              ("/", None)):
            old_request, new_request = _request(path, user, message), _request(path, user, message)
            old = before.render({"base": engine.from_string(BASE_BEFORE)}, old_request)
            new = after.render({}, new_request)
            csrf = 'name="csrfmiddlewaretoken" value="'
            if csrf in old:  # a token of its own per render
                old = old.split(csrf)[0] + old.split(csrf)[1].split('"', 1)[1]
                new = new.split(csrf)[0] + new.split(csrf)[1].split('"', 1)[1]
            assert new == old
            assert ("Saved &amp; sent" in new) == bool(message)
            assert ("Sign out" in new or "退出" in new) == (persona != "anonymous")


def test_the_constant_parts_follow_the_language():
    template = get_template("base.html")
    pages = {}
    for language in ("en", "zh-hans", "en"):
        with translation.override(language):
            pages.setdefault(language, set()).add(template.render({}, _request("/", AnonymousUser())))
    assert len(pages["en"]) == 1 and "Skip to main content" in next(iter(pages["en"]))
    assert "Skip to main content" not in next(iter(pages["zh-hans"]))


@pytest.mark.parametrize("inside", ["{% url 'search' as address %}", "{% url 'api:enterprise_detail' uscc %}",
                                    "{% url view_name %}", "{% url 'account:login' %}", "{% static_url path %}", "{% static_url 'a' as b %}"])
def test_per_language_refuses_an_address_that_can_differ_between_requests(inside):
    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string("{% load portal_tags %}{% per_language %}" + inside + "{% endper_language %}")


def test_per_language_keeps_constant_addresses():
    template = engines["django"].from_string(
        "{% load portal_tags %}{% per_language %}<a href=\"{% url 'search' %}\">"
        "<img src=\"{% static_url 'img/favicon.svg' %}\"></a>{% endper_language %}")
    html = template.render({})
    assert html.startswith('<a href="/search/">') and "favicon" in html
