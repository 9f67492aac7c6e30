"""Languages in the API and at the desk: filters on claims, articles, groups,
references and the queue; the language of claims, articles, references and
match results in responses; inLanguage in ClaimReview."""

from __future__ import annotations

import pytest
from django.test import Client

from claims import services
from claims.models import Claim, ClaimGroup, Match, Reference
from claims.services import claimreview
from tests import api_data as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_and_english():
    es_article = make.article(language="es", text="La Duma votó 397 a 0.")
    en_article = make.article(language="en")
    es_claim = make.claim(of=es_article, language="es", text="La Duma votó 397 a favor y ninguno en contra.")
    en_claim = make.claim(of=en_article, language="en")
    und_claim = make.claim(of=en_article, language="und", text="397-0!")
    return es_article, en_article, es_claim, en_claim, und_claim


def ids(client, path, **params) -> set[int]:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_filters_claims_by_language_and_says_each_ones(reviewer_api, spanish_and_english):
    _, _, es_claim, en_claim, und_claim = spanish_and_english
    assert ids(reviewer_api, "/api/claims", language="es") == {es_claim.pk}
    assert ids(reviewer_api, "/api/claims", language="en") == {en_claim.pk}
    assert ids(reviewer_api, "/api/claims", language="und") == {und_claim.pk}
    assert ids(reviewer_api, "/api/claims") == {es_claim.pk, en_claim.pk, und_claim.pk}
    listed = {row["id"]: row["language"] for row in reviewer_api.get("/api/claims").json()["results"]}
    assert listed == {es_claim.pk: "es", en_claim.pk: "en", und_claim.pk: "und"}
    assert reviewer_api.get(f"/api/claims/{es_claim.pk}").json()["language"] == "es"


def test_it_filters_articles_by_language(reviewer_api, spanish_and_english):
    es_article, *_ = spanish_and_english
    assert ids(reviewer_api, "/api/articles", language="es") == {es_article.pk}
    assert ids(reviewer_api, "/api/articles", language="fr") == set()
    detail = reviewer_api.get(f"/api/articles/{es_article.pk}").json()
    assert detail["language"] == "es"
    assert [c["language"] for c in detail["claims"]] == ["es"]


def test_it_filters_groups_by_their_representatives_language(reviewer_api, spanish_and_english):
    _, _, es_claim, en_claim, _ = spanish_and_english
    for claim in (es_claim, en_claim):
        group = ClaimGroup.objects.create(representative=claim)
        Claim.objects.filter(pk=claim.pk).update(group=group)
    response = reviewer_api.get("/api/groups", {"language": "es"})
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    assert row["representative"]["id"] == es_claim.pk
    assert row["representative"]["language"] == "es"


def test_it_filters_references_by_language(reviewer_api):
    spanish = make.reference(language="es", text="La Duma votó 397 a 0.")
    english = make.reference(language="en")
    assert ids(reviewer_api, "/api/references", language="es") == {spanish.pk}
    assert ids(reviewer_api, "/api/references", language="en") == {english.pk}
    detail = reviewer_api.get(f"/api/references/{spanish.pk}").json()
    assert (detail["language"], detail["embedded_multilingual"]) == ("es", False)


def test_it_identifies_a_reference_added_without_a_language(editor_api):
    body = {"external_id": "fr-1", "text": "Le Parlement a voté la loi par 397 voix contre 0 jeudi dernier."}
    created = editor_api.post("/api/references", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["language"] == "fr"
    named = editor_api.post("/api/references", {**body, "external_id": "fr-2", "language": "pt"}, format="json")
    assert named.json()["language"] == "pt"


def test_it_says_whose_score_and_which_language_each_stored_match_has(reviewer_api, spanish_and_english):
    _, _, es_claim, *_ = spanish_and_english
    reference = make.reference(language="en")
    make.match(to=es_claim, ref=reference, score=0.86, scorer=Match.Scorer.CROSSLINGUAL, numbers="agrees")
    (match,) = reviewer_api.get(f"/api/claims/{es_claim.pk}").json()["matches"]
    assert (match["scorer"], match["tier"], match["language"]) == ("crosslingual", "likely", "en")
    assert match["reference"]["language"] == "en"


def test_it_matches_a_spanish_text_against_the_english_corpus(reviewer_api, demo_references):
    response = reviewer_api.post(
        "/api/match", {"text": "La Duma aprobó el tratado por 397 votos a favor y ninguno en contra"}, format="json"
    )
    assert response.status_code == 200, response.content
    first = response.json()["results"][0]
    assert first["reference"]["external_id"] == "demo-001"
    assert (first["language"], first["scorer"], first["numbers"]) == ("en", "crosslingual", "agrees")


def test_it_puts_the_claims_language_in_claimreview(editor, spanish_and_english):
    _, _, es_claim, _, und_claim = spanish_and_english
    verdict = services.verdict_record(claim=es_claim, reviewer=editor, rating="True")
    services.verdict_publish(verdict=verdict, editor=editor)
    review = claimreview.claimreview(verdict, base_url="https://desk.example")
    assert review["inLanguage"] == "es"
    assert review["itemReviewed"]["inLanguage"] == "es"
    # The reference the published verdict becomes is in the claim's language.
    assert Reference.objects.get(verdict=verdict).language == "es"
    undecided = services.verdict_record(claim=und_claim, reviewer=editor, rating="True")
    assert "inLanguage" not in claimreview.claimreview(undecided, base_url="https://desk.example")["itemReviewed"]


def test_it_filters_the_desk_queue_by_language(reviewer, spanish_and_english):
    _, _, es_claim, en_claim, _ = spanish_and_english
    client = Client()
    client.force_login(reviewer)
    page = client.get("/", {"language": "es"})
    assert page.status_code == 200
    shown = {claim.pk for claim in page.context["page"].object_list}
    assert shown == {es_claim.pk}
    assert 'name="language"' in page.content.decode()
    assert {claim.pk for claim in client.get("/").context["page"].object_list} >= {es_claim.pk, en_claim.pk}
