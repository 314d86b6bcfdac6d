"""The top of a credit file says when the enterprise is on a list today or its legal
representative is barred, linked to the entry (credit.sections.Notice, contributed by
listings.parts from the context its sections already loaded)."""

from __future__ import annotations

import re

import pytest

from credit import sections
from credit.selectors import credit_file
from credit.tests import factories as f
from listings import services
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db


def page(client, enterprise, language="zh-hans") -> str:
    response = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def notices(body: str) -> list[tuple[str, str, str]]:
    """(role, text, link) of each notice, which must come between the header and the contents."""
    head_end, toc = body.index("</header>"), body.index('<nav class="toc"')
    found = re.findall(r'<p(?: id="[^"]+")? class="file-notice[^"]*" role="(\w+)">(.*?) <a href="([^"]+)">', body, re.S)
    for _role, text, _url in found:
        assert head_end < body.index(text) < toc
    return found


def test_an_active_blacklist_entry_is_announced_at_the_top_linked_to_it(client):
    enterprise = f.EnterpriseFactory()
    entry = make_entry(list_code="serious-illegal", enterprise=enterprise, listed_on=f.ago(months=2))
    [(role, text, url)] = notices(page(client, enterprise, "en"))
    assert (role, url) == ("alert", entry.get_absolute_url())
    assert "Serious" in text or "serious" in text
    [(role, text, _url)] = notices(page(client, enterprise))
    assert "严重违法失信" in text


def test_abnormal_operations_and_red_list_entries_are_announced(client):
    enterprise = f.EnterpriseFactory()
    abnormal = make_entry(enterprise=enterprise, listed_on=f.ago(months=3))
    red = make_entry(list_code="a-grade-taxpayers", enterprise=enterprise, listed_on=f.ago(months=1))
    found = notices(page(client, enterprise, "en"))
    assert [(role, url) for role, _text, url in found] == [
        ("alert", abnormal.get_absolute_url()), ("status", red.get_absolute_url())
    ]
    assert "red list" in found[1][1]


def test_a_removed_entry_is_not_announced(client):
    enterprise = f.EnterpriseFactory()
    entry = make_entry(enterprise=enterprise, listed_on=f.ago(months=3))
    services.list_entry_remove(entry=entry, removed_on=f.today(), reason="已履行公示义务")
    body = page(client, enterprise)
    assert notices(body) == []
    assert 'class="file-notices"' not in body


def test_the_legal_representatives_bar_is_announced_on_the_other_enterprise(client):
    person = f.PersonFactory()
    listed = f.EnterpriseFactory(legal_representative=person)
    other = f.EnterpriseFactory(legal_representative=person)
    entry = make_entry(
        list_code="serious-illegal", enterprise=listed, reason_code="false_disclosure", listed_on=f.ago(years=1)
    )
    [(role, text, url)] = notices(page(client, other, "en"))
    assert (role, url) == ("alert", entry.get_absolute_url())
    assert "barred until" in text and listed.name in text


def test_notices_cost_no_query(django_assert_num_queries):
    enterprise = f.EnterpriseFactory()
    make_entry(list_code="serious-illegal", enterprise=enterprise, listed_on=f.ago(months=2))
    make_entry(enterprise=enterprise, listed_on=f.ago(months=3))
    # The probe, the entries with their lists and reasons, their lists' memoranda (there
    # are none, so no measures query): listings.parts._entries_load. The notices are
    # computed from those rows.
    with django_assert_num_queries(3):
        context = credit_file(enterprise=enterprise)
    assert len(context["notices"]) == 2


def test_the_contents_list_every_registered_section(client):
    body = page(client, f.EnterpriseFactory(), "en")
    toc = body[body.index('<nav class="toc"'):body.index("</nav>", body.index('<nav class="toc"'))]
    anchors = [anchor for s in sections.sections() for anchor, _title in s.contents]
    assert {"abnormal-operations", "serious-illegal", "other-lists", "spot-checks", "double-random"} <= set(anchors)
    for anchor in anchors:
        assert f'href="#{anchor}"' in toc, anchor
        # ... and each is a section styled like the others, with its count.
        assert re.search(rf'<section id="{anchor}" class="file-section">\s*<h2 id="{anchor}-h">[^<]*<span class="count">',
                         body), anchor
