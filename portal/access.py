"""Who the request is, and the one rule for what each party may see and change.

Parties (`Kind`): the public (not signed in); an enterprise account, the liaison login of one
enterprise (credit.EnterpriseAccount); agency staff, a login bound to one agency
(credit.AgencyStaff); staff without an agency (``is_staff`` but no link); a login bound to
nothing; superusers. `who(request)` answers once per request, `staff_agency(user)` is the one
way to find a staff member's agency.

The rule, the same on public, account and staff pages and in the admin:

- **403** says *who you are* is not enough: the page is not for your kind of login, or you lack
  the model permission the admin would require for the same work. It never depends on which
  object the address names, so it reveals nothing about objects.
- **404** says *the object is not yours*: another enterprise's objection, another agency's list
  entry, plan or record on a page that acts on it -- the same answer as for an address that
  names nothing (`owned_or_404`).
- The admin (`AgencyScopedAdmin`) needs an agency link (or a superuser) and the model
  permission. It shows other agencies' public rows read-only and leaves their private rows out
  of its querysets, so their addresses answer as for a missing row; nothing published is
  deleted (withdrawal, deactivation instead).

The staff pages outside the admin act in an agency's name (the services refuse anyone else), so
there a superuser needs an agency link too.

This module reads the links through the user's reverse relations (``agency_staff``,
``enterprise_account``) and imports no app of the project.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import DateField, DateTimeField, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from credit.models import Agency, Enterprise

T = TypeVar("T")

STAFF_PAGE_REFUSED = _(
    "This page is for agency staff with the permission for this work; a login without an agency link "
    "cannot act in an agency's name."
)


class Kind(enum.Enum):
    PUBLIC = "public"
    ENTERPRISE = "enterprise"
    AGENCY_STAFF = "agency_staff"
    STAFF_WITHOUT_AGENCY = "staff_without_agency"
    UNBOUND = "unbound"  # signed in, bound to neither an agency nor an enterprise, not staff
    SUPERUSER = "superuser"


@dataclass(frozen=True)
class Principal:
    """Who a request (or a service's actor) is. `agency` is set for agency staff and for a
    superuser with an agency link; `enterprise` for an enterprise account."""

    kind: Kind
    user_id: int | None = None
    agency: Agency | None = None
    enterprise: Enterprise | None = None

    @property
    def is_superuser(self) -> bool:
        return self.kind is Kind.SUPERUSER

    @property
    def agency_id(self) -> int | None:
        return self.agency.pk if self.agency is not None else None

    @property
    def agency_level(self) -> str | None:
        return self.agency.level if self.agency is not None else None

    @property
    def agency_region(self) -> str | None:
        return self.agency.region_code if self.agency is not None else None

    @property
    def enterprise_id(self) -> int | None:
        return self.enterprise.pk if self.enterprise is not None else None

    def acts_for(self, agency_id: int | None) -> bool:
        """Superusers act for every agency; a staff login only for its own."""
        return self.is_superuser or (self.agency is not None and agency_id is not None and self.agency.pk == agency_id)


PUBLIC = Principal(Kind.PUBLIC)
_CACHE = "_access_principal"


def _user_of(subject):
    return subject.user if isinstance(subject, HttpRequest) else subject


def who(subject) -> Principal:
    """Who a request or a user is. Looked up with one query and kept on the user object, as
    Django keeps its permission cache there: a link changed later needs a freshly loaded user."""
    user = _user_of(subject)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return PUBLIC
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    row = (
        get_user_model()
        ._default_manager.select_related(
            "agency_staff__agency", "enterprise_account__enterprise__registration_authority"
        )
        .filter(pk=user.pk)
        .first()
    )
    link = getattr(row, "agency_staff", None)
    account = getattr(row, "enterprise_account", None)
    agency = link.agency if link is not None else None
    if user.is_superuser:
        principal = Principal(Kind.SUPERUSER, user.pk, agency=agency)
    elif agency is not None:
        principal = Principal(Kind.AGENCY_STAFF, user.pk, agency=agency)
    elif account is not None and account.revoked_at is None:  # a revoked login acts for no enterprise
        principal = Principal(Kind.ENTERPRISE, user.pk, enterprise=account.enterprise)
    elif user.is_staff:
        principal = Principal(Kind.STAFF_WITHOUT_AGENCY, user.pk)
    else:
        principal = Principal(Kind.UNBOUND, user.pk)
    setattr(user, _CACHE, principal)
    return principal


def staff_agency(subject) -> Agency | None:
    """The agency of a staff login (or of a request's user), None for everybody else."""
    return who(subject).agency


def acts_for(subject, agency_id: int | None) -> bool:
    return who(subject).acts_for(agency_id)


def path_id(obj: Any, path: str) -> int | None:
    """The id at the end of a ``field__field`` path from `obj` (``credit_list__owner_agency``)."""
    *head, last = path.split("__")
    return getattr(reduce(getattr, head, obj), f"{last}_id")


def has_perms(subject, perms: Iterable[str]) -> bool:
    user = _user_of(subject)
    return bool(user is not None and user.is_active and user.has_perms(list(perms)))


def staff_may(subject, agency_id: int | None, *perms: str) -> bool:
    """True for staff of agency `agency_id` holding `perms`: what the staff pages check."""
    principal = who(subject)
    return principal.agency is not None and principal.agency.pk == agency_id and has_perms(subject, perms)


def may_read_staff_data(subject, *perms: str) -> bool:
    """Staff data on public pages (an entry's history, its objections): for readers the admin
    would admit with the same permissions."""
    principal = who(subject)
    return (principal.is_superuser or principal.agency is not None) and has_perms(subject, perms)


def require_agency_staff(request: HttpRequest, *perms: str) -> Principal:
    """A staff page: 403 unless the login is bound to an agency and holds `perms`.

    Checked before any object is looked up, so the answer depends only on who asks."""
    principal = who(request)
    if principal.agency is None or not has_perms(request, perms):
        raise PermissionDenied(STAFF_PAGE_REFUSED)
    return principal


def owned_or_404(
    principal: Principal, obj: T | None, *, agency_path: str | None = None, enterprise_path: str | None = None
) -> T:
    """`obj` if `principal` is a party it belongs to, else the 404 of a missing object.

    A party is the agency at `agency_path` (its staff) or the enterprise at `enterprise_path`
    (its enterprise account)."""
    if obj is None:
        raise Http404
    if agency_path and principal.agency is not None and path_id(obj, agency_path) == principal.agency.pk:
        return obj
    if enterprise_path and principal.kind is Kind.ENTERPRISE and path_id(obj, enterprise_path) == principal.enterprise_id:
        return obj
    raise Http404


ADMIN_SEARCH_MAX_LENGTH = 200
DATE_HIERARCHY_RANGES = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}


class DeclaredLookupsChangeList(ChangeList):
    """A change list that filters only by what its admin declares.

    Django lets a change list's query string filter by any local field (``seed__startswith=``,
    ``findings__contains=``), so a filter nobody declared could probe values the page hides. Here a
    query-string parameter is accepted only if a declared list filter consumed it (each filter takes
    its own parameters), or it is the date hierarchy's year, month or day, or one of Django's own
    (search ``q``, ordering, page, popup): anything else is DisallowedModelAdminLookup, a 400.
    A date-hierarchy value out of range and an over-long search term are a 400 too."""

    def get_filters(self, request):
        given = self.get_filters_params()
        if self.date_hierarchy:
            for part, (low, high) in DATE_HIERARCHY_RANGES.items():
                for value in given.get(f"{self.date_hierarchy}__{part}", []):
                    if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
                        raise BadRequest(f"{self.date_hierarchy}__{part}: out of range")
        search_term_check(self.query)
        result = super().get_filters(request)
        undeclared = sorted(key for key in result[2] if key in given)  # what no declared filter consumed
        if undeclared:
            raise DisallowedModelAdminLookup(f"Filtering by {undeclared[0]} not allowed")
        return result


def search_term_check(term: str) -> None:
    """An admin search (change list or autocomplete) of at most ADMIN_SEARCH_MAX_LENGTH characters:
    every word of a longer one would add a condition, past what SQLite can compile."""
    if len(term or "") > ADMIN_SEARCH_MAX_LENGTH:
        raise BadRequest(f"search term longer than {ADMIN_SEARCH_MAX_LENGTH} characters")


def declared_lookups_only(model_admin: admin.ModelAdmin) -> None:
    """Give a model admin that does not derive from AgencyScopedAdmin (Django's users and groups,
    django-axes, django-celery-beat, the audit log) the same change list and search cap (portal.apps)."""
    if isinstance(model_admin, AgencyScopedAdmin):
        return
    search = model_admin.get_search_results

    def get_search_results(request, queryset, search_term):
        search_term_check(search_term)
        return search(request, queryset, search_term)

    model_admin.get_changelist = lambda request, **kwargs: DeclaredLookupsChangeList
    model_admin.get_search_results = get_search_results


class AgencyScopedAdmin(admin.ModelAdmin):
    """The one admin base: who may open it, whose rows are changed, which rows are hidden.

    - Open: superusers, and staff bound to an agency holding Django's model permission.
      Staff without an agency get 403 everywhere.
    - `agency_path` leads from a row to the agency that owns it (``source_agency``,
      ``plan__agency``); None: no one agency owns the row, only superusers change it unless
      `owns` says otherwise.
    - Change: superusers, and the owning agency's staff (`owns`); a withdrawn row is history
      and read-only for everyone.
    - `others_visible`: other agencies' rows are public and shown read-only; False: they are
      private and left out of the queryset except what `visible_q` lets through (a committed
      plan), so their addresses answer as for a missing row.
    - Delete: never, unless `may_delete` allows an unpublished row (a draft).
    - Change lists filter only by declared filters (`DeclaredLookupsChangeList`); the admin's
      "view on site" address answers only for rows of the queryset (`admin_view_on_site`).
    - `agency_choices`: foreign keys whose choices are limited to the staff member's agency,
      as ``{field: path from the choice to its agency}`` ("" = the choice is the agency).
    """

    agency_path: str | None = "agency"
    others_visible = True
    agency_choices: dict[str, str] = {}
    show_full_result_count = False  # one COUNT(*) over millions of rows is enough

    def get_changelist(self, request, **kwargs):
        return DeclaredLookupsChangeList

    def get_search_results(self, request, queryset, search_term):
        search_term_check(search_term)  # the autocomplete view comes here without a change list
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        from credit.models import validate_plausible_date  # the floor's one date range
        from portal.forms import BoundedDateField

        if isinstance(db_field, DateField) and not isinstance(db_field, DateTimeField):
            kwargs.setdefault("form_class", BoundedDateField)  # the staff forms' date field (portal.forms)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, DateTimeField):
            field.validators.append(validate_plausible_date)
        return field

    def admin_allowed(self, request) -> bool:
        principal = who(request)
        return request.user.is_active and (principal.is_superuser or principal.agency is not None)

    def is_scoped(self, request) -> bool:
        """A staff member whose rows and choices are limited to their agency."""
        principal = who(request)
        return not principal.is_superuser and principal.agency is not None

    def row_agency_id(self, obj) -> int | None:
        return path_id(obj, self.agency_path) if self.agency_path else None

    def owns(self, request, obj) -> bool:
        principal = who(request)
        return principal.is_superuser or (self.agency_path is not None and principal.acts_for(self.row_agency_id(obj)))

    def visible_q(self, request, agency) -> Q:
        """The rows a scoped staff member sees when other agencies' rows are private."""
        return Q(**{self.agency_path: agency})

    def may_add(self, request) -> bool:
        return True

    def may_delete(self, request, obj) -> bool:
        return False

    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        if self.others_visible or who(request).is_superuser:
            return queryset
        agency = staff_agency(request)
        return queryset.filter(self.visible_q(request, agency)) if agency is not None else queryset.none()

    def has_module_permission(self, request):
        return self.admin_allowed(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_allowed(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self.admin_allowed(request) and super().has_add_permission(request) and self.may_add(request)

    def has_change_permission(self, request, obj=None):
        if not (self.admin_allowed(request) and super().has_change_permission(request, obj)):
            return False
        if obj is None:
            return True
        return getattr(obj, "withdrawn_at", None) is None and self.owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (
            self.may_delete(request, obj)
            and self.admin_allowed(request)
            and super().has_delete_permission(request, obj)
            and (obj is None or self.owns(request, obj))
        )

    def history_view(self, request, object_id, extra_context=None):
        # Django looks the row up first, so a hidden row would answer "missing" where a visible
        # one answers 403: ask who it is before which row, as the change and delete views do.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_autocomplete_fields(self, request):
        """Declared autocomplete fields, and every foreign key to an enterprise not shown as a raw id:
        enterprises are picked by name or code (credit.widgets.EnterprisePicker)."""
        from credit.widgets import is_enterprise_field  # the floor's one enterprise picker

        fields = list(super().get_autocomplete_fields(request))
        raw = set(self.raw_id_fields)
        return fields + [
            field.name for field in self.model._meta.fields
            if is_enterprise_field(field) and field.name not in raw and field.name not in fields
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from credit.widgets import enterprise_formfield_kwargs, is_enterprise_field

        if "widget" not in kwargs and is_enterprise_field(db_field) and db_field.name in self.get_autocomplete_fields(
                request):
            kwargs.update(enterprise_formfield_kwargs(db_field, self.admin_site, using=kwargs.get("using")))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None or db_field.name not in self.agency_choices or not self.is_scoped(request):
            return field
        agency = staff_agency(request)
        path = self.agency_choices[db_field.name]
        if path:
            field.queryset = field.queryset.filter(**{path: agency})
        else:
            field.queryset = field.queryset.filter(pk=agency.pk)
            field.initial = agency.pk
            field.empty_label = None
        return field

    def force_own_agency(self, request, obj) -> None:
        """A scoped staff member's new or changed row is their agency's, whatever a crafted POST says."""
        if self.is_scoped(request) and self.agency_path and "__" not in self.agency_path:
            setattr(obj, self.agency_path, staff_agency(request))


def admin_view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" address (``/admin/r/<ct>/<id>/``), answered only for a row the
    model's admin shows this user: Django's own view redirects to any object's page, so the
    address of another agency's draft (its number) leaked. Anything else is a 404."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.contenttypes.views import shortcut

    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ValueError, ContentType.DoesNotExist):
        raise Http404 from None
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        raise Http404
    if model_admin.get_object(request, object_id) is None:
        raise Http404
    return shortcut(request, content_type_id, object_id)
