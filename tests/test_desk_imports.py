"""Reference imports from the desk: an editor uploads a file and follows the job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claims.models import ImportJob, Reference
from factcheck.celery import app as celery_app

pytestmark = pytest.mark.django_db

ROWS = b'{"external_id": "x-1", "text": "Turnout was 61 per cent in 2024."}\n{"text": "no id"}\n'


@pytest.fixture
def desk(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def test_it_imports_an_uploaded_file_and_shows_its_progress(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = desk.post("/references/import/", {"file": SimpleUploadedFile("refs.jsonl", ROWS), "format": "jsonl"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/references/imports/{job.pk}/"
    waiting = desk.get(f"/references/imports/{job.pk}/").content.decode()
    assert "<progress" in waiting and f'hx-get="/references/imports/{job.pk}/status/"' in waiting

    celery_app.conf.task_always_eager = True
    try:
        queued[0]()  # the import task, run here
    finally:
        celery_app.conf.task_always_eager = False
    done = desk.get(f"/references/imports/{job.pk}/status/").content.decode()
    assert "Done" in done and "1 new" in done and "1 rejected" in done and "missing external id" in done
    assert "hx-get" not in done, "a finished job stops polling"
    assert Reference.objects.get().external_id == "x-1"


def test_it_shows_what_is_wrong_with_a_file(desk):
    response = desk.post("/references/import/", {"file": SimpleUploadedFile("e.jsonl", b"  \n"), "format": "jsonl"})
    assert response.status_code == 422 and "The file is empty." in response.content.decode()
