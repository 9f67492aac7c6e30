"""Per-token rate limits, read from settings.API_THROTTLE_RATES on every
request (so a deployment, or a test, can change them without a restart of the
class attributes DRF would otherwise freeze at import)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Every request of one token (one user) counts against the "user" rate."""

    scope = "user"

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        authenticated = request.user and request.user.is_authenticated
        ident = request.user.pk if authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ScopedTokenThrottle(TokenRateThrottle):
    """An extra limit for an expensive operation: the view's `throttle_scope`, a
    scope name or a mapping of HTTP method to scope name."""

    def __init__(self) -> None:
        # The scope is only known once the view is; see allow_request.
        pass

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "throttle_scope", None)
        chosen = scope.get(request.method) if isinstance(scope, dict) else scope
        if not chosen:
            return True
        self.scope = chosen
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
