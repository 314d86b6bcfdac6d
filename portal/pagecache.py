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
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_vary_headers
from django.utils.http import http_date

SAFE_METHODS = ("GET", "HEAD")
# Tells operators and tests where an answer came from; a proxy in front may drop it.
STATUS_HEADER = "X-Page-Cache"


class Stored(NamedTuple):
    body: bytes
    content_type: str
    etag: str
    last_modified: int  # seconds since the epoch


def is_anonymous(request: HttpRequest) -> bool:
    """No session and no message waiting: nothing on the page can be this visitor's own.
    Read from the cookies, so deciding it loads no session."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def page_key(request: HttpRequest, version: str) -> str:
    query = sorted((name, value) for name, values in request.GET.lists() for value in values)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query!r}"
    digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    day = timezone.localdate().isoformat()
    return f"page:{translation.get_language()}:{day}:{version}:{digest}"


def _storable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not response.has_header("Vary")
    )


def _public(response: HttpResponse, stored: Stored) -> None:
    response["ETag"] = stored.etag
    response["Last-Modified"] = http_date(stored.last_modified)
    response["Cache-Control"] = (
        f"public, max-age={settings.PAGE_MAX_AGE}, stale-while-revalidate={settings.PAGE_STALE_SECONDS}"
    )
    patch_vary_headers(response, ("Cookie", "Accept-Language"))


def _answer(request: HttpRequest, stored: Stored, status: str) -> HttpResponse:
    response = HttpResponse(stored.body, content_type=stored.content_type)
    _public(response, stored)
    response[STATUS_HEADER] = status
    return get_conditional_response(
        request, etag=stored.etag, last_modified=stored.last_modified, response=response
    )


def public_page(version: Callable[..., str | None]):
    """Cache the whole page for anonymous visitors, keyed by `version(request, *args,
    **kwargs)`: the page's version token (credit.cache), or None for an answer that is not
    one page of its own (a redirect to the normal address, a 404), which is not cached."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in SAFE_METHODS:
                return view(request, *args, **kwargs)
            if not is_anonymous(request):
                response = view(request, *args, **kwargs)
                add_never_cache_headers(response)
                return response
            token = version(request, *args, **kwargs)
            if token is None:
                return view(request, *args, **kwargs)
            key = page_key(request, token)
            stored = cache.get(key)
            if isinstance(stored, tuple) and len(stored) == len(Stored._fields):
                return _answer(request, Stored(*stored), "hit")
            response = view(request, *args, **kwargs)
            if not _storable(response):
                return response
            body = response.content
            stored = Stored(
                body=body,
                content_type=response["Content-Type"],
                etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                last_modified=int(timezone.now().timestamp()),
            )
            cache.set(key, tuple(stored), settings.PAGE_CACHE_SECONDS)
            return _answer(request, stored, "miss")

        wrapped.public_page = True
        return wrapped

    return decorator


def _site_version(request: HttpRequest, *args, **kwargs) -> str:
    from credit.cache import site_version

    return site_version()


# Every public page that is not one enterprise's file: keyed by the site's version.
site_page = public_page(_site_version)
