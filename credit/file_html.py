"""The parts of the credit file every file shows, built as escaped HTML in Python.

An uncached file spent most of its CPU in Django's template engine: the frame alone (header,
contents, registration grid: some 40 translations, filters and lookups) cost more than
the sections' queries. Here each value is escaped with html.escape, the labels are
translated once per language, and what depends only on the language and the list of
sections (the contents) is kept per process; the output is the one the templates gave
(credit/tests/test_file_html.py compares them). So are the five sections most files have
rows in (TableSection, below); the other sections stay templates.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import get_language, gettext, gettext_noop, ngettext

from credit import regions
from portal.i18n import day_html, localized_name

# The labels of the frame, in the page's language.
_LABELS = (
    gettext_noop("Enterprise credit file"),
    gettext_noop("Unified social credit code"),
    gettext_noop("Print this file"),
    gettext_noop("Follow this enterprise by e-mail"),
    gettext_noop("This enterprise is deregistered; its negative records are no longer published (SAMR Order 107 Art. 20)."),
    gettext_noop("See the entry"),
    gettext_noop("Contents"),
    gettext_noop("Registration"),
    gettext_noop("Name"),
    gettext_noop("Type"),
    gettext_noop("Person in charge"),
    gettext_noop("Legal representative"),
    gettext_noop("Registered capital"),
    gettext_noop("Establishment date"),
    gettext_noop("Operating period"),
    gettext_noop("no fixed term"),
    gettext_noop("Registration authority"),
    gettext_noop("Registration status"),
    gettext_noop("Approval date"),
    gettext_noop("Province"),
    gettext_noop("Risk class"),
    gettext_noop("Business premises"),
    gettext_noop("Domicile"),
    gettext_noop("Business scope"),
)

_WITHHELD = _LABELS[4]


@functools.cache
def _labels(language: str) -> dict[str, str]:
    # gettext of the active language, which is `language`: the key only keeps languages apart.
    return {label: escape(gettext(label)) for label in _LABELS}


def date(value: dt.date | dt.datetime | None, language: str | None = None, tz=None) -> str:
    """`{{ value|date }}`, escaped: the language's DATE_FORMAT, a datetime in local time.
    `language` and `tz` (the active language and time zone) when the caller has them: the
    row builders below ask once per table, not once per cell."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, tz).date()  # DATE_FORMAT shows the day only
    return day_html(value, language)


def display(record, name: str, language: str | None = None) -> str:
    """`{{ record.get_<name>_display }}`, escaped. Django's builds a dict of every choice,
    translating each label, on each call; here the labels are translated once per language."""
    value = getattr(record, name)
    labels = _choice_labels(type(record), name, language or get_language())
    label = labels.get(value)
    return label if label is not None else escape(str(value))


@functools.cache
def _choice_labels(model: type, name: str, language: str) -> dict:
    return {value: escape(str(label)) for value, label in model._meta.get_field(name).flatchoices}


def _or_dash(text: str) -> str:
    return text if text else "—"


# Per (the sections' keys, language); cleared with the registry's compiled queries (credit.sections).
_contents_html: dict[tuple, str] = {}


def _contents(language: str, agency, self_disclosed) -> str:
    labels = _labels(language)
    items = [f'<li><a href="#registration">{labels["Registration"]}</a></li>']
    for section in agency:
        items.extend(f'<li><a href="#{escape(anchor)}">{escape(str(title))}</a></li>' for anchor, title in section.contents)
    for index, section in enumerate(self_disclosed):
        for position, (anchor, title) in enumerate(section.contents):
            divider = ' class="toc-divider"' if index == 0 and position == 0 else ""
            items.append(f'<li{divider}><a href="#{escape(anchor)}">{escape(str(title))}</a></li>')
    return (f'<nav class="toc" aria-labelledby="toc-h">\n  <h2 id="toc-h">{labels["Contents"]}</h2>\n  <ol>\n    '
            + "\n    ".join(items) + "\n  </ol>\n</nav>")


def forget_contents() -> None:
    _contents_html.clear()


def contents_html(agency_sections, self_disclosed_sections) -> str:
    """The table of contents: the same for every file with the same sections, per language."""
    language = get_language()
    key = (tuple(s.key for s in agency_sections), tuple(s.key for s in self_disclosed_sections), language)
    html = _contents_html.get(key)
    if html is None:
        html = _contents_html[key] = _contents(language, agency_sections, self_disclosed_sections)
    return html


def _registered_capital(enterprise) -> str:
    from credit.templatetags.credit_tags import registered_capital

    return escape(registered_capital(enterprise))


def file_head_html(context) -> str:
    """The header, the notices, the contents and the registration grid of the file whose
    context (credit.selectors.credit_file) is `context`."""
    e = context["enterprise"]
    labels = _labels(get_language())
    branch = e.is_branch
    uscc = escape(e.uscc)
    status = display(e, "status")
    out = [
        '<header class="file-head">\n',
        f'  <p class="file-kind">{labels["Enterprise credit file"]}</p>\n',
        f"  <h1>{escape(e.name)}</h1>\n",
        f'  <p class="name-en" lang="en">{escape(e.name_en)}</p>\n' if e.name_en else "",
        f'  <p class="file-ids"><span>{labels["Unified social credit code"]}: <strong class="code">{uscc}</strong>'
        f'</span>\n    <span class="status status-{escape(e.status)}">{status}</span></p>\n',
        f'  <p class="file-actions"><button type="button" class="print-button" data-print hidden>'
        f'{labels["Print this file"]}</button>\n    <a class="follow-link" href="/follow/enterprises/{uscc}/">'
        f'{labels["Follow this enterprise by e-mail"]}</a></p>\n</header>\n',
    ]
    notices = context.get("notices")
    withheld = context.get("negative_records_withheld")
    if notices or withheld:
        out.append('<div class="file-notices">')
        if withheld:
            out.append('\n  <p id="negative-records-withheld" class="file-notice file-notice-status" role="status">'
                       f'{labels[_WITHHELD]}</p>')
        for notice in notices or ():
            anchor = f' id="{escape(notice.anchor)}"' if notice.anchor else ""
            out.append(f'\n  <p{anchor} class="file-notice file-notice-{escape(notice.kind)}" role="{escape(notice.role)}">'
                       f'{escape(notice.text)} <a href="{escape(notice.url)}">{labels["See the entry"]}</a></p>')
        out.append("\n</div>\n")
    out.append("\n")
    out.append(contents_html(context.get("agency_sections", ()), context.get("self_disclosed_sections", ())))
    operating_to = date(e.operating_to) if e.operating_to else labels["no fixed term"]
    rows = [
        ("Unified social credit code", f'<dd class="code">{uscc}</dd>'),
        ("Name", f"<dd>{escape(e.name)}</dd>"),
        ("Type", f"<dd>{display(e, 'entity_type')}</dd>"),
        ("Person in charge" if branch else "Legal representative",
         f"<dd>{_or_dash(escape(e.legal_representative_name or ''))}</dd>"),
    ]
    if not branch:
        rows.append(("Registered capital", f"<dd>{_or_dash(_registered_capital(e))}</dd>"))
    province = regions.province_name(e.region_code)
    rows += [
        ("Establishment date", f"<dd>{date(e.established_on)}</dd>"),
        ("Operating period", f"<dd>{_or_dash(date(e.operating_from))} – {operating_to}</dd>"),
        ("Registration authority", f"<dd>{escape(localized_name(e.registration_authority))}</dd>"),
        ("Registration status", f"<dd>{status}</dd>"),
        ("Approval date", f"<dd>{_or_dash(date(e.approved_on))}</dd>"),
        ("Province", f"<dd>{escape(province if province else e.region_code)}</dd>"),
        ("Risk class", f"<dd>{display(e, 'risk_class')}</dd>"),
    ]
    grid = "".join(f"\n    <div><dt>{labels[label]}</dt>{value}</div>" for label, value in rows)
    out.append(
        f'\n\n<section id="registration" class="file-section">\n  <h2 id="registration-h">{labels["Registration"]}</h2>'
        f'\n  <dl class="reg-grid">{grid}'
        f'\n    <div class="wide"><dt>{labels["Business premises" if branch else "Domicile"]}</dt>'
        f"<dd>{escape(e.domicile)}</dd></div>"
        f'\n    <div class="wide"><dt>{labels["Business scope"]}</dt><dd>{_or_dash(escape(e.business_scope or ""))}</dd>'
        "</div>\n  </dl>\n</section>\n"
    )
    return "".join(out)



# --- The sections most files have rows in ------------------------------------------
# Each is one table: TableSection builds its frame (heading, count, table head, the note of an
# empty section) as the sections' templates did, and a function below its <tr>s.


@dataclass(frozen=True)
class TableSection:
    """A section of the file shown as one table, built in Python: `Section.html` of the
    shareholders, key personnel, changes, licences and annual reports (credit.parts).

    key:     the context name of its rows
    anchor:  the section's id (its heading's is anchor + "-h")
    title:   its heading (a msgid)
    columns: (msgid, CSS class or "") of each column
    rows:    (rows, context, language) -> the table's <tr>s, every value escaped
    """

    key: str
    anchor: str
    title: str
    columns: tuple[tuple[str, str], ...]
    rows: Callable[..., str]

    def __call__(self, context) -> str:
        records = context.get(self.key) or ()
        language = get_language()
        head, table, empty = _table_frame(self, language)
        if not records:
            return f"{head}(0)</span></h2>\n  {empty}\n</section>\n"
        return (f"{head}({len(records)})</span></h2>\n  {table}<tbody>{self.rows(records, context, language)}"
                "</tbody></table></div>\n  \n</section>\n")


@functools.cache
def _table_frame(section: TableSection, language: str) -> tuple[str, str, str]:
    """What a table section shows the same in every file, per language (`language` keys the cache)."""
    anchor = escape(section.anchor)
    head = (f'<section id="{anchor}" class="file-section">\n  <h2 id="{anchor}-h">{escape(gettext(section.title))} '
            '<span class="count">')
    columns = "".join(f'<th scope="col"{_css_class(css)}>{escape(gettext(label))}</th>' for label, css in section.columns)
    table = (f'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="{anchor}-h"><table class="data">\n'
             f"    <thead><tr>{columns}</tr></thead>\n    ")
    empty = f'<p class="empty">{escape(gettext("No records in this section."))}</p>'
    return head, table, empty


def _css_class(css: str) -> str:
    return f' class="{escape(css)}"' if css else ""


def amount(value, language: str | None = None) -> str:
    """A decimal amount without trailing zeros, grouped the way the language groups numbers
    (what Django's number_format with force_grouping gives), not escaped."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    else:
        value = value.normalize()
    language = language or get_language()
    style = _number_style(language)
    if style is None:
        with translation.override(language):
            return formats.number_format(value, use_l10n=True, force_grouping=True)
    # Python's own formatting, grouped by threes or not at all, its separators swapped for the
    # language's: Django's number_format reads three formats and walks the digits in Python.
    grouping, separators = style
    return format(value, grouping + "f").translate(separators)


@functools.cache
def _number_style(language: str) -> tuple[str, dict] | None:
    """How `language` writes an amount: ("," to group by threes or "" for no grouping, the
    separators as a str.translate table), or None for another grouping (Django formats it).
    zh-hans groups by fours with no separator, which shows no grouping at all."""
    thousand = formats.get_format("THOUSAND_SEPARATOR", lang=language)
    decimal = formats.get_format("DECIMAL_SEPARATOR", lang=language)
    grouping = formats.get_format("NUMBER_GROUPING", lang=language)
    if thousand == "" or grouping == 0:
        return "", str.maketrans({".": decimal})
    if grouping != 3:
        return None
    return ",", str.maketrans({",": thousand, ".": decimal})


def _amount(value, language: str) -> str:
    return escape(amount(value, language))


@functools.cache
def _provenance_labels(language: str) -> tuple[str, str, str]:
    return escape(gettext("Decided")), escape(gettext("Published")), escape(gettext("Withdrawn"))


def provenance(record, language: str | None = None, tz=None) -> str:
    """The provenance cell of a published record: source agency, document number,
    decision and publication dates, the latest correction and the withdrawal if any.

    Built in Python rather than with an include per row: it appears on every row of
    nine tables, and an include costs several times more to render.
    """
    # html.escape and f-strings, not format_html: the same escaping at a fraction of the cost.
    language = language or get_language()
    decided, published, withdrawn = _provenance_labels(language)
    cell = escape(localized_name(record.source_agency, language=language))
    if record.document_number:
        cell += f'<br><span class="docno">{escape(record.document_number)}</span>'
    cell += (f'<br><span class="meta">{decided} {date(record.decided_on, language, tz)}</span>'
             f'<br><span class="meta">{published} {date(record.published_at, language, tz)}</span>')
    if record.corrected_at:
        # The latest correction only; earlier ones (and the old values) are in the audit log.
        label = gettext("Corrected on %(date)s:") % {"date": formats.date_format(timezone.localtime(record.corrected_at))}
        cell += (f'<br><strong class="badge badge-corrected">{escape(label)}</strong> '
                 f'<span class="reason">{escape(record.correction_reason)}</span>')
    if record.withdrawn_at:
        cell += (f'<br><strong class="badge badge-withdrawn">{withdrawn} '
                 f'{date(record.withdrawn_at, language, tz)}</strong> <span class="reason">{escape(record.withdrawal_reason)}</span>')
    return f'<td class="prov">{cell}</td>'


def _tr(record) -> str:
    return '\n      <tr class="withdrawn">' if record.withdrawn_at else "\n      <tr>"


def shareholder_rows(shareholders, context, language: str | None = None) -> str:
    from credit.templatetags.credit_tags import licence_number

    language = language or get_language()
    tz = timezone.get_current_timezone()
    rows = []
    for r in shareholders:
        if r.person:
            identity = (f'{display(r.person, "id_type", language)}<br><span class="code">'
                        f"{escape(r.person.masked_id_number)}</span>")
        else:
            identity = f'<span class="code">{_or_dash(escape(licence_number(r.licence_number)))}</span>'
        contributions = "".join(
            f'<span class="contrib">{display(c, "kind", language)}: {display(c, "form", language)} '
            f"{_amount(c.amount, language)} · {date(c.contributed_on, language)}</span>"
            for c in r.contribution_rows
        ) or "—"
        rows.append(
            f'{_tr(r)}<td>{escape(r.name)}<br><span class="meta">{display(r, "shareholder_type", language)}'
            f"</span></td>\n        <td>{identity}</td>\n        "
            f'<td class="num">{_amount(r.subscribed_amount, language)}</td>'
            f'<td class="num">{_amount(r.paid_amount, language)}</td>'
            f"\n        <td>{contributions}</td>\n        {provenance(r, language, tz)}</tr>\n    "
        )
    return "".join(rows)


def key_person_rows(people, context, language: str | None = None) -> str:
    language = language or get_language()
    tz = timezone.get_current_timezone()
    return "".join(
        f"{_tr(r)}<td>{escape(r.person.name if r.person else '')}</td><td>{escape(r.position)}</td>"
        f"{provenance(r, language, tz)}</tr>\n    "
        for r in people
    )


def change_rows(changes, context, language: str | None = None) -> str:
    language = language or get_language()
    tz = timezone.get_current_timezone()
    return "".join(
        f"{_tr(r)}<td>{escape(r.item)}</td><td>{escape(r.before)}</td><td>{escape(r.after)}</td>"
        f"<td>{date(r.changed_on, language)}</td>{provenance(r, language, tz)}</tr>\n    "
        for r in changes
    )


def licence_rows(licences, context, language: str | None = None) -> str:
    language = language or get_language()
    tz = timezone.get_current_timezone()
    no_term = escape(gettext("no fixed term"))
    return "".join(
        f"{_tr(r)}<td>{escape(r.name)}</td><td>{date(r.valid_from, language)} – "
        f"{date(r.valid_to, language) if r.valid_to else no_term}"
        f"</td><td>{escape(r.content)}</td><td>{display(r, 'status', language)}</td>{provenance(r, language, tz)}</tr>\n    "
        for r in licences
    )


def annual_report_rows(years, context, language: str | None = None) -> str:
    """The years of `years`; `context`: the file's (its enterprise's code links each report)."""
    language = language or get_language()
    uscc = context["enterprise"].uscc
    late = escape(gettext("(filed late)"))
    private = escape(gettext("(filed; the individual business chose not to publish the report)"))
    rows = []
    for y in years:
        if y["corrected_at"]:
            n = y["corrections"]
            corrected = ngettext("Corrected on %(on)s (1 correction)", "Corrected on %(on)s (%(n)s corrections)", n) % {
                "on": date(y["corrected_at"], language), "n": escape(str(n))}
        else:
            corrected = "—"
        url = escape(reverse("credit:annual_report_detail", args=[uscc, y["year"]]))
        title = gettext("Annual report %(year)s") % {"year": escape(str(y["year"]))}
        late_mark = f' <span class="late-mark">{late}</span>' if y["late"] else ""
        note = f' <span class="note">{private}</span>' if not y["public"] else ""
        rows.append(
            f'\n      <tr><td>{escape(str(y["year"]))}</td><td>{date(y["filed_at"], language)}{late_mark}</td>'
            f'\n        <td>{corrected}</td>\n        <td><a href="{url}">{title}</a>{note}</td></tr>\n    '
        )
    return "".join(rows)


_SOURCE = (gettext_noop("Source"), "")
SHAREHOLDERS = TableSection(
    key="shareholders", anchor="shareholders", title=gettext_noop("Shareholders and capital contributions"),
    columns=((gettext_noop("Shareholder"), ""), (gettext_noop("Identity or licence"), ""),
             (gettext_noop("Subscribed (10,000)"), "num"), (gettext_noop("Paid in (10,000)"), "num"),
             (gettext_noop("Contributions (form, amount, date)"), ""), _SOURCE),
    rows=shareholder_rows,
)
KEY_PERSONNEL = TableSection(
    key="key_personnel", anchor="key-personnel", title=gettext_noop("Key personnel"),
    columns=((gettext_noop("Name"), ""), (gettext_noop("Position"), ""), _SOURCE), rows=key_person_rows,
)
CHANGES = TableSection(
    key="changes", anchor="changes", title=gettext_noop("Change records"),
    columns=((gettext_noop("Item changed"), ""), (gettext_noop("Before"), ""), (gettext_noop("After"), ""),
             (gettext_noop("Change date"), ""), _SOURCE),
    rows=change_rows,
)
LICENCES = TableSection(
    key="licences", anchor="licences", title=gettext_noop("Administrative licences"),
    columns=((gettext_noop("Licence"), ""), (gettext_noop("Valid"), ""), (gettext_noop("Licensed content"), ""),
             (gettext_noop("Status"), ""), _SOURCE),
    rows=licence_rows,
)
ANNUAL_REPORTS = TableSection(
    key="annual_reports", anchor="annual-reports", title=gettext_noop("Annual reports"),
    columns=((gettext_noop("Report year"), ""), (gettext_noop("Filed on"), ""), (gettext_noop("Corrected"), ""),
             (gettext_noop("Details"), "")),
    rows=annual_report_rows,
)
