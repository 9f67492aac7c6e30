"""Articles, the claims pulled out of them, the reference corpus they are matched
against, and the verdicts fact-checkers give: one module per part of the work."""

from claims.models.articles import (
    EMBEDDING_DIMENSIONS,
    MULTILINGUAL_DIMENSIONS,
    UNDETERMINED_LANGUAGE,
    Article,
    ArticleQuerySet,
    Claim,
    ClaimQuerySet,
    content_hash,
)
from claims.models.groups import ClaimGroup, ClaimGroupQuerySet
from claims.models.references import ImportJob, Reference, ReferenceQuerySet, ReferenceTerm
from claims.models.review import Match, Verdict, VerdictQuerySet
from claims.models.sources import Appearance, FeedEntry, FeedEntryQuerySet, Source, SourceQuerySet, url_host
from claims.models.webhooks import WebhookSubscription

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "MULTILINGUAL_DIMENSIONS",
    "UNDETERMINED_LANGUAGE",
    "Appearance",
    "Article",
    "ArticleQuerySet",
    "Claim",
    "ClaimGroup",
    "ClaimGroupQuerySet",
    "ClaimQuerySet",
    "FeedEntry",
    "FeedEntryQuerySet",
    "ImportJob",
    "Match",
    "Reference",
    "ReferenceQuerySet",
    "ReferenceTerm",
    "Source",
    "SourceQuerySet",
    "Verdict",
    "VerdictQuerySet",
    "WebhookSubscription",
    "content_hash",
    "url_host",
]
