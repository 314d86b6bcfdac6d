"""Questions the credit app asks of the apps above it, answered by functions those apps
register from their AppConfig.ready(): credit never imports them."""

from __future__ import annotations

from collections.abc import Callable

# (person, enterprise or None) -> a warning for staff recording the person as legal
# representative of the enterprise, or "" (listings: the bar after false disclosure).
LegalRepresentativeCheck = Callable[..., str]
_legal_representative_checks: list[LegalRepresentativeCheck] = []


def legal_representative_check_register(check: LegalRepresentativeCheck) -> None:
    if check not in _legal_representative_checks:
        _legal_representative_checks.append(check)


def legal_representative_warnings(*, person, enterprise=None) -> list[str]:
    """Every registered app's warning about appointing `person` at `enterprise`."""
    warnings = (check(person=person, enterprise=enterprise) for check in _legal_representative_checks)
    return [warning for warning in warnings if warning]
