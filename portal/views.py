from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from credit import selectors
from portal import health


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "counts": selectors.home_counts(),
            "latest_penalties": selectors.latest_penalties(),
            "latest_licences": selectors.latest_licences(),
        },
    )


def search(request: HttpRequest) -> HttpResponse:
    result = selectors.enterprise_search(data=request.GET)
    if result.redirect_to:
        return redirect(result.redirect_to)
    params = request.GET.copy()
    params.pop("page", None)
    query_string = params.urlencode() + "&" if params else ""
    return render(
        request, "portal/search.html", {"result": result, "form": result.filterset.form, "query_string": query_string}
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.check_database(), "broker": health.check_broker()}
    healthy = all(ok for ok, _ in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    # The resolver's exception text lists URL patterns; it is not for the public.
    return render(request, "404.html", {}, status=404)
