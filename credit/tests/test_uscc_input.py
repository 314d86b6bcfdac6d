"""USCC input everywhere goes through credit.uscc.normalise: full-width characters and any
spaces are normalised; near-miss lengths get the length rule; staff forms name the rule."""

from __future__ import annotations

import pytest
from django.utils import translation

from credit import uscc
from credit.tests.factories import EnterpriseFactory, StaffFactory
from listings import services as listing_services
from listings.tests.factories import standard_list
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db


def full_width(code: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in code)


def test_it_normalises_full_width_characters_and_any_space():
    assert uscc.normalise(full_width("91110108551385082q")) == "91110108551385082Q"
    assert uscc.normalise("9111\u30000108\u00a05513－8508 2Q\t") == "91110108551385082Q"
    assert uscc.validate("９１１１ ０１０８ ５５１３ ８５０８ ２Ｑ") == "91110108551385082Q"


def test_search_and_addresses_take_a_full_width_code(client):
    enterprise = EnterpriseFactory()
    response = client.get("/search/", {"q": full_width(enterprise.uscc)})
    assert response.status_code == 302 and response["Location"] == f"/enterprises/{enterprise.uscc}/"
    response = client.get(f"/enterprises/{full_width(enterprise.uscc)}/")
    assert response.status_code == 301 and response["Location"] == f"/enterprises/{enterprise.uscc}/"


@pytest.mark.parametrize("cut", [17, 19])
def test_search_gives_a_17_or_19_character_code_the_length_rule(client, cut):
    code = EnterpriseFactory().uscc
    typed = code[:17] if cut == 17 else code + "1"
    with translation.override("en"):
        response = client.get("/search/", {"q": typed}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "18 characters" in response.context["result"].uscc_error


def test_the_staff_list_form_takes_a_code_pasted_with_spaces_and_names_the_failed_rule(client, today):
    credit_list = standard_list(listing_services.ABNORMAL_OPERATIONS)
    enterprise = EnterpriseFactory()
    client.force_login(grant_staff_permissions(StaffFactory(agency=credit_list.owner_agency).user))
    spaced = " ".join(enterprise.uscc[i:i + 2] for i in range(0, 18, 2)) + "   "
    data = {"uscc": spaced, "reason_code": credit_list.reasons.first().code, "decision_number": "京市监异列〔2026〕9号",
            "deciding_agency": credit_list.owner_agency_id, "decided_on": today.isoformat()}
    with translation.override("en"):
        response = client.post(f"/lists/staff/{credit_list.code}/add/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    long_code = " ".join(enterprise.uscc) + " 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2"
    with translation.override("en"):
        response = client.post(f"/lists/staff/{credit_list.code}/add/", {**data, "uscc": long_code},
                               HTTP_ACCEPT_LANGUAGE="en")
    [message] = response.context["form"].errors["uscc"]
    # The length rule of credit.uscc.validate (in the page's language), not Django's max_length message.
    assert "18" in message and "40" in message and "at most" not in message and "确保" not in message
