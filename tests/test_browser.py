"""The reviewer's desk in a real headless Chromium (Debian's, never a download),
driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from claims import services
from claims.engine import embedding
from claims.models import Article, Claim, Match, Reference, Verdict
from claims.services import groups

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make around it are still plain synchronous ones.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LAPTOP = {"width": 1366, "height": 860}
VOTES, VOTES_REF = "397\u20130", "400\u20130"  # tallies are typeset with an en dash

TEXT = (
    "MOSCOW — Russia's parliament moved quickly on the defence pact with North Korea.\n\n"
    "The State Duma voted 397 to 0 to ratify the treaty on Thursday. "
    "About 10,000 North Korean soldiers are already in Russia, Ukrainian intelligence said. "
    "The treaty was signed in June 2024 during a visit to Pyongyang.\n\n"
    "Analysts expect the upper house to follow next week."
)


def at(part: str, **slot) -> dict:
    start = TEXT.index(part)
    return {"text": part, "start": start, "end": start + len(part), **slot}


def sentence(text: str, **fields) -> Claim:
    start = TEXT.index(text)
    return Claim(text=text, start=start, end=start + len(text), status=Claim.Status.MATCHED, **fields)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def desk(db) -> dict:
    """An article with three claims awaiting review and the matches of the first."""
    article = Article.objects.create(
        title="Duma ratifies pact with North Korea",
        text=TEXT,
        content_hash="browser-desk",
        status=Article.Status.DONE,
        published=dt.date(2024, 10, 24),
    )
    vote = sentence(
        "The State Duma voted 397 to 0 to ratify the treaty on Thursday.",
        checkworthiness=0.92,
        slots={
            "tallies": [at("397 to 0", **{"for": 397, "against": 0, "abstain": None})],
            "dates": [at("Thursday", value="2024-10-24", granularity="day", modifier="on", inherited=False)],
            "actor": "The State Duma",
        },
    )
    troops = sentence(
        "About 10,000 North Korean soldiers are already in Russia, Ukrainian intelligence said.",
        checkworthiness=0.81,
        slots={
            "quantities": [
                at("About 10,000", value=10000, low=9000, high=11000, precision="approximate", counted="soldier")
            ],
            "source": "Ukrainian intelligence",
        },
    )
    signed = sentence(
        "The treaty was signed in June 2024 during a visit to Pyongyang.",
        checkworthiness=0.55,
        kind=Claim.Kind.DATED_EVENT,
        slots={"dates": [at("June 2024", value="2024-06", granularity="month", modifier="in", inherited=False)]},
    )
    for claim in (vote, troops, signed):
        claim.article = article
        claim.save()
    refs = [
        Reference.objects.create(
            external_id="fc-400",
            text="The Duma voted 400 to 0 to ratify the treaty with North Korea.",
            title="Duma vote on the North Korea treaty",
            rating="False",
            publisher="Factcheck Desk",
            url="https://example.org/fc-400",
            embedding=[0.0] * 384,
        ),
        Reference.objects.create(
            external_id="fc-ratified",
            text="Russia's lower house ratified the pact on 24 October 2024.",
            rating="True",
            publisher="Verify Unit",
        ),
        Reference.objects.create(external_id="fc-other", text="The Duma debated a budget amendment.", rating="True"),
    ]
    Match.objects.create(
        claim=vote,
        reference=refs[0],
        score=0.88,
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
    Match.objects.create(
        claim=vote,
        reference=refs[1],
        score=0.79,
        rank=2,
        numbers=Match.Numbers.AGREES,
        comparisons=[
            {
                "field": "date",
                "claim": "24 Oct 2024",
                "reference": "24 Oct 2024",
                "verdict": "agrees",
                "detail": "24 Oct 2024 vs 24 Oct 2024",
            }
        ],
    )
    Match.objects.create(claim=vote, reference=refs[2], score=0.58, rank=3)
    return {"article": article, "vote": vote, "troops": troops, "signed": signed}


def new_page(browser, live_server, user: User | None = None):
    """A fresh browser context, logged in as `user` through a session cookie."""
    context = browser.new_context(viewport=LAPTOP, base_url=live_server.url)
    context.set_default_timeout(5000)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()


def test_it_walks_a_claim_from_the_queue_to_the_claimreview_feed(browser, live_server, desk, reviewer, editor):
    ARTIFACTS.mkdir(exist_ok=True)
    vote = desk["vote"]
    embedding.store(Claim, [vote.pk], embedding.embed([vote.text]))
    groups.claim_group(claim=vote)  # a group of its own, as the pipeline leaves it
    page = new_page(browser, live_server)
    log_in(page, "rita")

    rows = page.locator("#queue-results tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(vote.text)
    expect(rows.first).to_contain_text("≠ numbers differ")
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

    # Filtering swaps the table in place (htmx) and keeps the URL shareable.
    page.get_by_label("Kind").select_option("dated_event")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"kind=dated_event"))
    page.get_by_label("Kind").select_option("")
    expect(rows).to_have_count(3)

    rows.first.locator("a.claim-link").click()
    expect(page.get_by_role("heading", name=f"Claim {vote.pk}")).to_be_visible()
    matches = page.locator("tr.match")
    expect(matches).to_have_count(3)
    differs = matches.first.locator("tr.cmp-differs")
    expect(differs).to_contain_text(VOTES)
    expect(differs).to_contain_text(VOTES_REF)
    assert differs.locator("td").nth(1).evaluate("el => getComputedStyle(el).color") == "rgb(179, 38, 30)"
    expect(matches.first.locator(".tier")).to_have_text("possible")
    expect(matches.nth(1).locator(".tier")).to_have_text("likely")

    matches.nth(1).get_by_role("button", name="Same claim").click()
    expect(matches.nth(1)).to_have_attribute("data-decision", "confirmed")
    expect(matches.nth(1)).to_contain_text("(rita)")
    matches.first.get_by_role("button", name="Not the same").click()
    expect(matches.first).to_have_attribute("data-decision", "rejected")

    page.get_by_role("radio", name="Mostly false").check()
    page.get_by_label("Note").fill("The Duma record shows 397 votes in favour, not 400.")
    page.get_by_label("Sources").fill("https://duma.gov.ru/news/\nhttps://example.org/fc-400")
    page.screenshot(path=str(ARTIFACTS / "claim-editing.png"), full_page=True)
    page.get_by_role("button", name="Save verdict").click()
    expect(page.get_by_text("Verdict saved.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "claim.png"), full_page=True)
    expect(page.get_by_text("Not published yet: an editor publishes it.")).to_be_visible()
    expect(page.locator(".audit")).to_contain_text("rita")
    page.get_by_role("link", name=desk["article"].title).click()
    expect(page.locator(".article-text a.claim-span")).to_have_count(3)
    expect(page.locator(".article-text .slot-tally")).to_have_text("397 to 0")
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)
    assert page.js_errors == []

    ed = new_page(browser, live_server, editor)
    ed.goto(f"/claims/{vote.pk}/")
    ed.get_by_role("button", name="Publish this verdict").click()
    expect(ed.get_by_text("Verdict published")).to_be_visible()
    ed.get_by_role("link", name="ClaimReview JSON-LD").click()
    item = json.loads(ed.locator("pre").first.inner_text())
    assert item["reviewRating"]["alternateName"] == "Mostly false"
    ed.go_back()
    ed.get_by_role("link", name="Feed").click()
    feed = json.loads(ed.locator("pre").first.inner_text())
    assert [e["item"]["claimReviewed"] for e in feed["dataFeedElement"]] == [vote.text]
    ed.goto(f"/claims/{vote.pk}/")  # its group page: every appearance, its sentence marked
    ed.locator("#group-panel a", has_text="every appearance").click()
    expect(ed.locator("li.appearance mark.claim-text .slot-tally")).to_have_text("397 to 0")
    assert ed.js_errors == []


def test_it_drives_the_desk_with_the_keyboard(browser, live_server, desk, reviewer):
    vote, troops = desk["vote"], desk["troops"]
    page = new_page(browser, live_server, reviewer)
    page.goto("/")
    links = page.locator("#queue-results a.claim-link")

    page.keyboard.press("j")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(links.nth(1)).to_be_focused()
    expect(page.locator("tr.is-selected")).to_contain_text(troops.text)
    page.keyboard.press("k")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/claims/{vote.pk}/$"))

    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    expect(page.get_by_role("dialog")).to_contain_text("Next / previous claim")
    page.keyboard.press("Escape")
    expect(page.locator("#keys-help")).to_be_hidden()

    page.keyboard.press("2")
    expect(page.get_by_role("radio", name="Mostly true")).to_be_checked()
    page.keyboard.press("5")
    expect(page.get_by_role("radio", name="False", exact=True)).to_be_checked()

    matches = page.locator("tr.match")
    page.keyboard.press("c")
    expect(matches.nth(0)).to_have_attribute("data-decision", "confirmed")
    expect(matches.nth(0)).to_be_focused()
    page.keyboard.press("x")
    expect(matches.nth(1)).to_have_attribute("data-decision", "rejected")
    matches.nth(2).get_by_role("button", name="Same claim").focus()
    page.keyboard.press("x")
    expect(matches.nth(2)).to_have_attribute("data-decision", "rejected")

    # Keys typed into a field are text, not commands. Let the match swaps
    # settle first, so no key lands while the page is still busy.
    page.wait_for_load_state("networkidle")
    note = page.get_by_label("Note")
    note.fill("")
    expect(note).to_be_focused()
    note.press_sequentially("jk1cx?")
    expect(page.get_by_label("Note")).to_have_value("jk1cx?")
    expect(page.locator("#keys-help")).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/claims/{vote.pk}/$"))

    # The match decisions moved the claim's version on; the form kept up.
    page.keyboard.press("5")
    page.get_by_role("button", name="Save verdict").click()
    expect(page.get_by_text("Verdict saved.")).to_be_visible()
    assert Verdict.objects.get().rating == "False"

    # j/k follow the queue order: the reviewed claim has left the queue.
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/claims/{troops.pk}/$"))
    expect(page.get_by_text("First in queue")).to_be_visible()
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/claims/{desk['signed'].pk}/$"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/claims/{troops.pk}/$"))
    assert page.js_errors == []


def test_it_tells_the_second_reviewer_about_a_conflict_in_place(browser, live_server, desk, reviewer, editor):
    vote = desk["vote"]
    page = new_page(browser, live_server, reviewer)
    page.goto(f"/claims/{vote.pk}/")
    # Ed gives a verdict while Rita has the page open.
    services.verdict_record(claim=vote, reviewer=editor, rating="False", note="Ed was first.", expected_version=0)

    page.get_by_role("radio", name="Half true").check()
    page.get_by_label("Note").fill("Rita's careful note.")
    page.get_by_role("button", name="Save verdict").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your verdict was not saved.")
    expect(page.get_by_label("Note")).to_have_value("Rita's careful note.")
    expect(page.get_by_role("radio", name="Half true")).to_be_checked()
    expect(page.locator("#verdict-panel")).to_contain_text("Ed was first.")
    assert list(Verdict.objects.values_list("note", flat=True)) == ["Ed was first."]

    page.get_by_role("button", name="Save verdict").click()
    expect(page.get_by_text("Verdict saved.")).to_be_visible()
    assert Verdict.objects.count() == 2


def test_it_shows_progress_live_and_reloads_when_the_article_is_done(browser, live_server, reviewer):
    article = Article.objects.create(
        title="Still working", text="Prices rose 5% in 2023.", content_hash="live", status=Article.Status.EMBEDDING
    )
    page = new_page(browser, live_server, reviewer)
    page.goto(f"/articles/{article.pk}/")
    expect(page.locator("#article-status")).to_contain_text("Processing…")
    expect(page.locator(".step-current")).to_have_text("Embedding claims")

    Claim.objects.create(article=article, text="Prices rose 5% in 2023.", start=0, end=23, status=Claim.Status.MATCHED)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DONE)
    expect(page.locator("#article-status")).to_contain_text("1 claim found", timeout=6000)
    expect(page.locator(".article-text a.claim-span")).to_have_text("Prices rose 5% in 2023.")


def test_it_shows_a_script_in_an_article_as_text(browser, live_server, reviewer):
    script = "<script>alert('xss')</script>"
    text = f"Officials said {script} that 5 people were hurt. <img src=x onerror=alert(2)>"
    article = Article.objects.create(title=script, text=text, content_hash="xss", status=Article.Status.DONE)
    Claim.objects.create(article=article, text=text, start=0, end=len(text), status=Claim.Status.MATCHED)
    page = new_page(browser, live_server, reviewer)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"/articles/{article.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(script)
    expect(page.locator(".article-text")).to_contain_text(script)
    expect(page.locator(".article-text img")).to_have_count(0)
    page.goto("/")
    expect(page.locator("#queue-results")).to_contain_text("Officials said <script>")
    page.locator("a.claim-link").first.click()
    expect(page.locator("blockquote.context")).to_contain_text(script)
    assert dialogs == []
    assert page.locator("script:not([src])").count() == 0


# --- A day at the desk, across real processes ---------------------------------------------

SCREENSHOTS = Path(
    os.environ.get("FACTCHECK_SCREENSHOTS", Path(__file__).resolve().parents[1] / ".var" / "screenshots")
)


def desk_page(browser, base: str, user: User):
    """A browser context on the gunicorn server at `base`, logged in as `user`
    (sessions live in the database that every process shares)."""
    context = browser.new_context(viewport=LAPTOP, base_url=base, accept_downloads=True)
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def test_it_submits_searches_watches_a_source_and_shows_the_dashboard(
    browser, tmp_path, demo_references, demo_article_text, reviewer, editor, httpserver
):
    """Submit from the desk, watch it being processed, read its claims; search a
    claim; watch a feed and poll it; then the dashboard with all that on it.
    gunicorn and a Celery worker are real processes on a filesystem broker."""
    from tests import processes
    from tests.test_sources import STORY, page, rss

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(("bridge", httpserver.url_for("/bridge"), "Harbour bridge closes to lorries")),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/bridge").respond_with_data(page(STORY), content_type="text/html")
    env = processes.service_env(
        CELERY_BROKER_URL="filesystem://",
        CELERY_FILESYSTEM_DIR=str(tmp_path / "queue"),
        # The test's feed server stands for an outlet: named, as make run names its own.
        FETCH_ALLOWED_HOSTS=f"127.0.0.1:{httpserver.port}",
    )
    with processes.web_server(env, tmp_path / "web.log") as base:
        rita = desk_page(browser, base, reviewer)
        rita.goto("/")
        rita.get_by_role("link", name="Submit").click()
        rita.get_by_label("Paste the article").fill(demo_article_text)
        rita.get_by_label("Title").fill("Duma backs the pact")
        rita.get_by_label("Publication date").fill("2024-10-24")
        rita.get_by_role("button", name="Submit", exact=True).click()
        # No worker yet: the page shows the article waiting, and keeps polling.
        expect(rita.get_by_role("heading", name="Duma backs the pact")).to_be_visible()
        expect(rita.locator("#article-status")).to_contain_text("Processing…")
        expect(rita.locator(".step-current")).to_have_text("Waiting for extraction")
        rita.screenshot(path=str(SCREENSHOTS / "1-submitted-progress.png"), full_page=True)

        with processes.celery_worker(env, tmp_path / "worker.log"):
            # The worker starts, loads its models and processes it; the page reloads itself.
            expect(rita.locator(".article-text a.claim-span").first).to_be_visible(timeout=150_000)
            claims = rita.locator(".claim-list li")
            expect(claims.filter(has_text="397 to 0")).to_have_count(1)
            rita.screenshot(path=str(SCREENSHOTS / "2-article-claims.png"), full_page=True)
            assert Claim.objects.filter(article__title="Duma backs the pact", status=Claim.Status.MATCHED).exists()

            rita.get_by_label("Has this been checked?").fill(
                "The State Duma voted 400 to 0 to ratify the agreement with North Korea"
            )
            rita.get_by_label("Has this been checked?").press("Enter")
            expect(rita.get_by_role("heading", name="Has this been checked?")).to_be_visible()
            references = rita.locator(".search-references tr.search-hit")
            expect(references.first).to_be_visible()
            expect(rita.locator(".search-references")).to_contain_text("voted 400 to 0 to approve the defence treaty")
            own = rita.locator(".search-claims tr.search-hit").filter(has_text="397 to 0")
            expect(own).to_have_count(1)
            expect(own.locator("tr.cmp-differs")).to_contain_text("400")
            rita.screenshot(path=str(SCREENSHOTS / "3-search.png"), full_page=True)

            # A verdict on that claim, for the dashboard.
            own.get_by_role("link").first.click()
            rita.get_by_role("radio", name="True", exact=True).check()
            rita.get_by_role("button", name="Save verdict").click()
            expect(rita.get_by_text("Verdict saved.")).to_be_visible()

            ed = desk_page(browser, base, editor)
            ed.goto("/sources/")
            ed.get_by_label("Address of the feed or sitemap").fill(httpserver.url_for("/feed.xml"))
            ed.get_by_label("Name").fill("Harbour Times")
            ed.get_by_role("button", name="Watch this source").click()
            expect(ed.get_by_text("its first poll is queued")).to_be_visible()
            row = ed.locator("tr.source").filter(has_text="Harbour Times")
            # Its first poll, then its entry's page and the article's claims, all on the worker.
            for _ in range(60):
                if Article.objects.filter(title="Harbour bridge closes to lorries", status="done").exists():
                    break
                ed.wait_for_timeout(1000)
            ed.reload()
            expect(row.locator("td.num").first).to_have_text("1")
            expect(row).to_contain_text("HTTP 200")
            row.get_by_role("button", name="Poll now").click()
            expect(row).to_contain_text("A poll is queued.")
            ed.screenshot(path=str(SCREENSHOTS / "4-sources.png"), full_page=True)

        ed.get_by_role("link", name="Dashboard").click()
        expect(ed.locator("#waiting-now")).not_to_have_text("0")
        for key in ("claims", "verdicts", "queue", "time-to-verdict", "tiers", "sources"):
            expect(ed.locator(f"#chart-{key} canvas")).to_have_count(1)
        assert "Harbour Times" in ed.locator("#chart-sources-data").text_content()
        ed.wait_for_timeout(800)  # let Chart.js finish its entry animation before the picture
        ed.screenshot(path=str(SCREENSHOTS / "5-dashboard.png"), full_page=True)
        with ed.expect_download() as download:
            ed.get_by_role("link", name="Download CSV of Claims extracted per day").click()
        rows = Path(download.value.path()).read_text().splitlines()
        assert rows[0] == "day,claims" and int(rows[-1].split(",")[1]) >= 5
        assert rita.js_errors == [] and ed.js_errors == []
