"""Webhook subscriptions: subscribe a URL to events, list, read and unsubscribe."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from claims import services
from claims.api.common import PageInput, errors, location, page_of, valid
from claims.api.pagination import paginate
from claims.api.permissions import IsEditor
from claims.models import WebhookSubscription

# --- Webhooks -------------------------------------------------------------------------------


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="http or https, at a public address.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookSubscription.Event.values),
        min_length=1,
        max_length=10,
        help_text="; ".join(f"{event.value}: {event.label.lower()}" for event in WebhookSubscription.Event) + ".",
    )


class WebhookOutput(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookSubscription.Event.values))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "active", "created", "last_attempt", "last_status", "last_error"]


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(help_text="Shown once: the key of the X-Factcheck-Signature HMAC.")

    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]


# --- Webhooks -----------------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    operation_id="webhooks_list",
    summary="List webhook subscriptions (editor)",
    parameters=[PageInput],
    responses={200: page_of(WebhookOutput), **errors(400, 404)},
)
@extend_schema(
    methods=["POST"],
    operation_id="webhooks_create",
    summary="Subscribe a URL to events (editor)",
    description="The answer holds the secret, shown only here. Each delivery is a POST of JSON with "
    "`X-Factcheck-Signature: sha256=<hex HMAC-SHA256 of the body>`, retried with backoff until a 2xx.",
    request=WebhookInput,
    responses={201: WebhookCreatedOutput, **errors(400, 415, 422)},
)
@api_view(["GET", "POST"])
@permission_classes([IsEditor])
def webhooks(request: Request) -> Response:
    return webhook_create(request) if request.method == "POST" else webhook_list(request)


def webhook_list(request: Request) -> Response:
    valid(PageInput, request.query_params)
    return paginate(request, WebhookSubscription.objects.all(), WebhookOutput)


def webhook_create(request: Request) -> Response:
    data = valid(WebhookInput, request.data)
    created = services.webhook_subscribe(url=data["url"], events=data["events"], created_by=request.user)
    return Response(
        WebhookCreatedOutput(created).data,
        status=status.HTTP_201_CREATED,
        headers=location("webhook-detail", created.pk),
    )


@extend_schema(
    methods=["GET"],
    operation_id="webhooks_retrieve",
    summary="A webhook subscription and its last delivery (editor)",
    responses={200: WebhookOutput, **errors(404)},
)
@extend_schema(
    methods=["DELETE"],
    operation_id="webhooks_delete",
    summary="Unsubscribe (editor)",
    responses={204: None, **errors(404)},
)
@api_view(["GET", "DELETE"])
@permission_classes([IsEditor])
def webhook(request: Request, webhook_id: int) -> Response:
    found = get_object_or_404(WebhookSubscription, pk=webhook_id)
    if request.method == "DELETE":
        services.webhook_unsubscribe(subscription=found)
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(WebhookOutput(found).data)
