"""What every API operation shares: the error shape, input validation, pagination
schemas, throttle scopes and the editor-writes permission.

Each resource has its own module (articles, claims, groups, matching, references,
sources, verdicts, webhooks) holding its explicit input and output serializers and one
small function per operation: parse, call a service, serialise. Where one URL
takes several methods, a dispatcher decorated with `@api_view` hands each method
to its own operation function; the schema, permissions and throttle scope are
declared per method on the dispatcher."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.serializers import Serializer

from claims.api.permissions import IsEditor, IsReviewer


class ErrorDetailOutput(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. invalid, not_found, conflict, throttled.")
    message = serializers.CharField(help_text="For people.")
    # DRF takes declared fields out of the class, so this does not hide Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="Field name → what is wrong with it."
    )


class ErrorOutput(serializers.Serializer):
    error = ErrorDetailOutput()


@cache
def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The cursor-paginated list of `item` (for the schema)."""
    return type(
        f"{item.__name__.removesuffix('Output')}Page",
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page; null on the last."),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
            "__module__": __name__,
        },
    )


class PageInput(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="Opaque; taken from `next` or `previous`.")
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=settings.API_MAX_PAGE_SIZE,
        help_text=f"Default {settings.API_PAGE_SIZE}.",
    )


def username_of(user) -> str | None:
    return user.get_username() if user is not None else None


ERROR_DESCRIPTIONS = {
    400: "The request does not match the schema; `fields` says where.",
    401: "No token, or a bad one.",
    403: "The token's user has no role that allows this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict: the claim changed since you read it, the thing exists already, or two groups have verdicts.",
    413: "The body or file is too large.",
    415: "Unsupported content type.",
    422: "Well-formed, but it cannot be acted on; see `code` and `message`.",
    429: "Too many requests; wait `Retry-After` seconds.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of an operation; every one has 401, 403 and 429."""
    return {
        code: OpenApiResponse(response=ErrorOutput, description=ERROR_DESCRIPTIONS[code])
        for code in sorted({401, 403, 429, *codes})
    }


def valid(serializer_class: type[Serializer], data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def throttle(**scopes: str):
    """Extra rate limits for expensive methods: throttle(POST="submit")."""

    def decorator(func):
        func.throttle_scope = scopes
        return func

    return decorator


class EditorWrites(BasePermission):
    """Reviewers read; only editors change."""

    message = IsEditor.message

    def has_permission(self, request, view) -> bool:
        check = IsReviewer() if request.method in SAFE_METHODS else IsEditor()
        return check.has_permission(request, view)


def location(name: str, pk: int) -> dict[str, str]:
    return {"Location": reverse(f"api:{name}", args=[pk])}
