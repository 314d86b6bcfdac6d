"""Instant disclosures the enterprise makes itself (Interim Regulations Art. 10; docs/rules.md
section 3): the structured fields of each of the five kinds, their validation, and the two
writes (publish, correct).

The field table `DETAIL_FIELDS` is the one home of what each kind records, as NECIPS shows
it: the /account/ form is built from it, the service validates against it, and the credit
file and /account/ display it. The deadline and the late mark live next to the model
(credit.models.disclosure_deadline, disclosure_late).
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from credit import models as m
from credit.publication import publication_record

Kind = m.InstantDisclosure.Kind


class IpKind(models.TextChoices):
    TRADEMARK = "trademark", _("Trademark")
    PATENT = "patent", _("Patent")
    COPYRIGHT = "copyright", _("Copyright")


@dataclass(frozen=True)
class DetailField:
    """One structured field of a kind: `type` is text, amount (10,000 yuan, not negative),
    percent (0 to 100), date (not after today) or choice (of `choices`)."""

    name: str
    label: Any
    type: str = "text"
    choices: type[models.TextChoices] | None = None
    required: bool = True
    max_length: int = 200


DETAIL_FIELDS: dict[str, tuple[DetailField, ...]] = {
    Kind.CAPITAL: (
        DetailField("shareholder", _("Shareholder")),
        DetailField("subscribed_amount", _("Subscribed capital (10,000 yuan)"), "amount"),
        DetailField("paid_amount", _("Paid-in capital (10,000 yuan)"), "amount"),
        DetailField("contributed_on", _("Date of contribution"), "date"),
        DetailField("form", _("Form of contribution"), "choice", m.ContributionForm),
    ),
    Kind.EQUITY_TRANSFER: (
        DetailField("shareholder", _("Shareholder")),
        DetailField("ratio_before", _("Share before the transfer (%)"), "percent"),
        DetailField("ratio_after", _("Share after the transfer (%)"), "percent"),
        DetailField("changed_on", _("Date of the change"), "date"),
    ),
    Kind.LICENCE: (
        DetailField("number", _("Licence number"), max_length=100),
        DetailField("name", _("Licence name")),
        DetailField("valid_from", _("Valid from"), "date"),
        DetailField("valid_to", _("Valid until"), "date", required=False),
        DetailField("authority", _("Licensing authority")),
        DetailField("content", _("Licensed activities"), max_length=1000),
    ),
    Kind.IP_PLEDGE: (
        DetailField("registration_number", _("Registration number"), max_length=100),
        DetailField("name", _("Name of the right")),
        DetailField("ip_kind", _("Kind of right"), "choice", IpKind),
        DetailField("pledgor", _("Pledgor")),
        DetailField("pledgee", _("Pledgee")),
        DetailField("period_from", _("Pledge registered from"), "date"),
        DetailField("period_to", _("Pledge registered until"), "date", required=False),
    ),
    Kind.PENALTY: (
        DetailField("decision_number", _("Decision number"), max_length=100),
        DetailField("penalty_type", _("Type of penalty")),
        DetailField("content", _("Content of the penalty"), max_length=1000),
        DetailField("authority", _("Deciding authority")),
        DetailField("decided_on", _("Decision date"), "date"),
    ),
}

# (first, second, code): the second date or amount may not be before / above the first.
_ORDER_RULES = {
    Kind.CAPITAL: (("paid_amount", "subscribed_amount", "paid_above_subscribed"),),
    Kind.LICENCE: (("valid_from", "valid_to", "end_before_start"),),
    Kind.IP_PLEDGE: (("period_from", "period_to", "end_before_start"),),
}
# Dates that may lie in the future: a licence or pledge runs until a day to come.
_FUTURE_ALLOWED = {"valid_to", "period_to"}


def _field_error(field: DetailField | None, name: str, message, code: str, **params) -> ValidationError:
    if field is not None:
        params.setdefault("field", field.label)
    return ValidationError({name: ValidationError(message, code=code, params=params)})


def _clean_value(field: DetailField, raw: Any, today: dt.date):
    """The value stored in `details` (text, a decimal as text, a date as ISO text)."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in (None, ""):
        if field.required:
            raise _field_error(field, field.name, _("%(field)s: this field is required."), "required")
        return ""
    if field.type == "text":
        value = str(raw)
        if len(value) > field.max_length:
            raise _field_error(field, field.name, _("%(field)s: at most %(limit)s characters."), "max_length",
                               limit=field.max_length)
        return value
    if field.type in ("amount", "percent"):
        try:
            number = decimal.Decimal(str(raw))
        except decimal.InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _field_error(field, field.name, _("%(field)s: enter a number."), "invalid")
        if number < 0:
            raise _field_error(field, field.name, _("%(field)s: cannot be negative."), "negative")
        if field.type == "percent" and number > 100:
            raise _field_error(field, field.name, _("%(field)s: a share is at most 100%%."), "above_100")
        if number.as_tuple().exponent < -4 or number >= 10**12:
            raise _field_error(field, field.name, _("%(field)s: at most 12 digits and 4 decimals."), "digits")
        return str(number)
    if field.type == "date":
        day = raw if isinstance(raw, dt.date) else _date_or_none(str(raw))
        if day is None:
            raise _field_error(field, field.name, _("%(field)s: enter a real date as YYYY-MM-DD."), "invalid")
        try:
            m.validate_plausible_date(day)
        except ValidationError:
            low, high = m.PLAUSIBLE_YEARS
            raise _field_error(field, field.name, _("%(field)s: the year must lie between %(low)s and %(high)s."),
                               "implausible", low=low, high=high) from None
        if day > today and field.name not in _FUTURE_ALLOWED:
            raise _field_error(field, field.name, _("%(field)s: the date cannot be in the future."), "future")
        return day.isoformat()
    if field.type == "choice":
        if str(raw) not in field.choices.values:
            raise _field_error(field, field.name, _("%(field)s: choose one of the listed options."), "invalid_choice")
        return str(raw)
    raise ValueError(f"unknown detail field type {field.type!r}")


def _date_or_none(raw: str) -> dt.date | None:
    try:
        return parse_date(raw)
    except ValueError:  # well formed but not a calendar day (2026-02-30)
        return None


def details_clean(*, kind: str, details: dict[str, Any], today: dt.date | None = None) -> dict[str, str]:
    """The `details` of a disclosure of `kind`, validated against DETAIL_FIELDS; a ValidationError
    naming each field and its rule otherwise (all of them at once)."""
    if kind not in DETAIL_FIELDS:
        raise ValidationError({"kind": ValidationError(_("Kind: %(kind)s is not a kind of instant disclosure."),
                                                       code="invalid_kind", params={"kind": kind})})
    today = today or timezone.localdate()
    cleaned: dict[str, str] = {}
    errors: dict[str, list] = {}
    fields = {field.name: field for field in DETAIL_FIELDS[kind]}
    for field in fields.values():
        try:
            cleaned[field.name] = _clean_value(field, details.get(field.name), today)
        except ValidationError as error:
            errors.update(error.error_dict)
    for first, second, code in _ORDER_RULES.get(kind, ()):
        if first in errors or second in errors or not cleaned.get(first) or not cleaned.get(second):
            continue
        a, b = fields[first], fields[second]
        if a.type == "amount":
            wrong = decimal.Decimal(cleaned[first]) > decimal.Decimal(cleaned[second])
            message = _("%(field)s: cannot be more than %(other)s.")
            name, field, other = first, a, b
        else:
            wrong = cleaned[second] < cleaned[first]
            message = _("%(field)s: cannot be before %(other)s.")
            name, field, other = second, b, a
        if wrong:
            errors.update(_field_error(field, name, message, code, other=other.label).error_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _display(field: DetailField, value: str) -> str:
    if value in ("", None):
        return ""
    if field.type == "date":
        day = parse_date(value)
        return date_format(day) if day else value
    if field.type == "amount":
        return number_format(decimal.Decimal(value), decimal_pos=None, use_l10n=True, force_grouping=True)
    if field.type == "percent":
        return f"{number_format(decimal.Decimal(value))}%"
    if field.type == "choice":
        try:
            return str(field.choices(value).label)
        except ValueError:
            return value
    return value


def detail_rows(kind: str, details: dict[str, Any]) -> list[tuple[Any, str]]:
    """(label, shown value) of each structured field a disclosure has, in the table's order."""
    rows = []
    for field in DETAIL_FIELDS.get(kind, ()):
        shown = _display(field, (details or {}).get(field.name, ""))
        if shown:
            rows.append((field.label, shown))
    return rows


def instant_disclosure_check(*, kind: str, fact_date: dt.date, summary: str, details: dict[str, Any],
                             today: dt.date) -> dict:
    """The validated `details`; a ValidationError naming every field refused and its rule."""
    errors: dict[str, list] = {}
    if fact_date > today:
        errors["fact_date"] = [ValidationError(_("Date of the fact: the date cannot be in the future."),
                                               code="future")]
    if not (summary or "").strip():
        errors["summary"] = [ValidationError(_("Content: describe the fact disclosed."), code="required")]
    try:
        cleaned = details_clean(kind=kind, details=details, today=today)
    except ValidationError as error:
        errors.update(error.error_dict)
        cleaned = {}
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def instant_disclosure_publish(*, enterprise: m.Enterprise, kind: str, fact_date: dt.date, summary: str,
                               details: dict[str, Any], actor=None) -> m.InstantDisclosure:
    """Publish a new instant disclosure of the enterprise (first version)."""
    now = timezone.now()
    cleaned = instant_disclosure_check(kind=kind, fact_date=fact_date, summary=summary, details=details,
                     today=timezone.localdate(now))
    disclosure = m.InstantDisclosure.objects.create(
        enterprise=enterprise, kind=kind, summary=summary.strip(), fact_date=fact_date, published_at=now,
        details=cleaned,
    )
    publication_record(
        action="credit.instant_disclosure.published", actor=actor, obj=disclosure, enterprises=[enterprise.pk],
        payload={"kind": kind, "fact_date": fact_date.isoformat(), "late": disclosure.late},
    )
    return disclosure


@transaction.atomic
def instant_disclosure_correct(*, disclosure: m.InstantDisclosure, fact_date: dt.date, summary: str,
                               details: dict[str, Any], actor=None) -> m.InstantDisclosure:
    """Publish a correction: a new version of the disclosure (of any of its versions), the earlier
    ones staying public. The first version is locked so that two corrections get two numbers."""
    first = m.InstantDisclosure.objects.select_for_update().get(pk=disclosure.original_id or disclosure.pk)
    now = timezone.now()
    cleaned = instant_disclosure_check(kind=first.kind, fact_date=fact_date, summary=summary, details=details,
                     today=timezone.localdate(now))
    latest = m.InstantDisclosure.objects.filter(original=first).aggregate(v=Max("version"))["v"] or first.version
    correction = m.InstantDisclosure.objects.create(
        enterprise_id=first.enterprise_id, kind=first.kind, summary=summary.strip(), fact_date=fact_date,
        published_at=now, details=cleaned, original=first, version=latest + 1,
    )
    publication_record(
        action="credit.instant_disclosure.corrected", actor=actor, obj=correction, enterprises=[first.enterprise_id],
        payload={"kind": first.kind, "original": first.pk, "version": correction.version,
                 "fact_date": fact_date.isoformat()},
    )
    return correction
