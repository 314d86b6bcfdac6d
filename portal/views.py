from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from portal import health


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {})


def search(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/search.html", {})


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
    return render(request, "404.html", {"message": getattr(exception, "args", [""])[0] if exception else ""}, status=404)
