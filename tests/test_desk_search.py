"""The search page, "has this been checked?": references and the desk's own
claims that match, with tiers and number checks (real model, real pgvector)."""

from __future__ import annotations

import pytest
from django.test import Client

from claims import extraction, services
from claims.engine import embedding
from claims.models import Article, Claim

pytestmark = pytest.mark.django_db

CHECKED = "The State Duma voted 397 to 0 to ratify the treaty with North Korea."
UNRELATED = "The museum sold 18,000 tickets to its summer exhibition of Dutch paintings."


def stored_claim(article: Article, text: str, **fields) -> Claim:
    start = article.text.index(text)
    claim = Claim.objects.create(
        article=article,
        text=text,
        start=start,
        end=start + len(text),
        slots=services.slots_of(text, extraction.extract(text, published=None)),
        **fields,
    )
    embedding.store(Claim, [claim.pk], embedding.embed([text]))
    return claim


@pytest.fixture
def desk_claims(demo_references, reviewer) -> dict[str, Claim]:
    article = Article.objects.create(title="Duma vote", text=f"{CHECKED} {UNRELATED}", content_hash="search")
    checked = stored_claim(article, CHECKED, status=Claim.Status.MATCHED)
    services.verdict_record(claim=checked, reviewer=reviewer, rating="True")
    return {"checked": checked, "unrelated": stored_claim(article, UNRELATED)}


@pytest.fixture
def desk(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


def test_it_finds_the_fact_checks_and_the_desks_claims_with_their_numbers(desk, desk_claims):
    page = desk.get("/search/", {"q": "Russian lawmakers voted 400 to 0 to ratify the North Korea treaty"})
    assert page.status_code == 200
    html = page.content.decode()
    references = html[html.index("Earlier fact-checks") : html.index("The desk's own claims")]
    own = html[html.index("The desk's own claims") :]
    assert "voted 400 to 0 to approve the defence treaty" in references, "demo-002 is found"
    assert "397 to 0 to ratify the strategic partnership treaty" in references, "and demo-001"
    assert "≠ differs" in references and "= agrees" in references
    assert CHECKED in own and f'href="/claims/{desk_claims["checked"].pk}/"' in own
    assert "verdict: <strong>True</strong>" in own
    assert "≠ differs" in own, "397 in the desk's claim against 400 in the query"
    assert UNRELATED not in own, "below the possible tier"


def test_it_ranks_the_desks_claims_by_cosine_with_tiers(desk_claims):
    from claims.services import search

    [hit] = search.claims_similar(text="The Duma voted 397-0 to ratify the treaty with North Korea")
    assert hit.claim == desk_claims["checked"] and hit.rating == "True"
    assert hit.score > 0.8 and hit.tier == "likely" and hit.numbers == "agrees"
    [differs] = search.claims_similar(text="The Duma voted 400-0 to ratify the treaty with North Korea")
    assert differs.numbers == "differs" and differs.tier == "possible", "differing numbers are never likely"


def test_it_puts_the_search_box_on_every_page(desk, desk_claims):
    for path in ("/", "/sources/", "/submit/", "/references/"):
        html = desk.get(path).content.decode()
        assert 'action="/search/"' in html and 'name="q"' in html, path


def test_it_shows_the_empty_search_page_without_searching(desk):
    page = desk.get("/search/")
    assert page.status_code == 200 and "Earlier fact-checks" not in page.content.decode()


def test_it_lets_reviewers_browse_the_references_but_not_change_them(desk, demo_references):
    html = desk.get("/references/", {"q": "Duma"}).content.decode()
    assert "demo-001" in html and "Add a reference" not in html and "Import a file" not in html
    assert desk.get("/references/new/").status_code == 403
    assert desk.get("/references/import/").status_code == 403
