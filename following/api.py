"""Following by webhook through the API (docs/webhooks.md, docs/api.md): an API-key holder's
endpoints (/api/v1/webhooks/), follows (/api/v1/follows/) and delivery log
(/api/v1/webhooks/<id>/deliveries/). Every address needs a key (401 without one) and shows only
that key's own rows (another key's: 404). Answers are the key holder's own: `Cache-Control:
private, no-store`. The writes are following/webhooks.py's services."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from credit.changes import KINDS
from following import webhooks
from following.models import Channel, Follow, Target, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal import api


class HasApiKey(BasePermission):
    """A confirmed, unrevoked API key (portal.api_keys.ApiKeyAuthentication): 401 without one."""

    def has_permission(self, request, view):
        if getattr(request.auth, "pk", None) is None:
            raise exceptions.NotAuthenticated(_("These addresses need an API key: send it as "
                                                "Authorization: Bearer <key> (free at /api/keys/)."))
        return True


class KeyHolderMixin(api.LimitedMixin):
    authentication_classes = [api.ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    parser_classes = [JSONParser]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        response["Cache-Control"] = "private, no-store"
        return response

    def write_error(self, error: webhooks.WebhookInputError) -> exceptions.ValidationError:
        return exceptions.ValidationError({error.field: [error.message]})


# --- endpoints ---------------------------------------------------------------------------------


class EndpointSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = ("id", "url", "description", "created_at", "disabled_at", "active", "deliveries")

    def get_active(self, endpoint) -> bool:
        return endpoint.disabled_at is None

    def get_deliveries(self, endpoint) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret (`whsec_` + base64 of 32 bytes): shown only "
                                             "in this answer. Keep it.")

    class Meta(EndpointSerializer.Meta):
        fields = (*EndpointSerializer.Meta.fields, "secret")


class EndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="An https URL whose host has public addresses only.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ("attempted_at", "status_code", "error", "duration_ms")


class DeliverySerializer(serializers.ModelSerializer):
    event_sequence = serializers.IntegerField(source="alert.event.sequence")
    event_kind = serializers.CharField(source="alert.event.kind")
    follow = serializers.IntegerField(source="alert.follow_id")
    attempt_log = AttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = ("id", "message_id", "event_sequence", "event_kind", "follow", "status", "attempts",
                  "next_attempt_at", "created_at", "delivered_at", "attempt_log")


@extend_schema_view(
    list=extend_schema(summary="Your webhook endpoints", responses=EndpointSerializer(many=True)),
    retrieve=extend_schema(summary="One of your webhook endpoints", responses=EndpointSerializer),
    create=extend_schema(summary="Register a webhook endpoint", request=EndpointCreateSerializer,
                         responses={201: EndpointCreatedSerializer}),
)
class WebhookEndpointViewSet(KeyHolderMixin, viewsets.GenericViewSet):
    """The API key's webhook endpoints (newest first)."""

    serializer_class = EndpointSerializer
    queryset = WebhookEndpoint.objects.none()

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(api_key=self.request.auth).order_by("-id")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        given = EndpointCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint = webhooks.webhook_endpoint_create(api_key=request.auth, **given.validated_data)
        except webhooks.WebhookInputError as error:
            raise self.write_error(error) from error
        return Response(EndpointCreatedSerializer(endpoint, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Disable a webhook endpoint (its follows end)", request=None,
                   responses=EndpointSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        endpoint = webhooks.webhook_endpoint_disable(endpoint=self.get_object())
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(summary="The delivery log of a webhook endpoint (newest first)",
                   responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        rows = (WebhookDelivery.objects.filter(endpoint=endpoint).select_related("alert__event")
                .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("attempted_at", "id")))
                .order_by("-id"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    def get_object(self):
        pk = self.kwargs.get("pk", "")
        if not (str(pk).isascii() and str(pk).isdigit()) or len(str(pk)) > 18:
            raise exceptions.NotFound(_("You have no webhook endpoint with this id."))
        endpoint = self.get_queryset().filter(pk=int(pk)).first()
        if endpoint is None:
            raise exceptions.NotFound(_("You have no webhook endpoint with this id."))
        return endpoint


# --- follows -----------------------------------------------------------------------------------


class FollowSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.uscc", allow_null=True, default=None,
                                       help_text="The followed enterprise's code (target enterprise).")
    list = serializers.CharField(source="credit_list.code", allow_null=True, default=None,
                                 help_text="The followed list's code (target list).")
    search = serializers.SerializerMethodField()
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Empty: every kind.")
    active = serializers.BooleanField()

    class Meta:
        model = Follow
        fields = ("id", "target", "endpoint", "enterprise", "list", "search", "search_label", "kinds",
                  "created_at", "start_after", "ended_at", "active")

    def get_search(self, follow) -> dict[str, str] | None:
        return (follow.search or None) if follow.target == Target.SEARCH else None


class FollowCreateSerializer(serializers.Serializer):
    endpoint = serializers.IntegerField(help_text="The id of one of your enabled webhook endpoints.")
    target = serializers.ChoiceField(choices=Target.values)
    enterprise = serializers.CharField(required=False, max_length=40,
                                       help_text="With target enterprise: its unified social credit code.")
    list = serializers.CharField(required=False, max_length=64, help_text="With target list: its code.")
    search = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                   help_text="With target search: the site search's parameters (q, province, "
                                             "entity_type, status, risk_class).")
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=KINDS), required=False,
                                  help_text="The kinds of change wanted; empty or left out: all.")


@extend_schema_view(
    list=extend_schema(summary="Your webhook follows", responses=FollowSerializer(many=True)),
    retrieve=extend_schema(summary="One of your webhook follows", responses=FollowSerializer),
    create=extend_schema(summary="Follow an enterprise, a list or a saved search by webhook",
                         request=FollowCreateSerializer, responses={201: FollowSerializer,
                                                                    400: OpenApiResponse(description="A field breaks a rule.")}),
)
class FollowViewSet(KeyHolderMixin, viewsets.GenericViewSet):
    """The API key's webhook follows (newest first)."""

    serializer_class = FollowSerializer
    queryset = Follow.objects.none()

    def get_queryset(self):
        return (Follow.objects.filter(channel=Channel.WEBHOOK, endpoint__api_key=self.request.auth)
                .select_related("enterprise", "credit_list").order_by("-id"))

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        from credit import uscc as uscc_rules
        from credit.models import Enterprise
        from listings.models import CreditList
        from portal.logins import client_ip

        given = FollowCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        endpoint = WebhookEndpoint.objects.filter(api_key=request.auth, pk=data["endpoint"]).first()
        if endpoint is None:
            raise exceptions.ValidationError({"endpoint": [_("You have no webhook endpoint with this id.")]})
        target = data["target"]
        enterprise = credit_list = None
        if target == Target.ENTERPRISE:
            if not data.get("enterprise"):
                raise exceptions.ValidationError({"enterprise": [_("Give the enterprise's unified social credit code.")]})
            enterprise = Enterprise.objects.filter(uscc=uscc_rules.normalise(data["enterprise"])).first()
            if enterprise is None:
                raise exceptions.ValidationError({"enterprise": [_("No enterprise has this unified social credit code.")]})
        elif target == Target.LIST:
            if not data.get("list"):
                raise exceptions.ValidationError({"list": [_("Give the list's code.")]})
            credit_list = CreditList.objects.filter(code=data["list"]).first()
            if credit_list is None:
                raise exceptions.ValidationError({"list": [_("No list has this code.")]})
        try:
            follow = webhooks.webhook_follow_create(
                endpoint=endpoint, target=target, enterprise=enterprise, credit_list=credit_list,
                search=data.get("search"), kinds=data.get("kinds"), created_from=client_ip(request))
        except webhooks.WebhookInputError as error:
            raise self.write_error(error) from error
        follow = self.get_queryset().get(pk=follow.pk)
        return Response(self.get_serializer(follow).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="End a webhook follow", request=None, responses=FollowSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        follow = webhooks.webhook_follow_end(follow=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=follow.pk)).data)

    def get_object(self):
        pk = str(self.kwargs.get("pk", ""))
        follow = self.get_queryset().filter(pk=int(pk)).first() if pk.isascii() and pk.isdigit() and len(pk) <= 18 \
            else None
        if follow is None:
            raise exceptions.NotFound(_("You have no webhook follow with this id."))
        return follow


def register() -> None:
    api.api_register("webhooks", WebhookEndpointViewSet, basename="webhook")
    api.api_register("follows", FollowViewSet, basename="follow")
