"""The editors' dashboard: its figures as queries, its charts' data, and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from claims.models import Appearance, Article, Claim, Match, Reference, Source, Verdict
from claims.services import dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def midday(settings) -> None:
    """The desk's clock at midday, wherever UTC is: the day's work below goes
    back five hours, which is yesterday in the first hours after midnight (the
    suite failed at 00:25 UTC)."""
    east = 12 - timezone.now().hour
    settings.TIME_ZONE = f"Etc/GMT{-east:+d}" if east else "UTC"


@pytest.fixture
def work(reviewer, midday) -> dict:
    """Today: an article from a source with two claims, one matched well and given a verdict two hours after ingest."""
    now = timezone.now()
    article = Article.objects.create(text="One. Two.", content_hash="dash", status=Article.Status.DONE)
    Article.objects.filter(pk=article.pk).update(created=now - dt.timedelta(hours=3))
    first = Claim.objects.create(article=article, text="One.", start=0, end=4, status=Claim.Status.MATCHED)
    second = Claim.objects.create(article=article, text="Two.", start=5, end=9, status=Claim.Status.MATCHED)
    Claim.objects.filter(pk=second.pk).update(created=now - dt.timedelta(hours=5))
    reference = Reference.objects.create(external_id="r", text="One.")
    other = Reference.objects.create(external_id="s", text="Two.")
    Match.objects.create(claim=first, reference=reference, score=0.9, rank=1, numbers=Match.Numbers.AGREES)
    Match.objects.create(claim=first, reference=other, score=0.5, rank=2)
    Match.objects.create(claim=second, reference=reference, score=0.7, rank=1, numbers=Match.Numbers.DIFFERS)
    verdict = Verdict.objects.create(claim=first, reviewer=reviewer, rating="False")
    Verdict.objects.filter(pk=verdict.pk).update(created=now - dt.timedelta(hours=1))
    Claim.objects.filter(pk=first.pk).update(status=Claim.Status.REVIEWED)
    source = Source.objects.create(url="https://harbour.example/feed.xml", name="Harbour Times")
    Appearance.objects.create(article=article, url="https://harbour.example/a", host="harbour.example", source=source)
    return {"today": timezone.localdate()}


def rows(figure) -> dict:
    return {row[0]: row[1:] for row in figure.rows}


def test_it_counts_the_days_work(work):
    since, until = dashboard.window(days=7)
    today = work["today"]
    assert rows(dashboard.claims_per_day(since=since, until=until))[today] == (2,)
    verdicts = dashboard.verdicts_per_day(since=since, until=until)
    assert verdicts.columns == ("day", "False") and rows(verdicts)[today] == (1,)
    queue = rows(dashboard.queue_per_day(since=since, until=until))
    waiting, oldest_hours = queue[today]
    assert waiting == 1 and 4.9 < oldest_hours < 5.1, "the second claim, waiting five hours"
    assert queue[today - dt.timedelta(days=6)] == (0, 0.0)
    median, verdict_count = rows(dashboard.time_to_verdict(since=since, until=until))[today]
    assert verdict_count == 1 and 1.99 < median < 2.01
    assert rows(dashboard.matches_by_tier(since=since, until=until)) == {
        "likely": (1, 1),
        "possible": (1, 2),  # 0.7 with numbers that differ is not likely
        "unlikely": (0, 0),
    }
    assert dashboard.top_sources(since=since, until=until).rows == [("Harbour Times", 2, 1)]
    assert dashboard.queue_now()[0] == 1


def test_it_draws_every_chart_from_data_on_the_page(editor, work):
    client = Client()
    client.force_login(editor)
    html = client.get("/dashboard/").content.decode()
    for key in dashboard.FIGURES:
        assert f'id="chart-{key}"' in html and f'id="chart-{key}-data"' in html, key
        assert f'href="/dashboard/{key}.csv?days=30"' in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/chartkick/Chart.bundle.js" in scripts and "/static/chartkick/chartkick.js" in scripts
    assert all(src.startswith("/static/") for src in scripts), "no CDN"
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", html), "no inline script"
    for src in scripts:
        asset = client.get(src)
        assert asset.status_code == 200, src


def test_it_downloads_each_chart_as_csv(editor, work):
    client = Client()
    client.force_login(editor)
    response = client.get("/dashboard/tiers.csv", {"days": "7"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="tiers-')
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table == [
        ["tier", "best match of a claim", "every suggestion"],
        ["likely", "1", "1"],
        ["possible", "1", "2"],
        ["unlikely", "0", "0"],
    ]
    claims = list(csv.reader(io.StringIO(client.get("/dashboard/claims.csv").content.decode())))
    assert claims[0] == ["day", "claims"] and len(claims) == 31 and claims[-1] == [work["today"].isoformat(), "2"]
    assert client.get("/dashboard/nothing.csv").status_code == 404


def test_it_is_for_editors(reviewer):
    client = Client()
    client.force_login(reviewer)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/claims.csv").status_code == 403
