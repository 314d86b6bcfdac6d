"""Every write to lists, entries and objections, by concern: entries (listing, removal,
revocation), objections, the expiry sweep, the non-filer sweep, removal on cure, and the catalogue (lists, reasons, memoranda,
measures). The names below are the ones the admin, views, tasks and other apps use."""

from listings.services.catalogue import (
    LIST_OWNER_ONLY_FIELDS,
    UNTIL_REMOVED_SEVERITIES,
    credit_list_create,
    credit_list_update,
    list_reason_save,
    measure_save,
    memorandum_save,
    publication_months_check,
)
from listings.services.common import (
    ABNORMAL_OPERATIONS,
    OBJECTION_ACCEPTANCE_WORKING_DAYS,
    OBJECTION_VERIFICATION_WORKING_DAYS,
    SERIOUS_ILLEGAL,
    ListingError,
    active_counts_invalidate,
)
from listings.services.entries import (
    list_entry_create,
    list_entry_remove,
    list_entry_restore,
    list_entry_revoke,
    penalty_entries_revoke,
    publication_window,
)
from listings.services.expiry import EXPIRY_REASON, list_entries_expire
from listings.services.objections import objection_accept, objection_decide, objection_submit
from listings.services.removals import (
    REMOVAL_DECISION_WORKING_DAYS,
    removal_application_decide,
    removal_application_submit,
)
from listings.services.sweep import (
    NON_FILER_REASON,
    SWEEP_ACTION,
    non_filer_sweep_day,
    non_filers_list,
    non_filers_sweep_due,
)

__all__ = [
    "ABNORMAL_OPERATIONS",
    "EXPIRY_REASON",
    "LIST_OWNER_ONLY_FIELDS",
    "OBJECTION_ACCEPTANCE_WORKING_DAYS",
    "OBJECTION_VERIFICATION_WORKING_DAYS",
    "SERIOUS_ILLEGAL",
    "UNTIL_REMOVED_SEVERITIES",
    "ListingError",
    "active_counts_invalidate",
    "credit_list_create",
    "credit_list_update",
    "list_entries_expire",
    "list_entry_create",
    "penalty_entries_revoke",
    "list_entry_remove",
    "list_entry_restore",
    "list_entry_revoke",
    "list_reason_save",
    "measure_save",
    "memorandum_save",
    "objection_accept",
    "objection_decide",
    "objection_submit",
    "publication_months_check",
    "publication_window",
    "NON_FILER_REASON",
    "REMOVAL_DECISION_WORKING_DAYS",
    "SWEEP_ACTION",
    "non_filer_sweep_day",
    "non_filers_list",
    "non_filers_sweep_due",
    "removal_application_decide",
    "removal_application_submit",
]
