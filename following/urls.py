"""Following by e-mail: /follow/ (following/views.py, docs/following.md)."""

from django.urls import path

from following import views

app_name = "following"
urlpatterns = [
    path("enterprises/<str:uscc>/", views.follow_enterprise, name="enterprise"),
    path("lists/<slug:code>/", views.follow_list, name="list"),
    path("search/", views.follow_search, name="search"),
    path("confirm/<str:token>/", views.follow_confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.follow_unsubscribe, name="unsubscribe"),
    path("manage/<str:token>/", views.follow_manage, name="manage"),
]
