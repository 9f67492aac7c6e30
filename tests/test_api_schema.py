"""The OpenAPI schema, the docs served from the project itself, the JSON error
pages, rate limits, and schemathesis fuzzing every operation against the schema."""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims import services
from claims.models import Article, Claim, ClaimGroup, ImportJob, Match, Reference, Source, WebhookSubscription
from claims.services import fetch

pytestmark = pytest.mark.django_db


def test_it_serves_a_valid_openapi_3_schema():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"articles_submit", "match_batch", "verdicts_publish", "references_import", "webhooks_create"} <= operations
    assert {"groups_list", "groups_retrieve", "groups_split", "groups_merge", "verdicts_withdraw"} <= operations
    # Limits are stated in the schema, not only enforced.
    components = schema["components"]["schemas"]
    assert components["MatchBatchInputRequest"]["properties"]["texts"]["maxItems"] == 100
    assert components["ArticleSubmitInputRequest"]["properties"]["text"]["maxLength"] > 0
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"


def test_it_renders_the_docs_with_no_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert not [url for url in assets if re.match(r"(https?:)?//", url)], assets
    assert "cdn" not in html.lower()
    for url in assets:
        if url.startswith("/static/"):
            asset = client.get(url)
            assert asset.status_code == 200, url
            b"".join(asset.streaming_content) if asset.streaming else asset.content


def test_it_answers_json_404_for_unknown_api_paths(reviewer_api):
    response = reviewer_api.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No such URL.", "fields": {}}}


def test_it_keeps_html_404_pages_outside_the_api(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_answers_json_500_with_no_traceback(reviewer, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "claim_queue", boom)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=reviewer)[0].key}")
    response = client.get("/api/claims")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "secret internals" not in response.content.decode()


def test_it_answers_json_500_even_with_debug_on(reviewer_api, monkeypatch, settings, caplog):
    settings.DEBUG = True

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "claim_queue", boom)
    response = reviewer_api.get("/api/claims")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "secret internals" in caplog.text, "the traceback is logged"


def test_it_answers_json_400_for_a_request_django_refuses(reviewer_api):
    response = reviewer_api.get("/api/claims", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_it_answers_405_in_json(reviewer_api):
    response = reviewer_api.delete("/api/articles")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_it_answers_415_in_json(reviewer_api):
    response = reviewer_api.post("/api/match", b"text=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_it_refuses_a_body_over_the_limit_with_413(reviewer_api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = reviewer_api.post("/api/match", {"text": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_it_throttles_per_token_with_retry_after(reviewer_api, editor_api, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/minute"}
    for _ in range(3):
        assert reviewer_api.get("/api/claims").status_code == 200
    response = reviewer_api.get("/api/claims")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Another token has its own allowance.
    assert editor_api.get("/api/claims").status_code == 200


def test_it_throttles_expensive_operations_on_their_own_scope(reviewer_api, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "submit": "1/minute"}
    assert reviewer_api.post("/api/articles", {"text": "One vote."}, format="json").status_code == 202
    assert reviewer_api.post("/api/articles", {"text": "Two votes."}, format="json").status_code == 429
    assert reviewer_api.get("/api/articles").status_code == 200


# --- schemathesis -----------------------------------------------------------------

EXAMPLES_PER_OPERATION = 10
NEGATIVE_EXAMPLES_PER_OPERATION = 4
STOP_ON_FIRST_FAILURE = False
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def seeded(editor, reviewer, demo_references) -> dict[str, int]:
    """One of everything, so fixed path ids reach the 200 answers too."""
    article = Article.objects.create(text="Parliament voted 397 to 0.", content_hash="seeded", title="Seeded")
    claim = Claim.objects.create(
        article=article, text="Parliament voted 397 to 0.", start=0, end=26, status=Claim.Status.MATCHED
    )
    reference = Reference.objects.order_by("pk").first()
    match = Match.objects.create(claim=claim, reference=reference, score=0.9, rank=1)
    # A group of two, so that a split can succeed; the verdict makes it one with a verdict.
    repeat = Claim.objects.create(
        article=article, text="The parliament voted 397 to 0.", start=30, end=60, status=Claim.Status.MATCHED
    )
    group = ClaimGroup.objects.create(representative=claim, claim_count=2)
    Claim.objects.filter(pk__in=[claim.pk, repeat.pk]).update(group=group, grouping={"how": "founded"})
    claim.refresh_from_db()
    verdict = services.verdict_record(claim=claim, reviewer=reviewer, rating="True", note="Checked.")
    services.verdict_publish(verdict=verdict, editor=editor)
    job = ImportJob.objects.create(format="jsonl", data=b"{}", created_by=editor)
    hook = WebhookSubscription.objects.create(url="https://example.org/hook", events=["article.done"], secret="s")
    source = Source.objects.create(url="https://example.org/feed.xml", name="Example")
    return {
        "article_id": article.pk,
        "claim_id": claim.pk,
        "match_id": match.pk,
        "verdict_id": verdict.pk,
        "reference_id": Reference.objects.order_by("-pk").first().pk,
        "job_id": job.pk,
        "webhook_id": hook.pk,
        "source_id": source.pk,
        "group_id": group.pk,
    }


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, keeping the test's database connection
    open between requests (Django's test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz(operation, strategy, *, examples: int, headers: dict, checks, failures: list, statuses: Counter) -> int:
    cases = 0

    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=False,
    )
    @hypothesis.given(case=strategy)
    def run(case):
        nonlocal cases
        cases += 1
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (FailureGroup, AssertionError) as exc:
            failures.append(f"{operation.label}: {str(exc).strip()[:2000]}\n{case.as_curl_command()}")
            if STOP_ON_FIRST_FAILURE:
                raise

    # Unsatisfiable: nothing in this operation can be made invalid (negative mode).
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        run()
    return cases


def test_it_survives_schemathesis_on_every_operation(editor, seeded, wsgi_app, settings, monkeypatch, capsys):
    # Nothing leaves the machine: every URL the fuzzer makes up resolves to a
    # documentation address, which the SSRF guard refuses before connecting.
    monkeypatch.setattr(fetch, "resolve", lambda host, port: ["192.0.2.1"])
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES, "100000/minute")
    headers = {"Authorization": f"Token {Token.objects.get_or_create(user=editor)[0].key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)

    started = time.monotonic()
    failures: list[str] = []
    operations = cases = 0
    statuses: Counter = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fixed = {name: seeded[name] for name in re.findall(r"{(\w+)}", operation.path)}
        positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        if fixed:
            positive = st.one_of(positive, operation.as_strategy(path_parameters=fixed))
        cases += _fuzz(
            operation,
            positive,
            examples=EXAMPLES_PER_OPERATION,
            headers=headers,
            checks=CHECKS,
            failures=failures,
            statuses=statuses,
        )
        negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        cases += _fuzz(
            operation,
            negative,
            examples=NEGATIVE_EXAMPLES_PER_OPERATION,
            headers=headers,
            checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
            failures=failures,
            statuses=statuses,
        )
    with capsys.disabled():
        print(
            f"\nschemathesis: {operations} operations, {cases} cases, {len(failures)} failures "
            f"in {time.monotonic() - started:.0f}s; statuses {dict(sorted(statuses.items()))}"
        )
    assert operations >= 39
    assert not failures, "\n\n".join(failures)
