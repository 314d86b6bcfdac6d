from __future__ import annotations

from credit import uscc as uscc_rules
from credit.models import Enterprise


def enterprise_get(*, uscc: str) -> Enterprise | None:
    code = uscc_rules.normalise(uscc)
    return Enterprise.objects.select_related("registration_authority").filter(uscc=code).first()
