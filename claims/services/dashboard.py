"""The editors' dashboard as queries: each figure is a table (a first column,
then one column per series), drawn as a chart and downloadable as CSV.

Days are calendar days in settings.TIME_ZONE; a window ends today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from claims.models import Claim, Match, Source, Verdict
from claims.services.matching import tier_thresholds


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    chart: str  # a Chartkick.js chart type
    columns: tuple[str, ...]
    rows: list[tuple]
    note: str = ""
    # Value columns drawn against a second axis on the right (another unit).
    right: tuple[str, ...] = ()
    ytitle: str = ""

    def series(self) -> list[dict]:
        """Chartkick's shape: one {"name", "data": [[x, y], ...]} per value column."""
        series = []
        for i, name in enumerate(self.columns[1:], start=1):
            one: dict = {"name": name, "data": [[_iso(row[0]), row[i]] for row in self.rows]}
            if name in self.right:
                one["library"] = {"yAxisID": "right"}
            series.append(one)
        return series

    def options(self) -> dict:
        """Chartkick.js options; `library` goes to Chart.js as it is."""
        options: dict = {"ytitle": self.ytitle, "legend": len(self.columns) > 2 and "bottom", "height": "260px"}
        if self.chart in ("ColumnChart", "BarChart") and len(self.columns) > 2 and self.key == "verdicts":
            options["stacked"] = True
        if self.right:
            options["library"] = {
                "scales": {
                    "right": {
                        "position": "right",
                        "beginAtZero": True,
                        "grid": {"drawOnChartArea": False},
                        "title": {"display": True, "text": ", ".join(self.right)},
                    }
                }
            }
        return options

    def csv_rows(self) -> Iterator[tuple]:
        yield self.columns
        for row in self.rows:
            yield tuple(_iso(value) for value in row)


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _days(since: dt.date, until: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]


def window(*, days: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    until = today or timezone.localdate()
    return until - dt.timedelta(days=days - 1), until


def claims_per_day(*, since: dt.date, until: dt.date) -> Figure:
    counts = dict(
        Claim.objects.filter(created__date__gte=since, created__date__lte=until)
        .annotate(day=TruncDate("created"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Figure(
        key="claims",
        title="Claims extracted per day",
        chart="ColumnChart",
        columns=("day", "claims"),
        rows=[(day, counts.get(day, 0)) for day in _days(since, until)],
    )


def verdicts_per_day(*, since: dt.date, until: dt.date) -> Figure:
    found = (
        Verdict.objects.filter(created__date__gte=since, created__date__lte=until)
        .annotate(day=TruncDate("created"))
        .values_list("day", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(day, rating): n for day, rating, n in found}
    # The configured ratings in their order, then any older rating still in the data.
    ratings = list(settings.VERDICT_RATINGS) + sorted({r for _, r in counts} - set(settings.VERDICT_RATINGS))
    used = [r for r in ratings if any(key[1] == r for key in counts)] or list(settings.VERDICT_RATINGS)
    return Figure(
        key="verdicts",
        title="Verdicts per day, by rating",
        chart="ColumnChart",
        columns=("day", *used),
        rows=[(day, *(counts.get((day, r), 0) for r in used)) for day in _days(since, until)],
    )


# A claim waits from its creation to its first verdict; at each day's end (or now,
# for today) count the waiting and the age of the oldest.
QUEUE_SQL = """
WITH days AS (
    SELECT d::date AS day, LEAST(((d::date + 1)::timestamp AT TIME ZONE %(tz)s), now()) AS at
    FROM generate_series(%(since)s::date, %(until)s::date, interval '1 day') AS d
), first_verdict AS (
    SELECT claim_id, MIN(created) AS at FROM claims_verdict GROUP BY claim_id
)
SELECT days.day, COUNT(c.id),
       COALESCE(EXTRACT(EPOCH FROM days.at - MIN(c.created)) / 3600.0, 0)
FROM days
LEFT JOIN claims_claim c ON c.created < days.at
    AND NOT EXISTS (SELECT 1 FROM first_verdict f WHERE f.claim_id = c.id AND f.at < days.at)
GROUP BY days.day, days.at
ORDER BY days.day
"""


def queue_per_day(*, since: dt.date, until: dt.date) -> Figure:
    with connection.cursor() as cursor:
        cursor.execute(QUEUE_SQL, {"since": since, "until": until, "tz": settings.TIME_ZONE})
        rows = [(day, waiting, round(float(age), 1)) for day, waiting, age in cursor.fetchall()]
    return Figure(
        key="queue",
        title="Queue size and the age of the oldest claim waiting",
        chart="LineChart",
        columns=("day", "claims waiting", "oldest waiting (hours)"),
        rows=rows,
        right=("oldest waiting (hours)",),
        ytitle="claims",
        note="At the end of each day (now, for today): claims with no verdict yet.",
    )


def queue_now() -> tuple[int, dt.timedelta | None]:
    """How many claims await review, and how long the oldest of them has waited."""
    waiting = Claim.objects.awaiting_review()
    oldest = waiting.order_by("created").values_list("created", flat=True).first()
    return waiting.count(), (timezone.now() - oldest) if oldest else None


MEDIAN_SQL = """
SELECT (first.created AT TIME ZONE %(tz)s)::date AS day,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM first.created - a.created)) / 3600.0,
       COUNT(*)
FROM (SELECT DISTINCT ON (claim_id) claim_id, created FROM claims_verdict ORDER BY claim_id, created) AS first
JOIN claims_claim c ON c.id = first.claim_id
JOIN claims_article a ON a.id = c.article_id
WHERE (first.created AT TIME ZONE %(tz)s)::date BETWEEN %(since)s AND %(until)s
GROUP BY 1
ORDER BY 1
"""


def time_to_verdict(*, since: dt.date, until: dt.date) -> Figure:
    """Median hours from an article's ingest to the first verdict on each of its claims, by verdict day."""
    with connection.cursor() as cursor:
        cursor.execute(MEDIAN_SQL, {"since": since, "until": until, "tz": settings.TIME_ZONE})
        found = {day: (round(float(hours), 2), n) for day, hours, n in cursor.fetchall()}
    return Figure(
        key="time-to-verdict",
        title="Median time from ingest to verdict",
        chart="LineChart",
        columns=("day", "median hours", "verdicts"),
        rows=[(day, *found.get(day, (None, 0))) for day in _days(since, until)],
        right=("verdicts",),
        ytitle="hours",
        note="First verdict on each claim, by the day it was given.",
    )


def _tier() -> Case:
    """services.match_tier_of in SQL: each match on its own model's thresholds,
    and numbers that differ are never "likely"."""
    likely, possible = [], []
    for scorer in Match.Scorer.values:
        above, floor = tier_thresholds(scorer=scorer)
        likely.append(
            When(Q(scorer=scorer, score__gte=above) & ~Q(numbers=Match.Numbers.DIFFERS), then=Value("likely"))
        )
        possible.append(When(scorer=scorer, score__gte=floor, then=Value("possible")))
    return Case(*likely, *possible, default=Value("unlikely"))


def matches_by_tier(*, since: dt.date, until: dt.date) -> Figure:
    found = (
        Match.objects.filter(created__date__gte=since, created__date__lte=until)
        .annotate(tier=_tier())
        .values("tier")
        .annotate(
            best=Sum(Case(When(rank=1, then=1), default=0, output_field=IntegerField())),
            all=Count("pk"),
        )
        .order_by()
    )
    counts = {row["tier"]: (row["best"] or 0, row["all"]) for row in found}
    return Figure(
        key="tiers",
        title="Matches by tier",
        chart="ColumnChart",
        columns=("tier", "best match of a claim", "every suggestion"),
        rows=[(tier, *counts.get(tier, (0, 0))) for tier in ("likely", "possible", "unlikely")],
        note=f"likely: cosine ≥ {settings.MATCH_LIKELY_THRESHOLD} and numbers not differing; "
        f"possible: ≥ {settings.MATCH_POSSIBLE_THRESHOLD} (multilingual model: "
        f"{settings.MULTILINGUAL_LIKELY_THRESHOLD}, across languages {settings.MULTILINGUAL_CROSSLINGUAL_LIKELY_THRESHOLD}; "
        f"{settings.MULTILINGUAL_POSSIBLE_THRESHOLD}).",
    )


def top_sources(*, since: dt.date, until: dt.date, limit: int = 10) -> Figure:
    in_window = Q(
        appearances__article__claims__created__date__gte=since,
        appearances__article__claims__created__date__lte=until,
    )
    found = (
        Source.objects.annotate(
            claims=Count("appearances__article__claims", filter=in_window, distinct=True),
            articles=Count("appearances__article", filter=in_window, distinct=True),
        )
        .filter(claims__gt=0)
        .order_by("-claims", "name")
        .values_list("name", "url", "claims", "articles")[:limit]
    )
    return Figure(
        key="sources",
        title="The sources that brought the most claims",
        chart="BarChart",
        columns=("source", "claims", "articles"),
        rows=[(name or url, claims, articles) for name, url, claims, articles in found],
        note="A story seen in several sources counts for each of them.",
    )


FIGURES: dict[str, Callable[..., Figure]] = {
    "claims": claims_per_day,
    "verdicts": verdicts_per_day,
    "queue": queue_per_day,
    "time-to-verdict": time_to_verdict,
    "tiers": matches_by_tier,
    "sources": top_sources,
}


def figures(*, since: dt.date, until: dt.date) -> list[Figure]:
    return [make(since=since, until=until) for make in FIGURES.values()]


def figure(*, key: str, since: dt.date, until: dt.date) -> Figure:
    return FIGURES[key](since=since, until=until)
