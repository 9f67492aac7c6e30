from __future__ import annotations

import pytest
from django.test import Client

from claims.models import Article, Claim, Verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim() -> Claim:
    article = Article.objects.create(
        title="Duma vote",
        text="Intro. The Duma voted 397 to 0 on Thursday. Outro.",
        content_hash="c1",
        status=Article.Status.DONE,
    )
    return Claim.objects.create(
        article=article,
        text="The Duma voted 397 to 0 on Thursday.",
        start=7,
        end=43,
        status=Claim.Status.MATCHED,
        checkworthiness=0.9,
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_sends_anonymous_visitors_to_log_in(claim):
    response = Client().get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_logs_a_reviewer_in_with_a_password(reviewer):
    client = Client()
    response = client.post("/login/", {"username": "rita", "password": "rita-password-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_shows_the_queue_to_a_reviewer(reviewer, claim):
    response = logged_in(reviewer).get("/")
    assert response.status_code == 200
    assert claim.text in response.content.decode()


def test_it_keeps_an_outsider_out(outsider, claim):
    client = logged_in(outsider)
    assert client.get("/").status_code == 403
    assert client.get(f"/claims/{claim.pk}/").status_code == 403
    assert client.post(f"/claims/{claim.pk}/verdict/", {"rating": "True"}).status_code == 403
    assert not Verdict.objects.exists()


def test_it_shows_a_claim_in_its_article(reviewer, claim):
    page = logged_in(reviewer).get(f"/claims/{claim.pk}/").content.decode()
    assert "<mark>The Duma voted 397 to 0 on Thursday.</mark>" in page
    assert "Intro." in page


def test_it_moves_a_claim_out_of_the_queue_once_a_verdict_is_saved(reviewer, claim):
    client = logged_in(reviewer)
    response = client.post(f"/claims/{claim.pk}/verdict/", {"rating": "True", "note": "Matches the record."})
    assert response.status_code == 302
    verdict = Verdict.objects.get()
    assert (verdict.rating, verdict.reviewer, verdict.note) == ("True", reviewer, "Matches the record.")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED
    assert claim.text not in client.get("/").content.decode()


def test_it_refuses_a_rating_off_the_scale(reviewer, claim):
    logged_in(reviewer).post(f"/claims/{claim.pk}/verdict/", {"rating": "Pants on fire"})
    assert not Verdict.objects.exists()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.MATCHED


def test_it_escapes_article_text(reviewer):
    article = Article.objects.create(title="<b>t</b>", text="<script>alert(1)</script> 5 people.", content_hash="x")
    page = logged_in(reviewer).get(f"/articles/{article.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
