"""The pages of following: what they show, in both languages, and their query counts, constant
however many follows and alerts there are."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone, translation

from credit.tests.factories import EnterpriseFactory
from following.models import Alert, Follow, Target

pytestmark = pytest.mark.django_db


def _follow(enterprise, n, **kwargs):
    values = dict(target=Target.ENTERPRISE, enterprise=enterprise, channel="email", email=f"p{n}@example.cn",
                  token=f"pages-token-{n}", created_at=timezone.now(), confirmed_at=timezone.now(),
                  kinds=["published", "withdrawn"])
    values.update(kwargs)
    return Follow.objects.create(**values)


@pytest.mark.parametrize("rows", [1, 12])
def test_the_pages_query_counts_stay_constant(rows, django_assert_num_queries):
    from listings.models import CreditList

    enterprise = EnterpriseFactory()
    follows = [_follow(enterprise, n) for n in range(rows)]
    follow = follows[0]
    credit_list = CreditList.objects.order_by("pk").first()
    client = Client()
    # The form of an enterprise: 1 the enterprise (+ registration authority).
    with django_assert_num_queries(1):
        assert client.get(f"/follow/enterprises/{enterprise.uscc}/").status_code == 200
    # The form of a list: 1 the list.
    with django_assert_num_queries(1):
        assert client.get(f"/follow/lists/{credit_list.code}/").status_code == 200
    # A saved search's form reads nothing but its choices.
    with django_assert_num_queries(0):
        assert client.get("/follow/search/?q=公司").status_code == 200
    # The token pages: 1 the follow + its enterprise and list.
    for page in ("confirm", "unsubscribe", "manage"):
        with django_assert_num_queries(1):
            assert client.get(f"/follow/{page}/{follow.token}/").status_code == 200


def test_the_pages_speak_both_languages_and_name_the_target():
    enterprise = EnterpriseFactory(name="杭州绿源环保科技有限公司")
    follow = _follow(enterprise, 1, confirmed_at=None)
    client = Client()
    with translation.override("en"):
        form = client.get(f"/follow/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Follow by e-mail" in form and "杭州绿源环保科技有限公司" in form and 'type="checkbox"' in form
        confirm = client.get(f"/follow/confirm/{follow.token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Confirm and start following" in confirm and "published, withdrawn" in confirm
    zh = client.get(f"/follow/confirm/{follow.token}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "确认" in zh
    assert not Alert.objects.exists()


def test_the_follow_links_are_on_the_credit_file_the_list_and_the_search(today):
    from django.core.cache import cache

    from listings.models import CreditList

    cache.clear()
    enterprise = EnterpriseFactory(name="杭州绿源环保科技有限公司")
    client = Client()
    assert f'href="/follow/enterprises/{enterprise.uscc}/"' in client.get(enterprise.get_absolute_url()).content.decode()
    credit_list = CreditList.objects.order_by("pk").first()
    assert f'href="/follow/lists/{credit_list.code}/"' in client.get(f"/lists/{credit_list.code}/").content.decode()
    search = client.get("/search/?q=绿源环保&status=active").content.decode()
    assert 'href="/follow/search/?q=' in search


def test_the_account_panel_costs_one_query_however_many_follows(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = personas.users["enterprise_b"]
    enterprise = personas.firm_b
    client = Client()
    client.force_login(user)
    counts = []
    for rows in (1, 9):
        for n in range(rows - Follow.objects.filter(account=user).count()):
            _follow(enterprise, f"acct-{rows}-{n}", account=user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/account/")
        assert response.status_code == 200 and response.content.decode().count("/follow/manage/") == rows
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_form_and_the_requested_page_translate_back(today):
    enterprise = EnterpriseFactory()
    client = Client()
    form = client.get(f"/follow/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">返回</a>" in form and ">Back</a>" not in form
    requested = client.post(f"/follow/enterprises/{enterprise.uscc}/", {"email": "r@example.cn",
                            "frequency": "immediate"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">返回</a>" in requested and ">Back</a>" not in requested
