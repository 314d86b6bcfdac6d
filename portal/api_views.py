"""The pages around the API: its documentation (Swagger UI from the sidecar package, served
from static: no CDN, no inline script) and the self-service keys (/api/keys/)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal import api, services
from portal.logins import client_ip


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """The browsable documentation: the published limits, how to get a key, and Swagger UI
    reading /api/v1/schema/ (its scripts and styles are static files: the CSP holds)."""
    return render(request, "portal/api_docs.html", {"limits": api.limits(), "schema_url": "/api/v1/schema/?format=json"})


class KeyRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)


class KeyRevokeForm(forms.Form):
    key = forms.CharField(label=_("API key"), max_length=200, strip=True)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    """Ask for a free key: an e-mail address gets a confirmation link (once an hour)."""
    form = KeyRequestForm(request.POST or None)
    sent = False
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.api_key_request(
                email=form.cleaned_data["email"], ip_address=client_ip(request),
                confirm_url=lambda token: request.build_absolute_uri(reverse("api_key_confirm", args=[token])),
            )
            sent = True
        except services.ApiKeyError as error:
            form.add_error("email", error.message)
            status = 429
    elif request.method == "POST":
        status = 400
    return render(request, "portal/api_keys.html",
                  {"form": form, "sent": sent, "limits": api.limits(), "revoke_form": KeyRevokeForm()}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def api_key_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a mail scanner opening the link issues nothing); POST issues the
    key and shows it once."""
    context = {"token": token, "limits": api.limits()}
    try:
        services.api_key_from_token(token)
    except services.ApiKeyError as error:
        return render(request, "portal/api_key_confirm.html", {**context, "error": error.message}, status=404)
    if request.method == "POST":
        try:
            api_key, key = services.api_key_confirm(token=token)
        except services.ApiKeyError as error:
            return render(request, "portal/api_key_confirm.html", {**context, "error": error.message}, status=404)
        return render(request, "portal/api_key_confirm.html", {**context, "api_key": api_key, "key": key})
    return render(request, "portal/api_key_confirm.html", context)


@never_cache
@require_http_methods(["POST"])
def api_key_revoke(request: HttpRequest) -> HttpResponse:
    """Revoke a key by giving it (whoever holds the key may end it)."""
    form = KeyRevokeForm(request.POST)
    revoked = None
    status = 200
    if form.is_valid():
        try:
            revoked = services.api_key_revoke(key=form.cleaned_data["key"])
        except services.ApiKeyError as error:
            form.add_error("key", error.message)
            status = 400
    else:
        status = 400
    return render(request, "portal/api_keys.html",
                  {"form": KeyRequestForm(), "revoke_form": form, "revoked": revoked, "limits": api.limits()},
                  status=status)


API_KEY_URLS = [
    ("", api_keys, "api_keys"),
    ("confirm/<str:token>/", api_key_confirm, "api_key_confirm"),
    ("revoke/", api_key_revoke, "api_key_revoke"),
]
