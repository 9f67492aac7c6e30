from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, Verdict
from tests import api_data as make

pytestmark = pytest.mark.django_db


def _give(client, claim: Claim, **payload):
    payload = {"rating": "False", "note": "Vote was 397-1.", "expected_version": claim.version, **payload}
    return client.post(f"/api/claims/{claim.pk}/verdicts", payload, format="json")


def test_it_records_a_verdict_and_points_at_it(reviewer_api):
    claim = make.claim()
    response = _give(reviewer_api, claim, sources=["https://duma.gov.ru/news/1"])
    assert response.status_code == 201, response.content
    verdict = Verdict.objects.get()
    assert response["Location"] == f"/api/verdicts/{verdict.pk}"
    body = response.json()
    assert body["rating"] == "False"
    assert body["reviewer"] == "rita"
    assert body["claim_version"] == 1
    assert body["is_published"] is False
    assert body["sources"] == ["https://duma.gov.ru/news/1"]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED


def test_it_answers_409_when_the_claim_changed_since_it_was_read(reviewer_api, editor_api):
    claim = make.claim()
    assert _give(editor_api, claim).status_code == 201
    stale = _give(reviewer_api, claim, rating="True")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert Verdict.objects.count() == 1


def test_it_answers_422_for_an_unknown_rating(reviewer_api):
    response = _give(reviewer_api, make.claim(), rating="Pants on fire")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unprocessable"
    assert "rating" in response.json()["error"]["fields"]
    assert Verdict.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"expected_version": None}, "expected_version"),
        ({"sources": ["not a url"]}, "sources"),
        ({"rating": ""}, "rating"),
    ],
)
def test_it_answers_400_for_a_malformed_verdict(reviewer_api, payload, field):
    response = _give(reviewer_api, make.claim(), **payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_it_lets_no_outsider_give_a_verdict(outsider_api):
    claim = make.claim()
    assert _give(outsider_api, claim).status_code == 403
    assert _give(APIClient(), claim).status_code == 401
    assert _give(outsider_api, make.claim()).json()["error"]["code"] == "permission_denied"


def test_it_answers_404_for_a_verdict_on_no_claim(reviewer_api):
    response = reviewer_api.post(
        "/api/claims/999999/verdicts", {"rating": "True", "expected_version": 0}, format="json"
    )
    assert response.status_code == 404


# --- Changing ------------------------------------------------------------------------------


def test_it_lets_the_reviewer_change_their_verdict(reviewer_api):
    claim = make.claim()
    created = _give(reviewer_api, claim).json()
    response = reviewer_api.patch(
        f"/api/verdicts/{created['id']}",
        {"rating": "Mostly false", "expected_version": created["claim_version"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["rating"] == "Mostly false"
    assert response.json()["note"] == "Vote was 397-1."
    assert response.json()["claim_version"] == created["claim_version"] + 1


def test_it_answers_409_to_a_stale_change(reviewer_api):
    created = _give(reviewer_api, make.claim()).json()
    response = reviewer_api.patch(
        f"/api/verdicts/{created['id']}", {"note": "x", "expected_version": created["claim_version"] - 1}, format="json"
    )
    assert response.status_code == 409


def test_it_lets_only_the_author_or_an_editor_change_a_verdict(reviewer_api, editor_api, db):
    from tests.conftest import _person, token_client

    colleague = token_client(_person("carl", "reviewer"))
    created = _give(reviewer_api, make.claim()).json()
    path, payload = f"/api/verdicts/{created['id']}", {"note": "mine now", "expected_version": 1}
    assert colleague.patch(path, payload, format="json").status_code == 403
    assert editor_api.patch(path, payload, format="json").status_code == 200


def test_it_answers_422_for_an_unknown_rating_on_change(reviewer_api):
    created = _give(reviewer_api, make.claim()).json()
    response = reviewer_api.patch(
        f"/api/verdicts/{created['id']}", {"rating": "Nope", "expected_version": 1}, format="json"
    )
    assert response.status_code == 422


# --- Publishing and ClaimReview ------------------------------------------------------------------


def test_it_lets_only_an_editor_publish(reviewer_api, editor_api):
    created = _give(reviewer_api, make.claim()).json()
    path = f"/api/verdicts/{created['id']}/publish"
    assert reviewer_api.post(path).status_code == 403
    response = editor_api.post(path)
    assert response.status_code == 200
    assert response.json()["is_published"] is True
    published_at = response.json()["published_at"]
    assert editor_api.post(path).json()["published_at"] == published_at


def test_it_serves_claimreview_json_ld_once_published(reviewer_api, editor_api):
    claim = make.claim(of=make.article(title="Duma vote", url="https://news.example/duma"))
    created = _give(reviewer_api, claim).json()
    path = f"/api/verdicts/{created['id']}/claimreview"
    assert reviewer_api.get(path).status_code == 404
    editor_api.post(f"/api/verdicts/{created['id']}/publish")
    response = reviewer_api.get(path)
    assert response.status_code == 200
    review = response.json()
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == claim.text
    assert review["reviewRating"]["alternateName"] == "False"
    assert review["itemReviewed"]["appearance"][0]["url"] == "https://news.example/duma"
    assert review["url"].endswith(f"/claimreview/{created['id']}.json")


def test_it_serves_the_published_verdicts_as_a_feed_page_by_page(reviewer_api, editor, settings):
    settings.API_PAGE_SIZE = 2
    verdicts = []
    for _ in range(3):
        verdict = services.verdict_record(claim=make.claim(), reviewer=editor, rating="True")
        verdicts.append(services.verdict_publish(verdict=verdict, editor=editor))
    services.verdict_record(claim=make.claim(), reviewer=editor, rating="False")  # not published
    response = reviewer_api.get("/api/claimreview")
    assert response.status_code == 200
    feed = response.json()
    assert feed["@type"] == "DataFeed"
    assert len(feed["dataFeedElement"]) == 2
    next_url = response["Link"].split(";")[0].strip("<>")
    rest = reviewer_api.get(next_url).json()
    assert len(rest["dataFeedElement"]) == 1
    ids = [e["item"]["url"] for e in feed["dataFeedElement"] + rest["dataFeedElement"]]
    assert ids == [f"http://testserver/claimreview/{v.pk}.json" for v in reversed(verdicts)]


def test_it_lists_verdicts_with_filters(reviewer_api, editor):
    claim = make.claim()
    draft = services.verdict_record(claim=claim, reviewer=editor, rating="True")
    other = services.verdict_record(claim=make.claim(), reviewer=editor, rating="False")
    services.verdict_publish(verdict=other, editor=editor)

    def ids(**params):
        return [v["id"] for v in reviewer_api.get("/api/verdicts", params).json()["results"]]

    assert ids() == [other.pk, draft.pk]
    assert ids(claim=claim.pk) == [draft.pk]
    assert ids(published="true") == [other.pk]
    assert ids(published="false") == [draft.pk]
    assert reviewer_api.get(f"/api/verdicts/{draft.pk}").json()["rating"] == "True"
    assert reviewer_api.get("/api/verdicts/999999").status_code == 404
