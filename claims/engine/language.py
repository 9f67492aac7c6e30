"""Language identification of articles, claims and references.

lingua-language-detector ships its n-gram models inside its wheel, so nothing
is downloaded. It is restricted to settings.LANGUAGE_DETECTION_LANGUAGES (the
languages the desk handles): with fewer candidates a short claim is less often
taken for a neighbour (Spanish for Galician, Portuguese for Catalan), and the
detector loads fewer models. bench/data/multilingual/README.md has the
accuracy and speed of each configuration that was measured.

Links, handles and hashtag marks are dropped before detection: a tweet's URL
is not English. A text with no letters left, or one the detector will not
decide on, is "und" (BCP 47's undetermined).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

UNDETERMINED = "und"

_URL = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")

_detector = None
_lock = threading.Lock()


def languages() -> tuple[str, ...]:
    """The ISO 639-1 codes the detector chooses among."""
    return tuple(code.strip().lower() for code in settings.LANGUAGE_DETECTION_LANGUAGES if code.strip())


def detector():
    """The process's lingua detector, built on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = _build()
    return _detector


def _build():
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = []
    for code in languages():
        try:
            codes.append(getattr(IsoCode639_1, code.upper()))
        except AttributeError:
            raise ImproperlyConfigured(f"LANGUAGE_DETECTION_LANGUAGES: lingua does not know {code!r}.") from None
    if len(codes) < 2:
        raise ImproperlyConfigured("LANGUAGE_DETECTION_LANGUAGES needs at least two languages to choose between.")
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if settings.LANGUAGE_DETECTION_LOW_ACCURACY:
        builder = builder.with_low_accuracy_mode()
    if settings.LANGUAGE_DETECTION_MIN_DISTANCE:
        builder = builder.with_minimum_relative_distance(settings.LANGUAGE_DETECTION_MIN_DISTANCE)
    return builder.build()


def is_loaded() -> bool:
    return _detector is not None


def clean(text: str) -> str:
    """The words of a text: links, handles and # marks say nothing of its language."""
    text = _URL.sub(" ", text or "")
    text = _MENTION.sub(" ", text)
    return _SPACE.sub(" ", text.replace("#", " ")).strip()


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _code(language) -> str:
    return language.iso_code_639_1.name.lower() if language is not None else UNDETERMINED


def detect(text: str) -> str:
    """The ISO 639-1 code of the text's language, or "und"."""
    text = clean(text)
    if not _has_letters(text):
        return UNDETERMINED
    return _code(detector().detect_language_of(text))


def detect_many(texts: Sequence[str]) -> list[str]:
    """detect() for each text, run by lingua on all cores at once (for imports)."""
    cleaned = [clean(text) for text in texts]
    wanted = [i for i, text in enumerate(cleaned) if _has_letters(text)]
    found = [UNDETERMINED] * len(cleaned)
    if wanted:
        languages_found = detector().detect_languages_in_parallel_of([cleaned[i] for i in wanted])
        for i, language in zip(wanted, languages_found, strict=True):
            found[i] = _code(language)
    return found
