"""What an annual report contains, for whom, and how it is checked: the one home of the
report's variants (Reg. Art. 9; 个体工商户年度报告办法 Arts. 3, 8, 10; 农民专业合作社年度报告公示办法
Arts. 4, 7; docs/rules.md section 3).

`ITEMS` is the table of report items: each has a key, a label, the section it belongs to,
whether it must be public (`MANDATORY`) or the enterprise may withhold it (`OPTIONAL`),
and either a kind of value or, for repeating items, its columns. `VARIANTS` says per entity
type which items apply and whether the whole report may be kept private. The filing form
(`ReportForm`), the validation the service applies, and the public page's display
(`report_display`) are all built from these two tables, so templates loop over what the
rules say and never branch on the entity type.

"Sole proprietors" in the issue are individual industrial and commercial households
(个体工商户, EntityType.INDIVIDUAL_BUSINESS): the only type that may keep the whole report
private. A sole proprietorship enterprise (个人独资企业) is an enterprise and files like one.

Amounts are in 10,000 yuan, as on NECIPS. A submitted report stores its cleaned values as
JSON (`AnnualReport.data`, keys of ITEMS; repeating items as lists of rows) and the keys
it withholds (`AnnualReport.withheld`); a draft stores the raw form input instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from credit import uscc as uscc_rules
from credit.models import ContributionForm, EntityType
from portal.forms import BoundedDateField

MANDATORY, OPTIONAL = "mandatory", "optional"

SECTIONS: tuple[tuple[str, Any], ...] = (
    ("basic", _("Basic information")),
    ("investments", _("Investments in other enterprises")),
    ("capital", _("Shareholders' capital and equity transfers")),
    ("websites", _("Websites and online shops")),
    ("employees", _("Employees")),
    ("finances", _("Assets and finances")),
    ("guarantees", _("Guarantees provided")),
)


class OperatingStatus:
    CHOICES = (
        ("operating", _("Operating")),
        ("suspended", _("Business suspended")),
        ("liquidation", _("In liquidation")),
        ("closed", _("Ceased trading")),
    )


SITE_KINDS = (("website", _("Website")), ("shop", _("Online shop")))
DEBT_KINDS = (("loan", _("Loan")), ("contract", _("Contract")), ("other", _("Other")))
GUARANTEE_METHODS = (("general", _("General guarantee")), ("joint", _("Joint liability guarantee")),
                     ("none", _("Not agreed")))


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str  # text, uscc, amount, date, form, ratio, url, site_kind, debt_kind, method
    required: bool = True  # in every row that is filled in


@dataclass(frozen=True)
class Item:
    key: str
    label: Any
    section: str
    public: str  # MANDATORY or OPTIONAL
    kind: str = "text"  # text, email, phone, postcode, status, count, amount, signed, rows
    columns: tuple[Column, ...] = ()
    required: bool = False  # a value must be given (scalars) or at least one row (repeating items)

    @property
    def optional(self) -> bool:
        return self.public == OPTIONAL

    @property
    def repeating(self) -> bool:
        return self.kind == "rows"


ITEMS: tuple[Item, ...] = (
    Item("address", _("Mailing address"), "basic", MANDATORY, required=True),
    Item("postcode", _("Postcode"), "basic", MANDATORY, "postcode", required=True),
    Item("phone", _("Phone"), "basic", MANDATORY, "phone", required=True),
    Item("email", _("E-mail"), "basic", MANDATORY, "email"),
    Item("operating_status", _("Operating status"), "basic", MANDATORY, "status", required=True),
    Item("investments", _("Investments in other enterprises"), "investments", MANDATORY, "rows", (
        Column("name", _("Invested enterprise"), "text"),
        Column("uscc", _("Unified social credit code of the invested enterprise"), "uscc"),
    )),
    Item("shareholders", _("Shareholders' subscribed and paid capital"), "capital", MANDATORY, "rows", (
        Column("shareholder", _("Shareholder"), "text"),
        Column("subscribed_amount", _("Subscribed (10,000)"), "amount"),
        Column("subscribed_on", _("Subscription date"), "date"),
        Column("subscribed_form", _("Form of subscription"), "form"),
        Column("paid_amount", _("Paid in (10,000)"), "amount"),
        Column("paid_on", _("Payment date"), "date", required=False),
        Column("paid_form", _("Form of payment"), "form", required=False),
    ), required=True),
    Item("equity_transfers", _("Equity transfers"), "capital", MANDATORY, "rows", (
        Column("shareholder", _("Shareholder"), "text"),
        Column("ratio_before", _("Share before (%)"), "ratio"),
        Column("ratio_after", _("Share after (%)"), "ratio"),
        Column("changed_on", _("Date of the change"), "date"),
    )),
    Item("websites", _("Websites and online shops"), "websites", MANDATORY, "rows", (
        Column("kind", _("Type"), "site_kind"),
        Column("name", _("Name"), "text"),
        Column("url", _("Web address"), "url"),
    )),
    Item("headcount", _("Employees"), "employees", OPTIONAL, "count"),
    Item("female_employees", _("Female employees"), "employees", OPTIONAL, "count"),
    Item("disabled_employees", _("Persons with disabilities employed"), "employees", OPTIONAL, "count"),
    Item("total_assets", _("Total assets (10,000)"), "finances", OPTIONAL, "amount"),
    Item("total_liabilities", _("Total liabilities (10,000)"), "finances", OPTIONAL, "amount"),
    Item("owners_equity", _("Owners' equity (10,000)"), "finances", OPTIONAL, "signed"),
    Item("total_revenue", _("Total revenue (10,000)"), "finances", OPTIONAL, "amount"),
    Item("main_revenue", _("Main business revenue (10,000)"), "finances", OPTIONAL, "amount"),
    Item("total_profit", _("Total profit (10,000)"), "finances", OPTIONAL, "signed"),
    Item("net_profit", _("Net profit (10,000)"), "finances", OPTIONAL, "signed"),
    Item("total_tax", _("Total tax (10,000)"), "finances", OPTIONAL, "amount"),
    Item("guarantees", _("Guarantees provided"), "guarantees", OPTIONAL, "rows", (
        Column("creditor", _("Creditor"), "text"),
        Column("debtor", _("Debtor"), "text"),
        Column("debt_kind", _("Kind of principal debt"), "debt_kind"),
        Column("amount", _("Amount of principal debt (10,000)"), "amount"),
        Column("due_on", _("Term of the debt (due date)"), "date"),
        Column("period", _("Guarantee period"), "text"),
        Column("method", _("Guarantee method"), "method"),
    )),
)
ITEM_BY_KEY = {item.key: item for item in ITEMS}

_BASIC = ("address", "postcode", "phone", "email", "operating_status", "websites")
_STAFF = ("headcount", "female_employees", "disabled_employees")
_FINANCES = ("total_assets", "total_liabilities", "owners_equity", "total_revenue", "main_revenue",
             "total_profit", "net_profit", "total_tax")


@dataclass(frozen=True)
class Variant:
    key: str
    entity_types: tuple[str, ...]
    item_keys: tuple[str, ...]
    may_keep_private: bool = False
    # Why a private report is refused, naming the rule (None where privacy is allowed).
    private_refusal: Any = None

    @property
    def items(self) -> tuple[Item, ...]:
        keys = set(self.item_keys)
        return tuple(item for item in ITEMS if item.key in keys)


COMPANY_TYPES = (EntityType.LLC, EntityType.JOINT_STOCK, EntityType.FOREIGN_INVESTED)
VARIANTS: tuple[Variant, ...] = (
    Variant("company", COMPANY_TYPES,
            (*_BASIC, "investments", "shareholders", "equity_transfers", *_STAFF, *_FINANCES, "guarantees"),
            private_refusal=_("Keep the report private: an enterprise publishes its annual report; only an "
                              "individual business may keep it private (Reg. Art. 9).")),
    Variant("enterprise", (EntityType.SOLE_PROPRIETORSHIP, EntityType.PARTNERSHIP, EntityType.BRANCH),
            (*_BASIC, "investments", *_STAFF, *_FINANCES, "guarantees"),
            private_refusal=_("Keep the report private: an enterprise publishes its annual report; only an "
                              "individual business may keep it private (Reg. Art. 9).")),
    Variant("individual", (EntityType.INDIVIDUAL_BUSINESS,),
            (*_BASIC, "headcount", "total_assets", "total_revenue", "total_tax"), may_keep_private=True),
    Variant("cooperative", (EntityType.FARMER_COOPERATIVE,),
            (*_BASIC, "investments", *_STAFF, *_FINANCES, "guarantees"),
            private_refusal=_("Keep the report private: a farmers' specialised cooperative must publish its "
                              "annual report (Measures on cooperative annual reports, Art. 7).")),
)


def variant_for(entity_type: str) -> Variant:
    for variant in VARIANTS:
        if entity_type in variant.entity_types:
            return variant
    return VARIANTS[1]  # an unknown type files as an enterprise: nothing may be hidden that must be public


# --- validation: every message names the field and the rule ----------------------------------

PHONE_RE = re.compile(r"^(?:0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|1[3-9]\d{9})$")
POSTCODE_RE = re.compile(r"^\d{6}$")
MAX_AMOUNT = Decimal("999999999999.9999")


def _message(label, rule) -> str:
    return _("%(field)s: %(rule)s") % {"field": label, "rule": rule}


def _err(label, rule, code: str) -> ValidationError:
    return ValidationError(_message(label, rule), code=code)


class _Labelled:
    """Django's own field with messages that name the field and the rule."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = self.label
        self.error_messages["required"] = _message(label, _("required: this item must be reported (Reg. Art. 9)."))
        self.error_messages["invalid"] = _message(label, self.rule_text)
        for code in ("max_digits", "max_decimal_places", "max_whole_digits", "max_value"):
            self.error_messages[code] = _message(label, _("at most 12 digits before and 4 after the decimal point."))
        self.error_messages["invalid_choice"] = _message(label, _("choose one of the options offered."))

    rule_text = _("enter a valid value.")


class TextField(_Labelled, forms.CharField):
    """Django's max_length validator would speak without the field's name: the limit is checked here."""

    def __init__(self, *, limit: int = 300, **kwargs):
        super().__init__(**kwargs)
        self.limit = limit
        self.widget.attrs.setdefault("maxlength", str(limit))

    def validate(self, value):
        super().validate(value)
        if value and len(value) > self.limit:
            raise _err(self.label, _("at most %(limit)s characters.") % {"limit": self.limit}, "max_length")


class ChoiceField(_Labelled, forms.ChoiceField):
    pass


class CountField(_Labelled, forms.IntegerField):
    rule_text = _("enter a whole number of persons, 0 or more.")

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=10_000_000, **kwargs)
        self.error_messages["min_value"] = _message(self.label, _("cannot be negative."))
        self.error_messages["max_value"] = _message(self.label, _("at most 10,000,000."))


class AmountField(_Labelled, forms.DecimalField):
    rule_text = _("enter an amount in 10,000 yuan, e.g. 1250.5.")

    def __init__(self, *, signed: bool = False, **kwargs):
        super().__init__(max_digits=16, decimal_places=4, max_value=MAX_AMOUNT,
                         min_value=None if signed else Decimal(0), **kwargs)
        if not signed:
            self.error_messages["min_value"] = _message(self.label, _("cannot be negative."))

    def validate(self, value):
        super().validate(value)
        if value is not None and value.is_finite() and value < -MAX_AMOUNT:
            raise _err(self.label, _("at most 12 digits before and 4 after the decimal point."), "max_digits")


class RatioField(AmountField):
    rule_text = _("enter a percentage from 0 to 100.")

    def validate(self, value):
        super().validate(value)
        if value is not None and value > 100:
            raise _err(self.label, self.rule_text, "ratio")


class PhoneField(TextField):
    rule_text = _("enter a mainland phone number: a landline with its area code (010-12345678) or an "
                  "11-digit mobile number starting with 1 (13812345678).")

    def validate(self, value):
        super().validate(value)
        if value and not PHONE_RE.match(value.replace(" ", "")):
            raise _err(self.label, self.rule_text, "phone")

    def clean(self, value):
        return super().clean(value).replace(" ", "")


class PostcodeField(TextField):
    rule_text = _("a postcode has exactly 6 digits.")

    def validate(self, value):
        super().validate(value)
        if value and not POSTCODE_RE.match(value):
            raise _err(self.label, self.rule_text, "postcode")


class EmailField(TextField):
    rule_text = _("enter an e-mail address such as name@example.cn.")

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                EmailValidator()(value)
            except ValidationError:
                raise _err(self.label, self.rule_text, "email") from None


class UrlField(TextField):
    rule_text = _("enter a web address starting with http:// or https://, such as https://www.example.cn/.")

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError:
                raise _err(self.label, self.rule_text, "url") from None


class UsccField(TextField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return uscc_rules.validate(value)
        except ValidationError as exc:
            raise ValidationError(_message(self.label, " ".join(exc.messages)), code="uscc") from None


class DateField(BoundedDateField):
    pass


class _BoundField(forms.BoundField):
    """Shows no errors (no aria-invalid, no error text) while the report form says not to: a
    page opened on a draft or the pre-filled values is bound, but nobody has submitted it yet."""

    @property
    def errors(self):
        report = getattr(self.form, "report_form", self.form)
        if not getattr(report, "show_errors", True):
            return self.form.error_class(renderer=self.form.renderer)
        return super().errors


def _field(kind: str, label, required: bool) -> forms.Field:
    simple = {
        "text": lambda: TextField(label=label, required=required),
        "email": lambda: EmailField(label=label, required=required, limit=254),
        "phone": lambda: PhoneField(label=label, required=required, limit=32),
        "postcode": lambda: PostcodeField(label=label, required=required, limit=6),
        "status": lambda: ChoiceField(label=label, required=required, choices=(("", "—"), *OperatingStatus.CHOICES)),
        "count": lambda: CountField(label=label, required=required),
        "amount": lambda: AmountField(label=label, required=required),
        "signed": lambda: AmountField(label=label, required=required, signed=True),
        "ratio": lambda: RatioField(label=label, required=required),
        "uscc": lambda: UsccField(label=label, required=required, limit=40),
        "url": lambda: UrlField(label=label, required=required, limit=500),
        "date": lambda: DateField(label=label, required=required),
        "form": lambda: ChoiceField(label=label, required=required, choices=(("", "—"), *ContributionForm.choices)),
        "site_kind": lambda: ChoiceField(label=label, required=required, choices=(("", "—"), *SITE_KINDS)),
        "debt_kind": lambda: ChoiceField(label=label, required=required, choices=(("", "—"), *DEBT_KINDS)),
        "method": lambda: ChoiceField(label=label, required=required, choices=(("", "—"), *GUARANTEE_METHODS)),
    }
    return simple[kind]()


def _row_form(item: Item) -> type[forms.Form]:
    fields = {column.key: _field(column.kind, column.label, required=column.required) for column in item.columns}

    def clean(self):
        data = super(forms.Form, self).clean()
        # Paid capital is at most what the shareholder subscribed (Company Law Art. 47).
        if {"paid_amount", "subscribed_amount"} <= data.keys():
            if data["paid_amount"] is not None and data["subscribed_amount"] is not None and \
                    data["paid_amount"] > data["subscribed_amount"]:
                self.add_error("paid_amount", _message(
                    ITEM_BY_KEY["shareholders"].columns[4].label,
                    _("may not be more than the subscribed capital (%(amount)s).") % {
                        "amount": data["subscribed_amount"]}))
        return data

    return type(f"{item.key.title()}RowForm", (forms.Form,),
                {**fields, "clean": clean, "bound_field_class": _BoundField})


ROW_FORMSETS = {item.key: forms.formset_factory(_row_form(item), extra=2) for item in ITEMS if item.repeating}


class ReportForm(forms.Form):
    """The filing form of one variant: one field per scalar item, a formset per repeating
    item, the withheld items and (where the variant allows it) keeping the report private.
    Always bound (to a draft's raw input or the pre-filled values); `show_errors` decides
    whether the page shows the errors yet."""

    bound_field_class = _BoundField
    keep_private = forms.BooleanField(label=_("Keep the whole report private"), required=False)
    withheld = forms.MultipleChoiceField(
        label=_("Items not to publish"), required=False, choices=[(item.key, item.label) for item in ITEMS],
        error_messages={"invalid_choice": _("Items not to publish: %(value)s is not an item of the report.")},
    )

    def __init__(self, data, *, variant: Variant, show_errors: bool = True):
        super().__init__(data)
        self.variant = variant
        self.show_errors = show_errors
        self.formsets: dict[str, forms.BaseFormSet] = {}
        for item in variant.items:
            if item.repeating:
                self.formsets[item.key] = formset = ROW_FORMSETS[item.key](data, prefix=item.key)
                for row in formset.forms:
                    row.report_form = self
            else:
                self.fields[item.key] = _field(item.kind, item.label, required=item.required)

    def clean_withheld(self):
        keys = self.cleaned_data["withheld"]
        allowed = {item.key for item in self.variant.items}
        for key in keys:
            item = ITEM_BY_KEY[key]
            if key in allowed and not item.optional:
                raise ValidationError(_message(item.label, _(
                    "must be public; the enterprise cannot withhold it (Reg. Art. 9).")), code="mandatory")
        return [key for key in keys if key in allowed]

    def clean_keep_private(self):
        private = self.cleaned_data["keep_private"]
        if private and not self.variant.may_keep_private:
            raise ValidationError(self.variant.private_refusal, code="private")
        return private

    def clean(self):
        data = super().clean()
        pairs = (
            ("female_employees", "headcount", _("may not be more than the employees (%(n)s).")),
            ("disabled_employees", "headcount", _("may not be more than the employees (%(n)s).")),
            ("main_revenue", "total_revenue", _("may not be more than the total revenue (%(n)s).")),
        )
        for part, whole, rule in pairs:
            if data.get(part) is not None and data.get(whole) is not None and data[part] > data[whole]:
                self.add_error(part, _message(ITEM_BY_KEY[part].label, rule % {"n": data[whole]}))
        return data

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for key, formset in self.formsets.items():
            valid = formset.is_valid() and valid
            item = ITEM_BY_KEY[key]
            if formset.is_valid() and item.required and not self._rows(formset):
                formset._non_form_errors = formset.error_class(
                    [_message(item.label, _("at least one row is required (Reg. Art. 9)."))])
                valid = False
        return valid

    @staticmethod
    def _rows(formset) -> list[dict]:
        return [f.cleaned_data for f in formset.forms if f.has_changed() and f.cleaned_data]

    def report_data(self) -> tuple[dict[str, Any], list[str], bool]:
        """The cleaned values as JSON (after is_valid): data, withheld keys, private."""
        data: dict[str, Any] = {}
        for item in self.variant.items:
            if item.repeating:
                data[item.key] = [{k: _json(v) for k, v in row.items()} for row in self._rows(self.formsets[item.key])]
            else:
                value = self.cleaned_data.get(item.key)
                data[item.key] = None if value in (None, "") else _json(value)
        return data, list(self.cleaned_data["withheld"]), bool(self.cleaned_data["keep_private"])

    def error_fields(self) -> list[str]:
        """The labels of the fields with errors, for the summary at the top of the page."""
        labels = [str(self.fields[name].label) for name in self.errors if name in self.fields]
        for key, formset in self.formsets.items():
            if formset.total_error_count():
                labels.append(str(ITEM_BY_KEY[key].label))
        return labels


def _json(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- raw input: what a draft keeps ------------------------------------------------------------

# Form names that are not report input.
_NOT_INPUT = {"csrfmiddlewaretoken", "action", "revision"}


def raw_from_post(post) -> dict[str, list[str]]:
    """What the enterprise typed, as stored in a draft: every value, valid or not."""
    return {name: [str(v)[:2000] for v in values] for name, values in post.lists()
            if name not in _NOT_INPUT and len(name) <= 100}


def raw_as_querydict(raw: dict[str, list[str]]):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for name, values in (raw or {}).items():
        data.setlist(name, list(values))
    # A stored draft from before a variant had an item still renders its (empty) formset.
    for key in ROW_FORMSETS:
        data.setdefault(f"{key}-TOTAL_FORMS", "2")
        data.setdefault(f"{key}-INITIAL_FORMS", "0")
    return data


def raw_from_data(data: dict[str, Any], withheld=(), private: bool = False) -> dict[str, list[str]]:
    """The form input that reproduces a report's values (pre-filling from the previous report)."""
    raw: dict[str, list[str]] = {}
    for item in ITEMS:
        value = data.get(item.key)
        if item.repeating:
            rows = value or []
            raw[f"{item.key}-TOTAL_FORMS"] = [str(len(rows) + 2)]
            raw[f"{item.key}-INITIAL_FORMS"] = ["0"]
            for i, row in enumerate(rows):
                for column in item.columns:
                    raw[f"{item.key}-{i}-{column.key}"] = ["" if row.get(column.key) is None else str(row[column.key])]
        elif value is not None:
            raw[item.key] = [str(value)]
    if withheld:
        raw["withheld"] = list(withheld)
    if private:
        raw["keep_private"] = ["on"]
    return raw


def raw_changed_fields(ours: dict, theirs: dict) -> list[str]:
    """Labels of the items whose input differs between two raw inputs (the two-tab conflict)."""
    changed = []
    for item in ITEMS:
        if item.repeating:
            prefix = f"{item.key}-"
            a = {k: v for k, v in ours.items() if k.startswith(prefix) and not k.endswith("_FORMS")
                 and any(x.strip() for x in v)}
            b = {k: v for k, v in theirs.items() if k.startswith(prefix) and not k.endswith("_FORMS")
                 and any(x.strip() for x in v)}
        else:
            a, b = [x.strip() for x in ours.get(item.key, [])], [x.strip() for x in theirs.get(item.key, [])]
            a, b = [x for x in a if x], [x for x in b if x]
        if a != b:
            changed.append(str(item.label))
    for name, label in (("withheld", _("Items not to publish")), ("keep_private", _("Keep the whole report private"))):
        if sorted(ours.get(name, [])) != sorted(theirs.get(name, [])):
            changed.append(str(label))
    return changed


# --- the public display -----------------------------------------------------------------------

_CHOICE_LABELS = {
    "status": dict(OperatingStatus.CHOICES), "form": dict(ContributionForm.choices), "site_kind": dict(SITE_KINDS),
    "debt_kind": dict(DEBT_KINDS), "method": dict(GUARANTEE_METHODS),
}


def _display(kind: str, value) -> Any:
    if value in (None, ""):
        return "—"
    if kind in _CHOICE_LABELS:
        return _CHOICE_LABELS[kind].get(value, value)
    if kind == "date":
        try:
            return date_format(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            return value
    return value


@dataclass
class Entry:
    item: Item
    withheld: bool = False
    value: Any = None  # scalars: the display value
    columns: tuple = ()
    rows: list = field(default_factory=list)  # repeating items: rows of display values
    is_url: bool = False


@dataclass
class DisplaySection:
    key: str
    label: Any
    entries: list[Entry]


def report_display(*, entity_type: str, data: dict[str, Any], withheld=()) -> list[DisplaySection]:
    """The public page's sections for one version: the variant's items in the table's order,
    each withheld item marked instead of its value."""
    variant = variant_for(entity_type)
    withheld = set(withheld)
    by_section: dict[str, list[Entry]] = {}
    for item in variant.items:
        entry = Entry(item=item, withheld=item.optional and item.key in withheld)
        if not entry.withheld:
            if item.repeating:
                entry.columns = tuple(column.label for column in item.columns)
                entry.rows = [
                    [(_display(column.kind, row.get(column.key)), column.kind == "url") for column in item.columns]
                    for row in (data.get(item.key) or [])
                ]
            else:
                entry.value = _display(item.kind, data.get(item.key))
        by_section.setdefault(item.section, []).append(entry)
    return [DisplaySection(key, label, by_section[key]) for key, label in SECTIONS if key in by_section]


@dataclass
class FormSection:
    key: str
    label: Any
    entries: list[tuple[Item, Any]]  # (item, bound field or formset)


def form_layout(form: ReportForm) -> list[FormSection]:
    """The filing form's sections for the template: the variant's items in the table's order."""
    by_section: dict[str, list] = {}
    for item in form.variant.items:
        by_section.setdefault(item.section, []).append(
            (item, form.formsets[item.key] if item.repeating else form[item.key])
        )
    return [FormSection(key, label, by_section[key]) for key, label in SECTIONS if key in by_section]
