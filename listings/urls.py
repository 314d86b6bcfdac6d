from django.urls import path

import portal.converters  # noqa: F401 (registers <id:...>)
from listings import repair_files, views
from listings.repair import views as repair_views

app_name = "listings"

urlpatterns = [
    path("", views.list_index, name="index"),
    path("staff/objections/", views.staff_objections, name="staff_objections"),
    path("staff/objections/<int:pk>/", views.staff_objection, name="staff_objection"),
    path("staff/removals/", views.staff_removals, name="staff_removals"),
    path("staff/removals/<int:pk>/", views.staff_removal, name="staff_removal"),
    path("staff/repairs/files/<str:stored_name>/", repair_files.staff_repair_file, name="repair_file_staff"),
    path("staff/repairs/", repair_views.staff_repairs, name="staff_repairs"),
    path("staff/repairs/<id:pk>/", repair_views.staff_repair, name="staff_repair"),
    path("staff/<slug:code>/add/", views.staff_entry_add, name="staff_entry_add"),
    path("staff/<slug:code>/<int:pk>/remove/", views.staff_entry_remove, name="staff_entry_remove"),
    path("staff/<slug:code>/<int:pk>/revoke/", views.staff_entry_revoke, name="staff_entry_revoke"),
    path("<slug:code>/", views.list_detail, name="detail"),
    path("<slug:code>/<int:pk>/", views.entry_detail, name="entry"),
    path("<slug:code>/<int:pk>/object/", views.entry_object, name="entry_object"),
]
