"""The public read API under /api/v1/ (docs/api.md): the router the apps fill, and what every
endpoint shares: API keys, the fair limits with their headers, cursor pagination, ETags.

The floor rule holds here too: `portal` never imports an app above it. Each app's `api.py`
holds its serializers and viewsets and registers them from its AppConfig.ready():

    from portal import api
    api.api_register("lists", CreditListViewSet, basename="list")

and portal/urls.py mounts `api.urlpatterns()` at /api/v1/ (URLs are read after every ready()).

Limits. Every request to an endpoint counts against one client: its API key when it sends a
valid one (`Authorization: Bearer <key>` or `X-Api-Key: <key>`), otherwise its address
(portal.logins.client_ip: REMOTE_ADDR, or behind LOGIN_TRUSTED_PROXIES the address the
outermost proxy saw). A fixed window of API_RATE_WINDOW seconds allows API_ANON_RATE requests
per address and API_KEY_RATE per key; the counters are the shared cache's (`incr` on Redis
with REDIS_URL: every process and machine counts together). Every answer carries
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window
ends); over the limit the answer is 429 with `Retry-After` and a JSON body saying when. If
the cache cannot count (Redis down), the request is let through with the full limit shown
and a warning logged: an outage of the cache never refuses or breaks the API.

ETags. A view names the version of what it shows (credit.cache: the file version of one
enterprise, or the site's publication count), and the ETag is a hash of that token with the
address, its query, the language and the local day. A matching If-None-Match answers 304
before any row is read or rendered; a rendered body is kept in the shared cache under its
ETag, so the next client asking for the same data costs one version query.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, routers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import ModelSerializer
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

logger = logging.getLogger("portal.api")

from portal.api_keys import KEY_PREFIX, ApiKeyAuthentication, key_hash, key_new  # noqa: E402,F401
from portal.api_pagination import ApiCursorPagination, request_url  # noqa: E402,F401

RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


# --- the registry -----------------------------------------------------------------------

_registry: dict[str, tuple[type, str]] = {}


def api_register(prefix: str, viewset: type, *, basename: str) -> None:
    """Register a viewset under /api/v1/<prefix>/ (from an AppConfig.ready())."""
    if prefix in _registry and _registry[prefix] != (viewset, basename):
        raise ValueError(f"API prefix {prefix!r} is registered twice")
    _registry[prefix] = (viewset, basename)


def registered() -> dict[str, tuple[type, str]]:
    return dict(_registry)


# --- fair limits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    exceeded: bool
    window: int


_last_warning = 0.0


def _warn_fail_open(error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning("API rate limit not counted (the cache is unavailable: %s); letting requests through", error)


def rate_consume(identity: str, limit: int, window: int, now: float | None = None) -> RateState:
    """Count one request of `identity` in the current fixed window of `window` seconds."""
    now = time.time() if now is None else now
    start = int(now // window) * window
    reset = max(1, math.ceil(start + window - now))
    key = f"api-rate:{identity}:{start}"
    try:
        try:
            # One round trip for every request but a client's first in a window (incr of a
            # missing key is a ValueError and creates nothing: portal.redis_cache).
            count = cache.incr(key)
        except ValueError:
            # The window's first request, or the cache is down (the resilient Redis cache
            # answers incr with ValueError): create the counter and count once more.
            cache.add(key, 0, timeout=window + 5)
            count = cache.incr(key)
    except Exception as error:  # noqa: BLE001 - any cache failure: fail open, never a 500
        _warn_fail_open(error)
        return RateState(limit=limit, remaining=limit, reset=reset, exceeded=False, window=window)
    return RateState(limit=limit, remaining=max(0, limit - count), reset=reset, exceeded=count > limit, window=window)


def client_identity(request) -> tuple[str, int]:
    """(counter identity, limit) of the request's client."""
    from portal.logins import client_ip

    api_key = getattr(request, "auth", None)
    if api_key is not None and getattr(api_key, "pk", None):
        return f"key:{api_key.pk}", settings.API_KEY_RATE
    return f"ip:{client_ip(request) or 'unknown'}", settings.API_ANON_RATE


class RateLimited(exceptions.APIException):
    status_code = 429
    default_code = "throttled"

    def __init__(self, state: RateState):
        available = timezone.localtime(timezone.now() + timezone.timedelta(seconds=state.reset))
        self.body = {
            "detail": _("Too many requests: the limit is %(limit)d requests per %(window)d seconds. "
                        "Try again in %(seconds)d seconds.") % {
                "limit": state.limit, "window": state.window, "seconds": state.reset},
            "limit": state.limit,
            "window_seconds": state.window,
            "retry_after": state.reset,
            "available_at": available.isoformat(timespec="seconds"),
        }
        super().__init__(self.body["detail"])
        self.wait = state.reset


def rate_headers(response, state: RateState) -> None:
    response["RateLimit-Limit"] = str(state.limit)
    response["RateLimit-Remaining"] = str(state.remaining)
    response["RateLimit-Reset"] = str(state.reset)
    if state.exceeded:
        response["Retry-After"] = str(state.reset)


class LimitedMixin:
    """Counts each request against its client's limit and puts the limit headers on every
    answer of the view: 200, 304, 4xx (an unknown key's 401 counts against the address)."""

    def check_throttles(self, request):
        identity, limit = client_identity(request)
        state = rate_consume(identity, limit, settings.API_RATE_WINDOW)
        request._api_rate = state
        if state.exceeded:
            raise RateLimited(state)

    def handle_exception(self, exc):
        if isinstance(exc, RateLimited):
            return Response(exc.body, status=429)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "_api_rate", None)
        if state is None:
            # Refused before the count (an unknown key, an unacceptable Accept): counted by address.
            from portal.logins import client_ip

            state = rate_consume(f"ip:{client_ip(request) or 'unknown'}", settings.API_ANON_RATE,
                                 settings.API_RATE_WINDOW)
            request._api_rate = state
        rate_headers(response, state)
        return response


# --- ETags and the kept body ------------------------------------------------------------------


def etag_for(request, version: str) -> str:
    query = sorted((name, value) for name, values in request.GET.lists() for value in values)
    parts = f"v1|{version}|{request.scheme}://{request.get_host()}{request.path}|{query!r}|{translation.get_language()}|{timezone.localdate().isoformat()}"
    return '"' + hashlib.sha256(parts.encode("utf-8", "surrogatepass")).hexdigest()[:32] + '"'


def _etag_matches(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def cache_headers(response, etag: str | None) -> None:
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = (
        f"public, max-age={settings.PAGE_MAX_AGE}, stale-while-revalidate={settings.PAGE_STALE_SECONDS}"
    )
    patch_vary_headers(response, ("Accept-Language", "Cookie"))


def versioned(request, version: str | None, build: Callable[[], Any]) -> HttpResponse:
    """The answer for data of `version` (None: not found, build raises): 304 for a matching
    If-None-Match, the kept body when another client asked already, else `build()` rendered
    as JSON and kept under its ETag for PAGE_CACHE_SECONDS."""
    if version is None:
        build()  # raises the view's 404 or 400
        raise exceptions.NotFound()
    etag = etag_for(request, version)
    if _etag_matches(request, etag):
        response = HttpResponse(status=304)
        cache_headers(response, etag)
        return response
    key = f"api-body:{etag.strip(chr(34))}"
    body = cache.get(key)
    if not isinstance(body, bytes):
        body = JSONRenderer().render(build())
        cache.set(key, body, settings.PAGE_CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/json")
    cache_headers(response, etag)
    return response


def site_version() -> str:
    from credit.cache import site_version as version

    return version()


# --- pagination -----------------------------------------------------------------------------


def encode_page_cursor(number: int) -> str:
    return base64.urlsafe_b64encode(f"p={number}".encode()).decode().rstrip("=")


def decode_page_cursor(value: str | None) -> int:
    """The page number an opaque search cursor stands for (1 without one); 400 if broken."""
    if not value:
        return 1
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        if not text.startswith("p="):
            raise ValueError(text)
        number = int(text[2:])
        if number < 1:
            raise ValueError(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise exceptions.ValidationError({"cursor": [_("This cursor is not valid: use a next or previous "
                                                       "link as given.")]}) from error
    return number


def page_links(request, number: int, has_next: bool) -> tuple[str | None, str | None]:
    url = request_url(request)
    following = replace_query_param(url, "cursor", encode_page_cursor(number + 1)) if has_next else None
    if number <= 1:
        previous = None
    elif number == 2:
        previous = remove_query_param(url, "cursor")
    else:
        previous = replace_query_param(url, "cursor", encode_page_cursor(number - 1))
    return following, previous


# --- the root, the schema and the documentation page -------------------------------------------


class ApiRoot(LimitedMixin, APIView):
    """The endpoints of the API and where its schema and documentation are."""

    @extend_schema(exclude=True)
    def get(self, request):
        links = {prefix: request.build_absolute_uri(f"/api/v1/{prefix}/") for prefix in sorted(_registry)}
        links["schema"] = request.build_absolute_uri("/api/v1/schema/")
        links["docs"] = request.build_absolute_uri("/api/v1/docs/")
        links["keys"] = request.build_absolute_uri("/api/keys/")
        response = Response(links)
        return response


_schemas: dict[tuple[str, str], dict] = {}


def _schema_view():
    from drf_spectacular.views import SpectacularAPIView

    class SchemaView(LimitedMixin, SpectacularAPIView):
        """The OpenAPI 3 schema of the API (YAML, or JSON with ?format=json). It only changes with
        the code, so each process generates it once per language and format."""

        @extend_schema(exclude=True)
        def get(self, request, *args, **kwargs):
            response = super().get(request, *args, **kwargs)
            cache_headers(response, None)
            return response

        def _get_schema_response(self, request):
            key = (translation.get_language(), request.accepted_renderer.format)
            schema = _schemas.get(key)
            if schema is None:
                schema = _schemas[key] = self.generator_class(
                    urlconf=self.urlconf, api_version=self.api_version, patterns=self.patterns
                ).get_schema(request=request, public=self.serve_public)
            return Response(data=schema, headers={"Content-Disposition": "inline; filename=\"schema.{}\"".format(
                "json" if "json" in key[1] else "yaml")})

    return SchemaView


def limits() -> dict[str, int]:
    return {"anonymous": settings.API_ANON_RATE, "key": settings.API_KEY_RATE, "window": settings.API_RATE_WINDOW}


def urlpatterns() -> list:
    """The /api/v1/ addresses: every registered viewset, the root, the schema, the docs page."""
    from portal import api_views

    router = routers.SimpleRouter(trailing_slash=True)
    for prefix in sorted(_registry):
        viewset, basename = _registry[prefix]
        router.register(prefix, viewset, basename=basename)
    return [
        path("", ApiRoot.as_view(), name="api-root"),
        path("schema/", _schema_view().as_view(), name="api-schema"),
        path("docs/", api_views.api_docs, name="api-docs"),
        *router.urls,
    ]


CURSOR_PARAMETER = OpenApiParameter("cursor", str, description="The opaque cursor of the page (from `next`/`previous`).")


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The key in the schema: optional (anonymous clients are served at the lower limit)."""

    target_class = "portal.api_keys.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A free key from /api/keys/, as `Authorization: Bearer <key>` (or `X-Api-Key: <key>`)."}


class ApiHeadersMiddleware:
    """Every answer under /api/v1/ carries the limit headers, also those no API view made (an
    address no endpoint matches, a parameter refused by portal.middleware.InputSanityMiddleware):
    such an answer counts against the client's address like any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/") and not response.has_header("RateLimit-Limit"):
            from portal.logins import client_ip

            rate_headers(response, rate_consume(f"ip:{client_ip(request) or 'unknown'}", settings.API_ANON_RATE,
                                                settings.API_RATE_WINDOW))
        return response


class CachedFieldsModelSerializer(ModelSerializer):
    """A ModelSerializer that builds its fields from the model once per class and process, then
    copies them for each use (as a plain Serializer copies its declared fields): building them
    costs model introspection that took half of a credit file's time."""

    def get_fields(self):
        cls = type(self)
        proto = cls.__dict__.get("_api_proto_fields")
        if proto is None:
            proto = super().get_fields()
            cls._api_proto_fields = proto
        return copy.deepcopy(proto)
