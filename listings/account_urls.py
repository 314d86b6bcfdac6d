"""The listings app's addresses in the enterprise's own area (/account/, docs/addresses.md)."""

from django.urls import path

import portal.converters  # noqa: F401 (registers <id:...>)
from listings import repair_files, views
from listings.repair import views as repair_views

app_name = "listings_account"

urlpatterns = [
    path("entries/<int:pk>/removal/", views.account_removal_apply, name="removal_apply"),
    path("repairs/files/<str:stored_name>/", repair_files.account_repair_file, name="repair_file"),
    path("repairs/", repair_views.account_repairs, name="repairs"),
    path("repairs/apply/<slug:kind>/<id:record_id>/", repair_views.account_repair_apply, name="repair_apply"),
    path("repairs/<id:pk>/supplement/", repair_views.account_repair_supplement, name="repair_supplement"),
]
