"""The listings app's part of the public read API (docs/api.md): the lists, their entries, and
the list entries and the legal representative's bar in the credit file (credit.api sections)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets

from credit.api import AgencyNameSerializer, EnterpriseRefSerializer, SectionApi, VersionedListMixin, label
from credit.api import section_api_register as credit_section_api_register
from listings import selectors
from listings.filters import ListEntryFilter
from listings.models import CreditList, EntryStatus, ListEntry, local_today
from portal import api
from portal.api_plain import plain_serializer


class ListRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    colour = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()


class MeasureSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = label("get_kind_display")
    description = serializers.CharField()
    description_en = serializers.CharField()
    agency = AgencyNameSerializer()


class FileEntrySerializer(serializers.Serializer):
    """An entry as the credit file shows it (listings/_credit_file_entries.html)."""

    id = serializers.IntegerField()
    list = ListRefSerializer(source="credit_list")
    reason = ReasonSerializer()
    listed_on = serializers.DateField()
    deciding_agency = AgencyNameSerializer()
    removal_reason = serializers.CharField(source="removal_reason_shown")
    removed_on = serializers.DateField(allow_null=True)
    removing_agency = AgencyNameSerializer(allow_null=True)
    current = serializers.BooleanField(source="is_current")
    publication_ends_on = serializers.DateField(allow_null=True)
    repair_from = serializers.DateField()
    measures = MeasureSerializer(source="applicable_measures", many=True)
    url = serializers.SerializerMethodField()

    def get_url(self, entry) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/list-entries/{entry.pk}/")


class BarSerializer(serializers.Serializer):
    """The legal representative's bar: the entry of another enterprise that causes it."""

    entry_id = serializers.IntegerField(source="pk")
    enterprise = EnterpriseRefSerializer()
    list = ListRefSerializer(source="credit_list")
    bar_ends_on = serializers.DateField()


def _file_entries(context: dict[str, Any]) -> list:
    return [*context["listings_abnormal_entries"], *context["listings_serious_entries"],
            *context["listings_other_entries"]]


class RepairLineSerializer(serializers.Serializer):
    """One negative record of the file and from when its repair may be requested, or why not."""

    record = serializers.CharField(source="label")
    address = serializers.CharField(source="url")
    repairable = serializers.BooleanField(source="eligibility.repairable")
    repairable_from = serializers.DateField(source="eligibility.repairable_from", allow_null=True)
    reason_code = serializers.CharField(source="eligibility.code")
    reason = serializers.CharField(source="eligibility.message")


class RevokedRepairSerializer(serializers.Serializer):
    """A repair revoked for a false commitment: published for 3 years (SAMR Order 107 Art. 23)."""

    record = serializers.CharField(source="record_label")
    revoked_at = serializers.DateTimeField()
    revocation_document_number = serializers.CharField()
    revocation_reason = serializers.CharField()
    published_until = serializers.DateField(source="revocation_published_until")
    authority = serializers.CharField(source="deciding_agency.name")
    authority_en = serializers.CharField(source="deciding_agency.name_en")


def _repair_meta(context: dict[str, Any]) -> dict[str, Any]:
    return {"revoked_repairs": plain_serializer(RevokedRepairSerializer).many(context.get("credit_repair", []))}


SECTION_APIS = (
    SectionApi("legal_representative_bar", BarSerializer, lambda context: context["listings_person_bars"]),
    SectionApi("list_entries", FileEntrySerializer, _file_entries),
    SectionApi("credit_repair", RepairLineSerializer, lambda context: context.get("credit_repair_lines", []),
               meta=_repair_meta),
)


class CreditListSerializer(api.CachedFieldsModelSerializer):
    colour_label = label("get_colour_display")
    category_label = label("get_category_display")
    subject_type_label = label("get_subject_type_display")
    severity_label = label("get_severity_display")
    owner_agency = AgencyNameSerializer()
    active_count = serializers.IntegerField(read_only=True, default=None, allow_null=True,
                                            help_text="Entries on the list today (in the list of lists only).")
    entries = serializers.SerializerMethodField()

    class Meta:
        model = CreditList
        fields = ("code", "name", "name_en", "colour", "colour_label", "category", "category_label", "owner_agency",
                  "legal_basis", "subject_type", "subject_type_label", "severity", "severity_label",
                  "min_publication_months", "max_publication_months", "consequences", "consequences_en",
                  "removal_conditions", "removal_conditions_en", "active_count", "entries")

    def get_entries(self, credit_list) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/list-entries/?list={credit_list.code}")


class ListEntrySerializer(api.CachedFieldsModelSerializer):
    """An entry as its public page /lists/<code>/<id>/ shows it."""

    list = ListRefSerializer(source="credit_list")
    enterprise = EnterpriseRefSerializer()
    reason = ReasonSerializer()
    deciding_agency = AgencyNameSerializer()
    removing_agency = AgencyNameSerializer(allow_null=True)
    severity_label = label("get_severity_display")
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    removal_reason = serializers.CharField(source="removal_reason_shown")
    source_label = serializers.CharField(source="source_label_shown")
    page = serializers.SerializerMethodField()

    class Meta:
        model = ListEntry
        fields = ("id", "list", "enterprise", "reason", "reason_text", "legal_basis", "decision_number",
                  "deciding_agency", "severity", "severity_label", "decided_on", "listed_on", "publication_ends_on",
                  "repair_from", "status", "status_label", "removed_on", "removal_reason", "removal_decision_number",
                  "removing_agency", "bar_ends_on", "source_label", "source_url", "published_at", "page")

    def _status(self, entry) -> str:
        return entry.status_on(self.context["today"])

    def get_status(self, entry) -> str:
        return self._status(entry)

    def get_status_label(self, entry) -> str:
        return str(EntryStatus(self._status(entry)).label)

    def get_page(self, entry) -> str:
        return self.context["request"].build_absolute_uri(entry.get_absolute_url())


class CreditListViewSet(api.LimitedMixin, viewsets.ReadOnlyModelViewSet):
    """The lists (red lists, the abnormal-operations list, blacklists) with today's entry counts."""

    serializer_class = CreditListSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    pagination_class = None
    queryset = CreditList.objects.none()

    def list(self, request):
        return api.versioned(request, api.site_version(), lambda: self.get_serializer(
            selectors.credit_list_index(today=local_today()), many=True).data)

    def retrieve(self, request, code: str):
        def build():
            credit_list = selectors.credit_list_get(code=code)
            if credit_list is None:
                raise exceptions.NotFound(_("No list has this code."))
            return self.get_serializer(credit_list).data

        return api.versioned(request, api.site_version(), build)


class ListEntryViewSet(VersionedListMixin, api.LimitedMixin, viewsets.ReadOnlyModelViewSet):
    """List entries, newest first; filters as on /lists/<code>/ (status defaults to active)."""

    serializer_class = ListEntrySerializer
    queryset = ListEntry.objects.select_related(
        "credit_list", "enterprise", "reason", "deciding_agency", "removing_agency").order_by("-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": local_today()}

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        data = self.request.query_params.copy()
        data.pop("cursor", None)
        data.pop("page_size", None)
        data.setdefault("status", EntryStatus.ACTIVE)
        code = data.pop("list", [None])[-1]
        if code is not None:
            credit_list = CreditList.objects.filter(code=code).only("id").first()
            if credit_list is None:
                raise exceptions.ValidationError({"list": [_("No list has this code.")]})
            queryset = queryset.filter(credit_list=credit_list)
        filterset = ListEntryFilter(data, queryset=queryset, today=local_today())
        if not filterset.is_valid():
            raise exceptions.ValidationError({name: [str(e) for e in errors]
                                              for name, errors in filterset.errors.items()})
        return filterset.qs.order_by("-id")

    @extend_schema(parameters=[
        OpenApiParameter("list", str, description="Only this list's entries (its code, e.g. abnormal-operations)."),
        OpenApiParameter("status", str, enum=["", *EntryStatus.values],
                         description="active (default), expired, removed, revoked, or empty for all."),
        OpenApiParameter("region", str, description="2 to 6 digits of a division code."),
        OpenApiParameter("listed_from", str, description="Listed on or after (YYYY-MM-DD)."),
        OpenApiParameter("listed_to", str, description="Listed on or before (YYYY-MM-DD)."),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


def register() -> None:
    for item in SECTION_APIS:
        credit_section_api_register(item)
    api.api_register("lists", CreditListViewSet, basename="list")
    api.api_register("list-entries", ListEntryViewSet, basename="list-entry")
