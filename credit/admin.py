"""Agency staff work here. Each staff login belongs to one agency (AgencyStaff) and may
add or change only that agency's records; other agencies' records are read-only, and
nothing published is deleted: withdrawal is an action with a reason. The rule itself lives in
portal.access (AgencyScopedAdmin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from credit import models as m
from credit import services
from credit import uscc as uscc_rules
from credit.widgets import enterprise_formfield_kwargs, is_enterprise_field
from portal.access import AgencyScopedAdmin, who


class CreditSaveMixin:
    """Credit rows are saved through the audited service; scoped staff save in their own agency's name."""

    def save_model(self, request, obj, form, change):
        # The form already limits the choice; this holds even for a crafted POST.
        self.force_own_agency(request, obj)
        services.credit_object_save(
            obj=obj,
            actor=request.user,
            changed_fields=[name for name in form.changed_data if name != CORRECTION_FIELD],
            correction_reason=getattr(form, "cleaned_data", {}).get(CORRECTION_FIELD, ""),
        )


# Not named like the model field: that one is set by the service, never by the form.
CORRECTION_FIELD = "correction_note"


class CorrectionFormMixin:
    """The change form of a published record: any change is a correction with a reason."""

    def clean(self):
        cleaned = super().clean()
        edited = [name for name in self.changed_data if name != CORRECTION_FIELD]
        if edited and not (cleaned.get(CORRECTION_FIELD) or "").strip():
            self.add_error(CORRECTION_FIELD, services.CORRECTION_REASON_REQUIRED)
        return cleaned


def correction_form(base: type[forms.ModelForm]) -> type[forms.ModelForm]:
    return type(
        f"Correction{base.__name__}",
        (CorrectionFormMixin, base),
        {
            CORRECTION_FIELD: forms.CharField(
                label=_("Correction reason"),
                max_length=300,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                help_text=_(
                    "Required when you change anything: this record is already published. The reason and the date "
                    "are shown with the record in the public credit file; the old values stay in the audit log."
                ),
            ),
        },
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Withdrawal reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Published with the record, for example: the decision was revoked on administrative review."),
    )


@admin.action(description=_("Withdraw selected records (with a reason)"), permissions=["change"])
def withdraw_records(modeladmin, request, queryset):
    form = WithdrawForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = skipped = 0
        for record in queryset:
            if not modeladmin.has_change_permission(request, record):
                skipped += 1
                continue
            try:
                services.published_record_withdraw(record=record, actor=request.user,
                                                   reason=form.cleaned_data["reason"])
            except ValidationError:
                skipped += 1
                continue
            done += 1
        if done:
            modeladmin.message_user(
                request, ngettext("%(count)d record withdrawn.", "%(count)d records withdrawn.", done) % {"count": done}
            )
        if skipped:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(count)d record skipped: already withdrawn or from another agency.",
                    "%(count)d records skipped: already withdrawn or from another agency.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Withdraw records"),
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/credit/withdraw.html", context)


class WithdrawnFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", _("In force")), ("yes", _("Withdrawn"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


class PublishedRecordAdmin(CreditSaveMixin, AgencyScopedAdmin):
    """Staff add and change their own agency's records; other agencies' records are public and read-only."""

    agency_path = "source_agency"
    agency_choices = {"source_agency": ""}
    list_select_related = ("enterprise", "source_agency")
    search_fields = ("enterprise__uscc", "enterprise__name", "document_number")
    list_filter = (WithdrawnFilter,)
    readonly_fields = ("published_at", "withdrawn_at", "withdrawal_reason", "corrected_at", "correction_reason")
    actions = [withdraw_records]
    ordering = ("-id",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            kwargs.setdefault("form", correction_form(self.form))
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("enterprise"), ordering="enterprise__name")
    def enterprise_name(self, obj):
        return obj.enterprise.name

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj):
        return obj.withdrawn_at is None


class PenaltyForm(forms.ModelForm):
    class Meta:
        model = m.AdministrativePenalty
        fields = ("enterprise", "source_agency", "document_number", "decided_on", "violation_type", "content",
                  "fine_amount", "severity", "warning_only", "publication_ends_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "publication_ends_on" in self.fields:
            # From the one table of periods (credit.models.PUBLICATION_MONTHS), in the reader's language.
            self.fields["publication_ends_on"].help_text = services.penalty_publication_help()

    def clean(self):
        cleaned = super().clean()
        severity, decided_on = cleaned.get("severity"), cleaned.get("decided_on")
        if severity and decided_on:
            # The service's rule, checked here so that the error shows on the field and
            # nothing typed is lost; the service checks it again on save.
            try:
                cleaned["publication_ends_on"] = services.penalty_publication_end(
                    severity=severity, decided_on=decided_on, ends_on=cleaned.get("publication_ends_on")
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(m.AdministrativePenalty)
class PenaltyAdmin(PublishedRecordAdmin):
    form = PenaltyForm
    list_display = ("document_number", "enterprise_name", "violation_type", "severity", "warning_only", "fine_amount",
                    "source_agency", "decided_on", "in_force")
    list_filter = ("severity", "warning_only", WithdrawnFilter)


class LicenceForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        letter, enterprise = cleaned.get("commitment_letter"), cleaned.get("enterprise")
        # A breach of the letter revokes this licence: only the same enterprise's
        # notification-and-commitment letter, made to the agency that grants the licence.
        if letter is not None and (
            letter.kind != m.CommitmentLetter.Kind.LICENSING
            or (enterprise is not None and letter.enterprise_id != enterprise.pk)
            or (cleaned.get("source_agency") is not None and letter.agency_id != cleaned["source_agency"].pk)
        ):
            self.add_error("commitment_letter", _(
                "Granted on the commitment letter: give a notification-and-commitment letter of this enterprise, "
                "made to the agency that grants the licence."))
        return cleaned


@admin.register(m.AdministrativeLicence)
class LicenceAdmin(PublishedRecordAdmin):
    form = LicenceForm
    list_display = ("document_number", "name", "enterprise_name", "status", "valid_from", "valid_to", "source_agency",
                    "in_force")
    list_filter = ("status", WithdrawnFilter)
    # A select of every letter would not load at national scale.
    raw_id_fields = ("commitment_letter",)


class ContributionInline(admin.TabularInline):
    """Contributions belong to their shareholder record: editable exactly when it is."""

    model = m.CapitalContribution
    extra = 0

    def _parent(self):
        return self.admin_site._registry[m.Shareholder]

    def has_add_permission(self, request, obj=None):
        parent = self._parent()
        return parent.has_add_permission(request) if obj is None else parent.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent().has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._parent().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.Shareholder)
class ShareholderAdmin(PublishedRecordAdmin):
    list_display = ("name", "shareholder_type", "enterprise_name", "subscribed_amount", "paid_amount",
                    "source_agency", "in_force")
    list_filter = ("shareholder_type", WithdrawnFilter)
    raw_id_fields = ("person",)
    search_fields = ("name", "enterprise__uscc", "enterprise__name")
    inlines = [ContributionInline]


@admin.register(m.KeyPerson)
class KeyPersonAdmin(PublishedRecordAdmin):
    list_display = ("person", "position", "enterprise_name", "source_agency", "in_force")
    list_select_related = ("enterprise", "source_agency", "person")
    raw_id_fields = ("person",)
    search_fields = ("person__name", "enterprise__uscc", "enterprise__name")


@admin.register(m.Branch)
class BranchAdmin(PublishedRecordAdmin):
    list_display = ("name", "uscc", "enterprise_name", "registration_authority_name", "source_agency", "in_force")
    search_fields = ("name", "uscc", "enterprise__uscc", "enterprise__name")


@admin.register(m.ChangeRecord)
class ChangeRecordAdmin(PublishedRecordAdmin):
    list_display = ("item", "enterprise_name", "changed_on", "source_agency", "in_force")
    search_fields = ("item", "enterprise__uscc", "enterprise__name")


@admin.register(m.ChattelMortgage)
class ChattelMortgageAdmin(PublishedRecordAdmin):
    list_display = ("registration_number", "enterprise_name", "secured_amount", "mortgagee", "status",
                    "source_agency", "in_force")
    list_filter = ("status", WithdrawnFilter)
    search_fields = ("registration_number", "enterprise__uscc", "enterprise__name", "mortgagee")


@admin.register(m.EquityPledge)
class EquityPledgeAdmin(PublishedRecordAdmin):
    list_display = ("registration_number", "enterprise_name", "pledgor", "pledgee", "pledged_amount", "status",
                    "source_agency", "in_force")
    list_filter = ("status", WithdrawnFilter)
    raw_id_fields = ("pledgor_person",)
    search_fields = ("registration_number", "enterprise__uscc", "enterprise__name", "pledgor", "pledgee")


@admin.register(m.JudicialAssistance)
class JudicialAssistanceAdmin(PublishedRecordAdmin):
    list_display = ("ruling_number", "enterprise_name", "subject_name", "kind", "status", "frozen_from", "frozen_to",
                    "source_agency", "in_force")
    list_filter = ("kind", "status", WithdrawnFilter)
    search_fields = ("ruling_number", "document_number", "enterprise__uscc", "enterprise__name", "subject_name")


class EnterpriseForm(forms.ModelForm):
    # No max_length: a code typed with spaces or hyphens must reach the rule check
    # (credit.uscc.validate), which names the failed rule; Django's generic length message would not.
    uscc = forms.CharField(label=_("unified social credit code"))

    class Meta:
        model = m.Enterprise
        fields = (
            "uscc", "name", "name_en", "entity_type", "legal_representative", "legal_representative_name",
            "registered_capital", "capital_currency", "established_on", "operating_from", "operating_to",
            "registration_authority", "status", "approved_on", "domicile", "business_scope", "region_code",
            "industry", "risk_class",
        )

    def clean_uscc(self):
        return uscc_rules.validate(self.cleaned_data["uscc"])

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("legal_representative")
        if person is not None and "legal_representative" in self.changed_data:
            # The same check credit_object_save makes, shown on the field instead of as a server error.
            try:
                services.legal_representative_check(person=person, enterprise=self.instance)
            except ValidationError as refusal:
                self.add_error(None, refusal)
        return cleaned


@admin.register(m.Enterprise)
class EnterpriseAdmin(CreditSaveMixin, AgencyScopedAdmin):
    """Registration data belongs to the registration authority.

    Setting a person barred by a serious-list entry (false disclosure) as legal
    representative of another enterprise is refused on the legal_representative field
    (EnterpriseForm.clean, credit.services.legal_representative_check).
    """

    agency_path = "registration_authority"
    agency_choices = {"registration_authority": ""}
    form = EnterpriseForm
    list_display = ("uscc", "name", "entity_type", "legal_representative_name", "status", "risk_class",
                    "registration_authority", "established_on")
    list_select_related = ("registration_authority",)
    list_filter = ("status", "entity_type", "risk_class")
    # The code is searched by its first characters (get_search_results), names by any part.
    search_fields = ("name", "name_en", "legal_representative_name")
    raw_id_fields = ("legal_representative",)
    readonly_fields = ("updated_at",)
    ordering = ("-id",)

    def get_readonly_fields(self, request, obj=None):
        # The code is the enterprise's public address (/enterprises/<USCC>/), cited and
        # bookmarked: it is set at registration and never changed afterwards.
        if obj is not None:
            return ("uscc", *self.readonly_fields)
        return self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """Names contain the term, or the code starts with it (normalised: full-width, spaces and
        hyphens as in credit.uscc.normalise). Also the enterprise picker's search (credit.widgets)."""
        # A complete code is answered from the unique index instead of scanning names.
        if uscc_rules.is_valid(search_term):
            return queryset.filter(uscc=uscc_rules.normalise(search_term)), False
        results, distinct = super().get_search_results(request, queryset, search_term)
        prefix = uscc_rules.normalise(search_term)
        if uscc_rules.could_start_code(prefix):
            # LIKE 'prefix%' on the upper-case code: PostgreSQL's pattern index on uscc answers it.
            results = results | queryset.filter(uscc__startswith=prefix)
        return results, distinct


@admin.register(m.Person)
class PersonAdmin(AgencyScopedAdmin):
    """Natural persons linked to enterprises; the identity number is shown masked.

    The full number is shown on the change page only to superusers and to staff of an agency that
    holds a record naming the person (any row whose admin's agency is theirs: a shareholding, a
    position, a pledge, a registration, a list entry), and each time it is shown an audit event
    records who saw it. A person is shared by every agency's records: staff add one, only a
    superuser corrects one."""

    agency_path = None
    list_display = ("name", "id_type", "masked_id")
    search_fields = ("name", "=id_number")
    readonly_fields = ("masked_id",)

    @admin.display(description=_("identity document number"))
    def masked_id(self, obj):
        return obj.masked_id_number

    def may_reveal(self, request, obj) -> bool:
        principal = who(request)
        if principal.is_superuser:
            return True
        if principal.agency is None or obj is None or obj.pk is None:
            return False
        for relation in m.Person._meta.get_fields(include_hidden=True):
            if not (relation.one_to_many and relation.auto_created):
                continue
            holder = self.admin_site._registry.get(relation.related_model)
            path = getattr(holder, "agency_path", None)
            if path and relation.related_model._default_manager.filter(
                    **{relation.field.name: obj, path: principal.agency}).exists():
                return True
        return False

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != "masked_id"]
        if obj is not None and not self.may_reveal(request, obj):
            fields = ["masked_id" if name == "id_number" else name for name in fields]
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and "id_number" in self.get_fields(request, obj):
            services.person_identity_reveal(person=obj, actor=request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        services.credit_object_save(obj=obj, actor=request.user, changed_fields=list(form.changed_data))


class SuperuserWritesMixin:
    """Only a superuser adds or changes these rows, through the audited service; nothing is deleted."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.credit_object_save(obj=obj, actor=request.user, changed_fields=list(form.changed_data))


class EnterpriseInformationAdmin(SuperuserWritesMixin, AgencyScopedAdmin):
    """What the enterprise itself discloses: staff read it; only a superuser corrects it."""

    agency_path = None
    list_select_related = ("enterprise",)
    search_fields = ("enterprise__uscc", "enterprise__name")
    ordering = ("-id",)


@admin.register(m.AnnualReport)
class AnnualReportAdmin(EnterpriseInformationAdmin):
    """Submitted versions are what the enterprise published and are never changed: read-only
    for everyone; the enterprise files and corrects them at /account/annual-reports/."""

    list_display = ("enterprise", "year", "version", "submitted_at", "report_public")
    list_filter = ("year", "report_public")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.InstantDisclosure)
class InstantDisclosureAdmin(EnterpriseInformationAdmin):
    list_display = ("enterprise", "kind", "fact_date", "published_at", "version")
    list_filter = ("kind",)
    raw_id_fields = ("original",)  # a select of every disclosure would not load


@admin.register(m.CommitmentLetter)
class CommitmentLetterAdmin(EnterpriseInformationAdmin):
    """A signed letter never changes (its SHA-256 is published): read-only for everyone. The
    enterprise signs at /account/commitments/; the agency it is made to records its breach or
    fulfilment at /staff/commitments/."""

    list_display = ("title", "enterprise", "kind", "signed_on", "agency", "fulfilled_on")
    list_filter = ("kind", "language", "signed_on")
    list_select_related = ("enterprise", "agency")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.CommitmentBreach)
class CommitmentBreachAdmin(PublishedRecordAdmin):
    """Recorded at /staff/commitments/<id>/breach/ (with its consequences), never added here; the
    recording agency corrects or withdraws its own breach (withdrawal: the action, with a reason)."""

    list_display = ("document_number", "enterprise_name", "source_agency", "decided_on", "false_commitment", "in_force")
    readonly_fields = (*PublishedRecordAdmin.readonly_fields, "letter", "enterprise", "source_agency")

    def has_add_permission(self, request):
        return False


class SuperuserOnlyAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    """Who belongs where is decided centrally: only superusers see and change the staff and enterprise links."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(m.Agency)
class AgencyAdmin(SuperuserWritesMixin, AgencyScopedAdmin):
    """Agency staff look agencies up; only a superuser adds or changes one."""

    agency_path = None
    list_display = ("code", "name", "level", "kind", "region_code")
    list_filter = ("level", "kind")
    search_fields = ("code", "name", "name_en", "region_code")


@admin.register(m.AgencyStaff)
class AgencyStaffAdmin(SuperuserOnlyAdmin):
    list_display = ("user", "agency")
    list_select_related = ("user", "agency")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "agency__name", "agency__code")


@admin.register(m.EnterpriseAccount)
class EnterpriseAccountAdmin(SuperuserOnlyAdmin):
    list_display = ("user", "enterprise")
    list_select_related = ("user", "enterprise")
    raw_id_fields = ("user",)
    autocomplete_fields = ("enterprise",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if is_enterprise_field(db_field):
            kwargs.update(enterprise_formfield_kwargs(db_field, self.admin_site, using=kwargs.get("using")))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
    search_fields = ("user__username", "enterprise__uscc", "enterprise__name")
