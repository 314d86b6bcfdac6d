from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from credit import selectors
from credit import uscc as uscc_rules
from credit.cache import credit_file_cache_key, file_version_by_code
from credit.selectors.annual_reports import report_versions
from portal import access
from portal.pagecache import is_anonymous, public_page


def _file_version(request: HttpRequest, uscc: str) -> str | None:
    """The file's version, None (not cached) for an address that redirects or is not found."""
    return file_version_by_code(uscc)


def _credit_file_version(request: HttpRequest, uscc: str) -> str | None:
    """As _file_version, read with the file's enterprise: on a miss the view takes it from
    the same row (`_enterprise`) instead of asking again."""
    found = selectors.enterprise_version_get(uscc=uscc)
    if found is None:
        return None
    version, enterprise = found
    request.credit_file_enterprise = (uscc, enterprise)
    return version


def _enterprise(request: HttpRequest, code: str):
    """The enterprise of the file at `code`: the one read with the page's version, if it was."""
    kept = getattr(request, "credit_file_enterprise", None)
    if kept is not None and kept[0] == code:
        return kept[1]()
    return selectors.enterprise_get(uscc=code)


@public_page(_credit_file_version)
def enterprise_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    code = uscc_rules.normalise(uscc)
    problem = selectors.uscc_problem(code)
    if problem:
        return render(request, "404.html", {"uscc": uscc, "uscc_problem": problem}, status=404)
    if code != uscc:
        return redirect("credit:enterprise_detail", uscc=code, permanent=True)
    enterprise = _enterprise(request, code)
    if enterprise is None:
        return render(request, "404.html", {"uscc": code, "uscc_unknown": True}, status=404)
    # Anonymous visitors get the whole page from portal.pagecache. For everyone else (never
    # served a stored page) the sections, the expensive part (their queries and most of the
    # rendering), are cached as the rendered <main> fragment under a key that carries the file's version
    # (credit.cache): every publication raises it. It is rendered without the request, so
    # nothing per visitor can end up in it.
    language = get_language()
    today = timezone.localdate()  # one day for the key and the content, also across midnight
    if is_anonymous(request) and not request.GET:
        # The whole page is stored under the same version on its way out: a fragment of it
        # would be a second copy, and two more round trips to the cache on every miss. With a
        # query string (which the file ignores, but the page cache keys on) the fragment stays,
        # so that random parameters cannot make every request a full build.
        body = render_to_string("credit/file_body.html", selectors.credit_file(enterprise=enterprise, today=today))
        return render(request, "credit/enterprise_detail.html", {"enterprise": enterprise, "file_body": mark_safe(body)})
    key = credit_file_cache_key(enterprise, language, today)
    body = cache.get(key)
    if body is None:
        body = render_to_string("credit/file_body.html", selectors.credit_file(enterprise=enterprise, today=today))
        cache.set(key, body, settings.CREDIT_FILE_CACHE_SECONDS)
    return render(request, "credit/enterprise_detail.html", {"enterprise": enterprise, "file_body": mark_safe(body)})


def _report_version(request: HttpRequest, uscc: str, year: int) -> str | None:
    return _file_version(request, uscc)


@public_page(_report_version)
def annual_report_detail(request: HttpRequest, uscc: str, year: int) -> HttpResponse:
    """Every published version of one year's report (latest first), cached whole for anonymous
    visitors under the file's version, which each submission raises."""
    code = uscc_rules.normalise(uscc)
    problem = selectors.uscc_problem(code)
    if problem:
        return render(request, "404.html", {"uscc": uscc, "uscc_problem": problem}, status=404)
    if code != uscc:
        return redirect("credit:annual_report_detail", uscc=code, year=year, permanent=True)
    enterprise = selectors.enterprise_get(uscc=code)
    if enterprise is None:
        return render(request, "404.html", {"uscc": code, "uscc_unknown": True}, status=404)
    versions = report_versions(enterprise=enterprise, year=year)
    if not versions:
        raise Http404("no annual report for that year")
    return render(request, "credit/annual_report_detail.html",
                  {"enterprise": enterprise, "year": year, "versions": versions})


@never_cache
@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    principal = access.who(request)
    if principal.kind is not access.Kind.ENTERPRISE:
        # Signed in, but not as an enterprise (agency staff, or a login not yet bound).
        return render(request, "account/no_enterprise.html", status=403)
    return render(request, "account/home.html", selectors.account_overview(enterprise=principal.enterprise,
                                                                               user=request.user))
