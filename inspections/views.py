from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from inspections import selectors, services
from inspections.filters import ResultFilter
from inspections.models import DisclosureOrder, PlanFile
from portal import access
from portal.forms import BoundedDateField
from portal.pagecache import site_page

CONTENT_TYPES = {".csv": "text/csv; charset=us-ascii", ".json": "application/json"}
# Fixed timestamps keep the zip byte-identical between downloads.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
VERIFIER = Path(__file__).resolve().parent / "verify_draw.py"


def _not_found() -> Http404:
    return Http404(_("There is no published inspection plan or file at this address."))


def _plan_or_404(number: str):
    plan = selectors.public_plan(number)
    if plan is None:
        raise _not_found()
    return plan


@require_safe
@site_page
def index(request):
    results = ResultFilter(request.GET or None, queryset=selectors.published_results())
    plans = results.filter_plans(selectors.public_plans())
    plan_page = Paginator(plans, 20).get_page(request.GET.get("plans_page"))
    result_page = Paginator(results.qs, 50).get_page(request.GET.get("page"))
    return render(request, "inspections/index.html", {
        "filter": results, "plan_page": plan_page, "result_page": result_page,
    })


@require_safe
@site_page
def plan_detail(request, number: str):
    plan = _plan_or_404(number)
    task_page = Paginator(selectors.plan_public_tasks(plan), 100).get_page(request.GET.get("page"))
    if not plan.is_revealed and not task_page.paginator.count:
        task_page = None  # nothing of the selection is public yet
    draw_outcome = getattr(plan, "draw", None) if plan.is_revealed else None
    return render(request, "inspections/plan_detail.html", {
        "plan": plan,
        "files": selectors.plan_files(plan),
        "draw": draw_outcome,
        "task_page": task_page,
        "deadline": selectors.result_deadline(plan),
        "coverage": selectors.agency_year_coverage(plan.agency, plan.year, public=True),
        "progress": selectors.plan_results_progress(plan),
    })


def _allowed(plan, name: str) -> PlanFile:
    try:
        found = PlanFile.objects.get(plan=plan, name=name)
    except PlanFile.DoesNotExist:
        raise _not_found() from None
    if found.after_reveal and not plan.is_revealed:
        raise _not_found()
    return found


@require_safe
def plan_file(request, number: str, name: str):
    plan = _plan_or_404(number)
    found = _allowed(plan, name)
    suffix = name[name.rfind("."):]
    response = HttpResponse(bytes(found.content), content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"))
    # The exact published name: the verifier looks for these names in the folder.
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-SHA256"] = found.sha256
    return response


@require_safe
def plan_zip(request, number: str):
    plan = _plan_or_404(number)
    names = [f.name for f in selectors.plan_files(plan)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for found in PlanFile.objects.filter(plan=plan, name__in=names).order_by("name"):
            info = zipfile.ZipInfo(f"{plan.number}/{found.name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, bytes(found.content))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{plan.number}.zip"'
    return response


@require_safe
def verifier_script(request):
    """The standalone stdlib-only verifier, byte for byte as shipped."""
    response = HttpResponse(VERIFIER.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_draw.py"'
    return response


# The staff pages: 403 unless the login is its agency's with the model permission the work needs
# (whatever the address names); 404 for another agency's order (portal.access).
VIEW_ORDERS = "inspections.view_disclosureorder"
CURE_ORDER = "inspections.change_disclosureorder"
ORDERS_PAGE_SIZE = 50


@never_cache
@login_required
@require_safe
def staff_disclosure_orders(request):
    """The agency's open orders to disclose, the nearest deadline first, with working days left or overdue since."""
    principal = access.require_agency_staff(request, VIEW_ORDERS)
    page = Paginator(selectors.disclosure_orders_open(principal.agency), ORDERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "inspections/staff_disclosure_orders.html", {
        "page": page, "orders": selectors.disclosure_order_rows(page.object_list),
        "may_cure": access.has_perms(request, [CURE_ORDER]),
    })


class DisclosureCureForm(forms.Form):
    cured_on = BoundedDateField(label=gettext_lazy("Disclosed on"))


@never_cache
@login_required
def staff_disclosure_order_cure(request, pk: int):
    """Record that the firm disclosed as ordered (services.disclosure_order_cure): the order then never lists it."""
    principal = access.require_agency_staff(request, CURE_ORDER)
    order = access.owned_or_404(
        principal, DisclosureOrder.objects.select_related("enterprise").filter(pk=pk).first(), agency_path="agency"
    )
    form = DisclosureCureForm(request.POST or None, initial={"cured_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_order_cure(order=order, cured_on=form.cleaned_data["cured_on"], actor=request.user)
        except services.InspectionError as error:
            problems = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, messages_ in problems.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(request, _("The disclosure was recorded; the order is closed."))
            return redirect("inspections:staff_disclosure_orders")
    return render(request, "inspections/staff_disclosure_order_cure.html", {"order": order, "form": form})
