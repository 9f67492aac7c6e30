"""Roles are Django groups: reviewers give verdicts; editors also manage the
reference corpus, assign claims and publish verdicts."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

REVIEWER = "reviewer"
EDITOR = "editor"


def is_reviewer(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name__in=[REVIEWER, EDITOR]).exists())


def is_editor(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=EDITOR).exists())


def reviewers() -> QuerySet:
    """Everyone who may be assigned a claim (reviewers, editors, superusers)."""
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name__in=[REVIEWER, EDITOR]), is_active=True)
        .distinct()
        .order_by("username")
    )


def _role_required(check):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


reviewer_required = _role_required(is_reviewer)
editor_required = _role_required(is_editor)
