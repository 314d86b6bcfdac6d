from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from credit import selectors


def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    enterprise = selectors.enterprise_get(uscc=uscc)
    if enterprise is None:
        raise Http404(uscc)
    return render(request, "credit/enterprise_detail.html", {"enterprise": enterprise})
