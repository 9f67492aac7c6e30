"""The claim-group API, built through the real pipeline: articles extracted,
embedded with the real model, matched against the demo corpus and grouped.
Also the API's side of the desk's own verdicts (first among the matches,
`own: true`, withdrawn) and of `claim.repeated`."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re

import pytest
from rest_framework.test import APIClient

from claims import services
from claims.models import Article, Claim, ClaimGroup, Match, Reference, Verdict
from factcheck.celery import app as celery_app

pytestmark = pytest.mark.django_db

# Articles in the project's own words: two carry the same tally, a third a different one.
DUMA = (
    "Moscow lawmakers backed the pact on Thursday. The State Duma voted 397 to 0 to ratify the treaty "
    "with North Korea. Seoul says about 3,000 North Korean soldiers are already in Russia."
)
REPEAT = "Deputies in the State Duma voted 397 to 0 to ratify the agreement with Pyongyang."
OTHER_TALLY = "The Duma voted 400 to 0 to ratify the treaty with North Korea, reports said."
LATER = "In a unanimous vote, the State Duma voted 397 to 0 to approve the North Korea treaty."


def ingest(text: str, url: str, *, match: bool = True) -> Article:
    """An article through extraction, embedding and (unless told) matching and
    grouping, as the Celery tasks run them."""
    article = Article.objects.create(
        text=text, url=url, title=text[:40], content_hash=hashlib.sha256(text.encode()).hexdigest(),
        status=Article.Status.EXTRACTING, published=dt.date(2024, 10, 24),
    )  # fmt: skip
    services.article_extract(article=article)
    article.refresh_from_db()
    services.article_embed(article=article)
    article.refresh_from_db()
    if match:
        services.article_match(article=article)
    return article


def tally_claim(article: Article) -> Claim:
    return article.claims.get(text__contains=" to 0")


@pytest.fixture
def desk(demo_references) -> dict:
    first = ingest(DUMA, "https://news.example/duma")
    repeat = ingest(REPEAT, "https://other.example/vote")
    # The repeat was seen at a second outlet too, once under its own URL with tracking.
    services.appearance_record(
        article=repeat, url="https://mirror.example/vote", publisher="Mirror News", published=dt.date(2024, 10, 25)
    )
    services.appearance_record(article=repeat, url="https://other.example/vote?utm_source=feed", publisher="Other")
    apart = ingest(OTHER_TALLY, "https://third.example/tally")
    duma = tally_claim(first)
    return {
        "first": first,
        "repeat": repeat,
        "apart": apart,
        "duma": duma,
        "group": duma.group,
        "troops": first.claims.get(text__contains="3,000"),
        "pact": first.claims.get(text__contains="Thursday"),
    }


def _ids(client, **params) -> list[int]:
    response = client.get("/api/groups", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Reading -------------------------------------------------------------------------------------


def test_it_groups_a_repeat_and_keeps_a_different_tally_apart(desk):
    assert tally_claim(desk["repeat"]).group_id == desk["group"].pk
    assert tally_claim(desk["apart"]).group_id != desk["group"].pk
    assert (desk["group"].claim_count, desk["group"].article_count, desk["group"].source_count) == (2, 2, 2)


def test_it_lists_groups_in_each_sort_order(reviewer_api, desk):
    groups = list(ClaimGroup.objects.all())
    assert len(groups) == 4
    by_worth = sorted(groups, key=lambda g: (-g.checkworthiness, -g.representative.created.timestamp()))
    assert _ids(reviewer_api) == [g.pk for g in by_worth]
    assert _ids(reviewer_api, sort="checkworthiness") == [g.pk for g in by_worth]
    assert _ids(reviewer_api, sort="repeats")[0] == desk["group"].pk
    by_time = sorted(groups, key=lambda g: g.last_seen, reverse=True)
    assert _ids(reviewer_api, sort="newest") == [g.pk for g in by_time]
    row = next(r for r in reviewer_api.get("/api/groups").json()["results"] if r["id"] == desk["group"].pk)
    assert row["representative"]["id"] == desk["group"].representative_id
    assert (row["claim_count"], row["article_count"], row["source_count"]) == (2, 2, 2)
    assert row["verdict"] is None
    assert row["representative"]["best_score"] > 0.7


def test_it_lists_a_page_of_groups_in_a_few_queries(reviewer_api, reviewer, desk, django_assert_max_num_queries):
    for group in ClaimGroup.objects.all():
        services.verdict_record(claim=group.representative, reviewer=reviewer, rating="True")
    # The token, the page, its groups and their verdicts: not one query per group.
    with django_assert_max_num_queries(6):
        assert len(_ids(reviewer_api)) == 4


def test_it_filters_groups_as_the_queue_does(reviewer_api, desk):
    assert set(_ids(reviewer_api, article=desk["repeat"].pk)) == {desk["group"].pk}
    first = {desk["group"].pk, desk["troops"].group_id, desk["pact"].group_id}
    assert set(_ids(reviewer_api, article=desk["first"].pk)) == first
    differing = {
        g.pk
        for g in ClaimGroup.objects.all()
        if Match.objects.filter(claim=g.representative, numbers=Match.Numbers.DIFFERS).exists()
    }
    assert differing and set(_ids(reviewer_api, numbers_differ="true")) == differing
    assert desk["pact"].kind == Claim.Kind.DATED_EVENT
    assert _ids(reviewer_api, kind="dated_event") == [desk["pact"].group_id]
    assert desk["pact"].group_id not in _ids(reviewer_api, kind="numeric")
    assert len(_ids(reviewer_api, kind="numeric")) == 3
    assert set(_ids(reviewer_api, status="matched")) == set(ClaimGroup.objects.values_list("pk", flat=True))
    assert _ids(reviewer_api, status="reviewed") == []


@pytest.mark.parametrize("sort", ["checkworthiness", "repeats", "newest"])
def test_it_pages_through_groups_in_every_sort(reviewer_api, desk, sort):
    everything = _ids(reviewer_api, sort=sort)
    seen, url, pages = [], f"/api/groups?sort={sort}&page_size=1", []
    while url:
        page = reviewer_api.get(url).json()
        pages.append(page)
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == everything
    assert pages[0]["previous"] is None
    back = reviewer_api.get(pages[-1]["previous"]).json()
    assert [row["id"] for row in back["results"]] == [everything[-2]]


def test_it_refuses_a_cursor_it_did_not_make_or_made_for_another_sort(reviewer_api, desk):
    forged = reviewer_api.get("/api/groups", {"cursor": "eyJ2IjpbMV19:abc"})
    assert forged.status_code == 404
    assert forged.json()["error"]["code"] == "not_found"
    cursor = re.search(r"cursor=([^&]+)", reviewer_api.get("/api/groups?page_size=1").json()["next"]).group(1)
    assert reviewer_api.get(f"/api/groups?sort=repeats&cursor={cursor}").status_code == 404


@pytest.mark.parametrize(
    "params", [{"sort": "alphabetical"}, {"status": "bogus"}, {"article": "x"}, {"numbers_differ": "maybe"}]
)
def test_it_answers_400_for_bad_group_filters(reviewer_api, params):
    response = reviewer_api.get("/api/groups", params)
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert response.json()["error"]["fields"]


def test_it_shows_a_group_with_its_members_why_they_joined_and_every_appearance(reviewer_api, desk):
    response = reviewer_api.get(f"/api/groups/{desk['group'].pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    founder, joined = body["members"]
    assert founder["claim"] == desk["duma"].pk
    assert founder["why"]["how"] == "founded"
    assert founder["article"] == {
        "id": desk["first"].pk,
        "url": "https://news.example/duma",
        "title": desk["first"].title,
        "published": "2024-10-24",
    }
    assert joined["claim"] == tally_claim(desk["repeat"]).pk
    assert joined["why"]["how"] == "wording"
    assert joined["why"]["member"] == desk["duma"].pk
    assert joined["why"]["score"] >= 0.9
    assert joined["why"]["numbers"] == "agrees"
    assert [c["verdict"] for c in joined["why"]["comparisons"]] == ["agrees"]
    assert {(a["url"], a["host"], a["publisher"]) for a in body["appearances"]} == {
        ("https://news.example/duma", "news.example", ""),
        ("https://other.example/vote", "other.example", "Other"),
        ("https://mirror.example/vote", "mirror.example", "Mirror News"),
    }
    mirror = next(a for a in body["appearances"] if a["host"] == "mirror.example")
    assert (mirror["article"], mirror["published"]) == (desk["repeat"].pk, "2024-10-25")
    assert body["verdict"] is None


def test_it_shows_why_a_different_tally_was_kept_apart(reviewer_api, desk):
    apart = tally_claim(desk["apart"])
    body = reviewer_api.get(f"/api/groups/{apart.group_id}").json()
    (member,) = body["members"]
    assert member["why"]["how"] == "founded"
    kept = member["why"]["kept_apart"]
    assert {row["group"] for row in kept} == {desk["group"].pk}
    assert "400" in kept[0]["detail"] and "397" in kept[0]["detail"]


def test_it_answers_404_for_a_group_that_is_not_there(reviewer_api):
    response = reviewer_api.get("/api/groups/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert reviewer_api.post("/api/groups/999999/split", {"claim": 1}, format="json").status_code == 404


def test_it_gives_the_group_of_each_claim_in_claim_and_article_answers(reviewer_api, desk):
    claim = tally_claim(desk["repeat"])
    assert reviewer_api.get(f"/api/claims/{claim.pk}").json()["group"] == desk["group"].pk
    listed = reviewer_api.get("/api/claims", {"article": desk["repeat"].pk}).json()["results"]
    assert [c["group"] for c in listed] == [desk["group"].pk]
    article = reviewer_api.get(f"/api/articles/{desk['first'].pk}").json()
    assert {c["id"]: c["group"] for c in article["claims"]} == {
        desk["duma"].pk: desk["group"].pk,
        desk["troops"].pk: desk["troops"].group_id,
        desk["pact"].pk: desk["pact"].group_id,
    }


# --- Splitting and merging ----------------------------------------------------------------------


def test_it_lets_a_reviewer_take_a_claim_out_of_its_group(reviewer_api, reviewer, desk):
    claim = tally_claim(desk["repeat"])
    response = reviewer_api.post(f"/api/groups/{desk['group'].pk}/split", {"claim": claim.pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] != desk["group"].pk
    assert [m["claim"] for m in body["members"]] == [claim.pk]
    assert body["members"][0]["why"]["how"] == "moved"
    assert body["members"][0]["why"]["by"] == "rita"
    assert reviewer_api.get(f"/api/groups/{desk['group'].pk}").json()["claim_count"] == 1
    # In the audit trail, with who did it.
    assert claim.history.latest().history_user == reviewer


def test_it_answers_422_for_a_split_it_cannot_make(reviewer_api, desk):
    group = desk["group"].pk
    outsider_claim = tally_claim(desk["apart"]).pk
    for claim in (outsider_claim, 999999):
        response = reviewer_api.post(f"/api/groups/{group}/split", {"claim": claim}, format="json")
        assert response.status_code == 422, response.content
        assert response.json()["error"]["fields"]["claim"]
    alone = tally_claim(desk["apart"])
    response = reviewer_api.post(f"/api/groups/{alone.group_id}/split", {"claim": alone.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unprocessable"


@pytest.mark.parametrize("body", [{}, {"claim": "first"}, {"claim": 0}, {"claim": [1]}])
def test_it_answers_400_for_a_malformed_split(reviewer_api, desk, body):
    response = reviewer_api.post(f"/api/groups/{desk['group'].pk}/split", body, format="json")
    assert response.status_code == 400
    assert "claim" in response.json()["error"]["fields"]


def test_it_merges_groups(reviewer_api, desk):
    apart = tally_claim(desk["apart"])
    into, other = desk["group"].pk, apart.group_id
    response = reviewer_api.post("/api/groups/merge", {"into": into, "groups": [other]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == into
    assert body["claim_count"] == 3
    moved = next(m for m in body["members"] if m["claim"] == apart.pk)
    assert moved["why"]["how"] == "moved"
    assert f"group {other}" in moved["why"]["note"]
    assert reviewer_api.get(f"/api/groups/{other}").status_code == 404


def test_it_answers_409_when_two_groups_to_merge_have_verdicts(reviewer_api, reviewer, desk):
    apart = tally_claim(desk["apart"])
    services.verdict_record(claim=desk["duma"], reviewer=reviewer, rating="True")
    services.verdict_record(claim=apart, reviewer=reviewer, rating="False")
    response = reviewer_api.post(
        "/api/groups/merge", {"into": desk["group"].pk, "groups": [apart.group_id]}, format="json"
    )
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "conflict"
    assert str(apart.group_id) in response.json()["error"]["fields"]["groups"]
    assert ClaimGroup.objects.filter(pk=apart.group_id).exists()


def test_it_answers_422_for_a_merge_of_groups_that_are_not_there(reviewer_api, desk):
    group = desk["group"].pk
    for body, field in (({"into": 999999, "groups": [group]}, "into"), ({"into": group, "groups": [999999]}, "groups")):
        response = reviewer_api.post("/api/groups/merge", body, format="json")
        assert response.status_code == 422, response.content
        assert field in response.json()["error"]["fields"]
    response = reviewer_api.post("/api/groups/merge", {"into": group, "groups": [group]}, format="json")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [({"groups": [1]}, "into"), ({"into": 1}, "groups"), ({"into": 1, "groups": []}, "groups"),
     ({"into": 1, "groups": ["x"]}, "groups")],
)  # fmt: skip
def test_it_answers_400_for_a_malformed_merge(reviewer_api, body, field):
    response = reviewer_api.post("/api/groups/merge", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_it_lets_no_outsider_near_the_groups(outsider_api, desk):
    group, claim = desk["group"].pk, tally_claim(desk["repeat"]).pk
    calls = [
        ("get", "/api/groups", None),
        ("get", f"/api/groups/{group}", None),
        ("post", f"/api/groups/{group}/split", {"claim": claim}),
        ("post", "/api/groups/merge", {"into": group, "groups": [tally_claim(desk["apart"]).group_id]}),
    ]
    for client, expected in ((outsider_api, 403), (APIClient(), 401)):
        for method, path, body in calls:
            assert getattr(client, method)(path, body, format="json").status_code == expected, path
    assert tally_claim(desk["repeat"]).group_id == group


# --- The desk's own verdicts ------------------------------------------------------------------------


def _publish(editor_api, reviewer, claim: Claim) -> Verdict:
    verdict = services.verdict_record(claim=claim, reviewer=reviewer, rating="True", note="The vote was 397 to 0.")
    assert editor_api.post(f"/api/verdicts/{verdict.pk}/publish").status_code == 200
    return verdict


def test_it_puts_the_desks_own_verdict_first_once_published(reviewer_api, editor_api, reviewer, desk):
    verdict = _publish(editor_api, reviewer, tally_claim(desk["repeat"]))
    own = Reference.objects.get(verdict=verdict)
    later = tally_claim(ingest(LATER, "https://fourth.example/vote"))
    assert later.group_id == desk["group"].pk
    assert later.status == Claim.Status.ALREADY_CHECKED
    matches = reviewer_api.get(f"/api/claims/{later.pk}").json()["matches"]
    assert matches[0]["reference"]["id"] == own.pk
    assert matches[0]["own"] is True
    assert [m["rank"] for m in matches] == list(range(1, len(matches) + 1))
    assert not any(m["own"] for m in matches[1:])

    # A text worded like an imported fact-check is closer to it than to the
    # desk's verdict, which is still ranked first.
    text = "The State Duma voted 397 to 0 to ratify the strategic partnership treaty between Russia and North Korea."
    results = reviewer_api.post("/api/match", {"text": text}, format="json").json()["results"]
    assert results[0]["own"] is True
    assert results[0]["reference"]["id"] == own.pk
    assert results[0]["score"] < results[1]["score"]
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
    group = reviewer_api.get(f"/api/groups/{desk['group'].pk}").json()
    assert group["verdict"]["id"] == verdict.pk
    assert group["verdict"]["is_published"] is True


def test_it_never_puts_an_unlikely_own_verdict_first(reviewer_api, editor_api, reviewer, desk):
    _publish(editor_api, reviewer, desk["duma"])
    text = "South Korea is among the world's 10 largest arms exporters."
    results = reviewer_api.post("/api/match", {"text": text, "top_k": 20}, format="json").json()["results"]
    own = [r for r in results if r["own"]]
    assert own and all(r["tier"] == "unlikely" and r["rank"] > 1 for r in own)


def test_it_lets_an_editor_withdraw_a_verdict(reviewer_api, editor_api, reviewer, desk):
    verdict = _publish(editor_api, reviewer, desk["duma"])
    assert reviewer_api.post(f"/api/verdicts/{verdict.pk}/withdraw").status_code == 403
    assert APIClient().post(f"/api/verdicts/{verdict.pk}/withdraw").status_code == 401
    response = editor_api.post(f"/api/verdicts/{verdict.pk}/withdraw")
    assert response.status_code == 200, response.content
    assert (response.json()["is_published"], response.json()["published_at"]) == (False, None)
    assert not Reference.objects.filter(verdict=verdict).exists()
    assert editor_api.get(f"/api/verdicts/{verdict.pk}/claimreview").status_code == 404
    results = reviewer_api.post("/api/match", {"text": REPEAT}, format="json").json()["results"]
    assert not any(r["own"] for r in results)
    # Twice changes nothing; no verdict is a 404.
    assert editor_api.post(f"/api/verdicts/{verdict.pk}/withdraw").status_code == 200
    assert editor_api.post("/api/verdicts/999999/withdraw").status_code == 404


def test_it_lists_every_appearance_of_the_group_in_the_claimreview(reviewer_api, editor_api, reviewer, desk):
    verdict = _publish(editor_api, reviewer, desk["duma"])
    review = reviewer_api.get(f"/api/verdicts/{verdict.pk}/claimreview").json()
    appearance = review["itemReviewed"]["appearance"]
    assert [a["url"] for a in appearance] == [
        "https://news.example/duma",
        "https://other.example/vote",
        "https://mirror.example/vote",
    ]
    assert appearance[0] == {
        "@type": "CreativeWork",
        "url": "https://news.example/duma",
        "headline": desk["first"].title,
        "datePublished": "2024-10-24",
    }
    assert appearance[1]["publisher"] == {"@type": "Organization", "name": "Other"}
    assert appearance[2]["publisher"] == {"@type": "Organization", "name": "Mirror News"}
    assert appearance[2]["datePublished"] == "2024-10-25"
    # The claim of another tally is not an appearance of this one.
    assert "https://third.example/tally" not in {a["url"] for a in appearance}


# --- claim.repeated --------------------------------------------------------------------------------


@pytest.fixture
def deliver_inline(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_it_posts_claim_repeated_when_a_checked_claim_turns_up_again(
    editor_api, reviewer, desk, deliver_inline, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/repeats", method="POST").respond_with_data("ok")
    hook = editor_api.post(
        "/api/webhooks", {"url": httpserver.url_for("/repeats"), "events": ["claim.repeated"]}, format="json"
    )
    assert hook.status_code == 201, hook.content
    verdict = _publish(editor_api, reviewer, desk["duma"])
    later = ingest(LATER, "https://fourth.example/vote", match=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_match(article=later)
    assert len(httpserver.log) == 1
    request, _ = httpserver.log[0]
    body = request.get_data()
    signature = "sha256=" + hmac.new(hook.json()["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Factcheck-Signature"], signature)
    event = json.loads(body)
    assert event["event"] == request.headers["X-Factcheck-Event"] == "claim.repeated"
    claim = tally_claim(later)
    assert event["data"]["claim"] == {
        "id": claim.pk,
        "text": claim.text,
        "article": later.pk,
        "group": desk["group"].pk,
    }
    assert event["data"]["verdict"]["id"] == verdict.pk
    assert event["data"]["verdict"]["rating"] == "True"
