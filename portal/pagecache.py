"""Whole public pages, cached for anonymous visitors and sent so that any HTTP cache may keep them.

A public page (home, search, a credit file, the lists, an entry, the inspections, a plan)
shows nothing per visitor to an anonymous one: the language switch needs no CSRF token
(portal.views.set_language) and the signed-in links come only with a session. So the
whole response of an anonymous GET or HEAD is stored in the shared cache under

    page:<language>:<local day>:<version>:<sha256 of scheme, host, path and sorted query>

where `version` is the page's own version token, given by the view's `version` function
(credit.cache: a credit file's `<file_version>.<generation>`, every other page's
`<generation>.<changes>`). credit.publication raises the token in the transaction of the
change, so the next request after a commit asks for a key nobody has filled yet: nothing
is ever deleted, and a change committed while the cache is down is not lost. The local
day is in the key because publication periods end at local midnight.

Who is anonymous is decided from the cookies alone, without loading a session: no
session cookie and no messages cookie (a message waiting to be shown is per visitor).
Anyone else gets the page rendered for them with `Cache-Control: private, no-store`, is
never served a stored page, and nothing rendered for them is stored.

Anonymous answers carry `Cache-Control: public, max-age=PAGE_MAX_AGE,
stale-while-revalidate=PAGE_STALE_SECONDS`, a strong `ETag` (a hash of the body),
`Last-Modified` (when the stored copy was rendered) and `Vary: Cookie, Accept-Language`
(the language comes from the cookie or the header, and a session cookie must miss in a
shared cache). A matching `If-None-Match` (or a not older `If-Modified-Since`) answers 304.
Only a 200 answer that sets no cookie and asks for no privacy of its own is stored.

How a request is answered (`PageCacheMiddleware`, placed right after SecurityMiddleware,
WhiteNoise and the database-outage middleware): for an anonymous GET or HEAD whose
address resolves to a view registered by `public_page` (or `site_page`), it asks the
view's `version` function for the token, looks the key up and, on a hit, answers the
stored response, headers and all, before the session, locale, CSRF, authentication,
messages, clickjacking and CSP middleware run: they would add nothing for an anonymous
visitor that is not already stored with the page, since what they add on a miss
(Content-Language, Vary, X-Frame-Options, Content-Security-Policy) is stored with it.
SecurityMiddleware and WhiteNoise stay outside, so their headers are added to every
answer as they are made. On a miss the request goes the whole way; the decorator marks
the view's own answer as storable, and on the way out the middleware stores the body and
every header the inner middleware added, provided nothing set a cookie or asked for
privacy on the way. Skipping the input checks (portal.middleware.InputSanityMiddleware,
CommonMiddleware's redirects) on a hit refuses nothing they would: a stored page's key
holds its path and parsed query, which passed them when it was rendered, and a version
function sends nothing to the database that no stored row could match (credit.cache).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from portal.middleware import DATABASE_ERRORS

SAFE_METHODS = ("GET", "HEAD")
# Tells operators and tests where an answer came from; a proxy in front may drop it.
STATUS_HEADER = "X-Page-Cache"


class Stored(NamedTuple):
    body: bytes
    headers: tuple[tuple[str, str], ...]  # as the inner middleware left them, cache headers included
    etag: str
    last_modified: int  # seconds since the epoch


# Set by the outer layers or per answer, never stored: Date and Server by the WSGI server,
# the security headers by SecurityMiddleware (outside the page cache) on every answer.
_NOT_STORED = frozenset({"date", "server", STATUS_HEADER.lower(), "set-cookie", "strict-transport-security",
                         "x-content-type-options", "referrer-policy", "cross-origin-opener-policy"})
# What the inner middleware may make an anonymous page vary on: the key covers both.
_VARY_ALLOWED = frozenset({"cookie", "accept-language"})
_MARK = "_page_cache_storable"


def is_anonymous(request: HttpRequest) -> bool:
    """No session and no message waiting: nothing on the page can be this visitor's own.
    Read from the cookies, so deciding it loads no session."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def page_key(request: HttpRequest, version: str, language: str | None = None) -> str:
    query = sorted((name, value) for name, values in request.GET.lists() for value in values)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query!r}"
    digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    day = timezone.localdate().isoformat()
    return f"page:{language or translation.get_language()}:{day}:{version}:{digest}"


def _storable(response: HttpResponse) -> bool:
    """The view's own answer is the page: a 200 that sets no cookie and asks for no
    privacy or variation of its own."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not response.has_header("Vary")
    )


def _still_storable(response: HttpResponse) -> bool:
    """...and the middleware inside the page cache added nothing per visitor on the way out
    (a CSRF, session, messages or language cookie, a Cache-Control, a Vary beyond the key's)."""
    if not getattr(response, _MARK, False) or response.cookies or response.has_header("Cache-Control"):
        return False
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}
    return vary <= _VARY_ALLOWED


def _public(response: HttpResponse, etag: str, last_modified: int) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = (
        f"public, max-age={settings.PAGE_MAX_AGE}, stale-while-revalidate={settings.PAGE_STALE_SECONDS}"
    )
    patch_vary_headers(response, ("Cookie", "Accept-Language"))


def _answer(request: HttpRequest, stored: Stored, status: str) -> HttpResponse:
    response = HttpResponse(stored.body)
    for name, value in stored.headers:
        response[name] = value
    response[STATUS_HEADER] = status
    return get_conditional_response(
        request, etag=stored.etag, last_modified=stored.last_modified, response=response
    )


def _registered_page(request: HttpRequest):
    """(version function, view arguments) of the public page at the request's address, or
    None: not a safe method, not anonymous, or no page registered there."""
    if request.method not in SAFE_METHODS or not is_anonymous(request):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    version = getattr(match.func, "page_version", None)
    return None if version is None else (version, match.args, match.kwargs)


class PageCacheMiddleware:
    """Answers an anonymous visitor's public page from the shared cache before the session
    and everything after it; stores the whole answer of a miss on its way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        page = _registered_page(request)
        if page is None:
            return self.get_response(request)
        version, args, kwargs = page
        try:
            token = version(request, *args, **kwargs)
        except DATABASE_ERRORS:
            # The page goes the normal way, whose failure answers 503 (portal.middleware).
            return self.get_response(request)
        if token is None:
            return self.get_response(request)
        # The view may key its own fragments by the same token, without asking again.
        request.page_version = token
        # What LocaleMiddleware will activate for this request (no language in the paths).
        key = page_key(request, token, translation.get_language_from_request(request))
        stored = cache.get(key)
        # An entry of another shape (one stored by an older release: body, content type, ...)
        # is a miss and is replaced.
        if isinstance(stored, tuple) and len(stored) == len(Stored._fields) and isinstance(stored[1], tuple):
            return _answer(request, Stored(*stored), "hit")
        response = self.get_response(request)
        if not _still_storable(response):
            return response
        body = response.content
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        last_modified = int(timezone.now().timestamp())
        _public(response, etag, last_modified)
        headers = tuple((name, value) for name, value in response.items() if name.lower() not in _NOT_STORED)
        stored = Stored(body=body, headers=headers, etag=etag, last_modified=last_modified)
        cache.set(key, tuple(stored), settings.PAGE_CACHE_SECONDS)
        return _answer(request, stored, "miss")


def public_page(version: Callable[..., str | None]):
    """Register the view as a public page, cached whole for anonymous visitors by
    `PageCacheMiddleware` under `version(request, *args, **kwargs)`: the page's version
    token (credit.cache), or None for an answer that is not one page of its own (a redirect
    to the normal address, a 404), which is not cached. Signed-in visitors get their own
    page with `Cache-Control: private, no-store`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if request.method not in SAFE_METHODS:
                return response
            if not is_anonymous(request):
                add_never_cache_headers(response)
            elif _storable(response):
                setattr(response, _MARK, True)
            return response

        wrapped.public_page = True
        wrapped.page_version = version
        return wrapped

    return decorator


def _site_version(request: HttpRequest, *args, **kwargs) -> str:
    from credit.cache import site_version

    return site_version()


# Every public page that is not one enterprise's file: keyed by the site's version.
site_page = public_page(_site_version)
