"""Nobody let in who should not be: every URL the resolver knows is checked
against every role, every form needs its CSRF token, stored text comes back
escaped, the production settings pass `check --deploy`, no credential lives in
the repository, passwords are hashed and password guessing is throttled."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from claims.models import Article, Claim, ClaimGroup, Match, Reference, Verdict
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
MISSING = "999999"  # ids of nothing: a denial must come before any lookup

# --- Who may call what ------------------------------------------------------------------------
# Every route the resolver knows is classified here. A route that is not named
# below needs a reviewer, so a new view without a permission check fails
# test_it_lets_each_role_reach_only_its_own_views for the outsider.
PUBLIC = {
    "health-live",
    "health-ready",
    "login",
    "logout",
    "admin:login",
    "admin:logout",
    "schema",  # the OpenAPI document and its docs page describe the API, they hold no data
    "api-docs",
    "claimreview-feed",  # published fact-checks are public by nature
    "claimreview-detail",
    # The demo feed and its pages stand in for an outlet's public site.
    "claims:demo-feed",
    "claims:demo-article",
}
EDITOR = {
    "claims:failed-articles",
    "claims:claim-assign",
    "claims:verdict-publish",
    "claims:verdict-withdraw",
    "claims:reference-add",
    "claims:reference-import",
    "claims:import",
    "claims:import-status",
    "claims:dashboard",
    "claims:dashboard-csv",
    "api:source-poll",
    "claims:reference-edit",
    "api:claim-assign",
    "api:verdict-publish",
    "api:verdict-withdraw",
    "api:references-import",
    "api:imports",
    "api:import-detail",
    "api:webhooks",
    "api:webhook-detail",
}
# Reviewers read the corpus through the API; only editors change it.
EDITOR_METHODS = {
    (name, method)
    for name in ("api:references", "api:reference-detail", "api:sources", "api:source-detail")
    for method in ("POST", "PATCH", "DELETE")
} | {(name, "POST") for name in ("claims:source-add", "claims:source-action", "claims:entry-retry")}
METHODS = ("GET", "POST", "PATCH", "DELETE")
RANK = {"anonymous": 0, "outsider": 1, "reviewer": 2, "editor": 3}


def routes() -> Iterator[tuple[str, str]]:
    """(name, concrete path) for every pattern; admin's unnamed ones are named after their route."""

    def walk(patterns, prefix: str, namespace: str | None) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace and (f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace)
                yield from walk(pattern.url_patterns, route, inner or namespace)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name or route
                yield name, concrete(route)

    yield from walk(get_resolver().url_patterns, "", None)


def concrete(route: str) -> str:
    path = route.replace("(?P<url>.*)", "no-such-page/").replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<\w+>([\w-]+)(?:\|[\w|-]+)?\)", r"\1", path)  # regex alternatives: the first
    path = re.sub(r"<(?:\w+:)?\w+>", MISSING, path)  # path converters
    assert not re.search(r"[<>()?*\\]", path), f"teach concrete() the route {route!r}"
    return "/" + path


def required_role(name: str, method: str) -> str:
    if name in PUBLIC:
        return "anonymous"
    if name.startswith("admin"):
        return "staff"
    if name in EDITOR or (name, method) in EDITOR_METHODS:
        return "editor"
    return "reviewer"


def denied(response, *, api: bool, public: bool) -> bool:
    if api or public:  # logging out redirects to the login page by design
        return response.status_code in (401, 403)
    if response.status_code == 403:
        return True
    # login_required and the admin send strangers to a login page.
    return response.status_code == 302 and "login/" in response["Location"]


@pytest.fixture
def people(reviewer, editor, outsider) -> dict:
    return {"anonymous": None, "outsider": outsider, "reviewer": reviewer, "editor": editor}


class Caller:
    """Requests as one persona: a token for the API, a session for pages."""

    def __init__(self, user) -> None:
        self.user = user
        self.api = token_client(user) if user else APIClient()
        self.web = self._web()

    def _web(self) -> Client:
        client = Client()
        if self.user:
            client.force_login(self.user)
        return client

    def __call__(self, path: str, method: str):
        if path.startswith("/api/"):
            body = {} if method in ("POST", "PATCH") else None
            return getattr(self.api, method.lower())(path, body, format="json")
        response = getattr(self.web, method.lower())(path)
        if "logout" in path:
            self.web = self._web()  # that call may have logged us out
        return response


def test_it_lets_each_role_reach_only_its_own_views(people, settings):
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES, "1000000/minute")
    before = {m.__name__: m.objects.count() for m in (Article, Claim, Reference, Verdict)}
    callers = {persona: Caller(user) for persona, user in people.items()}
    found, wrong = set(), []
    for name, path in routes():
        found.add(name)
        api = path.startswith("/api/")
        # The admin's own views all go through admin_view: two methods show it.
        methods = METHODS[:2] if name.startswith("admin") else METHODS
        for persona, call in callers.items():
            for method in methods:
                response = call(path, method)
                if response.status_code == 405:
                    continue  # the method does not exist there, for anyone
                needed = required_role(name, method)
                should_deny = needed == "staff" or RANK[persona] < RANK[needed]
                if denied(response, api=api, public=name in PUBLIC) != should_deny:
                    wrong.append(f"{persona} {method} {path} ({name}): {response.status_code}")
    assert not wrong, "\n".join(wrong)
    # The tables above name real routes (a renamed view must not silently fall back to "reviewer").
    assert PUBLIC | EDITOR | {name for name, _ in EDITOR_METHODS} <= found
    assert {m.__name__: m.objects.count() for m in (Article, Claim, Reference, Verdict)} == before


# --- CSRF ---------------------------------------------------------------------------------------


def test_it_refuses_every_post_without_a_csrf_token(editor):
    """A logged-in editor's browser can be made to POST anywhere: without the
    token, every URL refuses, forms and session-authenticated API calls alike."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    client.get("/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    missing = []
    form = {"rating": "True", "version": "0"}
    for name, path in routes():
        # The API reads JSON only; a form body would be refused (415) before CSRF is looked at.
        body = {"data": json.dumps(form), "content_type": "application/json"} if "/api/" in path else {"data": form}
        response = client.post(path, **body)
        if response.status_code == 415:  # an upload: multipart it is
            body = {"data": form}
            response = client.post(path, **body)
        if response.status_code == 405:
            continue
        if response.status_code == 403 and "CSRF" not in response.content.decode(errors="replace"):
            # An HTML error page may not say why: with the token, the same POST must get further.
            response = client.post(path, **body, HTTP_X_CSRFTOKEN=token)
            if response.status_code != 403:
                continue
        elif response.status_code == 403:
            continue
        missing.append(f"{name} {path}: {response.status_code}")
    assert not missing, "\n".join(missing)
    # The login form too, for an anonymous visitor (login CSRF).
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/login/", {"username": "ed", "password": "ed-password-1"}).status_code == 403


def test_it_accepts_api_tokens_without_csrf(editor):
    # A token is not sent by the browser on its own, so it needs no CSRF token.
    client = token_client(editor)
    client.handler.enforce_csrf_checks = True
    assert client.post("/api/match", {"text": ""}, format="json").status_code == 400


@pytest.fixture
def match(db) -> Match:
    article = Article.objects.create(text="The Duma voted 397 to 0.", content_hash="m", status="done")
    claim = Claim.objects.create(article=article, text=article.text, start=0, end=24, status=Claim.Status.MATCHED)
    reference = Reference.objects.create(external_id="r", text="The Duma voted 400 to 0.")
    return Match.objects.create(claim=claim, reference=reference, score=0.9, rank=1)


def test_it_sends_the_csrf_token_with_every_htmx_request(reviewer, match):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    page = client.get(f"/claims/{match.claim_id}/").content.decode()
    headers = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))
    token = headers["X-CSRFToken"]
    assert token
    decide = f"/matches/{match.pk}/decide/"
    assert client.post(decide, {"decision": "confirmed"}, HTTP_HX_REQUEST="true").status_code == 403
    response = client.post(decide, {"decision": "confirmed"}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    match.refresh_from_db()
    assert match.decision == Match.Decision.CONFIRMED


# --- Stored XSS -------------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
    "</textarea><script>alert(3)</script>",
    "' onmouseover='alert(4)",
]


def test_it_escapes_what_the_api_stored_on_every_page(reviewer_api, editor_api, reviewer, editor):
    evil = " ".join(PAYLOADS)
    submitted = reviewer_api.post(
        "/api/articles", {"text": f"{evil} Troops numbered 12,000.", "title": evil, "format": "text"}, format="json"
    )
    assert submitted.status_code == 202, submitted.content
    article = Article.objects.get(pk=submitted.json()["id"])
    created = editor_api.post(
        "/api/references",
        {"external_id": "evil-1", "text": evil, "title": evil, "publisher": evil, "url": "https://example.org/x"},
        format="json",
    )
    assert created.status_code == 201, created.content
    reference = Reference.objects.get(external_id="evil-1")
    claim = Claim.objects.create(article=article, text=evil, start=0, end=10, status=Claim.Status.MATCHED)
    Match.objects.create(claim=claim, reference=reference, score=0.9, rank=1)
    Verdict.objects.create(claim=claim, reviewer=reviewer, rating="False", note=evil)
    # Why a claim joined its group quotes the claims' own numbers and the reviewer's note.
    group = ClaimGroup.objects.create(representative=claim, checkworthiness=0.5)
    kept = {"group": group.pk, "member": claim.pk, "detail": evil, "score": 0.9}
    comparison = {"field": evil, "claim": evil, "reference": evil, "verdict": "differs", "detail": evil}
    grouping = {"how": "wording", "member": claim.pk, "comparisons": [comparison], "kept_apart": [kept]}
    Claim.objects.filter(pk=claim.pk).update(group=group, grouping=grouping)
    Claim.objects.create(
        article=article, text=evil, start=10, end=20, group=group, grouping={"how": "moved", "by": evil, "note": evil}
    )
    article.fail(error=evil)
    pages = {
        "/": reviewer,
        f"/articles/{article.pk}/": reviewer,
        f"/claims/{claim.pk}/": reviewer,
        f"/groups/{group.pk}/": reviewer,
        "/articles/failed/": editor,
        "/references/": editor,
        f"/references/{reference.pk}/": editor,
    }
    for path, user in pages.items():
        client = Client()
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        for raw in ("<script>alert", "<img src=x", "<svg/onload", "' onmouseover='"):
            assert raw not in html, (path, raw)
        assert "&lt;script&gt;alert(" in html, path
    # JSON is JSON: a browser sniffing it as HTML would run it.
    api = reviewer_api.get(f"/api/articles/{article.pk}")
    assert api["Content-Type"] == "application/json"
    assert api["X-Content-Type-Options"] == "nosniff"


def test_it_sends_the_headers_that_keep_pages_out_of_frames_and_sniffing(reviewer):
    client = Client()
    client.force_login(reviewer)
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    login = Client().post("/login/", {"username": "rita", "password": "rita-password-1"})
    session_cookie = login.cookies["sessionid"]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"


# --- Production settings --------------------------------------------------------------------------


def production_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO", "SECRET", "DEBUG"))}
    env.update(
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="factcheck.example.org",
        # Never connected by `check`; keeps the subprocess off the shared embedded cluster.
        DATABASE_URL="postgres://factcheck@127.0.0.1:9/factcheck",
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",
        HF_HUB_OFFLINE="1",
    )
    env.update(changes)
    return {k: v for k, v in env.items() if v != ""}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_passes_the_deployment_checks_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),  # the development key in the repository
        ({"SECRET_KEY": "short-and-guessable"}, "SECRET_KEY"),
        ({"DEBUG": "1"}, "DEBUG"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_it_refuses_to_start_in_production_with_development_settings(changes, complaint):
    result = manage("check", env=production_env(**changes))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_it_redirects_to_https_in_production_but_lets_health_probes_through(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # reads the middleware settings on its first request
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/health/").status_code == 200


def test_it_keeps_development_over_plain_http_by_default(settings):
    assert not settings.PRODUCTION
    assert not settings.SECURE_SSL_REDIRECT and not settings.SESSION_COOKIE_SECURE


# --- Secrets ----------------------------------------------------------------------------------------

CREDENTIALS = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub token
    r"|xox[abpr]-[A-Za-z0-9-]{10,}"  # Slack token
    r"|sk-[A-Za-z0-9]{32,}"  # API secret keys of many services
    r"|://[^/\s:@'\"{}]+:[^@\s/'\"{}]+@"  # a URL with a password in it
)
# Made-up values that tests use on purpose (a URL with credentials must be refused).
FAKE = {"://user:pw@"}


def test_it_keeps_no_credential_in_the_repository():
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    found = []
    for name in filter(None, listed):
        path = ROOT / name.decode()
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{name.decode()}: {m.group(0)[:40]}" for m in CREDENTIALS.finditer(text) if m.group(0) not in FAKE]
        if path.name.startswith(".env"):
            found.append(f"{name.decode()}: an environment file")
    assert not found, found


def test_it_reads_every_secret_from_the_environment():
    source = (ROOT / "factcheck" / "settings.py").read_text()
    # The only literal key is the development default, which production refuses.
    assert re.findall(r"SECRET_KEY\s*=\s*env\.str\(\"SECRET_KEY\"", source)
    assert not re.search(r"(PASSWORD|TOKEN)\s*=\s*['\"]", source)


# --- Passwords and logging in ---------------------------------------------------------------------


def test_it_hashes_passwords_with_djangos_default(reviewer, settings):
    assert settings.PASSWORD_HASHERS == global_settings.PASSWORD_HASHERS
    assert identify_hasher(reviewer.password).algorithm == "pbkdf2_sha256"
    assert "rita-password-1" not in reviewer.password
    assert reviewer.check_password("rita-password-1")


def test_it_throttles_password_guessing(reviewer, editor, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "rita", "password": "guess"})
        assert response.status_code == 200  # the form again, with an error
    locked = client.post("/login/", {"username": "rita", "password": "guess"})
    assert locked.status_code == 429
    # Locked out: even the right password does not get in from here for a while.
    right = client.post("/login/", {"username": "rita", "password": "rita-password-1"})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Only that account from that address: a colleague logs in as usual.
    other = Client()
    assert other.post("/login/", {"username": "ed", "password": "ed-password-1"}).status_code == 302
    assert other.get("/").status_code == 200
