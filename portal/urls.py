from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("enterprises/", include("credit.urls")),
    path("lists/", include("listings.urls")),
    path("inspections/", include("inspections.urls")),
    path("account/", include("credit.account_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "portal.views.not_found"
