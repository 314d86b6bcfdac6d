"""Project middleware: a database outage answers 503, and input no page accepts answers 400.

A database that cannot be reached answers 503 with Retry-After, not 500.

`DatabaseUnavailableMiddleware` turns django.db's OperationalError and InterfaceError
(connection refused, timed out, lost) into templates/503.html, rendered without the
request context and in the visitor's language from the cookie or Accept-Language, so
that nothing on the way needs the database. Errors raised by the view come through
`process_exception`; those raised by other middleware (the session saved after the
view, for example) are marked by the got_request_exception receiver below and the 500
that Django made of them is replaced on the way out.
"""

from __future__ import annotations

import logging
import re
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

logger = logging.getLogger("portal.database")

DATABASE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_portal_database_unavailable"


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    seconds = settings.DB_RETRY_AFTER_SECONDS
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = loader.get_template("503.html").render({"retry_after": seconds})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response


def _log(request: HttpRequest, error: BaseException) -> None:
    logger.warning("database unavailable, answered 503 for %s %s: %s: %s",
                   request.method, request.path, type(error).__name__, error)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, _MARK, None)
        if error is not None and response.status_code == 500:
            _log(request, error)
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            _log(request, exception)
            return database_unavailable_response(request)
        return None


@receiver(got_request_exception, dispatch_uid="portal.middleware.database_unavailable")
def _mark_database_error(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, _MARK, error)


# --- Input the site never stores, refused once for the whole project --------------------------

# C0 control characters except tab, line feed and carriage return, and DEL. PostgreSQL refuses a
# NUL in a text parameter (a DataError, a 500) and no stored code, name or text holds any of them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_QUERY_VALUE_LENGTH = 2000
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _shown(name: str) -> str:
    """A parameter name as the message shows it: control characters escaped, at most 60 characters."""
    return CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", name[:60])


def input_problem(request: HttpRequest) -> str | None:
    """Why the address, the query string or the form of `request` is refused, naming the
    parameter; None if it is not."""
    # A percent-encoded NUL (%00) in the path reaches URL converters and lookups as a NUL byte.
    if CONTROL_CHARACTERS.search(request.path):
        return _("The address contains a control character.")
    sources = [(request.GET, MAX_QUERY_VALUE_LENGTH)]
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        try:
            sources.append((request.POST, None))
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            # Django's 400 (templates/400.html; RequestSizeMiddleware turns a body too large into
            # 413), not an empty form: the parser stopped half-way and the body is gone.
            raise
        except Exception:  # noqa: BLE001 - a malformed body is the view's (and Django's) to answer
            pass
    for data, longest in sources:
        for key, values in data.lists():
            if CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(value) for value in values):
                return _("The parameter “%(name)s” contains a control character.") % {"name": _shown(key)}
            if longest is not None and any(len(value) > longest for value in values):
                return _("The parameter “%(name)s” is longer than %(count)d characters.") % {
                    "name": _shown(key), "count": longest}
    return None


class InputSanityMiddleware:
    """A NUL byte or other control character in the path or in a query-string or form parameter
    (its name or a value), or a query-string value over MAX_QUERY_VALUE_LENGTH characters, answers 400 with a plain
    message naming the parameter, before any view or filter sends it to the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = input_problem(request)
        if problem is not None:
            return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def request_too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    """The 413 page: how much may be sent at once, and that nothing was saved."""
    from portal.uploads import _mb

    response = HttpResponse(
        loader.render_to_string("413.html", {"limit_mb": _mb(limit)}, request=request), status=413,
    )
    add_never_cache_headers(response)
    return response


class RequestSizeMiddleware:
    """A request whose declared body (Content-Length) is larger than REQUEST_MAX_BODY_BYTES is
    answered 413 with a page saying the limit, before anything reads the body (Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files). The per-file and per-form
    limits are the forms' (portal.uploads), with messages naming the file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.REQUEST_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponseBadRequest(_("The request's Content-Length is not a number."),
                                          content_type="text/plain; charset=utf-8")
        if length > limit:
            return request_too_large_response(request, limit)
        return self.get_response(request)
