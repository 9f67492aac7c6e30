from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from claims import services
from claims.models import Reference
from claims.services import importers

pytestmark = pytest.mark.django_db


def run_import(data: str, fmt: str) -> services.ImportReport:
    return services.references_import(rows=importers.read(data.encode(), fmt=fmt))


VCLAIMS = "\n".join(
    json.dumps(row)
    for row in [
        {"vclaim_id": "v-1", "vclaim": "The bridge cost $4.5bn.", "title": "Bridge cost", "date": "26 May 2015"},
        {"vclaim_id": "v-2", "vclaim": "Turnout was 61 per cent.", "title": "Turnout", "subtitle": "Rumour"},
    ]
)


def test_it_imports_checkthat_vclaims_and_extracts_their_numbers():
    report = run_import(VCLAIMS, "jsonl")
    assert (report.imported, report.updated, report.rejected) == (2, 0, [])
    bridge = Reference.objects.get(external_id="v-1")
    assert bridge.published.isoformat() == "2015-05-26"
    assert bridge.slots["quantities"][0]["value"] == pytest.approx(4.5e9)


def test_it_changes_nothing_on_a_reimport():
    run_import(VCLAIMS, "jsonl")
    before = list(Reference.objects.values_list("pk", "updated"))
    report = run_import(VCLAIMS, "jsonl")
    assert (report.imported, report.updated, report.unchanged) == (0, 0, 2)
    assert list(Reference.objects.values_list("pk", "updated")) == before


def test_it_updates_a_changed_row_and_clears_its_embedding():
    run_import(VCLAIMS, "jsonl")
    Reference.objects.update(embedding=[0.1] * 384, embedding_model="m")
    report = run_import(VCLAIMS.replace("61 per cent", "62 per cent"), "jsonl")
    assert report.updated == 1
    changed = Reference.objects.get(external_id="v-2")
    assert changed.embedding is None
    assert Reference.objects.get(external_id="v-1").embedding is not None


def test_it_reports_rejected_lines_with_reasons():
    data = '{"vclaim_id": "a", "vclaim": "ok"}\nnot json\n{"vclaim": "no id"}\n{"vclaim_id": "b", "vclaim": "x", "date": "someday"}\n'
    report = run_import(data, "jsonl")
    assert report.imported == 1
    reasons = dict(report.rejected)
    assert set(reasons) == {2, 3, 4}
    assert "invalid JSON" in reasons[2]
    assert "external id" in reasons[3]
    assert "date" in reasons[4]


def test_it_imports_csv_with_a_header():
    report = run_import("id,claim,rating,url\nc-1,Crime fell 5%,False,https://example.org/c1\n", "csv")
    assert report.imported == 1
    ref = Reference.objects.get()
    assert (ref.text, ref.rating, ref.url) == ("Crime fell 5%", "False", "https://example.org/c1")


def test_it_imports_a_claimreview_datafeed():
    feed = {
        "@type": "DataFeed",
        "dataFeedElement": [
            {
                "@type": "DataFeedItem",
                "item": {
                    "@type": "ClaimReview",
                    "url": "https://example.org/review/1",
                    "claimReviewed": "Parliament voted 400 to 0.",
                    "reviewRating": {"@type": "Rating", "alternateName": "False"},
                    "author": {"@type": "Organization", "name": "Example Checks"},
                    "datePublished": "2024-10-25",
                },
            }
        ],
    }
    report = run_import(json.dumps(feed), "claimreview")
    assert report.imported == 1
    ref = Reference.objects.get()
    assert (ref.external_id, ref.rating, ref.publisher) == ("https://example.org/review/1", "False", "Example Checks")
    assert ref.slots["tallies"][0]["for"] == 400


def test_it_reembeds_references_from_an_older_model(demo_references):
    Reference.objects.filter(external_id="demo-001").update(embedding_model="an-older-model")
    out = io.StringIO()
    call_command("embed_references", "--now", stdout=out)
    assert out.getvalue().strip() == "embedded 1 of 1"
    assert Reference.objects.values("embedding_model").distinct().count() == 1
