"""Atom feeds of an enterprise, a list and a search (following/feeds.py), at the addresses of
the pages they follow: /enterprises/<USCC>/feed.atom, /lists/<code>/feed.atom, /search/feed.atom."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
