"""Atom feeds of the change feed's events (docs/webhooks.md, "Atom feeds"), beside the pages they
follow:

- /enterprises/<USCC>/feed.atom: the latest FEED_ENTRIES events of that enterprise
  (ChangeEvent.enterprise: its records, list entries and reports, removals included);
- /lists/<code>/feed.atom: the latest events of that list's entries (ChangeEvent.collection);
- /search/feed.atom?q=...&province=...: the latest events of the enterprises the search finds,
  read from the latest SEARCH_WINDOW events of the whole feed (bounded work per request).

Each entry: the title names the kind of change, the object and the enterprise; the link is the
public address showing the object; the id is a tag: URI with the event's sequence (stable);
`updated` is when the change was published; the summary gives the new public state, or says that
the object left the public record. Newest first. Titles and summaries in the request's language.

The feeds are public pages (portal.pagecache): anonymous answers are cached whole per address and
language under the site's version (credit.cache.site_version), which every publication raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from credit import uscc as uscc_rules
from credit.models import ChangeEvent, Enterprise
from portal.pagecache import site_page

FEED_ENTRIES = 50
SEARCH_WINDOW = 2000
TAG_DATE = "2026"

KIND_LABELS = {
    "published": gettext_lazy("Published"),
    "corrected": gettext_lazy("Corrected"),
    "changed": gettext_lazy("Changed"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "removed": gettext_lazy("Removed"),
    "expired": gettext_lazy("Expired"),
    "repaired": gettext_lazy("Repaired (credit repair)"),
}


@dataclass
class Subject:
    """What one feed request shows: built per request (the Feed instance is shared)."""

    title: str
    link: str
    guid: str
    description: str
    events: list = field(default_factory=list)


def _host(request) -> str:
    return request.get_host().rsplit(":", 1)[0] if not request.get_host().startswith("[") else request.get_host()


def _events():
    return ChangeEvent.objects.select_related("enterprise").only(
        "sequence", "occurred_at", "kind", "object_type", "object_id", "address", "state", "enterprise__uscc",
        "enterprise__name", "enterprise__name_en")


def _object_label(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _enterprise_name(enterprise: Enterprise | None) -> str:
    if enterprise is None:
        return ""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en") and getattr(enterprise, "name_en", ""):
        return enterprise.name_en
    return enterprise.name


def _state_text(state: Any) -> str:
    if state is None:
        return _("No longer public: the record was withdrawn, removed or has expired.")
    if not isinstance(state, dict):
        return str(state)
    parts = []
    for key in sorted(state):
        value = state[key]
        if isinstance(value, dict | list):
            import json

            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        parts.append(f"{key}: {'—' if value is None or value == '' else value}")
    return "; ".join(parts)


class EventFeed(Feed):
    feed_type = Atom1Feed

    def title(self, subject: Subject) -> str:
        return subject.title

    def link(self, subject: Subject) -> str:
        return subject.link

    def feed_guid(self, subject: Subject) -> str:
        return subject.guid

    def subtitle(self, subject: Subject) -> str:
        return subject.description

    def author_name(self, subject: Subject) -> str:
        # RFC 4287 4.1.1: a feed names its author (its entries then need none of their own).
        return _("Enterprise Credit Information Publicity Portal")

    def items(self, subject: Subject) -> list:
        return subject.events

    def item_title(self, event) -> str:
        parts = [str(KIND_LABELS.get(event.kind, event.kind)), _object_label(event.object_type)]
        name = _enterprise_name(event.enterprise)
        if name:
            parts.append(name)
        return " · ".join(parts)

    def item_link(self, event) -> str:
        return event.address

    def item_guid(self, event) -> str:
        return f"tag:{event.tag_host},{TAG_DATE}:change/{event.sequence}"

    item_guid_is_permalink = False

    def item_updateddate(self, event):
        return event.occurred_at

    def item_pubdate(self, event):
        return event.occurred_at

    def item_description(self, event) -> str:
        return escape(f"#{event.sequence} {event.occurred_at.isoformat()} — {_state_text(event.state)}")


def _tagged(events: list, host: str) -> list:
    for event in events:
        event.tag_host = host
    return events


class EnterpriseFeed(EventFeed):
    def get_object(self, request, uscc: str) -> Subject:
        enterprise = Enterprise.objects.only("id", "uscc", "name", "name_en").get(uscc=uscc)
        host = _host(request)
        name = _enterprise_name(enterprise)
        events = list(_events().filter(enterprise=enterprise).order_by("-sequence")[:FEED_ENTRIES])
        return Subject(
            title=_("Changes to the credit file of %(name)s") % {"name": name},
            link=f"/enterprises/{enterprise.uscc}/",
            guid=f"tag:{host},{TAG_DATE}:enterprises/{enterprise.uscc}",
            description=_("The latest changes the public sees in this enterprise's credit file, removals included."),
            events=_tagged(events, host),
        )


class ListFeed(EventFeed):
    def get_object(self, request, code: str) -> Subject:
        from django.utils.translation import get_language

        from listings.models import CreditList

        credit_list = CreditList.objects.only("id", "code", "name", "name_en").get(code=code)
        host = _host(request)
        name = credit_list.name_en if (get_language() or "").startswith("en") and credit_list.name_en else credit_list.name
        events = list(_events().filter(collection=credit_list.code).order_by("-sequence")[:FEED_ENTRIES])
        return Subject(
            title=_("Changes to the list: %(name)s") % {"name": name},
            link=f"/lists/{credit_list.code}/",
            guid=f"tag:{host},{TAG_DATE}:lists/{credit_list.code}",
            description=_("The latest entries, removals and expiries of this list."),
            events=_tagged(events, host),
        )


class SearchFeed(EventFeed):
    def get_object(self, request, search: dict, label: str) -> Subject:
        from urllib.parse import urlencode

        from following.dispatch import search_matches

        host = _host(request)
        window = list(ChangeEvent.objects.exclude(enterprise=None).order_by("-sequence")
                      .values_list("pk", "enterprise_id")[:SEARCH_WINDOW])
        found = search_matches(search, {enterprise_id for _pk, enterprise_id in window})
        chosen = [pk for pk, enterprise_id in window if enterprise_id in found][:FEED_ENTRIES]
        events = list(_events().filter(pk__in=chosen).order_by("-sequence")) if chosen else []
        query = urlencode(sorted(search.items()))
        return Subject(
            title=_("Changes to the enterprises found by: %(search)s") % {"search": label},
            link=f"/search/?{query}",
            guid=f"tag:{host},{TAG_DATE}:search?{query}",
            description=_("The latest changes to the enterprises this search finds, among the latest %(n)s "
                          "changes of the site.") % {"n": SEARCH_WINDOW},
            events=_tagged(events, host),
        )


_enterprise_feed, _list_feed, _search_feed = EnterpriseFeed(), ListFeed(), SearchFeed()


@site_page
@require_safe
def enterprise_feed(request, uscc: str) -> HttpResponse:
    code = uscc_rules.normalise(uscc)
    from credit.selectors import uscc_problem

    if uscc_problem(code):
        raise Http404(uscc_problem(code))
    if code != uscc:
        return redirect("following_enterprise_feed", uscc=code, permanent=True)
    return _enterprise_feed(request, uscc=code)


@site_page
@require_safe
def list_feed(request, code: str) -> HttpResponse:
    return _list_feed(request, code=code)


@site_page
@require_safe
def search_feed(request) -> HttpResponse:
    from credit.filters import EnterpriseFilter
    from following.webhooks import SEARCH_FIELDS

    search = {name: request.GET.get(name, "").strip() for name in SEARCH_FIELDS if request.GET.get(name, "").strip()}
    filterset = EnterpriseFilter(data=search, queryset=Enterprise.objects.none())
    if not filterset.form.is_valid():
        name, errors = next(iter(filterset.form.errors.items()))
        name = "q" if name == "__all__" else name
        return HttpResponseBadRequest(f"{name}: {' '.join(errors)}", content_type="text/plain; charset=utf-8")
    label = " · ".join(search[name] for name in SEARCH_FIELDS if name in search)
    return _search_feed(request, search=search, label=label)
