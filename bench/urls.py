"""The product's URLs plus /bench/floor/, a trivial view behind the same middleware stack:
the ceiling any real page can reach on this machine."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import handler404  # noqa: F401
from portal.urls import urlpatterns as product_urlpatterns


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor), *product_urlpatterns]
