"""The rows of the letter tables (/commitments/, /staff/commitments/) as prepared HTML: 50 rows
rendered through template lookups and filters cost most of the page's CPU, so each row is
built once here (every value escaped with html.escape), as the list pages of `listings` do.
What repeats on a page (labels, agency names, dates) is translated and formatted once."""

from __future__ import annotations

from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from credit import models as m
from portal.i18n import localized_name

_ROW = ('<tr><td><a href="/commitments/{pk}/">{title}</a>{matter}</td><td><a href="/enterprises/{uscc}/">{name}</a>'
        '<br><span class="meta">{uscc}</span></td><td>{kind}</td><td>{agency}</td><td>{signed}</td><td>{until}</td>'
        '<td><span class="badge state-{state}">{state_label}</span></td>{actions}</tr>')


class _Memo(dict):
    """A page's cache of one formatting function (the same dates and names recur on a page)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        value = self[key] = self.function(key)
        return value


def letter_rows_html(letters, *, staff: bool = False) -> SafeString:
    """One <tr> per letter (enterprise and agency loaded with it, `state`/`state_label` set)."""
    breach_label, fulfil_label = escape(gettext("Record a breach")), escape(gettext("Record fulfilment"))
    kinds = {value: escape(str(label)) for value, label in m.CommitmentLetter._meta.get_field("kind").flatchoices}
    dates = _Memo(lambda day: escape(date_format(day)) if day else "—")
    agencies: dict[int, str] = {}
    rows = []
    for r in letters:
        actions = ""
        if staff:
            links = []
            if r.state != "breached":
                links.append(f'<a href="/staff/commitments/{r.pk}/breach/">{breach_label}</a>')
            if r.state in ("in_force", "expired"):
                links.append(f'<a href="/staff/commitments/{r.pk}/fulfil/">{fulfil_label}</a>')
            actions = f"<td>{'<br>'.join(links)}</td>"
        agency = agencies.get(r.agency_id)
        if agency is None:
            agency = agencies[r.agency_id] = escape(localized_name(r.agency))
        uscc = escape(r.enterprise.uscc)
        rows.append(_ROW.format(
            pk=int(r.pk), title=escape(r.title),
            matter=f'<br><span class="meta">{escape(r.approval_matter)}</span>' if r.approval_matter else "",
            uscc=uscc, name=escape(localized_name(r.enterprise)), kind=kinds.get(r.kind, escape(r.kind)),
            agency=agency, signed=dates[r.signed_on], until=dates[r.valid_until], state=escape(r.state),
            state_label=escape(str(r.state_label)), actions=actions,
        ))
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
