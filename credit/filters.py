from __future__ import annotations

import copy

import django_filters
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from credit import commitments, regions, selectors
from credit.models import Agency, CommitmentLetter, Enterprise, EntityType, RegistrationStatus, RiskClass
from credit.search import normalise_text
from portal.forms import BoundedDateField, name_choice_errors
from portal.widgets import RenderedOnceSelect

QUERY_MAX_LENGTH = 100


FILTER_FIELDS = ("province", "entity_type", "status", "risk_class")


class EnterpriseSearchForm(forms.Form):
    def clean_q(self) -> str:
        value = " ".join((self.cleaned_data.get("q") or "").split())
        if not value:
            return ""  # allowed when a filter is chosen (see clean)
        compact = normalise_text(value)
        # One Chinese character is selective enough (it has its own index token); one
        # Latin letter or digit matches almost every name.
        if len(compact) < 2 and compact.isascii():
            raise forms.ValidationError(
                _("The search term is too short: type at least 2 letters or digits, or at least one Chinese character."),
                code="too_short",
            )
        return value

    def clean(self):
        cleaned = super().clean()
        # Filters alone are a search too (a bounded page, like any other); nothing at all is not.
        if "q" in cleaned and not cleaned["q"] and not any(cleaned.get(name) for name in FILTER_FIELDS):
            self.add_error(
                "q",
                forms.ValidationError(
                    _(
                        "Type part of an enterprise name (for example 科技), an 18-character unified social "
                        "credit code, or the full name of a legal representative."
                    ),
                    code="required",
                ),
            )
        return cleaned


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Enterprise name, unified social credit code or legal representative"),
        method="filter_q",
        max_length=QUERY_MAX_LENGTH,
    )
    province = django_filters.ChoiceFilter(
        label=_("Province"), choices=regions.province_choices, method="filter_province", empty_label=_("All provinces"),
        widget=RenderedOnceSelect,
    )
    entity_type = django_filters.ChoiceFilter(
        label=_("Entity type"), choices=EntityType.choices, empty_label=_("All types"),
        widget=RenderedOnceSelect,
    )
    status = django_filters.ChoiceFilter(
        label=_("Registration status"), choices=RegistrationStatus.choices, empty_label=_("All statuses"),
        widget=RenderedOnceSelect,
    )
    risk_class = django_filters.ChoiceFilter(
        label=_("Risk class"), choices=RiskClass.choices, empty_label=_("All classes"),
        widget=RenderedOnceSelect,
    )

    class Meta:
        model = Enterprise
        fields = ["q", "province", "entity_type", "status", "risk_class"]
        form = EnterpriseSearchForm

    # Set by the search for another way to match the name: the substring scan of a frequent
    # term, the bucket scan's halves, the tokens to read (credit.selectors.search.bounded_page).
    name_match_mode = ""
    name_kept_tokens = None

    # The form class, built once per language: django-filters builds a class (and its fields)
    # per filterset, a tenth of a search page's CPU; the fields hold nothing of a request, and
    # each form deep-copies them anyway.
    _form_classes: dict[tuple[type, str], type] = {}

    def get_form_class(self):
        language = get_language() or ""
        form_class = self._form_classes.get((type(self), language))
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = _FieldsCopiedShallow(form_class.base_fields)
            self._form_classes[(type(self), language)] = form_class
        return form_class

    def filter_q(self, queryset, name, value):
        return selectors.enterprise_name_match(queryset, value, mode=self.name_match_mode,
                                               kept_tokens=self.name_kept_tokens)

    def filter_province(self, queryset, name, value):
        low, high = regions.province_range(value)
        return queryset.filter(region_code__gte=low, region_code__lt=high)

    def column_conditions(self) -> list[tuple[str, str, str | None]]:
        """The chosen filters as the columns they test: (column, low, high) for a range
        [low, high), (column, value, None) for equality; what the search's estimate of their
        share reads from the statistics (credit.selectors.search.bounded_page). Of a valid form."""
        chosen = self.form.cleaned_data
        conditions: list[tuple[str, str, str | None]] = []
        if chosen.get("province"):
            conditions.append(("region_code", *regions.province_range(chosen["province"])))
        for name in ("entity_type", "status", "risk_class"):
            if chosen.get(name):
                conditions.append((self.filters[name].field_name, chosen[name], None))
        return conditions


class _FieldsCopiedShallow(dict):
    """The search form's fields, which Django deep-copies for every form (their widgets and
    choices: the 34 provinces, the statuses). Nothing of a request changes a field, a widget or
    its choices here (the drop-downs render through RenderedOnceSelect), so each form gets a
    copy of each field and shares what it holds."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


class _CopiedOneDeep(dict):
    """The filters of a filterset class, which django-filters deep-copies for every filterset
    (their labels, choices and widgets: a tenth of a search page's CPU). The search's filters
    hold nothing a request changes, so each filterset gets copies of the filters themselves;
    what they hold is shared."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, filter_ in self.items():
            copies[name] = copied = copy.copy(filter_)
            if copied.method is not None:
                copied.method = filter_.method  # a `method` is called through its own filter's parent
        return copies


EnterpriseFilter.base_filters = _CopiedOneDeep(EnterpriseFilter.base_filters)


# --- /commitments/ ----------------------------------------------------------------------

# A name search finds letters of at most this many enterprises (the best matches by code):
# the letters are then read through their enterprise index, never by scanning every letter.
COMMITMENT_SEARCH_ENTERPRISES = 200


class CommitmentSearchForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A bad kind, agency or state in the address is an error naming the field, the rest kept.
        name_choice_errors(self)

    def clean_q(self) -> str:
        value = " ".join((self.cleaned_data.get("q") or "").split())
        if value and len(normalise_text(value)) < 2 and normalise_text(value).isascii():
            raise forms.ValidationError(
                _("Enterprise: the search term is too short: type at least 2 letters or digits, or at least one "
                  "Chinese character."), code="too_short")
        return value

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("signed_from"), cleaned.get("signed_to")
        if low and high and low > high:
            self.add_error("signed_to", forms.ValidationError(
                _("Signed to: the date cannot be before the 'signed from' date."), code="range_reversed"))
        return cleaned


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


def _agencies() -> list[tuple[int, str, str]]:
    return list(Agency.objects.order_by("code").values_list("id", "code", "name"))


class CommitmentFilter(django_filters.FilterSet):
    """The public list of commitment letters (credit.selectors.commitments.letter_list)."""

    q = django_filters.CharFilter(label=_("Enterprise name or unified social credit code"), method="filter_q",
                                  max_length=QUERY_MAX_LENGTH)
    kind = django_filters.ChoiceFilter(label=_("Kind"), empty_label=_("All kinds"), widget=RenderedOnceSelect,
                                       choices=CommitmentLetter.Kind.choices)
    agency = django_filters.ChoiceFilter(label=_("Agency"), empty_label=_("All agencies"), method="filter_agency",
                                         choices=(), widget=RenderedOnceSelect)
    state = django_filters.ChoiceFilter(label=_("State"), empty_label=_("All states"), method="filter_state",
                                        choices=commitments.state_choices,
                                        widget=RenderedOnceSelect)
    signed_from = BoundedDateFilter(field_name="signed_on", lookup_expr="gte", label=_("Signed from"), required=False)
    signed_to = BoundedDateFilter(field_name="signed_on", lookup_expr="lte", label=_("Signed to"), required=False)

    class Meta:
        model = CommitmentLetter
        fields = ["q", "kind", "agency", "state", "signed_from", "signed_to"]
        form = CommitmentSearchForm

    def __init__(self, *args, today, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        # Read once per page (validation and rendering would each call a callable); the chosen
        # code is filtered by its id, so the agency index is used without a join.
        agencies = _agencies()
        self.agency_ids = {code: pk for pk, code, _name in agencies}
        self.filters["agency"].extra["choices"] = [(code, name) for _pk, code, name in agencies]

    def filter_q(self, queryset, name, value):
        enterprises = selectors.enterprise_name_match(Enterprise.objects.all(), value).order_by("uscc").values("id")
        return queryset.filter(enterprise_id__in=enterprises[:COMMITMENT_SEARCH_ENTERPRISES])

    def filter_agency(self, queryset, name, value):
        return queryset.filter(agency_id=self.agency_ids.get(value))

    # Set by the list's selector for the query of a page (commitments.state_q, in_page_order).
    page_order = False

    def filter_state(self, queryset, name, value):
        return queryset.filter(commitments.state_q(value, self.today, in_page_order=self.page_order))
