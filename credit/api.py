"""The credit app's part of the public read API (portal/api.py, docs/api.md): enterprises (the
site's search), the whole credit file of one enterprise, annual reports, instant disclosures
and commitment letters.

The credit file is the site's (credit.selectors.credit_file over the registered sections): each
section's rows are serialised by the serializer registered for the section's key here
(`section_api_register`), from the app that owns the section (listings and inspections register
theirs from their own api.py), through portal.api_plain (each serializer's fields compiled
once per class into a plain function: DRF's output without DRF's instances per request). A
section without one is a startup error (`credit/tests/test_api.py` checks every registered
section has one), so no section is left out silently. Serializers name only what the public
page shows: identity numbers masked, withdrawn records as withdrawn with their reason,
warning-only penalties and penalties past their publication period not at all (the count of
the latter is given, as the page says it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action

from credit import annual_reports as report_rules
from credit import models as m
from credit import regions, sections, selectors
from credit import uscc as uscc_rules
from credit.cache import file_version_by_code
from credit.models import mask_identity_number
from credit.selectors.search import SEARCH_COLUMNS, enterprise_search
from portal import api
from portal.api_pagination import BoundedSearchPagination
from portal.api_plain import plain_serializer

# --- shared pieces ------------------------------------------------------------------------------


class AgencyNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    name_en = serializers.CharField()


class ProvenanceSerializer(api.CachedFieldsModelSerializer):
    """Who published a record, on which decision, when; its latest correction and its withdrawal."""

    source_agency = AgencyNameSerializer()
    withdrawn = serializers.SerializerMethodField()

    PROVENANCE = ("source_agency", "document_number", "decided_on", "published_at", "corrected_at",
                  "correction_reason", "withdrawn", "withdrawn_at", "withdrawal_reason")

    def get_withdrawn(self, record) -> bool:
        return record.withdrawn_at is not None


def label(source: str) -> serializers.CharField:
    """The display label of a choice in the request's language."""
    return serializers.CharField(source=source, read_only=True)


@extend_schema_field(OpenApiTypes.STR)
class MaskedLicenceField(serializers.Field):
    """An organisation's code is public; anything else may be a person's number: masked."""

    plain_representation = True  # depends on the value only (portal.api_plain may call it as is)

    def to_representation(self, value):
        if not value:
            return ""
        return value if uscc_rules.is_valid(value) else mask_identity_number(value)


# --- sections of the credit file ----------------------------------------------------------------


@dataclass(frozen=True)
class SectionApi:
    """How one credit-file section appears in the API: `serializer` for one row, `rows` the
    rows from the context its `load` built, `meta` optional facts the page states about it."""

    key: str
    serializer: type[serializers.Serializer]
    rows: Callable[[dict[str, Any]], list]
    meta: Callable[[dict[str, Any]], dict[str, Any]] | None = None


_section_apis: dict[str, SectionApi] = {}


def section_api_register(section_api: SectionApi) -> None:
    if section_api.key in _section_apis and _section_apis[section_api.key] != section_api:
        raise ValueError(f"API of credit-file section {section_api.key!r} is registered twice")
    _section_apis[section_api.key] = section_api


def section_apis() -> list[SectionApi]:
    """The API of every registered section, in the file's order (KeyError: a section without one)."""
    return [_section_apis[section.key] for section in sections.sections()]


class ContributionSerializer(api.CachedFieldsModelSerializer):
    kind_label = label("get_kind_display")
    form_label = label("get_form_display")

    class Meta:
        model = m.CapitalContribution
        fields = ("kind", "kind_label", "form", "form_label", "amount", "contributed_on")


class ShareholderSerializer(ProvenanceSerializer):
    shareholder_type_label = label("get_shareholder_type_display")
    id_type = serializers.CharField(source="person.id_type", default=None, allow_null=True)
    id_number_masked = serializers.CharField(source="person.masked_id_number", default=None, allow_null=True)
    licence_number = MaskedLicenceField()
    contributions = ContributionSerializer(source="contribution_rows", many=True)

    class Meta:
        model = m.Shareholder
        fields = ("id", "name", "shareholder_type", "shareholder_type_label", "id_type", "id_number_masked",
                  "licence_number", "subscribed_amount", "paid_amount", "contributions", *ProvenanceSerializer.PROVENANCE)


class KeyPersonSerializer(ProvenanceSerializer):
    name = serializers.CharField(source="person.name")

    class Meta:
        model = m.KeyPerson
        fields = ("id", "name", "position", *ProvenanceSerializer.PROVENANCE)


class BranchSerializer(ProvenanceSerializer):
    registered_here = serializers.BooleanField(source="code_registered")

    class Meta:
        model = m.Branch
        fields = ("id", "name", "uscc", "registered_here", "registration_authority_name",
                  *ProvenanceSerializer.PROVENANCE)


class ChangeRecordSerializer(ProvenanceSerializer):
    class Meta:
        model = m.ChangeRecord
        fields = ("id", "item", "before", "after", "changed_on", *ProvenanceSerializer.PROVENANCE)


class ChattelMortgageSerializer(ProvenanceSerializer):
    status_label = label("get_status_display")

    class Meta:
        model = m.ChattelMortgage
        fields = ("id", "registration_number", "registered_on", "mortgagee", "secured_amount", "currency",
                  "collateral", "status", "status_label", *ProvenanceSerializer.PROVENANCE)


class EquityPledgeSerializer(ProvenanceSerializer):
    status_label = label("get_status_display")
    pledgor_id_number_masked = serializers.CharField(source="pledgor_person.masked_id_number", default=None,
                                                     allow_null=True)
    pledgor_licence_number = MaskedLicenceField()
    pledgee_licence_number = MaskedLicenceField()

    class Meta:
        model = m.EquityPledge
        fields = ("id", "registration_number", "pledgor", "pledgor_id_number_masked", "pledgor_licence_number",
                  "pledged_amount", "pledgee", "pledgee_licence_number", "established_on", "status",
                  "status_label", *ProvenanceSerializer.PROVENANCE)


class LicenceSerializer(ProvenanceSerializer):
    status_label = label("get_status_display")

    class Meta:
        model = m.AdministrativeLicence
        fields = ("id", "name", "valid_from", "valid_to", "content", "status", "status_label",
                  *ProvenanceSerializer.PROVENANCE)


class PenaltySerializer(ProvenanceSerializer):
    severity_label = label("get_severity_display")

    class Meta:
        model = m.AdministrativePenalty
        fields = ("id", "violation_type", "content", "fine_amount", "severity", "severity_label",
                  "publication_ends_on", *ProvenanceSerializer.PROVENANCE)


class JudicialAssistanceSerializer(ProvenanceSerializer):
    kind_label = label("get_kind_display")
    status_label = label("get_status_display")

    class Meta:
        model = m.JudicialAssistance
        fields = ("id", "subject_name", "equity_amount", "kind", "kind_label", "status", "status_label",
                  "frozen_from", "frozen_to", "ruling_number", *ProvenanceSerializer.PROVENANCE)


class AnnualReportYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    filed_at = serializers.DateTimeField()
    late = serializers.BooleanField()
    corrected_at = serializers.DateTimeField(allow_null=True)
    corrections = serializers.IntegerField()
    public = serializers.BooleanField()


class InstantDisclosureSerializer(api.CachedFieldsModelSerializer):
    kind_label = label("get_kind_display")
    details = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    deadline_provisional = serializers.SerializerMethodField()
    late = serializers.BooleanField(read_only=True)
    series = serializers.SerializerMethodField()

    class Meta:
        model = m.InstantDisclosure
        fields = ("id", "series", "version", "kind", "kind_label", "summary", "details", "fact_date", "published_at",
                  "deadline", "deadline_provisional", "late")

    def get_series(self, row) -> int:
        return row.original_id or row.pk

    def get_details(self, row) -> list[dict[str, str]]:
        return [{"label": str(name), "value": str(value)} for name, value in row.detail_rows]

    def get_deadline(self, row) -> str:
        return row.deadline.date.isoformat()

    def get_deadline_provisional(self, row) -> bool:
        return row.deadline.provisional


class LetterStateMixin(serializers.Serializer):
    """The letter's state (credit.commitments.letter_state), as the pages show it."""

    state = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()

    def get_state(self, letter) -> str:
        from credit.commitments import letter_state

        if getattr(letter, "state", None) is None:
            letter.state = letter_state(letter, timezone.localdate())
        return letter.state

    def get_state_label(self, letter) -> str:
        from credit.commitments import state_label

        return str(state_label(self.get_state(letter)))


class CommitmentLetterRowSerializer(LetterStateMixin, api.CachedFieldsModelSerializer):
    kind_label = label("get_kind_display")

    class Meta:
        model = m.CommitmentLetter
        fields = ("id", "kind", "kind_label", "title", "approval_matter", "signed_on", "published_at", "state",
                  "state_label", "text_sha256")


def _rows(key: str) -> Callable[[dict[str, Any]], list]:
    return lambda context: context[key]



class CommitmentBreachSerializer(ProvenanceSerializer):
    """A breach of a commitment letter, as the credit file's negative section shows it."""

    letter = serializers.IntegerField(source="letter_id")

    class Meta:
        model = m.CommitmentBreach
        fields = ("id", "letter", "facts", "evidence", "false_commitment", *ProvenanceSerializer.PROVENANCE)


CREDIT_SECTION_APIS = (
    SectionApi("shareholders", ShareholderSerializer, _rows("shareholders")),
    SectionApi("key_personnel", KeyPersonSerializer, _rows("key_personnel")),
    SectionApi("branches", BranchSerializer, _rows("branches")),
    SectionApi("changes", ChangeRecordSerializer, _rows("changes")),
    SectionApi("chattel_mortgages", ChattelMortgageSerializer, _rows("chattel_mortgages")),
    SectionApi("equity_pledges", EquityPledgeSerializer, _rows("equity_pledges")),
    SectionApi("licences", LicenceSerializer, _rows("licences")),
    SectionApi("penalties", PenaltySerializer, _rows("penalties"),
               meta=lambda context: {"no_longer_published": context["penalties_ended"]}),
    SectionApi("judicial_assistance", JudicialAssistanceSerializer, _rows("judicial_assistance")),
    SectionApi("annual_reports", AnnualReportYearSerializer, _rows("annual_reports")),
    SectionApi("instant_disclosures", InstantDisclosureSerializer, _rows("instant_disclosures")),
    SectionApi("commitment_letters", CommitmentLetterRowSerializer, _rows("commitment_letters")),
    SectionApi("commitment_breaches", CommitmentBreachSerializer, _rows("commitment_breaches")),
)


# --- enterprises ------------------------------------------------------------------------------


class EnterpriseRowSerializer(api.CachedFieldsModelSerializer):
    """One search result: the columns the search page shows (credit.selectors.search.SEARCH_COLUMNS)."""

    status_label = label("get_status_display")
    province = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = m.Enterprise
        fields = ("uscc", "name", "name_en", "legal_representative_name", "status", "status_label", "established_on",
                  "region_code", "province", "url")

    def get_province(self, enterprise) -> str:
        return str(regions.province_name(enterprise.region_code) or "")

    def get_url(self, enterprise) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/enterprises/{enterprise.uscc}/")


class RegistrationSerializer(EnterpriseRowSerializer):
    """The registration block of the credit file."""

    entity_type_label = label("get_entity_type_display")
    risk_class_label = label("get_risk_class_display")
    registration_authority = AgencyNameSerializer()
    is_branch = serializers.BooleanField(read_only=True)
    page = serializers.SerializerMethodField()

    class Meta:
        model = m.Enterprise
        fields = ("uscc", "name", "name_en", "entity_type", "entity_type_label", "is_branch",
                  "legal_representative_name", "registered_capital", "capital_currency", "established_on",
                  "operating_from", "operating_to", "registration_authority", "status", "status_label", "approved_on",
                  "region_code", "province", "risk_class", "risk_class_label", "domicile", "business_scope", "page")

    def get_page(self, enterprise) -> str:
        return self.context["request"].build_absolute_uri(enterprise.get_absolute_url())


class NoticeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["alert", "status"])
    text = serializers.CharField()
    url = serializers.CharField()


class CreditFileSectionsSerializer(serializers.Serializer):
    """Every section of the file by its key, one field per registered section (read when the
    serializer is built, after the apps registered theirs)."""

    def get_fields(self):
        return {item.key: item.serializer(many=True) for item in section_apis()}


class CreditFileSerializer(serializers.Serializer):
    """The whole credit file, as GET /api/v1/enterprises/<USCC>/ answers it."""

    registration = RegistrationSerializer()
    notices = NoticeSerializer(many=True)
    sections = CreditFileSectionsSerializer()
    sections_meta = serializers.DictField(child=serializers.DictField(),
                                          help_text="Facts the page states about a section, by section key.")
    file_version = serializers.CharField(help_text="Changes whenever anything in the file is published.")


def _bad_request(errors) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [str(e) for e in messages] for name, messages in errors.items()})


USCC_PARAMETER = OpenApiParameter("uscc", str, OpenApiParameter.PATH,
                                  description="The enterprise's unified social credit code (18 characters).")


def _enterprise_or_error(uscc: str):
    """The normal form of `uscc`: 404 naming the rule an invalid code breaks."""
    code = uscc_rules.normalise(uscc)
    problem = selectors.uscc_problem(code)
    if problem:
        raise exceptions.NotFound(problem)
    return code


class AnnualReportSerializer(api.CachedFieldsModelSerializer):
    filed_late = serializers.BooleanField(read_only=True)
    items = serializers.SerializerMethodField()
    withheld = serializers.SerializerMethodField()

    class Meta:
        model = m.AnnualReport
        fields = ("id", "year", "version", "submitted_at", "published_at", "filed_late", "report_public", "items",
                  "withheld")

    def _variant_items(self, report):
        return report_rules.variant_for(report.enterprise.entity_type).items

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
    def get_items(self, report) -> dict[str, Any] | None:
        """The published items by key (rows of repeating items as lists); null for a private report."""
        if not report.report_public:
            return None
        withheld = set(report.withheld)
        items = {}
        for item in self._variant_items(report):
            if item.optional and item.key in withheld:
                continue
            value = report.data.get(item.key)
            if item.repeating:
                keys = [column.key for column in item.columns]
                value = [{key: row.get(key) for key in keys} for row in (value or [])]
            items[item.key] = value
        return items

    def get_withheld(self, report) -> list[str]:
        """The optional items the enterprise chose not to publish ("not disclosed by the enterprise")."""
        if not report.report_public:
            return []
        optional = {item.key for item in self._variant_items(report) if item.optional}
        return [key for key in report.withheld if key in optional]


class AnnualReportVersionPage(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = AnnualReportSerializer(many=True)



class EnterpriseViewSet(api.LimitedMixin, viewsets.GenericViewSet):
    """Enterprises: the site's search (GET /api/v1/enterprises/?q=...) and the whole credit file
    of one (GET /api/v1/enterprises/<USCC>/)."""

    lookup_field = "uscc"
    lookup_value_regex = "[^/]+"
    pagination_class = BoundedSearchPagination
    queryset = m.Enterprise.objects.none()

    def get_serializer_class(self):
        return CreditFileSerializer if self.action == "retrieve" else EnterpriseRowSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Part of the name or English name, a legal representative's "
                             "full name, or the start (8-18 characters) of a code; as on /search/."),
            OpenApiParameter("province", str, description="Two-digit province code, for example 11."),
            OpenApiParameter("entity_type", str, enum=[c for c, _ in m.EntityType.choices]),
            OpenApiParameter("status", str, enum=[c for c, _ in m.RegistrationStatus.choices]),
            OpenApiParameter("risk_class", str, enum=[c for c, _ in m.RiskClass.choices]),
        ],
        responses={200: EnterpriseRowSerializer, 400: OpenApiResponse(description="A parameter breaks its rule")},
    )
    def list(self, request):
        """The site's search: same matching, same filters, same bounded count (at most
        SEARCH_COUNT_LIMIT matches are counted and paged, in id order). An exact valid code of
        a known enterprise gives that one enterprise."""
        number = api.decode_page_cursor(request.query_params.get("cursor"))
        return api.versioned(request, api.site_version(), lambda: self._search(request, number))

    def _search(self, request, number: int) -> dict[str, Any]:
        data = request.query_params.copy()
        data.pop("cursor", None)
        data["page"] = str(number)
        result = enterprise_search(data=data)
        if not result.filterset.is_bound or not result.filterset.form.is_valid():
            errors = result.filterset.form.errors if result.filterset.is_bound else {
                "q": [_("Give a search term (q) or at least one filter.")]}
            raise _bad_request(errors)
        if result.redirect_to:
            rows = list(m.Enterprise.objects.filter(uscc=uscc_rules.normalise(result.query)).only(*SEARCH_COLUMNS))
            count, bounded, has_next = len(rows), False, False
        else:
            page = result.page
            rows, count, bounded, has_next = page.rows, page.count, page.bounded, page.has_next
            number = page.number
        following, previous = api.page_links(request, number, has_next)
        return {
            "next": following, "previous": previous, "count": count, "count_bounded": bounded,
            "results": plain_serializer(EnterpriseRowSerializer).many(rows, {"request": request}),
        }

    @extend_schema(parameters=[USCC_PARAMETER],
                   responses={200: CreditFileSerializer,
                              301: OpenApiResponse(description="To the code's normal form"),
                              404: OpenApiResponse(description="An invalid or unknown code")})
    def retrieve(self, request, uscc: str):
        """The whole credit file: registration, the notices at its top, and every section with
        its rows and their provenance, as the page /enterprises/<USCC>/ shows them."""
        code = _enterprise_or_error(uscc)
        if code != uscc:
            return redirect(f"/api/v1/enterprises/{code}/", permanent=True)
        # The version and, for a body not kept yet, the enterprise from one row.
        found = selectors.enterprise_version_get(uscc=code)
        if found is None:
            return api.versioned(request, None, lambda: self._file(request, None))
        version, enterprise = found
        return api.versioned(request, version, lambda: self._file(request, enterprise()))

    def _file(self, request, enterprise: m.Enterprise | None) -> dict[str, Any]:
        if enterprise is None:
            raise exceptions.NotFound(_("No enterprise has this unified social credit code."))
        today = timezone.localdate()
        context = selectors.credit_file(enterprise=enterprise, today=today)
        serializer_context = {"request": request}
        file_sections, meta = {}, {}
        for item in section_apis():
            # The serializer's own fields, compiled once per class (portal.api_plain): the same
            # output as item.serializer(rows, many=True).data without DRF's instances per use.
            file_sections[item.key] = plain_serializer(item.serializer).many(item.rows(context), serializer_context)
            if item.meta is not None:
                meta[item.key] = item.meta(context)
        return {
            "registration": plain_serializer(RegistrationSerializer).one(enterprise, serializer_context),
            "notices": [{"kind": n.kind, "text": str(n.text), "url": request.build_absolute_uri(n.url)}
                        for n in context["notices"]],
            "sections": file_sections,
            "sections_meta": meta,
            "file_version": str(enterprise.file_version),
        }

    @extend_schema(
        parameters=[USCC_PARAMETER, OpenApiParameter("year", int, description="Only this report year."),
                    api.CURSOR_PARAMETER],
        responses={200: AnnualReportVersionPage, 400: OpenApiResponse(description="A parameter breaks its rule"),
                   404: OpenApiResponse(description="An invalid or unknown code")},
    )
    @action(detail=True, methods=["get"], url_path="annual-reports")
    def annual_reports(self, request, uscc: str):
        """Every published version of the enterprise's annual reports, newest year and version
        first; withheld items are listed by key and have no value; a private report of an
        individual business shows only that it was filed."""
        code = _enterprise_or_error(uscc)
        return api.versioned(request, file_version_by_code(code), lambda: self._reports(request, code))

    def _reports(self, request, code: str) -> dict[str, Any]:
        enterprise = m.Enterprise.objects.filter(uscc=code).only("id", "entity_type", "uscc").first()
        if enterprise is None:
            raise exceptions.NotFound(_("No enterprise has this unified social credit code."))
        queryset = m.AnnualReport.objects.filter(enterprise=enterprise, published_at__isnull=False)
        year = request.query_params.get("year")
        if year:
            if not (year.isascii() and year.isdigit()) or not 1900 <= int(year) <= 2100:
                raise exceptions.ValidationError({"year": [_("Give a year from 1900 to 2100.")]})
            queryset = queryset.filter(year=int(year))
        paginator = api.ApiCursorPagination()
        paginator.ordering = ("-year", "-version", "-id")
        rows = paginator.paginate_queryset(queryset, request, view=self)
        for row in rows:
            row.enterprise = enterprise
        return paginator.page_data(AnnualReportSerializer(rows, many=True).data)


# --- disclosures and letters ---------------------------------------------------------------------


class EnterpriseRefSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class InstantDisclosureListSerializer(InstantDisclosureSerializer):
    enterprise = EnterpriseRefSerializer()

    class Meta(InstantDisclosureSerializer.Meta):
        fields = ("enterprise", *InstantDisclosureSerializer.Meta.fields)


class CommitmentLetterSerializer(LetterStateMixin, api.CachedFieldsModelSerializer):
    kind_label = label("get_kind_display")
    enterprise = EnterpriseRefSerializer()
    agency = AgencyNameSerializer()

    class Meta:
        model = m.CommitmentLetter
        fields = ("id", "enterprise", "kind", "kind_label", "template_version", "language", "approval_matter",
                  "title", "text", "signatory_name", "signatory_title", "signed_at", "signed_on", "valid_until",
                  "fulfilled_on", "state", "state_label", "text_sha256", "agency", "published_at")


USCC_FILTER = OpenApiParameter("uscc", str, description="Only this enterprise's (its unified social credit code).")


def _uscc_filter(request, queryset):
    value = request.query_params.get("uscc")
    if value is None:
        return queryset
    code = uscc_rules.normalise(value)
    problem = selectors.uscc_problem(code)
    if problem:
        raise exceptions.ValidationError({"uscc": [problem]})
    return queryset.filter(enterprise__uscc=code)


class VersionedListMixin:
    """A list answered through portal.api.versioned under the site's version."""

    def list(self, request, *args, **kwargs):
        return api.versioned(request, api.site_version(), lambda: self._page(request))

    def _page(self, request) -> dict[str, Any]:
        queryset = self.filter_queryset(self.get_queryset())
        paginator = self.paginator
        rows = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.page_data(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return api.versioned(request, api.site_version(), lambda: self.get_serializer(self.get_object()).data)


class InstantDisclosureViewSet(VersionedListMixin, api.LimitedMixin, viewsets.ReadOnlyModelViewSet):
    """Instant disclosures (every version stays public), newest first."""

    serializer_class = InstantDisclosureListSerializer
    queryset = m.InstantDisclosure.objects.select_related("enterprise", "original").order_by("-id")

    def filter_queryset(self, queryset):
        return _uscc_filter(self.request, queryset)

    @extend_schema(parameters=[USCC_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class CommitmentLetterViewSet(VersionedListMixin, api.LimitedMixin, viewsets.ReadOnlyModelViewSet):
    """Published credit commitment letters, newest first."""

    serializer_class = CommitmentLetterSerializer
    queryset = m.CommitmentLetter.objects.select_related("enterprise", "agency").order_by("-id")

    def get_queryset(self):
        from credit.commitments import with_breached

        # The state needs to know of open breaches: annotated, not a query per letter.
        return with_breached(super().get_queryset())

    def filter_queryset(self, queryset):
        queryset = _uscc_filter(self.request, queryset)
        kind = self.request.query_params.get("kind")
        if kind is not None:
            if kind not in m.CommitmentLetter.Kind.values:
                raise exceptions.ValidationError({"kind": [_("Choose one of: %(kinds)s.") % {
                    "kinds": ", ".join(m.CommitmentLetter.Kind.values)}]})
            queryset = queryset.filter(kind=kind)
        return queryset

    @extend_schema(parameters=[USCC_FILTER, OpenApiParameter("kind", str, enum=m.CommitmentLetter.Kind.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


def register() -> None:
    for item in CREDIT_SECTION_APIS:
        section_api_register(item)
    api.api_register("enterprises", EnterpriseViewSet, basename="enterprise")
    api.api_register("disclosures", InstantDisclosureViewSet, basename="disclosure")
    api.api_register("commitment-letters", CommitmentLetterViewSet, basename="commitment-letter")
