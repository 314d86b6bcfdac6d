"""A database that cannot be reached answers 503 with Retry-After, not 500.

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
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers

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
