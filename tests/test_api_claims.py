from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from claims.models import Claim, Match
from tests import api_data as make

pytestmark = pytest.mark.django_db


def test_it_lists_claims_newest_first(reviewer_api):
    older, newer = make.claim(), make.claim()
    response = reviewer_api.get("/api/claims")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [newer.pk, older.pk]
    first = response.json()["results"][0]
    assert set(first) >= {"id", "article", "text", "kind", "status", "version", "numbers_differ", "best_score"}


def test_it_pages_through_claims_with_a_cursor(reviewer_api):
    made = [make.claim() for _ in range(5)]
    seen, url = [], "/api/claims?page_size=2"
    while url:
        page = reviewer_api.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert seen == [c.pk for c in reversed(made)]


def test_it_filters_claims(reviewer_api):
    article = make.article()
    numeric = make.claim(of=article, kind=Claim.Kind.NUMERIC)
    dated = make.claim(of=article, kind=Claim.Kind.DATED_EVENT, status=Claim.Status.REVIEWED)
    elsewhere = make.claim(kind=Claim.Kind.NUMERIC)
    make.match(to=elsewhere, numbers=Match.Numbers.DIFFERS, score=0.7)

    def ids(**params):
        response = reviewer_api.get("/api/claims", params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    assert ids(article=article.pk) == {numeric.pk, dated.pk}
    assert ids(kind="dated_event") == {dated.pk}
    assert ids(status="reviewed") == {dated.pk}
    assert ids(numbers_differ="true") == {elsewhere.pk}
    assert ids(kind="numeric", article=article.pk) == {numeric.pk}
    listed = reviewer_api.get("/api/claims", {"numbers_differ": "true"}).json()["results"][0]
    assert listed["numbers_differ"] is True
    assert listed["best_score"] == pytest.approx(0.7)


@pytest.mark.parametrize("params", [{"status": "bogus"}, {"kind": "x"}, {"article": "abc"}, {"page_size": 0}])
def test_it_refuses_bad_filters(reviewer_api, params):
    response = reviewer_api.get("/api/claims", params)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_it_shows_a_claim_with_matches_comparisons_and_verdicts(reviewer_api, reviewer):
    from claims import services

    claim = make.claim(slots={"quantities": []})
    comparison = {"field": "tally", "claim": "397-0", "reference": "397-1", "verdict": "differs", "detail": "1 vote"}
    match = make.match(to=claim, numbers=Match.Numbers.DIFFERS, comparisons=[comparison])
    services.verdict_record(claim=claim, reviewer=reviewer, rating="Mostly true", expected_version=0)
    response = reviewer_api.get(f"/api/claims/{claim.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["matches"][0]["id"] == match.pk
    assert body["matches"][0]["numbers"] == "differs"
    assert body["matches"][0]["comparisons"] == [comparison]
    assert body["matches"][0]["reference"]["external_id"] == match.reference.external_id
    assert body["verdicts"][0]["rating"] == "Mostly true"
    assert body["verdicts"][0]["reviewer"] == "rita"


def test_it_answers_404_for_an_unknown_claim(reviewer_api):
    assert reviewer_api.get("/api/claims/987654").status_code == 404


# --- Assigning ---------------------------------------------------------------------------


def test_it_lets_an_editor_assign_a_claim(editor_api, reviewer):
    claim = make.claim()
    response = editor_api.post(
        f"/api/claims/{claim.pk}/assign", {"assignee": "rita", "expected_version": 0}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == "rita"
    assert response.json()["status"] == "in_review"
    assert response.json()["version"] == 1
    unassigned = editor_api.post(
        f"/api/claims/{claim.pk}/assign", {"assignee": None, "expected_version": 1}, format="json"
    )
    assert unassigned.json()["assignee"] is None


def test_it_answers_409_to_a_stale_assignment(editor_api, reviewer):
    claim = make.claim()
    Claim.objects.filter(pk=claim.pk).update(version=3)
    response = editor_api.post(
        f"/api/claims/{claim.pk}/assign", {"assignee": "rita", "expected_version": 2}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Claim.objects.get(pk=claim.pk).assignee is None


@pytest.mark.parametrize("assignee", ["olive", "nobody"])
def test_it_answers_422_for_an_assignee_who_cannot_review(editor_api, outsider, assignee):
    claim = make.claim()
    response = editor_api.post(
        f"/api/claims/{claim.pk}/assign", {"assignee": assignee, "expected_version": 0}, format="json"
    )
    assert response.status_code == 422
    assert "assignee" in response.json()["error"]["fields"]


def test_it_lets_only_editors_assign(reviewer_api, outsider_api):
    claim = make.claim()
    payload = {"assignee": "rita", "expected_version": 0}
    for client in (reviewer_api, outsider_api):
        response = client.post(f"/api/claims/{claim.pk}/assign", payload, format="json")
        assert response.status_code == 403
    assert APIClient().post(f"/api/claims/{claim.pk}/assign", payload, format="json").status_code == 401


def test_it_needs_the_expected_version_to_assign(editor_api, reviewer):
    claim = make.claim()
    response = editor_api.post(f"/api/claims/{claim.pk}/assign", {"assignee": "rita"}, format="json")
    assert response.status_code == 400
    assert "expected_version" in response.json()["error"]["fields"]


# --- Match decisions -------------------------------------------------------------------------


def test_it_records_a_reviewers_match_decision(reviewer_api, reviewer):
    match = make.match(to=make.claim())
    response = reviewer_api.post(f"/api/matches/{match.pk}/decision", {"decision": "confirmed"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["decision"] == "confirmed"
    match.refresh_from_db()
    assert (match.decision, match.decided_by) == ("confirmed", reviewer)


def test_it_refuses_an_unknown_decision_and_outsiders(reviewer_api, outsider_api):
    match = make.match(to=make.claim())
    assert (
        reviewer_api.post(f"/api/matches/{match.pk}/decision", {"decision": "maybe"}, format="json").status_code == 400
    )
    assert (
        outsider_api.post(f"/api/matches/{match.pk}/decision", {"decision": "confirmed"}, format="json").status_code
        == 403
    )
    assert (
        reviewer_api.post("/api/matches/999999/decision", {"decision": "confirmed"}, format="json").status_code == 404
    )


@pytest.mark.parametrize("path", ["/api/claims", "/api/claims/1"])
def test_it_lets_no_outsider_or_anonymous_caller_read_claims(outsider_api, path):
    assert outsider_api.get(path).status_code == 403
    assert APIClient().get(path).status_code == 401
