"""Questions the credit app asks of the apps above it, answered by functions those apps
register from their AppConfig.ready(): credit never imports them."""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

# Sent inside the transaction that withdraws (annuls) an administrative penalty, with
# `penalty` and `reason`: listings revokes the entries that followed it (Order 44 Art. 19).
penalty_withdrawn = Signal()

# (person, enterprise or None) -> the reason the person may not be appointed legal
# representative of the enterprise, or "" (listings: the bar after false disclosure).
# credit.services.credit_object_save refuses the appointment with every reason given.
LegalRepresentativeCheck = Callable[..., str]
_legal_representative_checks: list[LegalRepresentativeCheck] = []


def legal_representative_check_register(check: LegalRepresentativeCheck) -> None:
    if check not in _legal_representative_checks:
        _legal_representative_checks.append(check)


def legal_representative_refusals(*, person, enterprise=None) -> list[str]:
    """Every registered app's reason for refusing `person` as legal representative of `enterprise`."""
    reasons = (check(person=person, enterprise=enterprise) for check in _legal_representative_checks)
    return [reason for reason in reasons if reason]


# (enterprise, kind, today) -> the reason the enterprise may not sign a commitment letter of
# `kind` today, or "" (listings: no notification-and-commitment approval while on the serious
# illegal and dishonest list, SAMR Order 44 Art. 15(3), saying until when).
CommitmentCheck = Callable[..., str]
_commitment_checks: list[CommitmentCheck] = []


def commitment_check_register(check: CommitmentCheck) -> None:
    if check not in _commitment_checks:
        _commitment_checks.append(check)


def commitment_refusals(*, enterprise, kind: str, today) -> list[str]:
    """Every registered app's reason for refusing `enterprise` a letter of `kind` on `today`."""
    reasons = (check(enterprise=enterprise, kind=kind, today=today) for check in _commitment_checks)
    return [reason for reason in reasons if reason]


# Sent inside the transaction that records a breach of a commitment letter, with `breach`
# (credit.models.CommitmentBreach): listings lists the enterprise where the rules say so.
commitment_breached = Signal()


# Sent inside the transaction that activates a liaison login (credit.services.
# enterprise_account_activate), with `account` (credit.models.EnterpriseAccount), `email` and
# `language` (the activation request's): following mails the liaison the confirmation link of
# a follow of their own enterprise's changes.
account_activated = Signal()

# Sent inside the transaction that revokes a liaison login, with `account`: following ends the
# follows the login held.
account_revoked = Signal()
# Sent inside the transaction that withdraws a breach of a commitment letter (recorded in error),
# with `breach`, `reason` and `actor`: each receiver undoes what it did on commitment_breached
# (listings revokes the serious-list entry a false commitment caused) and returns what it did,
# for the withdrawal's audit event, or None.
commitment_breach_withdrawn = Signal()
