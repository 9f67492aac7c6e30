from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from rest_framework.test import APIClient

from claims import services, tasks
from claims.models import Article, WebhookSubscription
from factcheck.celery import app as celery_app
from tests import api_data as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_receivers(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True


@pytest.fixture
def deliver_inline():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _subscribe(client, url: str, events=("verdict.published", "article.done")):
    return client.post("/api/webhooks", {"url": url, "events": list(events)}, format="json")


def _verified(request, secret: str) -> dict:
    body = request.get_data()
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Factcheck-Signature"], expected)
    return json.loads(body)


def test_it_lets_an_editor_subscribe_and_shows_the_secret_once(editor_api, local_receivers, httpserver):
    response = _subscribe(editor_api, httpserver.url_for("/hook"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["secret"]) == 64
    assert body["events"] == ["article.done", "verdict.published"]
    assert response["Location"] == f"/api/webhooks/{body['id']}"
    shown = editor_api.get(f"/api/webhooks/{body['id']}").json()
    assert "secret" not in shown
    assert [h["id"] for h in editor_api.get("/api/webhooks").json()["results"]] == [body["id"]]


def test_it_lets_only_editors_manage_webhooks(reviewer_api, outsider_api, local_receivers, httpserver):
    for client in (reviewer_api, outsider_api):
        assert _subscribe(client, httpserver.url_for("/hook")).status_code == 403
        assert client.get("/api/webhooks").status_code == 403
    assert APIClient().get("/api/webhooks").status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
    ],
)
def test_it_refuses_subscribers_at_non_public_addresses(editor_api, url):
    response = _subscribe(editor_api, url)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "url_not_allowed"
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "https://example.org/h", "events": ["nope"]}, "events"),
        ({"url": "x", "events": ["article.done"]}, "url"),
    ],
)
def test_it_answers_400_for_a_malformed_subscription(editor_api, payload, field):
    response = editor_api.post("/api/webhooks", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_it_posts_a_signed_event_when_a_verdict_is_published(
    editor_api, reviewer, local_receivers, deliver_inline, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = _subscribe(editor_api, httpserver.url_for("/hook"), events=["verdict.published"]).json()
    verdict = services.verdict_record(claim=make.claim(), reviewer=reviewer, rating="False")
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_api.post(f"/api/verdicts/{verdict.pk}/publish").status_code == 200
    assert len(httpserver.log) == 1
    request, _ = httpserver.log[0]
    assert request.headers["X-Factcheck-Event"] == "verdict.published"
    assert request.headers["Content-Type"] == "application/json"
    event = _verified(request, hook["secret"])
    assert event["event"] == "verdict.published"
    assert event["id"] == request.headers["X-Factcheck-Delivery"]
    assert event["data"]["verdict"]["id"] == verdict.pk
    assert event["data"]["verdict"]["rating"] == "False"
    assert event["data"]["verdict"]["api_url"].endswith(f"/api/verdicts/{verdict.pk}")
    assert WebhookSubscription.objects.get().last_status == 200

    # Publishing again sends nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        editor_api.post(f"/api/verdicts/{verdict.pk}/publish")
    assert len(httpserver.log) == 1


def test_it_posts_an_event_when_an_article_is_done(
    editor, local_receivers, deliver_inline, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/done", method="POST").respond_with_data("ok")
    hook = services.webhook_subscribe(url=httpserver.url_for("/done"), events=["article.done"])
    services.webhook_subscribe(url=httpserver.url_for("/other"), events=["verdict.published"])
    article = make.article(status=Article.Status.MATCHING, title="Duma vote")
    make.claim(of=article)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_match(article=article)
    assert [request.path for request, _ in httpserver.log] == ["/done"]
    event = _verified(httpserver.log[0][0], hook.secret)
    assert event["event"] == "article.done"
    assert event["data"]["article"] == {
        "id": article.pk,
        "status": "done",
        "title": "Duma vote",
        "url": "",
        "claims": 1,
        "api_url": f"http://127.0.0.1:8000/api/articles/{article.pk}",
    }


def test_it_never_delivers_from_a_transaction_that_rolled_back(editor, local_receivers, httpserver):
    services.webhook_subscribe(url=httpserver.url_for("/hook"), events=["verdict.published"])
    verdict = services.verdict_record(claim=make.claim(), reviewer=editor, rating="True")
    services.verdict_publish(verdict=verdict, editor=editor)  # the test's transaction never commits
    assert httpserver.log == []


def test_it_reports_a_failed_delivery_for_a_retry(editor, local_receivers, httpserver):
    httpserver.expect_request("/flaky", method="POST").respond_with_data("down", status=503)
    hook = services.webhook_subscribe(url=httpserver.url_for("/flaky"), events=["article.done"])
    with pytest.raises(services.DeliveryFailed, match="503"):
        services.webhook_deliver(subscription=hook, payload={"id": "d-1", "event": "article.done", "data": {}})
    hook.refresh_from_db()
    assert (hook.last_status, hook.last_error) == (503, "The subscriber answered HTTP 503.")
    assert services.DeliveryFailed in tasks.webhook_deliver.autoretry_for
    assert tasks.webhook_deliver.max_retries >= 3


def test_it_does_not_retry_an_address_the_guard_refuses(editor, settings):
    hook = WebhookSubscription.objects.create(url="http://10.1.2.3/hook", events=["article.done"], secret="s")
    assert services.webhook_deliver(subscription=hook, payload={"id": "d", "event": "article.done", "data": {}}) is None
    hook.refresh_from_db()
    assert "non-public" in hook.last_error


def test_it_checks_the_address_again_at_delivery_time(editor, local_receivers, httpserver, settings):
    hook = services.webhook_subscribe(url=httpserver.url_for("/hook"), events=["article.done"])
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    services.webhook_deliver(subscription=hook, payload={"id": "d", "event": "article.done", "data": {}})
    assert httpserver.log == []


def test_it_follows_no_redirect_when_delivering(editor, local_receivers, httpserver):
    from werkzeug import Response

    httpserver.expect_request("/moved").respond_with_response(Response(status=307, headers={"Location": "/elsewhere"}))
    hook = services.webhook_subscribe(url=httpserver.url_for("/moved"), events=["article.done"])
    with pytest.raises(services.DeliveryFailed, match="307"):
        services.webhook_deliver(subscription=hook, payload={"id": "d", "event": "article.done", "data": {}})
    assert [request.path for request, _ in httpserver.log] == ["/moved"]


def test_it_stops_delivering_once_unsubscribed(editor_api, local_receivers, deliver_inline, httpserver):
    hook = _subscribe(editor_api, httpserver.url_for("/hook")).json()
    assert editor_api.delete(f"/api/webhooks/{hook['id']}").status_code == 204
    tasks.webhook_deliver(hook["id"], {"id": "d", "event": "article.done", "data": {}})
    assert httpserver.log == []
    assert editor_api.get(f"/api/webhooks/{hook['id']}").status_code == 404


def test_it_signs_the_exact_body_it_sends():
    body = services.webhook_body({"b": 1, "a": "é"})
    assert body == b'{"a":"\\u00e9","b":1}'
    assert services.webhook_signature(secret="k", body=body) == (
        "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    )


def test_it_queues_nothing_when_nobody_subscribed(editor, django_capture_on_commit_callbacks):
    verdict = services.verdict_record(claim=make.claim(), reviewer=editor, rating="True")
    with django_capture_on_commit_callbacks() as queued:
        services.verdict_publish(verdict=verdict, editor=editor)
    assert queued == []
