"""Roles are Django groups: reviewers give verdicts; editors also manage the
reference corpus, assign claims and publish verdicts."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

REVIEWER = "reviewer"
EDITOR = "editor"


def is_reviewer(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name__in=[REVIEWER, EDITOR]).exists())


def is_editor(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=EDITOR).exists())


def reviewer_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_reviewer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
