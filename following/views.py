"""The pages of following by e-mail (docs/following.md).

/follow/enterprises/<USCC>/, /follow/lists/<code>/ and /follow/search/?q=... ask for a follow;
/follow/confirm/<token>/, /follow/unsubscribe/<token>/ and /follow/manage/<token>/ act on one.
A GET never changes anything (mail scanners open links); the POSTs do. The token pages are never
cached and send `Referrer-Policy: same-origin`, so the token leaks into no cache and no other
site's logs. The one-click unsubscribe of RFC 8058 POSTs to the unsubscribe page without a CSRF
token: it is csrf_exempt, and ending a follow is all it can do.
"""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from credit import selectors as credit_selectors
from credit import uscc as uscc_rules
from credit.filters import FILTER_FIELDS, EnterpriseFilter
from following import services
from following.email import KIND_LABELS, target_label
from following.forms import FollowForm, FollowSettingsForm
from following.models import Channel, Follow, Target
from listings.models import CreditList
from portal.logins import client_ip


def private(view):
    """Never cached, and the address (a token) is sent to no other site as a referrer.
    `same-origin` rather than `no-referrer`: under no-referrer a browser sends `Origin: null`
    with the page's own form, which Django's CSRF check rightly refuses."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response
    return never_cache(wrapped)


def _request_follow(request: HttpRequest, *, target: str, context: dict, **target_values) -> HttpResponse:
    form = FollowForm(request.POST or None)
    # What is followed, in words (the same words as the mails'): an unsaved follow of the target.
    context["what"] = target_label(Follow(target=target, **target_values))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                requested = services.follow_request(
                    target=target, email=form.cleaned_data["email"], frequency=form.cleaned_data["frequency"],
                    kinds=form.cleaned_data["kinds"], ip=client_ip(request), language=get_language(), **target_values)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
                status = 429 if "email" in error.message_dict else 400
            else:
                return render(request, "following/requested.html",
                              {**context, "requested": requested, "email": form.cleaned_data["email"]})
        else:
            status = 400
    return render(request, "following/follow_form.html", {**context, "form": form}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_enterprise(request: HttpRequest, uscc: str) -> HttpResponse:
    code = uscc_rules.normalise(uscc)
    problem = credit_selectors.uscc_problem(code)
    enterprise = None if problem else credit_selectors.enterprise_get(uscc=code)
    if enterprise is None:
        raise Http404(uscc)
    context = {"target": Target.ENTERPRISE, "enterprise": enterprise, "back": enterprise.get_absolute_url()}
    return _request_follow(request, target=Target.ENTERPRISE, context=context, enterprise=enterprise)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_list(request: HttpRequest, code: str) -> HttpResponse:
    credit_list = CreditList.objects.filter(code=code).first()
    if credit_list is None:
        raise Http404(code)
    context = {"target": Target.LIST, "credit_list": credit_list, "back": credit_list.get_absolute_url()}
    return _request_follow(request, target=Target.LIST, context=context, credit_list=credit_list)


def search_parameters(filterset: EnterpriseFilter) -> tuple[dict[str, str], str]:
    """A valid search as it is saved (its non-empty parameters) and in words (its readable label)."""
    cleaned = filterset.form.cleaned_data
    search, words = {}, []
    for name in ("q", *FILTER_FIELDS):
        value = cleaned.get(name)
        if not value:
            continue
        search[name] = str(value)
        field = filterset.form.fields[name]
        choices = dict((str(k), v) for k, v in getattr(field, "choices", []))
        words.append(str(choices.get(str(value), value)) if name != "q" else str(value))
    return search, " · ".join(words)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_search(request: HttpRequest) -> HttpResponse:
    filterset = EnterpriseFilter(data=request.GET)
    if not filterset.form.is_valid():
        return render(request, "following/search_invalid.html", {"form": filterset.form}, status=400)
    search, label = search_parameters(filterset)
    context = {"target": Target.SEARCH, "search": search, "label": label,
               "back": f"/search/?{request.GET.urlencode()}", "query": request.GET.urlencode()}
    return _request_follow(request, target=Target.SEARCH, context=context, search=search, search_label=label)


def _follow_or_404(token: str) -> Follow:
    follow = (Follow.objects.select_related("enterprise", "credit_list")
              .filter(token=token[:64], channel=Channel.EMAIL).first())
    if follow is None:
        raise Http404("unknown token")
    return follow


def _token_context(follow: Follow) -> dict:
    return {"follow": follow, "label": target_label(follow),
            "kind_labels": [str(KIND_LABELS.get(kind, kind)) for kind in follow.kinds]}


@private
@require_http_methods(["GET", "HEAD", "POST"])
def follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what would be confirmed and a button (a link scanner confirms nothing); POST confirms."""
    follow = _follow_or_404(token)
    context = _token_context(follow)
    if request.method == "POST":
        try:
            follow = services.follow_confirm(follow=follow)
        except services.FollowEnded as ended:
            return render(request, "following/confirm.html", {**context, "error": str(ended)}, status=409)
        return render(request, "following/confirm.html", {**_token_context(follow), "confirmed": True})
    return render(request, "following/confirm.html", context)


@csrf_exempt
@private
@require_http_methods(["GET", "HEAD", "POST"])
def follow_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a button. POST (the button, or a mail client's RFC 8058 one-click with
    `List-Unsubscribe=One-Click`): ends the follow and answers 200, also when it had ended."""
    follow = _follow_or_404(token)
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        follow = services.follow_end(follow=follow, reason="one-click" if one_click else "unsubscribe page")
        return render(request, "following/unsubscribe.html", {**_token_context(follow), "ended": True})
    return render(request, "following/unsubscribe.html", _token_context(follow))


@private
@require_http_methods(["GET", "HEAD", "POST"])
def follow_manage(request: HttpRequest, token: str) -> HttpResponse:
    """Change how often and of what a follow hears; the unsubscribe button posts to its page."""
    follow = _follow_or_404(token)
    initial = {"frequency": follow.frequency, "kinds": follow.kinds}
    form = FollowSettingsForm(request.POST or None, initial=initial)
    status, saved = 200, False
    if request.method == "POST" and follow.ended_at is None:
        if form.is_valid():
            try:
                follow = services.follow_update(follow=follow, frequency=form.cleaned_data["frequency"],
                                                kinds=form.cleaned_data["kinds"])
                saved = True
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
                status = 400
        else:
            status = 400
    elif request.method == "POST":
        status = 409
        form = FollowSettingsForm(initial=initial)
    return render(request, "following/manage.html", {**_token_context(follow), "form": form, "saved": saved,
                                                      "message": _("Saved.") if saved else ""}, status=status)
