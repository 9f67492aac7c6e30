"""Submitting an article from the desk: pasted, uploaded, or fetched from its address."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from claims import services
from claims.desk import HtmxRequest
from claims.desk.forms import SubmitForm
from claims.roles import reviewer_required
from claims.services import fetch, sources


@reviewer_required
def submit(request: HtmxRequest) -> HttpResponse:
    form = SubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article, created = services.article_submit(
                text=data["text"],
                content_format=data["format"],
                url=data["url"],
                title=data["title"],
                published=data["published"],
                submitted_by=request.user,
            )
        except fetch.FetchError as exc:
            form.add_error("url", exc.message)
        except services.InvalidInput as exc:
            form.add_error("file" if data.get("file") else "text", exc.message)
        else:
            if data["url"]:
                sources.appearance_record(article=article, url=data["url"], published=article.published)
            if created:
                messages.success(request, "Submitted: its claims are being extracted and matched.")
            else:
                messages.info(request, "This article was already submitted; here it is.")
            return redirect("claims:article", article_id=article.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "claims/submit.html", {"form": form}, status=status)
