"""Small builders for API tests: rows made straight in the database."""

from __future__ import annotations

import itertools

from claims.models import Article, Claim, Match, Reference

_numbers = itertools.count(1)


def article(**fields) -> Article:
    n = next(_numbers)
    fields.setdefault("text", f"Article number {n}. Parliament voted 397 to 0.")
    fields.setdefault("content_hash", f"test-hash-{n}")
    return Article.objects.create(**fields)


def claim(*, of: Article | None = None, **fields) -> Claim:
    n = next(_numbers)
    fields.setdefault("text", f"Parliament voted 397 to 0 (claim {n}).")
    fields.setdefault("start", n)
    fields.setdefault("end", n + 10)
    fields.setdefault("status", Claim.Status.MATCHED)
    return Claim.objects.create(article=of or article(), **fields)


def reference(**fields) -> Reference:
    n = next(_numbers)
    fields.setdefault("external_id", f"ref-{n}")
    fields.setdefault("text", f"The Duma voted 397 to 0 (reference {n}).")
    return Reference.objects.create(**fields)


def match(*, to: Claim, ref: Reference | None = None, **fields) -> Match:
    fields.setdefault("score", 0.8)
    fields.setdefault("rank", 1)
    return Match.objects.create(claim=to, reference=ref or reference(), **fields)
