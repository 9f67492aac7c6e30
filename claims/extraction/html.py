"""Main-text extraction from HTML pages."""

from __future__ import annotations

import re

_NOT_TEXT = ("script", "style", "noscript", "template")
_HTML_RE = re.compile(r"<\s*(?:!doctype\s+html|html|body|article|p|div|head)\b", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_RE.search(text[:5000]))


def html_to_text(html: str) -> str:
    """The article's main text (boilerplate, menus and comments removed); "" when there is none."""
    if not html or not html.strip():
        return ""
    # Imported here: trafilatura pulls in lxml and justext, which plain-text extraction never needs.
    import trafilatura

    text = trafilatura.extract(
        html,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        deduplicate=False,
    )
    if text:
        return text
    # trafilatura gives up on fragments and very short pages; their plain text still counts.
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    # Code is not text: text_content() would keep what is inside <script> and <style>.
    if root.tag in _NOT_TEXT:
        return ""
    for element in root.iter(*_NOT_TEXT):
        element.drop_tree()
    return " ".join(root.text_content().split())
