"""Credit commitment letters: the public pages (/commitments/), the enterprise's own letters and
signing (/account/commitments/), and the staff pages of the agency a letter is made to
(/staff/commitments/). docs/addresses.md lists who may use each."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit import commitments, services
from credit.cache import file_version_by_letter, site_version
from credit.commitment_forms import BreachForm, FulfilmentForm, SignConfirmForm, SignStartForm
from credit.commitment_rows import letter_rows_html
from credit.hooks import commitment_refusals
from credit.selectors import commitments as letters
from portal import access
from portal.forms import form_html_cached
from portal.pagecache import public_page, site_page

VERIFIER = Path(__file__).resolve().parent / "verify_commitment.py"
BREACH_PERM = "credit.add_commitmentbreach"
FULFIL_PERM = "credit.change_commitmentletter"


def page_version(request: HttpRequest) -> str:
    """The site's version as the page cache read it for this request (credit.cache)."""
    return getattr(request, "page_version", None) or site_version()


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- public -------------------------------------------------------------------------------


@site_page
@require_http_methods(["GET", "HEAD"])
def letter_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    result = letters.letter_list(filters=request.GET, today=today, page=request.GET.get("page"))
    return render(request, "credit/commitments/list.html",
                  {"filter": result.filter, "page": result.page, "letters": result.letters, "query": _query(request),
                   "rows_html": letter_rows_html(result.letters),
                   "form_html": form_html_cached(result.filter.form, version=f"{page_version(request)}|{today}")})


def _letter_version(request: HttpRequest, pk: int) -> str | None:
    return file_version_by_letter(pk)


@public_page(_letter_version)
@require_http_methods(["GET", "HEAD"])
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = letters.letter_get(pk=pk, today=timezone.localdate())
    if letter is None:
        raise Http404
    return render(request, "credit/commitments/detail.html", {"letter": letter, "enterprise": letter.enterprise})


@public_page(_letter_version)
@require_http_methods(["GET", "HEAD"])
def letter_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The canonical document whose SHA-256 the letter publishes, byte for byte (docs/commitments.md)."""
    letter = letters.letter_for_document(pk=pk)
    if letter is None:
        raise Http404
    response = HttpResponse(commitments.letter_document(letter).encode("utf-8"),
                            content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="commitment-{letter.pk}.txt"'
    return response


@site_page
@require_http_methods(["GET", "HEAD"])
def verifier_script(request: HttpRequest) -> HttpResponse:
    """The standalone stdlib-only verifier (docs/commitments.md), byte for byte as shipped."""
    response = HttpResponse(VERIFIER.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_commitment.py"'
    return response


# --- the enterprise's own -------------------------------------------------------------------


def _enterprise_or_403(request: HttpRequest):
    principal = access.who(request)
    if principal.kind is not access.Kind.ENTERPRISE:
        raise PermissionDenied(_("This page is for the enterprise's own login."))
    return principal.enterprise


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def account_letters(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise_or_403(request)
    rows = letters.account_letters(enterprise=enterprise, today=timezone.localdate())
    return render(request, "credit/commitments/account_list.html", {"enterprise": enterprise, "letters": rows})


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_sign(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET, or POST step=preview): choose the letter. Step 2 (POST step=sign): the exact
    text that will be signed and hashed, the signatory and the confirmation."""
    enterprise = _enterprise_or_403(request)
    step = request.POST.get("step") if request.method == "POST" else None
    context = {"enterprise": enterprise}
    if step == "sign":
        form = SignConfirmForm(request.POST, enterprise=enterprise)
        if form.is_valid():
            data = form.cleaned_data
            try:
                letter = services.commitment_letter_sign(
                    enterprise=enterprise, kind=data["kind"], language=data["language"],
                    signatory_name=data["signatory_name"], signatory_title=data["signatory_title"], actor=request.user,
                    agency=data["agency"], approval_matter=data["approval_matter"], confirmed=data["confirmed"],
                    expected_template=data["template"], expected_text_sha256=data["text_sha256"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The letter was signed and published."))
                return redirect(letter.get_absolute_url())
        return _confirm_page(request, form, context)
    start = SignStartForm(request.POST if step == "preview" else None, enterprise=enterprise)
    if step == "preview" and start.is_valid():
        refusals = commitment_refusals(enterprise=enterprise, kind=start.cleaned_data["kind"],
                                       today=timezone.localdate())
        if refusals:
            for refusal in refusals:
                start.add_error("kind", refusal)
        else:
            data = start.cleaned_data
            preview = _preview(enterprise, start)
            form = SignConfirmForm(initial={
                "kind": data["kind"], "language": data["language"], "approval_matter": data["approval_matter"],
                "agency": data["agency"].code if data["agency"] else "", "template": preview.template_ref,
                "text_sha256": preview.text_sha256,
            }, enterprise=enterprise)
            return _confirm_page(request, form, context, preview=preview)
    return render(request, "credit/commitments/sign_start.html", {**context, "form": start})


def _preview(enterprise, form):
    data = form.cleaned_data
    return services.commitment_preview(enterprise=enterprise, kind=data["kind"], language=data["language"],
                                       agency=form.letter_agency(), approval_matter=data["approval_matter"])


def _confirm_page(request, form, context, preview=None) -> HttpResponse:
    if preview is None:
        # Re-shown after an error: the text as it is now (the service refused a changed one).
        if not all(name in form.cleaned_data for name in ("kind", "language", "approval_matter", "agency")):
            start = SignStartForm(request.POST, enterprise=context["enterprise"])
            return render(request, "credit/commitments/sign_start.html", {**context, "form": start}, status=400)
        preview = _preview(context["enterprise"], form)
        data = form.data.copy()
        if (data.get("template"), data.get("text_sha256")) != (preview.template_ref, preview.text_sha256):
            data["confirmed"] = ""  # a different text: confirmed again or not at all
        data["template"], data["text_sha256"] = preview.template_ref, preview.text_sha256
        form.data = data
    agency = form.cleaned_data.get("agency") if form.is_bound else None
    if not form.is_bound:
        agency = form.initial.get("agency") and form.fields["agency"].queryset.filter(code=form.initial["agency"]).first()
    return render(request, "credit/commitments/sign_confirm.html", {
        **context, "form": form, "preview": preview,
        "letter_agency": agency or context["enterprise"].registration_authority,
    })


# --- staff of the agency a letter is made to -------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def staff_letters(request: HttpRequest) -> HttpResponse:
    principal = access.require_agency_staff(request, BREACH_PERM)
    result = letters.letter_list(filters=request.GET, today=timezone.localdate(), page=request.GET.get("page"),
                                 agency=principal.agency)
    return render(request, "credit/commitments/staff_list.html", {
        "agency": principal.agency, "filter": result.filter, "page": result.page, "letters": result.letters,
        "query": _query(request), "rows_html": letter_rows_html(result.letters, staff=True)})


def _staff_letter(request: HttpRequest, pk: int, perm: str):
    principal = access.require_agency_staff(request, perm)
    letter = letters.staff_letter_get(pk=pk, agency=principal.agency, today=timezone.localdate())
    if letter is None:
        raise Http404
    return letter


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_breach(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _staff_letter(request, pk, BREACH_PERM)
    form = BreachForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_breach_record(letter=letter, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The breach was recorded and published."))
            return redirect(letter.get_absolute_url())
    return render(request, "credit/commitments/staff_breach.html", {"letter": letter, "form": form})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _staff_letter(request, pk, FULFIL_PERM)
    data = request.POST if request.method == "POST" else None
    form = FulfilmentForm(data, initial={"fulfilled_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_fulfilment_record(letter=letter, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The fulfilment was recorded and published."))
            return redirect(letter.get_absolute_url())
    return render(request, "credit/commitments/staff_fulfil.html", {"letter": letter, "form": form})
