"""Public pages that put something per visitor on the way out, for test_pagecache: the
page cache must not store them."""

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import path

from portal.pagecache import site_page
from portal.urls import urlpatterns as product_urlpatterns


@site_page
def with_token(request):
    return HttpResponse(f"<form>{get_token(request)}</form>")


@site_page
def with_message(request):
    messages.info(request, "saved")
    return HttpResponse("<p>a page</p>")


@site_page
def plain(request):
    return HttpResponse("<p>the same for everyone</p>")


urlpatterns = [
    path("test-pages/token/", with_token),
    path("test-pages/message/", with_message),
    path("test-pages/plain/", plain),
    *product_urlpatterns,
]
