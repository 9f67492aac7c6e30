"""Reference files uploaded through the API, imported as jobs with progress."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from claims.models import (
    ImportJob,
)
from claims.services import enqueue, importers
from claims.services.errors import InvalidInput
from claims.services.references import ImportReport, references_embed_in_turn, references_import

logger = logging.getLogger(__name__)


IMPORT_REJECTED_KEPT = 100


def import_job_create(*, data: bytes, fmt: str, filename: str = "", created_by=None) -> ImportJob:
    """Keep an uploaded reference file and queue its import."""
    if fmt not in importers.FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}.", fields={"format": f"One of: {', '.join(importers.FORMATS)}."})
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise InvalidInput(
            f"The file is larger than {settings.IMPORT_MAX_BYTES:,} bytes.",
            fields={"file": f"At most {settings.IMPORT_MAX_BYTES} bytes."},
            code="too_large",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text.", fields={"file": "Not UTF-8."}, code="not_utf8") from exc
    if not text.strip():
        raise InvalidInput("The file is empty.", fields={"file": "The file is empty."}, code="empty_file")
    with transaction.atomic():
        job = ImportJob.objects.create(format=fmt, filename=filename[:255], data=data, created_by=created_by)
        enqueue.later("references_import_job", job.pk)
    return job


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Import a claimed job's file, saving progress after every batch, then embed
    what it added or changed. Safe to repeat: the import is an upsert."""
    if job.status == ImportJob.Status.IMPORTING:
        rows = list(importers.read(bytes(job.data), fmt=job.format))
        ImportJob.objects.filter(pk=job.pk).update(total=len(rows), updated=timezone.now())

        def progress(report: ImportReport) -> None:
            ImportJob.objects.filter(pk=job.pk).update(
                processed=report.imported + report.updated + report.unchanged + len(report.rejected),
                imported=report.imported,
                updated_count=report.updated,
                unchanged=report.unchanged,
                rejected_count=len(report.rejected),
                rejected=[
                    {"line": line, "message": message} for line, message in report.rejected[:IMPORT_REJECTED_KEPT]
                ],
                updated=timezone.now(),
            )

        progress(references_import(rows=rows, progress=progress))
        job.advance(from_statuses=(ImportJob.Status.IMPORTING,), to_status=ImportJob.Status.EMBEDDING)
    if job.status == ImportJob.Status.EMBEDDING:
        # English matching is ready when the job is done; e5 follows in its own task.
        embedded = references_embed_in_turn()
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.EMBEDDING).update(
            status=ImportJob.Status.DONE, embedded=embedded, data=b"", finished=timezone.now(), updated=timezone.now()
        )
    job.refresh_from_db()
    return job


def import_job_fail(*, job: ImportJob, error: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error=error, finished=timezone.now(), updated=timezone.now()
    )
