"""The listings app's parts of the credit file and of /account/ (registered in
ListingsConfig.ready): the legal representative's bar, the list entries, and the
enterprise's own entries with what it may do about each."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit import sections
from credit.sections import FileSubject, Notice, Section
from listings.cure import UNREACHABLE, is_curable
from listings.models import (
    ABNORMAL_OPERATIONS,
    EntryState,
    ListColour,
    ListEntry,
    Memorandum,
    Objection,
    RemovalApplication,
    RepairApplication,
    active_q,
    person_barred_q,
    repaired_q,
    status_annotation,
)
from listings.repair import registry as repair_registry
from listings.repair.kinds import COMMITMENT_BREACH, LIST_ENTRY, PENALTY
from listings.repair.rules import eligibility
from listings.repair.selectors import account_repairs
from listings.selectors import (
    _MEASURES,
    SERIOUS_ILLEGAL,
    list_entry_measures,
    list_measures_by_list,
    list_measures_of,
)
from portal import workbench
from portal.i18n import localized_name
from portal.workdays import deadline_status


def _bar_rows(subject: FileSubject):
    return ListEntry.objects.barring(
        subject.legal_representative_id, on=subject.today, other_than_enterprise=subject.enterprise_id
    ).order_by("-bar_ends_on", "-id")


def _bar_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    if subject.legal_representative_id is None:
        return section.empty_context()
    bar = section.rows(subject).select_related("enterprise", "credit_list").first()
    return {"listings_person_bars": [bar] if bar else []}


def _entry_rows(subject: FileSubject):
    # Revoked entries are left out: an annulled listing must stop counting against the enterprise;
    # so are entries whose publication an approved credit repair ended (repaired_q).
    return (
        ListEntry.objects.filter(enterprise_id=subject.enterprise_id)
        .exclude(state=EntryState.REVOKED)
        .exclude(repaired_q())
        .order_by("-listed_on", "-id")
    )


def _red_entry_rows(subject: FileSubject):
    # Once the enterprise is deregistered only its red-list entries stay published: the other
    # lists' entries are negative records (SAMR Order 107 Art. 20).
    return _entry_rows(subject).filter(credit_list__colour=ListColour.RED)


def _entries_empty() -> dict[str, Any]:
    return {"listings_abnormal_entries": [], "listings_serious_entries": [], "listings_other_entries": []}


def _entries_with_related(subject: FileSubject):
    return (
        _entry_rows(subject)
        .select_related("credit_list", "reason", "deciding_agency", "removing_agency")
        .annotate(derived_status=status_annotation(subject.today))
    )


def _red_entries_with_related(subject: FileSubject):
    return _entries_with_related(subject).filter(credit_list__colour=ListColour.RED)


def _entries_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    """At most two queries whatever the number of entries, each compiled once per process
    (credit.sections.load_queryset): the entries with their list, reason and agencies, and,
    when one of them is on its list today, the memorandum measures of their lists."""
    build = _entries_with_related if section.rows is _entry_rows else _red_entries_with_related
    entries = sections.load_queryset(build, subject)
    for entry in entries:
        entry.is_current = entry.derived_status == "active"
    measures = (
        list_measures_by_list(sections.load_queryset(_entry_list_measures, subject))
        if any(entry.is_current for entry in entries) else {}
    )
    context = _entries_empty()
    for entry in entries:
        entry.applicable_measures = list_entry_measures(entry=entry, by_list=measures) if entry.is_current else []
        if entry.credit_list.code == ABNORMAL_OPERATIONS:
            context["listings_abnormal_entries"].append(entry)
        elif entry.credit_list.code == SERIOUS_ILLEGAL:
            context["listings_serious_entries"].append(entry)
        else:
            context["listings_other_entries"].append(entry)
    return context


def _entry_list_measures(subject: FileSubject):
    return list_measures_of(ListEntry.objects.filter(enterprise_id=subject.enterprise_id).values("credit_list_id"))


def _bar_notices(context: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            kind="alert",
            text=gettext(
                "The legal representative of this enterprise is barred until %(until)s from serving as legal "
                "representative of another enterprise, because %(name)s was put on the serious illegal and "
                "dishonest list for false disclosure."
            ) % {"until": date_format(bar.bar_ends_on), "name": localized_name(bar.enterprise)},
            url=bar.get_absolute_url(),
            anchor="legal-representative-bar",
        )
        for bar in context["listings_person_bars"]
    ]


def _entries_notices(context: dict[str, Any]) -> list[Notice]:
    """One notice per entry on a list today, from the entries `_entries_load` read."""
    notices = []
    for key in ("listings_abnormal_entries", "listings_serious_entries", "listings_other_entries"):
        for entry in context[key]:
            if not entry.is_current:
                continue
            values = {"list": localized_name(entry.credit_list), "date": date_format(entry.listed_on)}
            if entry.credit_list.is_red:
                text = gettext("This enterprise is on a red list: %(list)s, since %(date)s.") % values
            else:
                text = gettext("This enterprise is on a list: %(list)s, since %(date)s.") % values
            notices.append(Notice(kind="status" if entry.credit_list.is_red else "alert", text=text,
                                  url=entry.get_absolute_url()))
    return notices


LEGAL_REPRESENTATIVE_BAR = Section(
    # Shown at the top of the file only, through its notice.
    key="legal_representative_bar", order=85, template="",
    rows=_bar_rows, load=_bar_load, empty=lambda: {"listings_person_bars": []}, notices=_bar_notices,
)
LIST_ENTRIES = Section(
    key="list_entries", order=90, template="listings/sections/list_entries.html", rows=_entry_rows,
    contents=(
        ("abnormal-operations", _("Abnormal operations list")),
        ("serious-illegal", _("Serious illegal and dishonest list")),
        ("other-lists", _("Other lists (red lists and agency blacklists)")),
    ),
    load=_entries_load, empty=_entries_empty, notices=_entries_notices,
    negative=True, kept_rows=_red_entry_rows,
)


def account_entries(*, enterprise, today) -> dict[str, Any]:
    """The enterprise's entries that are on a list today, with what it may do about each.

    Four queries whatever the number of entries: the entries with their list, reason and
    deciding authority, their objections, their removal applications, and the lists'
    memoranda with measures. Each entry gets `open_objection`, `last_objection`, `may_object`
    (ListEntry.objection_refusal, the rule the objection service applies), `repair_open`,
    `measures` (what the listing means in practice), and for an entry removed on cure
    (listings.cure) `removal_applicable`, `pending_removal` (with its `deadline`) and
    `last_removal` (a refusal's reasons), and `bars_representative` when the entry bars the
    enterprise's legal representative. `representative_bars`: the entries (this enterprise's or
    another's, each with `is_own`) that bar the legal representative today (person_barred_q),
    read by the same first query.
    """
    mine = Q(active_q(today), enterprise=enterprise)
    representative = enterprise.legal_representative_id
    if representative is not None:
        # The bars on the representative come in the same query as the entries (no query of its own).
        mine |= person_barred_q(representative, today)
    rows = list(
        ListEntry.objects.filter(mine)
        .select_related("credit_list", "reason", "deciding_agency", "enterprise")
        .annotate(on_list_for_account=ExpressionWrapper(
            Q(active_q(today), enterprise=enterprise), output_field=BooleanField()))
        .prefetch_related(
            Prefetch("objections", queryset=Objection.objects.order_by("-submitted_on", "-id")),
            Prefetch("removal_applications", queryset=RemovalApplication.objects.order_by("-submitted_at", "-id")),
            Prefetch("credit_list__memoranda", queryset=Memorandum.objects.prefetch_related(_MEASURES)),
        )
        .order_by("-listed_on", "-id")
    )
    # A bar runs three years from the listing, so it may outlast the entry (removed, expired).
    bars = [row for row in rows if row.bars(representative, today)]
    for bar in bars:
        bar.is_own = bar.enterprise_id == enterprise.pk
    entries = [row for row in rows if row.on_list_for_account]
    for entry in entries:
        entry.bars_representative = entry.bars(representative, today)
        entry.measures = list_entry_measures(entry=entry)
        applications = list(entry.removal_applications.all())
        entry.last_removal = applications[0] if applications else None
        entry.pending_removal = next((a for a in applications if a.is_pending), None)
        if entry.pending_removal is not None:
            entry.pending_removal.deadline = deadline_status(
                entry.pending_removal.decision_due, today, provisional=entry.pending_removal.decision_due_provisional)
        entry.removal_applicable = is_curable(entry)
        entry.removal_needs_address = entry.reason.code == UNREACHABLE
        objections = list(entry.objections.all())
        entry.last_objection = objections[0] if objections else None
        entry.open_objection = next((o for o in objections if o.is_open), None)
        entry.may_object = not entry.objection_refusal(today, objection_open=entry.open_objection is not None)
        entry.repair_open = today >= entry.repair_from
    return {"entries": entries, "representative_bars": bars}


ENTRIES_PANEL = sections.AccountPanel(
    key="list_entries", order=20, template="listings/account/entries.html", load=account_entries
)


def objection_queue_items(principal, today) -> list[workbench.QueueItem]:
    """The staff home's queue of the open objections the agency decides (one query: the
    deciding-agency rule Objection.objects.actionable_by and the deadline rule with_due, as on
    /lists/staff/objections/): the acceptance decision while submitted, the verification once
    accepted (the deadlines listings.services.objections set, in working days)."""
    objections = (
        Objection.objects.actionable_by(principal.agency).open().with_due()
        .select_related("entry__enterprise", "entry__credit_list")
        .order_by("due", "id")
    )
    items = []
    for objection in objections:
        entry = objection.entry
        values = {"list": localized_name(entry.credit_list)}
        items.append(workbench.QueueItem(
            kind=gettext("Objection"),
            title=(gettext("Verify the objection and decide (%(list)s)") if objection.state == Objection.State.ACCEPTED
                   else gettext("Decide whether to accept the objection (%(list)s)")) % values,
            enterprise_name=localized_name(entry.enterprise),
            enterprise_uscc=entry.enterprise.uscc,
            deadline=objection.due,
            provisional=objection.due_provisional,
            url=reverse("listings:staff_objection", args=[objection.pk]),
        ))
    return items


def objection_queue_links(principal) -> list[tuple[str, str]]:
    return [(gettext("Every objection, open and decided"), reverse("listings:staff_objections"))]


OBJECTION_QUEUE = workbench.QueueSource(
    key="objections", title=_("Objections"), order=10, items=objection_queue_items,
    perms=("listings.view_objection", "listings.change_objection"), links=objection_queue_links,
)


def removal_queue_items(principal, today) -> list[workbench.QueueItem]:
    """The staff home's queue of the pending removal applications the agency decides (one query:
    RemovalApplication.objects.actionable_by, as on /lists/staff/removals/), due within
    5 working days of submission (listings.services.removals)."""
    applications = (
        RemovalApplication.objects.actionable_by(principal.agency).pending()
        .select_related("entry__enterprise", "entry__credit_list")
        .order_by("decision_due", "id")
    )
    return [
        workbench.QueueItem(
            kind=gettext("Removal application"),
            title=gettext("Decide on the application for removal (%(list)s)") % {
                "list": localized_name(application.entry.credit_list)},
            enterprise_name=localized_name(application.entry.enterprise),
            enterprise_uscc=application.entry.enterprise.uscc,
            deadline=application.decision_due,
            provisional=application.decision_due_provisional,
            url=reverse("listings:staff_removal", args=[application.pk]),
        )
        for application in applications
    ]


def removal_queue_links(principal) -> list[tuple[str, str]]:
    return [(gettext("Every removal application, pending and decided"), reverse("listings:staff_removals"))]


REMOVAL_QUEUE = workbench.QueueSource(
    key="removals", title=_("Removal applications"), order=11, items=removal_queue_items,
    perms=("listings.view_removalapplication", "listings.change_removalapplication"), links=removal_queue_links,
)


def _repair_rows(subject: FileSubject):
    # The revocations of repairs for a false commitment, published for 3 years (Order 107 Art. 23).
    return RepairApplication.objects.filter(
        enterprise_id=subject.enterprise_id, state=RepairApplication.State.REVOKED,
        revocation_published_until__gte=subject.today,
    ).order_by("-revoked_at", "-id")


def _repair_finish(context: dict[str, Any]) -> dict[str, Any]:
    """For each negative record the file shows (the rows the other sections loaded, through
    each repairable kind's file_records), from when repair may be requested or why it cannot
    be (listings.repair.rules), read against the published revocations: no query."""
    enterprise, today = context["enterprise"], context["today"]
    revoked: dict[tuple[str, int], list] = {}
    for application in context.get("credit_repair", []):
        revoked.setdefault((application.record_kind, application.record_id), []).append(application)
    lines = []
    for kind in repair_registry.kinds():
        for record in kind.file_records(context):
            verdict = eligibility(kind, record, today, applications=revoked.get((kind.key, record.pk), []),
                                  enterprise_status=enterprise.status)
            if verdict.code == "not_published":
                continue
            lines.append({"label": kind.label_of(record), "url": kind.url_of(record, enterprise.uscc),
                          "eligibility": verdict})
    return {"credit_repair_lines": lines}


CREDIT_REPAIR = Section(
    key="credit_repair", order=115, template="listings/sections/credit_repair.html", rows=_repair_rows,
    related=(("deciding_agency", ("name", "name_en")),),
    contents=(("credit-repair", _("Credit repair")),), finish=_repair_finish,
    # Revoked repairs are negative information too: not published once the firm is deregistered.
    negative=True,
)

REPAIR_PANEL = sections.AccountPanel(
    key="credit_repair", order=25, template="listings/repair/account_panel.html", load=account_repairs
)


def repair_queue_items(principal, today) -> list[workbench.QueueItem]:
    """The staff home's queue of the repair applications the agency decides that are waiting for
    it (one query: acceptance while submitted, the decision once accepted, in working days)."""
    from listings.repair.selectors import repair_rows

    applications = (
        RepairApplication.objects.decided_by_agency(principal.agency)
        .filter(state__in=[RepairApplication.State.SUBMITTED, RepairApplication.State.ACCEPTED])
        .select_related("enterprise").order_by("acceptance_due", "id")
    )
    items = []
    for application in repair_rows(applications, today=today):
        accepted = application.state == RepairApplication.State.ACCEPTED
        items.append(workbench.QueueItem(
            kind=gettext("Credit repair"),
            title=(gettext("Decide on the repair of %(record)s") if accepted
                   else gettext("Decide whether to accept the repair application for %(record)s")) % {
                "record": application.record_label},
            enterprise_name=localized_name(application.enterprise),
            enterprise_uscc=application.enterprise.uscc,
            deadline=application.due,
            provisional=application.deadline.provisional,
            url=reverse("listings:staff_repair", args=[application.pk]),
        ))
    return sorted(items, key=lambda item: item.deadline)


REPAIR_QUEUE = workbench.QueueSource(
    key="repairs", title=_("Credit repair applications"), order=12, items=repair_queue_items,
    perms=("listings.view_repairapplication", "listings.change_repairapplication"),
    links=lambda principal: [(gettext("Every repair application, open and decided"),
                              reverse("listings:staff_repairs"))],
)


def register() -> None:
    repair_registry.kind_register(PENALTY)
    repair_registry.kind_register(LIST_ENTRY)
    repair_registry.kind_register(COMMITMENT_BREACH)
    sections.section_register(CREDIT_REPAIR)
    sections.account_panel_register(REPAIR_PANEL)
    workbench.queue_source_register(REPAIR_QUEUE)
    sections.section_register(LEGAL_REPRESENTATIVE_BAR)
    sections.section_register(LIST_ENTRIES)
    sections.account_panel_register(ENTRIES_PANEL)
    workbench.queue_source_register(OBJECTION_QUEUE)
    workbench.queue_source_register(REMOVAL_QUEUE)
