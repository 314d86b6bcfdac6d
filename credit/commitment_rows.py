"""The rows of the letter tables (/commitments/, /staff/commitments/) as prepared HTML: 50 rows
rendered through template lookups and filters cost most of the page's CPU, so each row is
built once here with format_html (every value escaped), as the list pages of `listings` do."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from portal.i18n import localized_name

_ROW = ('<tr><td><a href="/commitments/{}/">{}</a>{}</td><td><a href="/enterprises/{}/">{}</a><br>'
        '<span class="meta">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td><span class="badge state-{}">{}</span></td>{}</tr>')


def letter_rows_html(letters, *, staff: bool = False) -> SafeString:
    """One <tr> per letter (enterprise and agency loaded with it, `state`/`state_label` set)."""
    breach_label, fulfil_label = gettext("Record a breach"), gettext("Record fulfilment")
    rows = []
    for r in letters:
        matter = format_html('<br><span class="meta">{}</span>', r.approval_matter) if r.approval_matter else ""
        actions = ""
        if staff:
            links = []
            if r.state != "breached":
                links.append(format_html('<a href="/staff/commitments/{}/breach/">{}</a>', r.pk, breach_label))
            if r.state in ("in_force", "expired"):
                links.append(format_html('<a href="/staff/commitments/{}/fulfil/">{}</a>', r.pk, fulfil_label))
            actions = format_html("<td>{}</td>", mark_safe("<br>".join(links)))  # noqa: S308 - parts escaped
        rows.append((
            r.pk, r.title, matter, r.enterprise.uscc, localized_name(r.enterprise), r.enterprise.uscc,
            r.get_kind_display(), localized_name(r.agency), date_format(r.signed_on),
            date_format(r.valid_until) if r.valid_until else "—", r.state, r.state_label, actions,
        ))
    return format_html_join("\n", _ROW, rows)
