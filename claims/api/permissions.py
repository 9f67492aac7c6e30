"""Who may call what: every operation needs a reviewer (or an editor, who is
also a reviewer); editor-only operations add `IsEditor`."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from claims.roles import is_editor, is_reviewer


class IsReviewer(BasePermission):
    message = "This needs a reviewer's or an editor's token."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and is_reviewer(request.user))


class IsEditor(BasePermission):
    message = "Only an editor may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and is_editor(request.user))
