"""Newsroom tools subscribed to events."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WebhookSubscription(models.Model):
    """A newsroom tool's URL that is POSTed a signed event."""

    class Event(models.TextChoices):
        ARTICLE_DONE = "article.done", "An article finished processing"
        VERDICT_PUBLISHED = "verdict.published", "A verdict was published"
        CLAIM_REPEATED = "claim.repeated", "A claim already checked turned up again"

    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    last_attempt = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.url
