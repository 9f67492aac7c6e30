"""Reference imports from the desk: an editor uploads a file and watches the job's progress."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from claims import services
from claims.desk import HtmxRequest
from claims.desk.forms import ImportForm
from claims.models import ImportJob
from claims.roles import editor_required


@editor_required
def import_new(request: HtmxRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            form.add_error("file", "The file is too large.")
        else:
            try:
                job = services.import_job_create(
                    data=upload.read(),
                    fmt=form.cleaned_data["format"],
                    filename=upload.name or "",
                    created_by=request.user,
                )
            except services.InvalidInput as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("claims:import", job_id=job.pk)
    recent = ImportJob.objects.defer("data").order_by("-created")[:10]
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "claims/import_form.html", {"form": form, "recent": recent}, status=status)


def _job(job_id: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.defer("data"), pk=job_id)


@editor_required
def import_detail(request: HtmxRequest, job_id: int) -> HttpResponse:
    return render(request, "claims/import.html", {"job": _job(job_id)})


@editor_required
def import_status(request: HtmxRequest, job_id: int) -> HttpResponse:
    return render(request, "claims/partials/import_progress.html", {"job": _job(job_id)})
