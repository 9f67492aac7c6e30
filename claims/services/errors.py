"""What a service raises when a caller must change something."""

from __future__ import annotations

import logging
from collections.abc import Mapping

logger = logging.getLogger(__name__)


class InvalidInput(ValueError):
    """Input a caller must fix; `fields` maps a field name to what is wrong with it."""

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.code = code


class Conflict(Exception):
    """Someone else changed the claim since the caller last read it."""

    def __init__(self, message: str = "Another reviewer changed this claim; reload it and try again.") -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(Exception):
    """The user's role does not permit this action."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
