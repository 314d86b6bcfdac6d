from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from credit import regions, selectors
from credit.models import Enterprise, EntityType, RegistrationStatus, RiskClass
from credit.search import normalise_text
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

    # Set by the search for its substring scan of a frequent term (credit.selectors.search.bounded_page).
    name_match_substring = False

    def filter_q(self, queryset, name, value):
        return selectors.enterprise_name_match(queryset, value, substring=self.name_match_substring)

    def filter_province(self, queryset, name, value):
        low, high = regions.province_range(value)
        return queryset.filter(region_code__gte=low, region_code__lt=high)
