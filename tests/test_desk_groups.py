"""The desk works on groups: the queue lists each repeated claim once, the
group page shows every appearance and why each joined, reviewers take claims
out and merge groups (in the audit trail), and a published verdict marks the
claim's next appearance "already checked".

The groups are made by the real pipeline (extraction, the embedding model,
matching, grouping) from articles written for these tests."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils.html import escape

from claims import services
from claims.models import Article, Claim, ClaimGroup, Reference

pytestmark = pytest.mark.django_db

# The same vote told three ways at three outlets, once with another tally, and an unrelated claim.
ARTICLES = {
    "first": (
        "Duma ratifies the treaty",
        "https://www.first.example/duma",
        "MOSCOW. The State Duma voted 397 to 0 on Thursday to ratify the defence treaty with North Korea. "
        "Deputies applauded after the vote.",
    ),
    "second": (
        "Lower house backs the pact",
        "https://second.example/world/pact",
        "Russia's lower house voted 397 to 0 on Thursday to ratify its defence treaty with North Korea, "
        "officials said.",
    ),
    "third": (
        "A formality in Moscow",
        "https://third.example/politics/duma",
        "On Thursday the State Duma ratified the defence treaty with North Korea by 397 votes to 0.",
    ),
    "tally": (
        "A deputy's count",
        "https://fourth.example/duma-count",
        "The State Duma voted 400 to 0 on Thursday to ratify the defence treaty with North Korea, a deputy claimed.",
    ),
    "troops": (
        "Troops at the border",
        "https://fifth.example/border",
        "About 3,000 soldiers crossed the border in March 2024, the defence ministry said.",
    ),
}
THURSDAY = dt.date(2024, 10, 24)


def process(key: str) -> Article:
    """Submit one of the articles and run it through every stage, as the
    workers would (without Celery)."""
    title, url, text = ARTICLES[key]
    article, _ = services.article_submit(text=text, title=title, url=url, published=THURSDAY)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.EXTRACTING)
    article.refresh_from_db()
    services.article_extract(article=article)
    services.article_embed(article=article)
    services.article_match(article=article)
    article.refresh_from_db()
    assert article.status == Article.Status.DONE
    return article


def only_claim(article: Article) -> Claim:
    (claim,) = article.claims.defer("embedding")
    return claim


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def fresh(claim: Claim) -> Claim:
    return Claim.objects.defer("embedding").get(pk=claim.pk)


def follow(client: Client, response) -> str:
    assert response.status_code == 302, response.status_code
    return text(client.get(response.url))


@pytest.fixture
def desk() -> dict[str, Claim]:
    """The Duma vote in three articles (one group), the other tally (kept
    apart) and an unrelated claim, processed in this order."""
    return {key: only_claim(process(key)) for key in ("first", "second", "third", "tally", "troops")}


def test_it_builds_the_groups_the_tests_rely_on(desk):
    vote = desk["first"].group
    assert vote is not None
    assert {c.pk for c in vote.members.all()} == {desk[k].pk for k in ("first", "second", "third")}
    assert (vote.claim_count, vote.article_count, vote.source_count) == (3, 3, 3)
    assert desk["tally"].group_id not in (None, vote.pk)
    assert desk["troops"].group_id not in (None, vote.pk, desk["tally"].group_id)


# --- The queue --------------------------------------------------------------------------


def test_it_lists_each_group_once_with_its_appearances(reviewer, desk):
    vote = desk["first"].group
    response = logged_in(reviewer).get("/")
    rows = list(response.context["page"].object_list)
    assert [row.pk for row in rows].count(vote.representative_id) == 1
    assert {row.group_id for row in rows} == {vote.pk, desk["tally"].group_id, desk["troops"].group_id}
    page = squeeze(text(response))
    assert "3 claims, each shown once however often it was repeated" in page
    assert f'<a href="/groups/{vote.pk}/">3 articles, 3 sources</a>' in page
    assert f'<a href="/groups/{desk["troops"].group_id}/">1 article, 1 source</a>' in page
    # The representative stands for the other wordings.
    shown = {desk[k].text for k in ("first", "second", "third") if escape(desk[k].text) in page}
    assert shown == {vote.representative.text}


def test_it_sorts_the_queue_by_check_worthiness_repeats_or_newest(reviewer, desk):
    client = logged_in(reviewer)
    vote, tally, troops = (desk[k].group for k in ("first", "tally", "troops"))

    def order(sort: str) -> list[int]:
        return [row.group_id for row in client.get("/", {"sort": sort}).context["page"].object_list]

    by_worth = sorted((vote, tally, troops), key=lambda g: (-g.checkworthiness, -g.representative.created.timestamp()))
    assert order("checkworthiness") == order("") == [g.pk for g in by_worth]
    assert order("repeats")[0] == vote.pk
    assert order("newest") == [troops.pk, tally.pk, vote.pk]  # the order they were last seen, newest first
    page = text(client.get("/", {"sort": "repeats"}))
    assert "most repeated first" in page
    assert f'/claims/{vote.representative_id}/?sort=repeats"' in page
    assert '<option value="repeats" selected>' in page

    # The claim page's next and previous walk the queue in the order it is sorted in.
    newest = client.get(f"/claims/{tally.representative_id}/", {"sort": "newest"}).context
    assert (newest["previous"].pk, newest["next"].pk) == (troops.representative_id, vote.representative_id)
    page = text(client.get(f"/claims/{vote.representative_id}/", {"sort": "newest"}))
    assert f'rel="prev" data-key="prev" href="/claims/{tally.representative_id}/?sort=newest"' in page


# --- The group page ---------------------------------------------------------------------


def test_it_shows_every_appearance_with_why_it_joined(reviewer, desk):
    vote = desk["first"].group
    page = squeeze(text(logged_in(reviewer).get(f"/groups/{vote.pk}/")))
    assert "3 articles, 3 sources" in page
    for key in ("first", "second", "third"):
        claim, (title, url, _) = desk[key], ARTICLES[key]
        member = page[page.index(f'id="member-{claim.pk}"') :]
        member = member[: member.index("</li> <li") if "</li> <li" in member else None]
        assert f'<a href="/claims/{claim.pk}/">Claim {claim.pk}</a>' in member
        assert f">{title}</a> (24 Oct 2024)" in member
        assert f'href="{url}"' in member
        # The sentence marked in its article, and the outlet that carried it.
        marked = re.sub(r"<span class=\"slot [^>]+>|</span>", "", member)
        assert f'<mark class="claim-text">{escape(claim.text)}</mark>' in marked
        assert re.search(r"<li><a href=\"[^\"]+\" rel=\"noopener noreferrer\">[a-z.]+example</a>", member)
    founder, joiner = fresh(desk["first"]), fresh(desk["third"])
    assert "Started this group: no claim already on the desk said the same thing." in page
    score, cosine = joiner.grouping["score"], joiner.grouping["cosine"]
    assert (
        f'Joined on its wording (score {score:.2f}, cosine {cosine:.2f}), like <a href="/claims/{founder.pk}/">'
        f"claim {founder.pk}</a>." in page
    )
    # The number check against the member it resembled.
    assert '<th scope="col">This claim</th><th scope="col">Claim ' in page
    assert '<tr class="cmp-agrees"><td>tally</td><td class="cmp-value">397\u2013' in page


def test_it_shows_the_group_a_claim_was_kept_apart_from(reviewer, desk):
    vote, tally = desk["first"].group, desk["tally"].group
    page = squeeze(text(logged_in(reviewer).get(f"/groups/{tally.pk}/")))
    note = f'Did not join <a href="/groups/{vote.pk}/">group {vote.pk}</a>: 400\u20130 vs 397\u20130'
    assert page.count(note) == 1
    # ...and the claim page says it too.
    page = squeeze(text(logged_in(reviewer).get(f"/claims/{desk['tally'].pk}/")))
    assert note in page
    assert f'<a href="/groups/{tally.pk}/">Group {tally.pk}: every appearance</a>' in page


def test_it_takes_a_claim_out_and_merges_it_back_with_both_in_the_audit_trail(reviewer, desk):
    client = logged_in(reviewer)
    vote, second = desk["first"].group, desk["second"]
    page = squeeze(follow(client, client.post(f"/groups/{vote.pk}/split/", {"claim": second.pk})))
    alone = fresh(second).group
    assert alone.pk != vote.pk and alone.claim_count == 1
    assert f"Claim {second.pk} was taken out of this group: it is group {alone.pk} now, on its own." in page
    vote.refresh_from_db()
    assert (vote.claim_count, vote.article_count) == (2, 2)
    history = page[page.index('id="audit-title"') :]
    assert f'<td class="who">rita</td> <td>Claim {second.pk} left</td>' in history
    assert f"<del>group {vote.pk}</del> → <ins>group {alone.pk}</ins>" in history

    page = squeeze(text(client.get(f"/groups/{alone.pk}/")))
    assert "Moved by rita on " in page and f": taken out of group {vote.pk}." in page
    assert f"taken out of group {vote.pk} by rita" in page[page.index('id="audit-title"') :]

    page = squeeze(follow(client, client.post(f"/groups/{vote.pk}/merge/", {"other": alone.pk})))
    assert f"Group {alone.pk} was merged into this one (1 claim)." in page
    assert not ClaimGroup.objects.filter(pk=alone.pk).exists()
    assert fresh(second).group_id == vote.pk
    history = page[page.index('id="audit-title"') :]
    assert f'<td class="who">rita</td> <td>Claim {second.pk} joined</td>' in history
    assert f"merged from group {alone.pk} by rita" in history
    # The claim's own trail shows the moves too.
    page = squeeze(text(client.get(f"/claims/{second.pk}/")))
    assert f"<del>group {alone.pk}</del> → <ins>group {vote.pk}</ins>" in page


def test_it_shows_what_the_grouping_services_refuse_as_messages(reviewer, editor, desk):
    client = logged_in(reviewer)
    vote, tally, troops = (desk[k].group for k in ("first", "tally", "troops"))

    def said(path: str, data: dict) -> str:
        return squeeze(follow(client, client.post(path, data)))

    assert "A group of one cannot be split." in said(f"/groups/{troops.pk}/split/", {"claim": desk["troops"].pk})
    assert "The claim is not in this group." in said(f"/groups/{vote.pk}/split/", {"claim": desk["tally"].pk})
    assert "Choose a claim of this group to take out." in said(f"/groups/{vote.pk}/split/", {"claim": "x"})
    assert "There is no group 999999." in said(f"/groups/{vote.pk}/merge/", {"other": 999999})
    assert "Give at least one other group to merge." in said(f"/groups/{vote.pk}/merge/", {"other": vote.pk})
    for claim in (desk["first"], desk["tally"]):
        services.verdict_record(claim=fresh(claim), reviewer=reviewer, rating="False")
    assert "More than one of these groups has a verdict" in said(f"/groups/{vote.pk}/merge/", {"other": tally.pk})
    assert ClaimGroup.objects.count() == 3
    assert fresh(desk["second"]).group_id == vote.pk


def test_it_keeps_outsiders_off_the_group_page_and_its_actions(outsider, desk):
    client = logged_in(outsider)
    vote, tally = desk["first"].group, desk["tally"].group
    assert client.get(f"/groups/{vote.pk}/").status_code == 403
    assert client.post(f"/groups/{vote.pk}/split/", {"claim": desk["second"].pk}).status_code == 403
    assert client.post(f"/groups/{vote.pk}/merge/", {"other": tally.pk}).status_code == 403
    assert Client().get(f"/groups/{vote.pk}/").status_code == 302  # to the login page
    assert fresh(desk["second"]).group_id == vote.pk
    assert ClaimGroup.objects.filter(pk=tally.pk).exists()


# --- Verdicts ---------------------------------------------------------------------------


def test_it_lets_only_editors_withdraw_a_published_verdict(reviewer, editor, desk):
    claim = fresh(desk["first"])
    verdict = services.verdict_record(claim=claim, reviewer=reviewer, rating="Mostly false")
    services.verdict_publish(verdict=verdict, editor=editor)
    assert Reference.objects.filter(verdict=verdict).exists()

    rita = logged_in(reviewer)
    assert "Withdraw this verdict" not in text(rita.get(f"/claims/{claim.pk}/"))
    assert rita.post(f"/verdicts/{verdict.pk}/withdraw/").status_code == 403
    verdict.refresh_from_db()
    assert verdict.is_published

    ed = logged_in(editor)
    page = text(ed.get(f"/claims/{claim.pk}/"))
    assert f'action="/verdicts/{verdict.pk}/withdraw/"' in page
    response = ed.post(f"/verdicts/{verdict.pk}/withdraw/", {"filters": "sort=newest"})
    assert response.url == f"/claims/{claim.pk}/?sort=newest"
    page = follow(ed, response)
    assert "Verdict withdrawn: it has left the ClaimReview feed and the reference corpus." in page
    assert "Publish this verdict" in page
    verdict.refresh_from_db()
    assert not verdict.is_published
    assert not Reference.objects.filter(verdict=verdict).exists()
    assert ed.get("/claimreview/feed.json").json()["dataFeedElement"] == []
    assert "This verdict is not published." in follow(ed, ed.post(f"/verdicts/{verdict.pk}/withdraw/"))


def test_it_marks_a_repeat_of_a_checked_claim_already_checked(reviewer, editor):
    first = only_claim(process("first"))
    only_claim(process("second"))
    verdict = services.verdict_record(claim=fresh(first), reviewer=reviewer, rating="Mostly false")
    services.verdict_publish(verdict=verdict, editor=editor)

    third = fresh(only_claim(process("third")))
    assert third.group_id == first.group_id
    assert third.status == Claim.Status.ALREADY_CHECKED
    client = logged_in(reviewer)
    page = squeeze(text(client.get(f"/claims/{third.pk}/")))
    assert (
        f'<strong>Already checked</strong>: rated <strong class="rating">Mostly false</strong> by rita, '
        f'on <a href="/claims/{first.pk}/">claim {first.pk}</a>.'
    ) in page
    assert f'<a href="/claimreview/{verdict.pk}.json">ClaimReview JSON-LD</a>' in page
    assert "This claim appeared in <strong>3 articles</strong> from 3 sources" in page
    # The desk's own verdict became a reference, and this claim matched it.
    assert third.matches.filter(reference__verdict=verdict).exists()
    assert '<p class="ref-text"><span class="ours">our verdict</span> ' + first.text in page
    # Nothing of the group is left to do.
    assert third.pk not in {c.pk for c in client.get("/").context["page"].object_list}
    assert first.group_id not in {c.group_id for c in client.get("/").context["page"].object_list}
    page = squeeze(text(client.get(f"/groups/{first.group_id}/")))
    assert "<strong>Already checked</strong>: it holds for every appearance." in page
    assert f'id="member-{third.pk}" class="appearance is-already-checked"' in page
