"""Claim groups through the real pipeline: extraction, the real embedding model,
matching against the demo corpus, grouping (claims/services/groups.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from claims import services
from claims.models import Article, Claim, ClaimGroup, Reference, Verdict

DEMO = Path(__file__).resolve().parents[1] / "claims" / "demo"


def run_pipeline(text: str, *, published: dt.date, url: str = "", title: str = "") -> Article:
    """An article taken through every stage in this process, as the workers would."""
    article, _ = services.article_ingest(text=text, title=title, url=url, published=published)
    article.advance(from_status=Article.Status.PENDING, to_status=Article.Status.EXTRACTING)
    services.article_extract(article=article)
    article.refresh_from_db()
    services.article_embed(article=article)
    article.refresh_from_db()
    services.article_match(article=article)
    article.refresh_from_db()
    assert article.status == Article.Status.DONE
    return article


def demo_articles(*, languages: tuple[str, ...] = ("en",)) -> list[Article]:
    """The demo feed's articles in `languages` (the Spanish one is
    tests/test_multilingual_pipeline.py's), in feed order."""
    listing = [
        entry
        for entry in json.loads((DEMO / "feed.json").read_text(encoding="utf-8"))["articles"]
        if entry.get("language", "en") in languages
    ]
    return [
        run_pipeline(
            (DEMO / entry["file"]).read_text(encoding="utf-8"),
            published=dt.date.fromisoformat(entry["published"]),
            url=f"https://{entry['outlet'].lower().replace(' ', '')}.example/{entry['slug']}",
            title=entry["title"],
        )
        for entry in listing
    ]


def claim_with(article: Article, phrase: str) -> Claim:
    return article.claims.get(text__contains=phrase)


@pytest.fixture
def demo(demo_references, django_capture_on_commit_callbacks) -> list[Article]:
    with django_capture_on_commit_callbacks(execute=False):
        return demo_articles()


def test_it_groups_the_troop_claim_of_three_demo_articles(demo):
    first, second, third = demo
    troops = [claim_with(first, "3,000"), claim_with(second, "3,000"), claim_with(third, "3,000")]
    assert len({c.group_id for c in troops}) == 1
    group = troops[0].group
    assert (group.article_count, group.source_count) == (3, 3)
    assert {c.grouping["how"] for c in troops} <= {"founded", "wording", "reference"}
    assert sorted(c.grouping["how"] for c in troops).count("founded") == 1


def test_it_keeps_a_different_tally_apart(demo):
    first, second, third = demo
    tally, repeated, different = claim_with(first, "397"), claim_with(second, "397"), claim_with(third, "400 to 0")
    assert tally.group_id == repeated.group_id
    assert different.group_id != tally.group_id
    # The near miss is written down, with the numbers that kept it out.
    apart = different.grouping.get("kept_apart", [])
    assert any(row["group"] == tally.group_id and "400" in row["detail"] for row in apart), different.grouping


def test_it_gives_one_verdict_to_every_appearance(demo, reviewer, editor):
    troop = claim_with(demo[0], "3,000")
    verdict = services.verdict_record(claim=troop, reviewer=reviewer, rating="Mostly true")
    members = Claim.objects.filter(group=troop.group)
    assert {claim_with(article, "3,000").pk for article in demo} <= set(members.values_list("pk", flat=True))
    assert set(members.values_list("status", flat=True)) == {Claim.Status.REVIEWED}
    assert not services.claim_queue(groups=True).filter(group=troop.group).exists()

    services.verdict_publish(verdict=verdict, editor=editor)
    own = Reference.objects.get(verdict=verdict)
    assert (own.text, own.rating, own.embedding is not None) == (troop.text, "Mostly true", True)

    # The next article with the claim joins the checked group and never enters the queue.
    later = run_pipeline(
        "Seoul's spy agency said on Monday that about 3,000 North Korean soldiers are in Russia.",
        published=dt.date(2024, 10, 28),
    )
    again = claim_with(later, "3,000")
    assert again.group_id == troop.group_id
    assert again.status == Claim.Status.ALREADY_CHECKED
    assert own.pk in again.matches.values_list("reference", flat=True)

    services.verdict_withdraw(verdict=verdict, editor=editor)
    assert not Reference.objects.filter(external_id=own.external_id).exists()
    assert Verdict.objects.get(pk=verdict.pk).published_at is None


def test_it_splits_and_merges_groups_in_the_audit_trail(demo, reviewer):
    first, second, _ = demo
    troop, repeat = claim_with(first, "3,000"), claim_with(second, "3,000")
    group = troop.group
    members = group.claim_count
    alone = services.group_split(group=group, claim=repeat, reviewer=reviewer)
    repeat.refresh_from_db()
    group.refresh_from_db()
    assert repeat.group_id == alone.pk != group.pk
    assert (repeat.grouping["how"], repeat.grouping["by"]) == ("moved", reviewer.username)
    assert group.claim_count == members - 1

    alone_pk = alone.pk
    merged = services.groups_merge(into=group, others=[alone], reviewer=reviewer)
    repeat.refresh_from_db()
    assert repeat.group_id == merged.pk == group.pk
    assert merged.claim_count == members
    assert not ClaimGroup.objects.filter(pk=alone_pk).exists()
    assert [h.group_id for h in repeat.history.order_by("history_date")][-2:] == [alone_pk, group.pk]


def test_it_refuses_to_merge_two_groups_with_verdicts(demo, reviewer):
    first, _, third = demo
    tally, troop = claim_with(first, "397"), claim_with(third, "3,000")
    services.verdict_record(claim=tally, reviewer=reviewer, rating="True")
    services.verdict_record(claim=troop, reviewer=reviewer, rating="True")
    with pytest.raises(services.InvalidInput) as refused:
        services.groups_merge(into=tally.group, others=[troop.group], reviewer=reviewer)
    assert refused.value.code == "conflict"


def test_it_leaves_a_regrouped_claim_where_it_is(demo):
    first = demo[0]
    claim = claim_with(first, "3,000")
    group = claim.group_id
    services.article_match(article=first)
    claim.refresh_from_db()
    assert claim.group_id == group


def test_it_joins_a_repeat_to_the_group_of_the_desk_verdict_it_matches(demo, reviewer, editor):
    troop = claim_with(demo[0], "3,000")
    verdict = services.verdict_record(claim=troop, reviewer=reviewer, rating="Mostly true")
    services.verdict_publish(verdict=verdict, editor=editor)
    later = run_pipeline(
        "South Korea's intelligence service said that about 3,000 North Korean soldiers were already in Russia.",
        published=dt.date(2024, 10, 29),
    )
    again = claim_with(later, "3,000")
    assert again.matches.get(rank=1).reference.verdict_id == verdict.pk, "the desk's own verdict comes first"
    assert (again.group_id, again.grouping["how"]) == (troop.group_id, "reference")
