"""The demo's credit commitment letters (listings.demo_commitments): every kind and
state for the demo logins' enterprises, a breached notification-and-commitment letter with its
consequences, and a staff login of the agency named in the letters that may act on them."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from credit import commitments
from credit.models import AdministrativeLicence, CommitmentLetter, EnterpriseAccount
from listings.models import ListEntry

pytestmark = pytest.mark.django_db


def test_the_demo_has_letters_of_every_kind_and_state_and_a_breach_with_its_consequences(today):
    out = io.StringIO()
    call_command("seed_demo", "--no-progress", "--enterprises", "40", "--seed", "5", stdout=out)
    assert "commitments: 7 showcase letters" in out.getvalue()
    accounts = {a.user.username: a.enterprise for a in EnterpriseAccount.objects.select_related("enterprise", "user")}
    shown = commitments.with_breached(CommitmentLetter.objects.filter(
        enterprise__in=[accounts["enterprise1"], accounts["enterprise3"]]))
    states = {commitments.letter_state(letter, today) for letter in shown}
    kinds = {letter.kind for letter in shown}
    assert states == {"in_force", "fulfilled", "breached", "expired"}
    assert kinds == set(CommitmentLetter.Kind.values)
    for letter in shown:  # every hash is the hash of its canonical document
        assert commitments.document_sha256(commitments.letter_document(letter)) == letter.text_sha256
    breached = next(letter for letter in shown if letter.breached)
    assert breached.kind == "licensing" and breached.breaches.get().false_commitment
    assert AdministrativeLicence.objects.get(commitment_letter=breached).status == "revoked"
    entry = ListEntry.objects.get(enterprise=breached.enterprise, reason__code="false_commitment")
    assert entry.credit_list.code == "serious-illegal"
    # The samr login may record a breach of the letter still in force that is made to it.
    open_letter = next(letter for letter in shown if letter.kind == "licensing"
                       and commitments.letter_state(letter, today) == "in_force")
    client = Client()
    client.force_login(get_user_model().objects.get(username="samr"))
    assert client.get(f"/staff/commitments/{open_letter.pk}/breach/").status_code == 200
    # The breached enterprise's login is refused a new notification-and-commitment letter.
    client.force_login(EnterpriseAccount.objects.get(enterprise=breached.enterprise).user)
    page = client.post("/account/commitments/sign/", {"step": "preview", "kind": "licensing", "language": "en",
                                                        "approval_matter": "x", "agency": "SAMR"},
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "serious illegal and dishonest list" in page
