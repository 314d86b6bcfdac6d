"""Activation letters for tests: a code issued as staff would issue it, and the plain code back.

    code = issue_activation_code(enterprise)           # by a staff login of its registration authority
    code = issue_activation_code(enterprise, by=user)  # by that staff login (it must be allowed)

Browser and flow tests start from /account/activate/ with these (portal/tests/test_browser_flows.py)."""

from __future__ import annotations


def issue_activation_code(enterprise, *, by=None) -> str:
    """Issue an activation code for `enterprise` through the audited service; returns the plain
    code, grouped as the letter prints it. Without `by`, a staff login of the enterprise's
    registration authority is made for the purpose."""
    from credit import services
    from credit.accounts import code_grouped

    if by is None:
        from credit.tests.factories import StaffFactory

        by = StaffFactory(agency=enterprise.registration_authority).user
    _row, plain = services.activation_code_issue(enterprise=enterprise, actor=by)
    return code_grouped(plain)
