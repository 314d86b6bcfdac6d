from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from credit.models import Agency
from inspections.models import Result, Task
from portal.i18n import localized_name


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        # Labels are built when the form renders, so they follow the request's language.
        return localized_name(obj)


class AgencyChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = AgencyChoiceField


class ResultFilter(django_filters.FilterSet):
    agency = AgencyChoiceFilter(
        field_name="plan__agency", to_field_name="code", label=_("Agency"),
        queryset=Agency.objects.filter(plans__isnull=False).distinct().order_by("code"),
    )
    year = django_filters.NumberFilter(field_name="plan__year", label=_("Year"), min_value=2000, max_value=2100)
    result = django_filters.ChoiceFilter(choices=Result.choices, label=_("Result"))

    class Meta:
        model = Task
        fields = ["agency", "year", "result"]

    def filter_plans(self, plans):
        """The same agency and year filters, applied to the plan list."""
        if not self.is_bound or not self.form.is_valid():
            return plans
        data = self.form.cleaned_data
        if data.get("agency"):
            plans = plans.filter(agency=data["agency"])
        if data.get("year"):
            plans = plans.filter(year=data["year"])
        return plans
