"""The enterprise's instant disclosures in /account/ (docs/addresses.md): the list with their
deadlines and late marks, a new disclosure of one of the five kinds, and a correction
(a new version). Enterprise logins only; another enterprise's disclosure is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from credit import disclosures
from credit.disclosure_forms import InstantDisclosureForm
from credit.models import InstantDisclosure
from credit.selectors.disclosures import enterprise_disclosures
from portal import access


def _enterprise_only(request: HttpRequest):
    principal = access.who(request)
    if principal.kind is not access.Kind.ENTERPRISE:
        return principal, render(request, "account/no_enterprise.html", status=403)
    return principal, None


def _published_message(request: HttpRequest, disclosure: InstantDisclosure) -> None:
    due = date_format(disclosure.deadline.date)
    if disclosure.late:
        messages.warning(request, _("Published. It was due by %(due)s, so it is marked late in your credit file.")
                         % {"due": due})
    else:
        messages.success(request, _("Published in your credit file (due by %(due)s: on time).") % {"due": due})


def _form_errors_from(form: InstantDisclosureForm, error: ValidationError) -> None:
    for name, problems in error.error_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@never_cache
@login_required
def disclosure_list(request: HttpRequest) -> HttpResponse:
    principal, refused = _enterprise_only(request)
    if refused:
        return refused
    page, series = enterprise_disclosures(enterprise=principal.enterprise, page=request.GET.get("page", 1))
    return render(request, "credit/disclosures/list.html", {
        "enterprise": principal.enterprise, "page_obj": page, "series": series,
        "kinds": InstantDisclosure.Kind.choices,
    })


@never_cache
@login_required
def disclosure_new(request: HttpRequest, kind: str) -> HttpResponse:
    principal, refused = _enterprise_only(request)
    if refused:
        return refused
    if kind not in InstantDisclosure.Kind.values:
        raise Http404
    form = InstantDisclosureForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = disclosures.instant_disclosure_publish(
                enterprise=principal.enterprise, kind=kind, fact_date=form.cleaned_data["fact_date"],
                summary=form.cleaned_data["summary"], details=form.details(), actor=request.user,
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            _published_message(request, disclosure)
            return redirect("account:disclosures")
    return render(request, "credit/disclosures/form.html", {
        "enterprise": principal.enterprise, "form": form, "kind_label": InstantDisclosure.Kind(kind).label,
        "correcting": None,
    })


@never_cache
@login_required
def disclosure_correct(request: HttpRequest, pk: int) -> HttpResponse:
    principal, refused = _enterprise_only(request)
    if refused:
        return refused
    disclosure = access.owned_or_404(
        principal, InstantDisclosure.objects.filter(pk=pk).first(), enterprise_path="enterprise"
    )
    first_id = disclosure.original_id or disclosure.pk
    # The form starts from the version in force, whichever version the link named.
    latest = InstantDisclosure.objects.filter(original_id=first_id).order_by("-version").first() or (
        disclosure if disclosure.pk == first_id else InstantDisclosure.objects.get(pk=first_id)
    )
    initial = {"fact_date": latest.fact_date, "summary": latest.summary, **latest.details}
    form = InstantDisclosureForm(request.POST or None, kind=latest.kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            correction = disclosures.instant_disclosure_correct(
                disclosure=latest, fact_date=form.cleaned_data["fact_date"], summary=form.cleaned_data["summary"],
                details=form.details(), actor=request.user,
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("The correction is published as version %(version)s; the earlier versions "
                                        "stay public.") % {"version": correction.version})
            return redirect("account:disclosures")
    return render(request, "credit/disclosures/form.html", {
        "enterprise": principal.enterprise, "form": form, "kind_label": latest.get_kind_display(),
        "correcting": latest,
    })
