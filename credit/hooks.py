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
