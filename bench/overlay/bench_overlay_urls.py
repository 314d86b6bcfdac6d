"""The measured tree's own URLs plus /bench/floor/: a trivial view behind the same
middleware stack, the ceiling any real page can reach on this machine."""

import importlib

from django.conf import settings
from django.http import HttpResponse
from django.urls import path

_product = importlib.import_module(settings.BENCH_PRODUCT_URLCONF)
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(_product, _name):
        globals()[_name] = getattr(_product, _name)


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor), *_product.urlpatterns]
