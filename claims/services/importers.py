"""Readers that turn reference files into rows for `services.references_import`.

Each yields (line or item number, row) with the keys of a Reference; a row that
cannot be read at all yields an `error` key instead, so the import reports it
with its position and goes on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import IO

FORMATS = ("jsonl", "csv", "claimreview")

# The CheckThat! vclaims shape, our own field names, and common CSV headers.
ALIASES = {
    "external_id": ("external_id", "vclaim_id", "id"),
    "text": ("text", "vclaim", "claim", "claimReviewed"),
    "title": ("title",),
    "subtitle": ("subtitle",),
    "rating": ("rating", "verdict"),
    "publisher": ("publisher", "author"),
    "url": ("url", "page_url"),
    "published": ("published", "date", "datePublished"),
    "language": ("language", "lang"),
}


def normalise(raw: Mapping) -> dict:
    row = {}
    for name, keys in ALIASES.items():
        for key in keys:
            if raw.get(key) not in (None, ""):
                row[name] = raw[key]
                break
    return row


def read_jsonl(stream: IO[str]) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, {"error": f"invalid JSON: {exc.msg}"}
            continue
        yield number, normalise(raw) if isinstance(raw, dict) else {"error": "not a JSON object"}


def read_csv(stream: IO[str]) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(stream)
    for raw in reader:
        yield reader.line_num, normalise(raw)


def _review_author(node) -> str:
    if isinstance(node, list):
        node = node[0] if node else {}
    if isinstance(node, Mapping):
        return str(node.get("name") or "")
    return str(node or "")


def claimreview_row(review: Mapping) -> dict:
    """A schema.org ClaimReview object as a reference row."""
    rating = review.get("reviewRating") or {}
    item = review.get("itemReviewed") or {}
    if isinstance(item, list):
        item = item[0] if item else {}
    row = normalise(
        {
            "external_id": review.get("@id") or review.get("url"),
            "text": review.get("claimReviewed") or (item.get("name") if isinstance(item, Mapping) else None),
            "title": review.get("name") or review.get("headline"),
            "rating": rating.get("alternateName") if isinstance(rating, Mapping) else None,
            "publisher": _review_author(review.get("author")),
            "url": review.get("url"),
            "published": review.get("datePublished"),
            "language": review.get("inLanguage"),
        }
    )
    return row


def read_claimreview(stream: IO[str]) -> Iterator[tuple[int, dict]]:
    """One ClaimReview object, a list of them, or a schema.org DataFeed."""
    try:
        data = json.load(stream)
    except json.JSONDecodeError as exc:
        yield exc.lineno, {"error": f"invalid JSON: {exc.msg}"}
        return
    if isinstance(data, Mapping) and data.get("@type") == "DataFeed":
        data = [entry.get("item", entry) for entry in data.get("dataFeedElement", [])]
    items = data if isinstance(data, list) else [data]
    for number, review in enumerate(items, start=1):
        if not isinstance(review, Mapping) or review.get("@type", "ClaimReview") != "ClaimReview":
            yield number, {"error": "not a ClaimReview object"}
            continue
        yield number, claimreview_row(review)


READERS = {"jsonl": read_jsonl, "csv": read_csv, "claimreview": read_claimreview}


def read(data: bytes | str, *, fmt: str) -> Iterator[tuple[int, dict]]:
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return READERS[fmt](io.StringIO(text, newline=""))
