from __future__ import annotations

from django import template

from claims import roles

register = template.Library()


@register.filter
def is_editor(user) -> bool:
    return roles.is_editor(user)


@register.filter
def web_url(value) -> str:
    """The address if it is an http(s) one, else "": stored text never becomes a
    javascript: link."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""
