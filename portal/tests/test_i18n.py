from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from credit.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise():
    e = f.EnterpriseFactory()
    # A fixed publication time (long past, so valid whatever today is) to check how dates are written.
    f.PenaltyFactory(enterprise=e, publication_ends_on=None,
                     published_at=dt.datetime(2024, 5, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    return e


def test_it_defaults_to_simplified_chinese(client, enterprise):
    body = client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    assert '<html lang="zh-Hans">' in body
    assert "行政处罚信息" in body and "以下信息由该企业提供" in body
    assert "2024年5月20日" in body
    assert "500万元人民币" in body


def test_it_follows_accept_language(client, enterprise):
    body = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in body
    assert "Administrative penalties" in body and "行政处罚信息" not in body
    assert "May 20, 2024" in body
    assert "50,000" in body and "5,000,000 Renminbi" in body


def test_it_follows_the_language_cookie_over_accept_language(client, enterprise):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Administrative penalties" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "行政处罚信息" in body


def test_it_switches_language_and_returns_to_the_same_page(client, enterprise):
    url = f"/enterprises/{enterprise.uscc}/"
    response = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert "Administrative penalties" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        ("/", "最新行政处罚", "Latest administrative penalties"),
        ("/search/?q=科技", "检索结果", "Results"),
        ("/search/", "企业信息检索", "Search enterprises"),
        ("/no-such-page/", "页面不存在", "Page not found"),
    ],
)
def test_it_translates_the_public_shell(client, enterprise, path, zh, en):
    assert zh in client.get(path).content.decode()
    assert en in client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_it_translates_model_choices_in_the_search_filters(client):
    body = client.get("/search/").content.decode()
    assert "有限责任公司" in body and "存续（在营、开业、在册）" in body and "广东省" in body


def test_it_shows_a_bilingual_value_in_the_page_language_with_one_rule():
    from types import SimpleNamespace

    from django.template import Context, Template
    from django.utils import translation

    from portal.i18n import localized_name

    listed = SimpleNamespace(name="严重违法失信名单", name_en="Serious illegal list", consequences="限制", consequences_en="")
    template = Template('{% load credit_tags %}{{ obj|localized_name }}/{{ obj|localized_name:"consequences" }}')
    with translation.override("en"):
        assert localized_name(listed) == "Serious illegal list"
        assert localized_name(listed, "consequences") == "限制"  # no English text: the official one
        assert template.render(Context({"obj": listed})) == "Serious illegal list/限制"
        assert localized_name(None) == ""
    with translation.override("zh-hans"):
        assert localized_name(listed) == "严重违法失信名单"
        assert template.render(Context({"obj": listed})) == "严重违法失信名单/限制"
    assert localized_name(listed, language="en-gb") == "Serious illegal list"


def test_a_day_is_written_in_the_language_asked_for_whichever_is_active():
    import datetime as dt

    from django.utils import translation

    from portal.i18n import _day_html, day_html

    _day_html.cache_clear()  # formatted here, not kept from an earlier test
    day = dt.date(2026, 9, 30)
    with translation.override("zh-hans"):
        english = day_html(day, "en")
        chinese = day_html(day)
    with translation.override("en"):
        assert day_html(day) == english == "Sept. 30, 2026"
        assert day_html(day, "zh-hans") == chinese == "2026年9月30日"
