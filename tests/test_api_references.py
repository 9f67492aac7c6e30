from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims import tasks
from claims.models import ImportJob, Reference
from claims.services import imports
from factcheck.celery import app as celery_app
from tests import api_data as make
from tests.conftest import DEMO

pytestmark = pytest.mark.django_db

NEW = {
    "external_id": "afp-123",
    "text": "Turnout in the 2024 election was 61 per cent.",
    "title": "Turnout claim",
    "rating": "True",
    "publisher": "AFP",
    "url": "https://factcheck.afp.com/123",
    "published": "2024-07-05",
}


@pytest.fixture
def run_tasks_inline():
    """Run Celery tasks in the test process when the transaction commits."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_it_lets_an_editor_add_a_reference(editor_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = editor_api.post("/api/references", NEW, format="json")
    assert response.status_code == 201, response.content
    reference = Reference.objects.get()
    assert response["Location"] == f"/api/references/{reference.pk}"
    body = response.json()
    assert body["external_id"] == "afp-123"
    assert body["embedded"] is False
    assert body["slots"]["quantities"], "the numbers in the text are read"
    assert len(queued) == 1, "embedding is queued for after the commit"


def test_it_answers_409_for_an_external_id_already_in_the_corpus(editor_api):
    make.reference(external_id="afp-123")
    response = editor_api.post("/api/references", NEW, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": "   "}, "text"),
        ({"external_id": ""}, "external_id"),
        ({"url": "not a url"}, "url"),
        ({"published": "yesterday"}, "published"),
        ({"text": "x" * 5001}, "text"),
    ],
)
def test_it_answers_400_for_a_malformed_reference(editor_api, change, field):
    response = editor_api.post("/api/references", {**NEW, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_it_lets_reviewers_read_but_not_change_the_corpus(reviewer_api, outsider_api):
    reference = make.reference()
    assert reviewer_api.get("/api/references").status_code == 200
    assert reviewer_api.get(f"/api/references/{reference.pk}").status_code == 200
    assert reviewer_api.post("/api/references", NEW, format="json").status_code == 403
    assert reviewer_api.patch(f"/api/references/{reference.pk}", {"title": "x"}, format="json").status_code == 403
    assert reviewer_api.delete(f"/api/references/{reference.pk}").status_code == 403
    assert outsider_api.get("/api/references").status_code == 403
    assert APIClient().get("/api/references").status_code == 401
    assert Reference.objects.filter(pk=reference.pk).exists()


def test_it_lists_and_filters_the_corpus(reviewer_api):
    afp = make.reference(publisher="AFP", rating="False", text="Turnout was 61 per cent.")
    make.reference(publisher="Reuters", rating="True")

    def ids(**params):
        response = reviewer_api.get("/api/references", params)
        assert response.status_code == 200
        return [r["id"] for r in response.json()["results"]]

    assert len(ids()) == 2
    assert ids(publisher="AFP") == [afp.pk]
    assert ids(rating="False") == [afp.pk]
    assert ids(q="turnout") == [afp.pk]
    assert ids(external_id=afp.external_id) == [afp.pk]


def test_it_re_embeds_a_reference_whose_text_changed(editor_api, django_capture_on_commit_callbacks):
    reference = make.reference(embedding=[0.1] * 384, embedding_model="all-MiniLM-L6-v2")
    path = f"/api/references/{reference.pk}"
    with django_capture_on_commit_callbacks() as queued:
        unchanged_text = editor_api.patch(path, {"rating": "Mostly false"}, format="json")
    assert unchanged_text.status_code == 200
    assert unchanged_text.json()["embedded"] is True
    assert queued == []
    with django_capture_on_commit_callbacks() as queued:
        response = editor_api.patch(path, {"text": "The Duma voted 400 to 0."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["embedded"] is False
    assert len(queued) == 1
    reference.refresh_from_db()
    assert (reference.text, reference.rating) == ("The Duma voted 400 to 0.", "Mostly false")


def test_it_lets_an_editor_delete_a_reference_and_its_matches(editor_api):
    reference = make.reference()
    make.match(to=make.claim(), ref=reference)
    response = editor_api.delete(f"/api/references/{reference.pk}")
    assert response.status_code == 204
    assert not Reference.objects.exists()
    assert editor_api.delete(f"/api/references/{reference.pk}").status_code == 404


# --- Bulk import ------------------------------------------------------------------------------


def _upload(client, content: bytes, fmt: str, name: str = "refs"):
    upload = SimpleUploadedFile(f"{name}.{fmt}", content)
    return client.post("/api/references/import", {"file": upload, "format": fmt}, format="multipart")


def test_it_imports_a_file_in_the_background_with_progress(
    editor_api, run_tasks_inline, django_capture_on_commit_callbacks
):
    content = (DEMO / "references.jsonl").read_bytes() + b'{"external_id": "no-text"}\nnot json\n'
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(editor_api, content, "jsonl")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response["Location"] == f"/api/imports/{job_id}"
    assert response.json()["status"] == "queued"

    job = editor_api.get(f"/api/imports/{job_id}").json()
    assert job["status"] == "done", job
    assert (job["total"], job["processed"], job["imported"], job["rejected_count"]) == (32, 32, 30, 2)
    assert job["embedded"] == 30
    assert [row["line"] for row in job["rejected"]] == [31, 32]
    assert Reference.objects.count() == 30
    assert not Reference.objects.filter(embedding__isnull=True).exists()
    assert ImportJob.objects.get(pk=job_id).data == b"", "the file is dropped once imported"
    assert [j["id"] for j in editor_api.get("/api/imports").json()["results"]] == [job_id]


def test_it_imports_csv_and_claimreview(editor_api, run_tasks_inline, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(imports, "references_embed_in_turn", lambda: 0)  # the model is not the point here
    csv = b"id,claim,verdict\ncsv-1,Turnout was 61 per cent.,True\ncsv-2,Inflation hit 9.1 per cent in June.,False\n"
    review = {
        "@type": "ClaimReview",
        "@id": "https://example.org/review/1",
        "claimReviewed": "The bridge cost 3 billion euros.",
        "reviewRating": {"alternateName": "Mostly false"},
        "author": {"name": "Example Checks"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(editor_api, csv, "csv").status_code == 202
        assert _upload(editor_api, json.dumps(review).encode(), "claimreview").status_code == 202
    assert set(Reference.objects.values_list("external_id", flat=True)) == {
        "csv-1",
        "csv-2",
        "https://example.org/review/1",
    }
    assert Reference.objects.get(external_id="csv-2").rating == "False"
    assert {j.status for j in ImportJob.objects.all()} == {"done"}


def test_it_marks_a_job_failed_when_the_file_cannot_be_read(
    editor_api, run_tasks_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(editor_api, b"id,claim\n\x00broken,\x00\n", "csv")
    job = editor_api.get(f"/api/imports/{response.json()['id']}").json()
    assert job["status"] == "failed"
    assert job["error"]


def test_it_skips_a_job_that_is_gone_or_already_claimed(editor):
    tasks.references_import_job(999999)  # gone: nothing happens
    job = ImportJob.objects.create(format="jsonl", data=b"{}", status=ImportJob.Status.DONE)
    tasks.references_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE


@pytest.mark.parametrize(
    ("content", "fmt", "status", "code"),
    [
        (b'{"external_id": "x", "text": "y"}\n', "xml", 400, "invalid"),
        (b"\xff\xfe\x00bad", "jsonl", 422, "not_utf8"),
        (b"   \n", "jsonl", 422, "empty_file"),
    ],
)
def test_it_refuses_files_it_cannot_import(editor_api, content, fmt, status, code):
    response = _upload(editor_api, content, fmt)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not ImportJob.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(editor_api, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = _upload(editor_api, b"x" * 1000, "jsonl")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_it_wants_a_multipart_upload(editor_api):
    response = editor_api.post("/api/references/import", {"format": "jsonl"}, format="json")
    assert response.status_code == 415


def test_it_lets_only_editors_import(reviewer_api):
    assert _upload(reviewer_api, b"{}", "jsonl").status_code == 403
    assert reviewer_api.get("/api/imports").status_code == 403
