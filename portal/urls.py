from django.contrib import admin
from django.urls import include, path

from portal import access, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("enterprises/", include("credit.urls")),
    path("lists/", include("listings.urls")),
    path("inspections/", include("inspections.urls")),
    path("commitments/", include("credit.commitment_urls")),
    path("account/", include("credit.account_urls")),
    path("staff/enterprises/", include("credit.staff_urls")),
    path("staff/commitments/", include("credit.commitment_staff_urls")),
    path("account/", include("listings.account_urls")),
    path("staff/", include(([path("", views.staff_home, name="staff_home")], "portal"))),
    # Before the admin's own pattern of the same address: only rows the model's admin shows.
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(access.admin_view_on_site),
         name="admin_view_on_site"),
    path("admin/", admin.site.urls),
]

handler404 = "portal.views.not_found"
