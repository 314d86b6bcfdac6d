from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from listings.models import EntryStatus, Objection, RemovalApplication, RepairApplication, status_q


class ListEntryFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(
        label=_("Region code"),
        method="filter_region",
        validators=[RegexValidator(r"^[0-9]{2,6}$", _("Enter 2 to 6 digits of a division code, such as 110000 or 110108."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 6, "pattern": "[0-9]{2,6}"}),
    )
    listed_from = django_filters.DateFilter(
        field_name="listed_on", lookup_expr="gte", label=_("Listed from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    listed_to = django_filters.DateFilter(
        field_name="listed_on", lookup_expr="lte", label=_("Listed to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EntryStatus.choices, method="filter_status", empty_label=_("All")
    )

    def __init__(self, *args, today, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def filter_region(self, queryset, name, value):
        # 110000 is the province, 110100 the city, 110108 the district: match by the meaningful prefix.
        prefix = value.strip()
        while len(prefix) > 2 and prefix.endswith("00"):
            prefix = prefix[:-2]
        return queryset.filter(region_code__startswith=prefix)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_q(value, self.today))


class ObjectionQueueFilter(django_filters.FilterSet):
    """The staff objection queue: open objections unless `state` asks for the decided ones."""

    OPEN, DECIDED = "open", "decided"
    state = django_filters.ChoiceFilter(
        label=_("Objections"), method="filter_state", empty_label=None,
        choices=[(OPEN, _("Being handled")), (DECIDED, _("Decided"))],
    )

    def filter_state(self, queryset, name, value):
        if value == self.DECIDED:
            return queryset.exclude(state__in=Objection.OPEN_STATES)
        return queryset.open()


class RemovalQueueFilter(django_filters.FilterSet):
    """The staff removal queue: pending applications unless `state` asks for the decided ones."""

    PENDING, DECIDED = "pending", "decided"
    state = django_filters.ChoiceFilter(
        label=_("Applications"), method="filter_state", empty_label=None,
        choices=[(PENDING, _("Pending decision")), (DECIDED, _("Decided"))],
    )

    def filter_state(self, queryset, name, value):
        if value == self.DECIDED:
            return queryset.exclude(state=RemovalApplication.State.PENDING)
        return queryset.pending()


class RepairQueueFilter(django_filters.FilterSet):
    """The staff repair queue: applications being handled unless `state` asks for the decided ones."""

    OPEN, DECIDED = "open", "decided"
    state = django_filters.ChoiceFilter(
        label=_("Applications"), method="filter_state", empty_label=None,
        choices=[(OPEN, _("Being handled")), (DECIDED, _("Decided"))],
    )

    def filter_state(self, queryset, name, value):
        if value == self.DECIDED:
            return queryset.exclude(state__in=RepairApplication.OPEN_STATES)
        return queryset.open()
