from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from credit import search_rows, selectors
from portal import access, health, workbench
from portal.pagecache import site_page

STAFF_QUEUE_PAGE_SIZE = 50


@csrf_exempt
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (POST sets the cookie, with its `next` safety and SameSite),
    without the CSRF check: switching another visitor's language changes nothing of value,
    and the switcher's form then carries no per-visitor token, so every public page can be
    cached whole (portal.pagecache)."""
    return i18n.set_language(request)


@site_page
def home(request: HttpRequest) -> HttpResponse:
    counts = selectors.home_counts()
    response = render(
        request,
        "portal/home.html",
        {
            "counts": counts,
            "latest_penalties": selectors.latest_penalties(),
            "latest_licences": selectors.latest_licences(),
        },
    )
    if counts["approximate"]:
        add_never_cache_headers(response)  # estimates until the first count: not kept anywhere
    return response


@site_page
def search(request: HttpRequest) -> HttpResponse:
    result = selectors.enterprise_search(data=request.GET)
    if result.redirect_to:
        return redirect(result.redirect_to)
    params = request.GET.copy()
    params.pop("page", None)
    query_string = params.urlencode() + "&" if params else ""
    form = result.filterset.form
    return render(request, "portal/search.html", {
        "result": result, "form": form, "query_string": query_string,
        "filters_html": search_rows.filter_fields_html(form),
        "rows_html": search_rows.enterprise_rows_html(result.page.rows) if result.page else "",
        "results_head_html": search_rows.results_head_html() if result.page and result.page.rows else "",
    })


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """ok/fail per dependency. 503 when the database or the broker fails; a failing cache
    only makes the site slower ("degraded", still 200). Reasons are in the log."""
    checks = {"database": health.check_database(), "broker": health.check_broker(), "cache": health.check_cache()}
    required = checks["database"] and checks["broker"]
    body = {
        "status": ("ok" if checks["cache"] else "degraded") if required else "unavailable",
        "checks": {name: "ok" if ok else "fail" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if required else 503)


@require_safe
@never_cache
@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """One home per agency: every queue of work with a deadline (portal.workbench), merged and
    ordered by deadline. For agency staff; each queue only with the admin's permissions for it."""
    principal = access.require_agency_staff(request)
    queue = workbench.staff_queue(principal, timezone.localdate(),
                                  may=lambda perms: access.has_perms(request, perms))
    page = Paginator(queue.rows, STAFF_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/staff_home.html", {
        "agency": principal.agency, "queue": queue, "page": page,
    })


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages without a <link rel="icon"> (a PDF, a
    JSON answer): the same icon as the pages' link, from the static files."""
    return redirect(static("img/favicon.svg"), permanent=True)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    # The resolver's exception text lists URL patterns; it is not for the public.
    return render(request, "404.html", {}, status=404)
