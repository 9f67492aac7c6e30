from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from claims.desk import presenters
from claims.models import Article, Claim, Match, Reference, Verdict

pytestmark = pytest.mark.django_db

TEXT = "Intro. The Duma voted 397 to 0 on Thursday. Outro. Prices rose 5% in 2023."
HX = {"HTTP_HX_REQUEST": "true"}
VOTES, VOTES_REF = "397\u20130", "400\u20130"  # tallies are typeset with an en dash


def span(text: str, part: str) -> dict:
    start = TEXT.index(part)
    return {"text": part, "start": start, "end": start + len(part)}


@pytest.fixture
def article() -> Article:
    return Article.objects.create(title="Duma vote", text=TEXT, content_hash="c1", status=Article.Status.DONE)


@pytest.fixture
def claim(article) -> Claim:
    sentence = "The Duma voted 397 to 0 on Thursday."
    start = TEXT.index(sentence)
    return Claim.objects.create(
        article=article,
        text=sentence,
        start=start,
        end=start + len(sentence),
        status=Claim.Status.MATCHED,
        checkworthiness=0.9,
        slots={
            "quantities": [],
            "tallies": [{**span(TEXT, "397 to 0"), "for": 397, "against": 0, "abstain": None}],
            "rankings": [],
            "dates": [{**span(TEXT, "Thursday"), "value": "2024-10-24", "granularity": "day", "modifier": "on"}],
            "actor": "the Duma",
            "source": None,
        },
    )


@pytest.fixture
def other_claim(article) -> Claim:
    sentence = "Prices rose 5% in 2023."
    start = TEXT.index(sentence)
    return Claim.objects.create(
        article=article,
        text=sentence,
        start=start,
        end=start + len(sentence),
        status=Claim.Status.MATCHED,
        kind=Claim.Kind.DATED_EVENT,
        checkworthiness=0.5,
        slots={"quantities": [{**span(TEXT, "5%"), "value": 5, "unit": "percent", "precision": "exact"}]},
    )


@pytest.fixture
def reference() -> Reference:
    return Reference.objects.create(
        external_id="ref-1",
        text="The Duma passed the bill 400 to 0.",
        title="Duma bill",
        rating="True",
        publisher="Checkers",
        url="https://example.org/check/1",
    )


@pytest.fixture
def match(claim, reference) -> Match:
    return Match.objects.create(
        claim=claim,
        reference=reference,
        score=0.82,
        rank=1,
        numbers=Match.Numbers.DIFFERS,
        comparisons=[
            {
                "field": "tally",
                "claim": VOTES,
                "reference": VOTES_REF,
                "verdict": "differs",
                "detail": f"{VOTES} vs {VOTES_REF}",
            }
        ],
    )


@pytest.fixture
def second_match(claim) -> Match:
    ref = Reference.objects.create(external_id="ref-2", text="The Duma met on Thursday.")
    return Match.objects.create(claim=claim, reference=ref, score=0.6, rank=2, numbers=Match.Numbers.NO_NUMBERS)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def verdict_post(client: Client, claim: Claim, headers: dict | None = None, **data):
    return client.post(f"/claims/{claim.pk}/verdict/", {"version": claim.version, **data}, **(headers or {}))


# --- Access ----------------------------------------------------------------------------


def urls(claim, match, verdict) -> dict[str, list[str]]:
    return {
        "get": [
            "/",
            f"/articles/{claim.article_id}/",
            f"/articles/{claim.article_id}/status/",
            f"/claims/{claim.pk}/",
            "/references/",
            "/references/new/",
            f"/references/{match.reference_id}/",
        ],
        "post": [
            f"/articles/{claim.article_id}/retry/",
            f"/claims/{claim.pk}/verdict/",
            f"/claims/{claim.pk}/assign/",
            f"/matches/{match.pk}/decide/",
            f"/verdicts/{verdict.pk}/publish/",
        ],
    }


@pytest.fixture
def verdict(claim, editor) -> Verdict:
    return Verdict.objects.create(claim=claim, reviewer=editor, rating="False")


def test_it_sends_anonymous_visitors_to_log_in(claim, match, verdict):
    client = Client()
    for method, paths in urls(claim, match, verdict).items():
        for path in paths:
            response = getattr(client, method)(path)
            assert response.status_code == 302, path
            assert response.url.startswith("/login/"), path


def test_it_logs_a_reviewer_in_with_a_password(reviewer):
    client = Client()
    response = client.post("/login/", {"username": "rita", "password": "rita-password-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_keeps_an_outsider_out_of_every_view(outsider, claim, match, verdict):
    client = logged_in(outsider)
    for method, paths in urls(claim, match, verdict).items():
        for path in paths:
            assert getattr(client, method)(path, {"rating": "True", "version": 0}).status_code == 403, path
    assert Verdict.objects.count() == 1
    match.refresh_from_db()
    assert match.decision == Match.Decision.PENDING


def test_it_keeps_editor_views_from_reviewers(reviewer, claim, match, verdict):
    client = logged_in(reviewer)
    # Reviewers browse and search the references (issue 15); they do not change them.
    browse = client.get("/references/")
    assert browse.status_code == 200 and "Add a reference" not in browse.content.decode()
    assert client.get("/references/new/").status_code == 403
    assert client.post("/references/new/", {"external_id": "x", "text": "y"}).status_code == 403
    assert client.post(f"/verdicts/{verdict.pk}/publish/").status_code == 403
    assert client.post(f"/claims/{claim.pk}/assign/", {"assignee": reviewer.pk, "version": 0}).status_code == 403
    verdict.refresh_from_db()
    claim.refresh_from_db()
    assert verdict.published_at is None
    assert claim.assignee is None


def test_it_requires_csrf_on_forms(reviewer, claim):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert verdict_post(client, claim, rating="True").status_code == 403
    assert not Verdict.objects.exists()


# --- Queue ------------------------------------------------------------------------------


def test_it_orders_the_queue_by_check_worthiness_then_recency(reviewer, claim, other_claim):
    newer = Claim.objects.create(
        article=claim.article, text="Newer and as worthy.", start=0, end=6, status=Claim.Status.MATCHED
    )
    Claim.objects.filter(pk=newer.pk).update(checkworthiness=0.5, created=timezone.now() + timedelta(minutes=1))
    page = logged_in(reviewer).get("/").content.decode()
    assert page.index(claim.text) < page.index("Newer and as worthy.") < page.index(other_claim.text)


def test_it_filters_the_queue(reviewer, editor, claim, other_claim, match):
    other_article = Article.objects.create(title="Other", text="Other text here.", content_hash="c2")
    elsewhere = Claim.objects.create(
        article=other_article, text="Other text here.", start=0, end=16, status=Claim.Status.REVIEWED
    )
    Claim.objects.filter(pk=other_claim.pk).update(assignee=reviewer)
    client = logged_in(reviewer)

    def shown(**params) -> set[int]:
        response = client.get("/", params)
        assert response.status_code == 200
        return {c.pk for c in response.context["page"].object_list}

    assert shown() == {claim.pk, other_claim.pk}
    assert shown(kind="dated_event") == {other_claim.pk}
    assert shown(article=other_article.pk, status="all") == {elsewhere.pk}
    assert shown(status="reviewed") == {elsewhere.pk}
    assert shown(status="all") == {claim.pk, other_claim.pk, elsewhere.pk}
    assert shown(assignee="me") == {other_claim.pk}
    assert shown(assignee="none") == {claim.pk}
    assert shown(assignee=str(reviewer.pk)) == {other_claim.pk}
    assert shown(differs="1") == {claim.pk}
    # Values off the list are ignored rather than failing.
    assert shown(kind="nonsense", article="abc", assignee="99999") == {claim.pk, other_claim.pk}


def test_it_counts_claims_per_status(reviewer, claim, other_claim):
    Claim.objects.filter(pk=other_claim.pk).update(status=Claim.Status.REVIEWED)
    response = logged_in(reviewer).get("/")
    counts = {value: n for value, _, n in response.context["counts"]}
    assert counts == {"extracted": 0, "matched": 1, "in_review": 0, "reviewed": 1, "already_checked": 0}
    assert "Reviewed <strong>" not in response.content.decode()  # label is inside the badge
    assert '<span class="status status-reviewed">Reviewed</span> <strong>1</strong>' in response.content.decode()


def test_it_paginates_the_queue_and_keeps_the_filters(reviewer, article):
    Claim.objects.bulk_create(
        Claim(
            article=article, text=f"Claim {i}", start=i, end=i + 1, status=Claim.Status.MATCHED, checkworthiness=i / 100
        )
        for i in range(30)
    )
    client = logged_in(reviewer)
    first = client.get("/", {"kind": "numeric"})
    assert len(first.context["page"].object_list) == 25
    assert "?kind=numeric&amp;page=2" in first.content.decode()
    second = client.get("/", {"kind": "numeric", "page": 2})
    assert [c.text for c in second.context["page"].object_list] == [f"Claim {i}" for i in range(4, -1, -1)]


def test_it_renders_only_the_table_for_htmx(reviewer, claim):
    page = logged_in(reviewer).get("/", {"status": "matched"}, **HX).content.decode()
    assert page.lstrip().startswith('<div id="queue-results"')
    assert "<html" not in page
    assert claim.text in page
    assert f"/claims/{claim.pk}/?status=matched" in page


# --- Article ----------------------------------------------------------------------------


def test_it_highlights_claims_and_their_slots_in_the_article(reviewer, claim, other_claim):
    page = logged_in(reviewer).get(f"/articles/{claim.article_id}/").content.decode()
    assert f'id="claim-{claim.pk}" href="/claims/{claim.pk}/"' in page
    assert '<span class="slot slot-tally" title="tally: 397 for, 0 against">397 to 0</span>' in page
    assert '<span class="slot slot-date" title="date: on 2024-10-24 (day)">Thursday</span>' in page
    assert '<span class="slot slot-quantity" title="quantity: 5 percent">5%</span>' in page
    assert '<div class="article-text">Intro. <a class="claim-span' in page
    assert "</a> Outro. <a" in page


def test_it_cuts_article_text_into_segments_without_losing_any():
    article = Article(text="A 1. B 22. C 333.")
    claims = [
        Claim(article=article, text="B 22.", start=5, end=10, slots={"quantities": [{"start": 7, "end": 9}]}),
        Claim(article=article, text="A 1.", start=0, end=4, slots={"dates": [{"start": 2, "end": 99}]}),
        Claim(article=article, text="overlap", start=8, end=13, slots={}),
        Claim(article=article, text="beyond", start=40, end=50, slots={}),
    ]
    segments = presenters.article_segments(article.text, claims)
    rebuilt = "".join(s.text if s.claim is None else "".join(p.text for p in s.parts) for s in segments)
    assert rebuilt == article.text
    assert [p.slot for p in segments[0].parts] == ["", "date"]
    assert [(p.text, p.slot) for p in segments[2].parts] == [("B ", ""), ("22", "quantity"), (".", "")]
    assert segments[3].claim.text == "overlap"
    assert "".join(p.text for p in segments[3].parts) == " C "


def test_it_polls_while_an_article_is_processed_and_stops_when_done(reviewer, article):
    client = logged_in(reviewer)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.EMBEDDING)
    page = client.get(f"/articles/{article.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert '<li class="step-current" aria-current="step">Embedding claims</li>' in page
    partial = client.get(f"/articles/{article.pk}/status/", **HX)
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    assert "HX-Refresh" not in partial.headers

    Article.objects.filter(pk=article.pk).update(status=Article.Status.DONE)
    partial = client.get(f"/articles/{article.pk}/status/", **HX)
    assert "hx-trigger" not in partial.content.decode()
    assert partial.headers["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in client.get(f"/articles/{article.pk}/").content.decode()


def test_it_shows_a_failed_article_and_retries_it(reviewer, article):
    article.fail(error="OSError while extracting claims: disk full")
    client = logged_in(reviewer)
    page = client.get(f"/articles/{article.pk}/").content.decode()
    assert "Processing failed." in page
    assert "OSError while extracting claims: disk full" in page
    assert f'action="/articles/{article.pk}/retry/"' in page

    response = client.post(f"/articles/{article.pk}/retry/")
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.error) == (Article.Status.PENDING, "")
    assert 'hx-trigger="every 2s"' in client.get(response.url).content.decode()


def test_it_retries_only_failed_articles(reviewer, article):
    client = logged_in(reviewer)
    assert client.get(f"/articles/{article.pk}/retry/").status_code == 405
    client.post(f"/articles/{article.pk}/retry/")
    article.refresh_from_db()
    assert article.status == Article.Status.DONE


# --- Claim ------------------------------------------------------------------------------


def test_it_shows_a_claim_in_context_with_slots_and_matches(reviewer, claim, match, second_match):
    page = logged_in(reviewer).get(f"/claims/{claim.pk}/").content.decode()
    assert "Intro. <mark" in page
    assert '<span class="slot slot-tally" title="tally: 397 for, 0 against">397 to 0</span>' in page
    # The slots table.
    assert '<span class="slot-name slot-tally">tally</span></th><td>397 to 0</td><td>397 for, 0 against</td>' in page
    assert "<td>the Duma</td>" in page
    # Matches with their tiers; differing numbers side by side, never "likely".
    assert '<span class="tier tier-possible">possible</span>' in page
    assert (
        f'<tr class="cmp-differs"><td>tally</td><td class="cmp-value">{VOTES}</td><td class="cmp-value">{VOTES_REF}</td>'
        in page
    )
    assert "≠ differs" in page
    assert page.index(match.reference.text) < page.index(second_match.reference.text)


def test_it_goes_to_the_next_and_previous_claim_in_queue_order(reviewer, claim, other_claim):
    client = logged_in(reviewer)
    first = client.get(f"/claims/{claim.pk}/").context
    assert (first["previous"], first["next"].pk) == (None, other_claim.pk)
    second = client.get(f"/claims/{other_claim.pk}/", {"kind": "dated_event"})
    assert (second.context["previous"], second.context["next"]) == (None, None)
    page = client.get(f"/claims/{other_claim.pk}/").content.decode()
    assert f'rel="prev" data-key="prev" href="/claims/{claim.pk}/"' in page


@pytest.mark.parametrize("decision", ["confirmed", "rejected"])
def test_it_decides_a_match_with_one_click(reviewer, claim, match, decision):
    response = logged_in(reviewer).post(f"/matches/{match.pk}/decide/", {"decision": decision}, **HX)
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith(f'<tr id="match-{match.pk}"')
    assert f'data-decision="{decision}"' in row
    assert "(rita)" in row
    # The claim's version moved on: the verdict form on the page is told.
    claim.refresh_from_db()
    assert f'id="verdict-version" name="version" value="{claim.version}" hx-swap-oob="true"' in row
    match.refresh_from_db()
    assert (match.decision, match.decided_by) == (decision, reviewer)


def test_it_undoes_a_match_decision_without_htmx(reviewer, claim, match):
    client = logged_in(reviewer)
    client.post(f"/matches/{match.pk}/decide/", {"decision": "confirmed"})
    response = client.post(f"/matches/{match.pk}/decide/", {"decision": "pending", "filters": "kind=numeric"})
    assert response.url == f"/claims/{claim.pk}/?kind=numeric"
    match.refresh_from_db()
    assert match.decision == Match.Decision.PENDING
    assert client.post(f"/matches/{match.pk}/decide/", {"decision": "maybe"}).status_code == 400


# --- Verdicts ---------------------------------------------------------------------------


def test_it_moves_a_claim_out_of_the_queue_once_a_verdict_is_saved(reviewer, claim):
    client = logged_in(reviewer)
    response = verdict_post(
        client,
        claim,
        rating="True",
        note="Matches the record.",
        sources="https://example.org/a\n\n  https://example.org/b  \n",
    )
    assert response.status_code == 302
    assert response.url == f"/claims/{claim.pk}/"
    verdict = Verdict.objects.get()
    assert (verdict.rating, verdict.reviewer, verdict.note) == ("True", reviewer, "Matches the record.")
    assert verdict.sources == ["https://example.org/a", "https://example.org/b"]
    page = client.get(response.url).content.decode()
    assert "Verdict saved." in page
    assert "Not published yet: an editor publishes it." in page
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED
    assert claim.text not in client.get("/").content.decode()


def test_it_redirects_htmx_after_a_verdict(reviewer, claim):
    response = verdict_post(logged_in(reviewer), claim, HX, rating="Half true", filters="status=all")
    assert response.headers["HX-Redirect"] == f"/claims/{claim.pk}/?status=all"


def test_it_refuses_a_rating_off_the_scale_and_bad_sources(reviewer, claim):
    client = logged_in(reviewer)
    response = verdict_post(client, claim, HX, rating="Pants on fire", note="kept")
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert ">kept</textarea>" in response.content.decode()
    response = verdict_post(client, claim, rating="True", sources="not a url")
    assert response.status_code == 422
    assert "Not a web address: not a url" in response.content.decode()
    assert not Verdict.objects.exists()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.MATCHED


def test_it_tells_the_second_of_two_reviewers_about_the_conflict(reviewer, editor, claim):
    seen = claim.version
    rita, ed = logged_in(reviewer), logged_in(editor)
    assert verdict_post(ed, claim, rating="False", note="Ed's finding.").status_code == 302

    response = rita.post(
        f"/claims/{claim.pk}/verdict/",
        {"version": seen, "rating": "True", "note": "Rita's finding.", "sources": "https://example.org/r"},
        **HX,
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Your verdict was not saved." in page
    assert "Another reviewer changed this claim" in page
    # Nothing is lost: Ed's verdict stands, Rita's input comes back with the new version.
    assert "Ed&#x27;s finding." in page
    assert ">Rita&#x27;s finding.</textarea>" in page
    assert ">https://example.org/r</textarea>" in page
    assert 'value="True" required checked' in page
    claim.refresh_from_db()
    assert f'id="verdict-version" name="version" value="{claim.version}"' in page
    assert list(Verdict.objects.values_list("rating", "note")) == [("False", "Ed's finding.")]

    # Saving again, on purpose, records Rita's verdict as well.
    again = rita.post(
        f"/claims/{claim.pk}/verdict/", {"version": claim.version, "rating": "True", "note": "Rita's finding."}
    )
    assert again.status_code == 302
    assert Verdict.objects.count() == 2


def test_it_answers_a_conflict_without_htmx_with_the_whole_page(reviewer, claim):
    client = logged_in(reviewer)
    Claim.objects.filter(pk=claim.pk).update(version=5)
    response = client.post(f"/claims/{claim.pk}/verdict/", {"version": 0, "rating": "True"})
    assert response.status_code == 409
    assert "<html" in response.content.decode()
    assert "Your verdict was not saved." in response.content.decode()


def test_it_lets_only_an_editor_publish_and_links_the_claimreview(reviewer, editor, claim):
    verdict_post(logged_in(reviewer), claim, rating="Mostly false", note="Close, but no.")
    verdict = Verdict.objects.get()
    ed = logged_in(editor)
    assert "Publish this verdict" in ed.get(f"/claims/{claim.pk}/").content.decode()
    assert "Publish this verdict" not in logged_in(reviewer).get(f"/claims/{claim.pk}/").content.decode()

    response = ed.post(f"/verdicts/{verdict.pk}/publish/")
    assert response.status_code == 302
    verdict.refresh_from_db()
    assert verdict.is_published
    page = ed.get(response.url).content.decode()
    assert f'<a href="/claimreview/{verdict.pk}.json">ClaimReview JSON-LD</a>' in page
    assert 'href="/claimreview/feed.json"' in page
    feed = json.loads(Client().get("/claimreview/feed.json").content)
    assert feed["dataFeedElement"][0]["item"]["reviewRating"]["alternateName"] == "Mostly false"


def test_it_lets_an_editor_assign_a_claim(reviewer, editor, outsider, claim):
    ed = logged_in(editor)
    page = ed.get(f"/claims/{claim.pk}/").content.decode()
    assert f'<option value="{reviewer.pk}">rita</option>' in page
    assert ">olive</option>" not in page

    response = ed.post(f"/claims/{claim.pk}/assign/", {"assignee": reviewer.pk, "version": claim.version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.assignee, claim.status) == (reviewer, Claim.Status.IN_REVIEW)
    assert "Assigned to rita." in ed.get(response.url).content.decode()

    stale = ed.post(f"/claims/{claim.pk}/assign/", {"assignee": "", "version": 0})
    assert "Another reviewer changed this claim" in ed.get(stale.url).content.decode()
    ed.post(f"/claims/{claim.pk}/assign/", {"assignee": outsider.pk, "version": claim.version})
    claim.refresh_from_db()
    assert claim.assignee == reviewer


def test_it_shows_who_changed_what_in_the_audit_trail(reviewer, editor, claim, match):
    rita, ed = logged_in(reviewer), logged_in(editor)
    ed.post(f"/claims/{claim.pk}/assign/", {"assignee": reviewer.pk, "version": claim.version})
    rita.post(f"/matches/{match.pk}/decide/", {"decision": "confirmed"})
    claim.refresh_from_db()
    verdict_post(rita, claim, rating="False", note="Off by three.")
    ed.post(f"/verdicts/{Verdict.objects.get().pk}/publish/")

    response = ed.get(f"/claims/{claim.pk}/")
    trail = [(e.who, e.what, e.action, e.changes) for e in response.context["audit"]]
    assert trail[0][:3] == ("ed", f"Verdict #{Verdict.objects.get().pk}", "changed")
    assert trail[0][3][0][0] == "published at"
    assert ("rita", "Claim", "changed", [("status", "In review", "Reviewed")]) in trail
    assert ("rita", f"Verdict #{Verdict.objects.get().pk}", "created") in [t[:3] for t in trail]
    decided = [("decided by", "—", "rita"), ("decision", "Not decided", "Same claim")]
    assert ("rita", "Match #1: Duma bill", "changed", decided) in trail
    assert ("ed", "Claim", "changed", [("assignee", "—", "rita"), ("status", "Matched", "In review")]) in trail
    assert trail[-1] == ("system", "Claim", "created", [("status", "", "Matched")])
    page = response.content.decode()
    assert '<td class="who">ed</td>' in page
    assert "<del>In review</del> → <ins>Reviewed</ins>" in page


# --- References -------------------------------------------------------------------------


def test_it_lets_an_editor_list_add_and_edit_references(editor, reference):
    ed = logged_in(editor)
    page = ed.get("/references/", {"q": "duma"}).content.decode()
    assert reference.text in page
    assert "No references match" in ed.get("/references/", {"q": "zebra"}).content.decode()

    response = ed.post(
        "/references/new/",
        {"external_id": "ref-new", "text": "Inflation was 3% in 2023.", "rating": "True", "language": "en"},
    )
    assert response.status_code == 302
    added = Reference.objects.get(external_id="ref-new")
    assert added.slots["quantities"][0]["value"] == 3

    response = ed.post(
        f"/references/{added.pk}/",
        {"external_id": "hijack", "text": "Inflation was 4% in 2023.", "rating": "False", "language": "en"},
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.external_id, added.rating, added.slots["quantities"][0]["value"]) == ("ref-new", "False", 4)
    assert added.embedding is None
    assert added.history.first().history_user == editor

    invalid = ed.post("/references/new/", {"external_id": "ref-new", "text": "", "language": "en"})
    assert invalid.status_code == 200
    assert "This field is required." in invalid.content.decode()


# --- Escaping ---------------------------------------------------------------------------


def test_it_escapes_article_text(reviewer):
    article = Article.objects.create(title="<b>t</b>", text="<script>alert(1)</script> 5 people.", content_hash="x")
    page = logged_in(reviewer).get(f"/articles/{article.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_escapes_stored_text_on_every_page(reviewer, editor):
    evil = '<script>alert("x")</script><img src=x onerror=alert(2)>'
    text = f"{evil} Troops: 5 soldiers."
    article = Article.objects.create(
        title=evil, text=text, content_hash="evil", status=Article.Status.FAILED, error=evil
    )
    claim = Claim.objects.create(
        article=article,
        text=text,
        start=0,
        end=len(text),
        status=Claim.Status.MATCHED,
        slots={"quantities": [{"text": evil, "start": 0, "end": 10, "value": 5, "unit": evil}], "actor": evil},
    )
    ref = Reference.objects.create(
        external_id=evil, text=evil, title=evil, publisher=evil, rating=evil, url="javascript:alert(3)"
    )
    Match.objects.create(
        claim=claim,
        reference=ref,
        score=0.9,
        rank=1,
        comparisons=[{"field": "quantity", "claim": evil, "reference": evil, "verdict": "differs", "detail": evil}],
    )
    Verdict.objects.create(claim=claim, reviewer=reviewer, rating="True", note=evil, sources=[evil, "javascript:x()"])
    Article.objects.filter(pk=article.pk).update(url="javascript:alert(4)")
    for client, path in [
        (logged_in(reviewer), "/"),
        (logged_in(reviewer), f"/articles/{article.pk}/"),
        (logged_in(reviewer), f"/claims/{claim.pk}/"),
        (logged_in(editor), "/references/"),
        (logged_in(editor), f"/references/{ref.pk}/"),
    ]:
        page = client.get(path).content.decode()
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
        assert "&lt;script&gt;alert(" in page, path
        assert 'href="javascript:' not in page, path
