"""Atom feeds of an enterprise, a list and a search (following/feeds.py), at the addresses of
the pages they follow: /enterprises/<USCC>/feed.atom, /lists/<code>/feed.atom, /search/feed.atom."""

from django.urls import path

from following import feeds

urlpatterns: list = [
    path("enterprises/<str:uscc>/feed.atom", feeds.enterprise_feed, name="following_enterprise_feed"),
    path("lists/<slug:code>/feed.atom", feeds.list_feed, name="following_list_feed"),
    path("search/feed.atom", feeds.search_feed, name="following_search_feed"),
]
