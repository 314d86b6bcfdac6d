from django.contrib import admin
from django.urls import include, path

from credit.changes_api import ChangeFeedView, ChangeHeadsView
from portal import access, api, api_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    # Atom feeds beside the pages they follow (before the apps' own patterns of those prefixes).
    path("", include("following.feed_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("enterprises/", include("credit.urls")),
    path("lists/", include("listings.urls")),
    path("inspections/", include("inspections.urls")),
    # The change feed, before the API router's include at api/v1/ (docs/changes.md).
    path("api/v1/changes/", ChangeFeedView.as_view(), name="api_changes"),
    path("api/v1/changes/heads/", ChangeHeadsView.as_view(), name="api_change_heads"),
    path("data/", include("credit.data_urls")),
    path("commitments/", include("credit.commitment_urls")),
    path("follow/", include("following.urls")),
    path("account/", include("credit.account_urls")),
    path("staff/enterprises/", include("credit.staff_urls")),
    path("staff/commitments/", include("credit.commitment_staff_urls")),
    path("account/", include("listings.account_urls")),
    path("api/v1/", include(api.urlpatterns())),
    path("api/keys/", include([path(route, view, name=name) for route, view, name in api_views.API_KEY_URLS])),
    path("staff/", include(([path("", views.staff_home, name="staff_home")], "portal"))),
    # Before the admin's own pattern of the same address: only rows the model's admin shows.
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(access.admin_view_on_site),
         name="admin_view_on_site"),
    path("admin/", admin.site.urls),
]

handler404 = "portal.views.not_found"
