"""Following by e-mail: /follow/ (following/views.py)."""

from django.urls import path  # noqa: F401

app_name = "following"
urlpatterns: list = []
