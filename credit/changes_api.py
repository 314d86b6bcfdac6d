"""The change feed's read interface: /api/v1/changes/ and /api/v1/changes/heads/ (docs/changes.md).

Public, anonymous, read-only JSON. Events come in sequence order from `after` (exclusive);
`next_after` resumes where a page stopped. Invalid parameters answer 400 with a JSON error
naming the parameter and the rule.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from credit.changes import event_document, feed_head
from credit.models import ChangeEvent, ChangeHead

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000
MAX_HEADS = 400


class ChangeEventSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(help_text="Gap-free, from 1.")
    occurred_at = serializers.CharField(help_text="UTC, e.g. 2026-11-16T02:00:00.000000Z (canonical form).")
    action = serializers.CharField(help_text="The audit action code, e.g. credit.penalty.withdrawn.")
    kind = serializers.ChoiceField(
        choices=["published", "corrected", "changed", "withdrawn", "removed", "expired", "repaired"])
    object_type = serializers.CharField(help_text="app.model, e.g. credit.administrativepenalty.")
    object_id = serializers.CharField()
    address = serializers.CharField(help_text="The public address showing the object.")
    state = serializers.JSONField(allow_null=True, help_text="The new public state; null: no longer public.")
    prev_hash = serializers.CharField(help_text="The hash of the event before (64 zeros before the first).")
    hash = serializers.CharField(help_text='sha256(prev_hash + "|" + canonical bytes), hex.')


class HeadSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    hash = serializers.CharField()


class ChangePageSerializer(serializers.Serializer):
    events = ChangeEventSerializer(many=True)
    next_after = serializers.IntegerField(help_text="Pass as `after` for the next page.")
    more = serializers.BooleanField(help_text="Whether events after this page existed when it was read.")
    head = HeadSerializer(help_text="The feed's head when the page was read.")


class DailyHeadSerializer(serializers.Serializer):
    date = serializers.DateField()
    sequence = serializers.IntegerField()
    hash = serializers.CharField()


class DailyHeadsSerializer(serializers.Serializer):
    heads = DailyHeadSerializer(many=True)
    current = HeadSerializer()


class ParameterError(Exception):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter, self.message = parameter, message


def _int_parameter(request, name: str, default: int, low: int, high: int | None, message: str) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise ParameterError(name, message)
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise ParameterError(name, message)
    return value


def _bad_parameter(error: ParameterError) -> Response:
    return Response({"error": {"parameter": error.parameter, "message": error.message}}, status=400)


class PublicReadView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    renderer_classes = [JSONRenderer]
    throttle_classes: list = []


class ChangeFeedView(PublicReadView):
    """The change feed: every change the public sees, in order, hash-chained."""

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter("after", int, description="Return the events after this sequence (default 0: from "
                                                       "the first)."),
            OpenApiParameter("limit", int, description=f"At most this many events (1-{MAX_LIMIT}, default "
                                                       f"{DEFAULT_LIMIT})."),
        ],
        responses={200: ChangePageSerializer},
    )
    def get(self, request):
        try:
            after = _int_parameter(request, "after", 0, 0, None,
                                   _("after: give a sequence number, a whole number of 0 or more."))
            limit = _int_parameter(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT,
                                   _("limit: give a whole number from 1 to %(max)s.") % {"max": MAX_LIMIT})
        except ParameterError as error:
            return _bad_parameter(error)
        head = feed_head()
        # One query; the head read first, so the page never passes it (events after it are later).
        rows = list(ChangeEvent.objects.filter(sequence__gt=after, sequence__lte=head["sequence"])
                    .order_by("sequence")[:limit])
        events = [event_document(row) for row in rows]
        next_after = events[-1]["sequence"] if events else max(after, 0)
        return Response({"events": events, "next_after": next_after, "more": next_after < head["sequence"],
                         "head": head})


class ChangeHeadsView(PublicReadView):
    """The daily heads of the change feed, newest first, and the current head."""

    @extend_schema(operation_id="changes_heads", responses={200: DailyHeadsSerializer})
    def get(self, request):
        heads = [{"date": row["day"].isoformat(), "sequence": row["sequence"], "hash": row["hash"]}
                 for row in ChangeHead.objects.order_by("-day").values("day", "sequence", "hash")[:MAX_HEADS]]
        return Response({"heads": heads, "current": feed_head()})
