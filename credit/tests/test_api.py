"""The API's enterprises: the site's search, the whole credit file (every section, its provenance,
masked identity numbers, withdrawn records as withdrawn), annual reports, disclosures, letters."""

from __future__ import annotations

import pytest
from django.utils import translation

from credit import api as credit_api
from credit import sections
from credit.tests import factories as f

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **headers)


def test_every_registered_section_has_an_api_serializer():
    keys = [s.key for s in sections.sections()]
    assert [a.key for a in credit_api.section_apis()] == keys
    assert {"shareholders", "penalties", "list_entries", "inspection_results", "commitment_letters"} <= set(keys)


def test_the_credit_file_has_every_section_with_provenance_and_masks_identity_numbers(client):
    enterprise = f.EnterpriseFactory()
    holder = f.ShareholderFactory(enterprise=enterprise, person=f.PersonFactory(id_number="110101199001011234"))
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None, withdrawn_at=f.local_time(f.ago(days=3)),
                     withdrawal_reason="撤销原决定")
    f.PenaltyFactory(enterprise=enterprise, warning_only=True, publication_ends_on=None, violation_type="仅警告")
    response = get(client, f"/api/v1/enterprises/{enterprise.uscc}/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["registration"]["uscc"] == enterprise.uscc
    assert set(data["sections"]) == {s.key for s in sections.sections()}
    row = data["sections"]["shareholders"][0]
    assert row["name"] == holder.name and row["id_number_masked"] == "11**************34"
    assert "110101199001011234" not in response.content.decode()
    assert row["source_agency"]["name"] == holder.source_agency.name
    assert row["decided_on"] == holder.decided_on.isoformat()
    penalties = data["sections"]["penalties"]
    assert len(penalties) == 1  # the warning-only penalty is never published
    assert penalties[0]["withdrawn"] is True and penalties[0]["withdrawal_reason"] == "撤销原决定"
    assert data["sections_meta"]["penalties"] == {"no_longer_published": 0}


def test_a_code_in_another_form_redirects_and_an_invalid_or_unknown_one_is_404(client):
    enterprise = f.EnterpriseFactory()
    response = get(client, f"/api/v1/enterprises/{enterprise.uscc.lower()}/")
    assert response.status_code == 301 and response["Location"] == f"/api/v1/enterprises/{enterprise.uscc}/"
    bad = get(client, "/api/v1/enterprises/91110000600037341X/")
    assert bad.status_code == 404 and bad.json()["detail"]
    unknown = get(client, f"/api/v1/enterprises/{f.make_uscc(987654)}/")
    assert unknown.status_code == 404


def test_the_search_uses_the_site_search_and_its_errors(client):
    first = f.EnterpriseFactory(name="北京鑫源科技有限公司")
    f.EnterpriseFactory(name="上海其他贸易有限公司")
    data = get(client, "/api/v1/enterprises/?q=鑫源").json()
    assert [r["uscc"] for r in data["results"]] == [first.uscc]
    assert data["count"] == 1 and data["count_bounded"] is False and data["next"] is None
    exact = get(client, f"/api/v1/enterprises/?q={first.uscc}").json()
    assert [r["uscc"] for r in exact["results"]] == [first.uscc]
    short = get(client, "/api/v1/enterprises/?q=a")
    assert short.status_code == 400 and "q" in short.json()
    assert get(client, "/api/v1/enterprises/").status_code == 400


def test_search_pages_follow_the_cursor_without_repeating(client, settings):
    made = [f.EnterpriseFactory(name=f"测试科技{i}有限公司") for i in range(45)]
    seen, url = [], "/api/v1/enterprises/?q=测试科技"
    while url:
        data = get(client, url).json()
        seen += [r["uscc"] for r in data["results"]]
        url = data["next"]
    assert seen == [e.uscc for e in sorted(made, key=lambda e: e.pk)]
    broken = get(client, "/api/v1/enterprises/?q=测试科技&cursor=%%%")
    assert broken.status_code == 400 and "cursor" in broken.json()
