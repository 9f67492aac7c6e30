"""Signed events POSTed to the newsroom tools that subscribed to them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from claims.models import (
    Article,
    Verdict,
    WebhookSubscription,
)
from claims.services import enqueue, fetch
from claims.services.errors import InvalidInput

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """A webhook subscriber did not take the event; the task retries later."""


def webhook_subscribe(*, url: str, events: Iterable[str], created_by=None) -> WebhookSubscription:
    """Subscribe `url` to `events`; its secret signs every delivery. A URL that
    resolves to a non-public address is refused (claims.services.fetch.FetchError)."""

    events = sorted(set(events))
    unknown = [event for event in events if event not in WebhookSubscription.Event.values]
    if unknown or not events:
        raise InvalidInput(
            "Unknown or no events.",
            fields={"events": f"One or more of: {', '.join(WebhookSubscription.Event.values)}."},
        )
    fetch.check_url(url, allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK)
    return WebhookSubscription.objects.create(
        url=url, events=events, secret=secrets.token_hex(32), created_by=created_by
    )


def webhook_unsubscribe(*, subscription: WebhookSubscription) -> None:
    """Stop deliveries; those already queued find the subscription gone and stop too."""
    subscription.delete()


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def article_event(*, article: Article) -> dict:
    return {
        "article": {
            "id": article.pk,
            "status": article.status,
            "title": article.title,
            "url": article.url,
            "claims": article.claims.count(),
            "api_url": _absolute(reverse("api:article-detail", args=[article.pk])),
        }
    }


def verdict_event(*, verdict: Verdict) -> dict:
    return {
        "verdict": {
            "id": verdict.pk,
            "claim": verdict.claim_id,
            "article": verdict.claim.article_id,
            "rating": verdict.rating,
            "published_at": verdict.published_at.isoformat() if verdict.published_at else None,
            "api_url": _absolute(reverse("api:verdict-detail", args=[verdict.pk])),
            "claimreview_url": _absolute(reverse("claimreview-detail", args=[verdict.pk])),
        }
    }


def webhooks_notify(*, event: str, data: Mapping) -> int:
    """Queue a delivery of `event` to every active subscriber of it, sent once the
    current transaction commits. Returns how many were queued."""
    subscribers = list(
        WebhookSubscription.objects.filter(active=True, events__contains=[str(event)]).values_list("pk", flat=True)
    )
    if not subscribers:
        return 0
    payload = {"id": str(uuid.uuid4()), "event": str(event), "created": timezone.now().isoformat(), "data": dict(data)}
    for pk in subscribers:
        enqueue.later("webhook_deliver", pk, payload)
    return len(subscribers)


def webhook_body(payload: Mapping) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_signature(*, secret: str, body: bytes) -> str:
    """The X-Factcheck-Signature header: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


WEBHOOK_ANSWER_MAX_BYTES = 1024 * 1024


def webhook_deliver(*, subscription: WebhookSubscription, payload: Mapping) -> int | None:
    """POST one signed event. Returns the subscriber's HTTP status; raises
    DeliveryFailed for an answer other than 2xx or a network failure (worth a
    retry), but not for an address the guard refuses (never worth one)."""

    body = webhook_body(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Factcheck-Event": str(payload["event"]),
        "X-Factcheck-Delivery": str(payload["id"]),
        "X-Factcheck-Signature": webhook_signature(secret=subscription.secret, body=body),
    }
    status, error, retry = None, "", False
    try:
        answer = fetch.request(
            "POST",
            subscription.url,
            content=body,
            headers=headers,
            allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK,
            follow_redirects=False,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=WEBHOOK_ANSWER_MAX_BYTES,
        )
        status = answer.status
        if not 200 <= status < 300:
            error, retry = f"The subscriber answered HTTP {status}.", True
    except fetch.FetchError as exc:
        error, retry = exc.message, exc.code != "url_not_allowed"
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        last_attempt=timezone.now(), last_status=status, last_error=error
    )
    if error:
        logger.warning("webhook %s to %s: %s", payload["event"], subscription.url, error)
    if retry:
        raise DeliveryFailed(error)
    return status
