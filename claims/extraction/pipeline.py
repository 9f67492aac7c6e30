"""From text to claims: split sentences, parse them in batches, apply the slot
rules, inherit event dates, score, and keep what is checkable."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from spacy.tokens import Doc

from claims.extraction import attribution, checkworthiness
from claims.extraction.dates import context_date, find_dates
from claims.extraction.dates_intl import find_dates_intl
from claims.extraction.locales import LANGUAGES
from claims.extraction.nlp import load_nlp, load_tokenizer, split_sentences
from claims.extraction.numbers_intl import find_numbers_intl
from claims.extraction.numbers_rules import find_numbers
from claims.extraction.slots import DateSlot, ExtractedClaim, Kind, Quantity, Ranking, Slots, Tally

# Generic verbs share no event: "said" twice does not make two sentences one story.
_LIGHT_LEMMAS = {"be", "have", "do", "say", "make", "take", "get", "go", "come", "add", "tell"}
_ANAPHORA_RE = re.compile(
    r"^(?:it|they|he|she|this|that|the\s+(?:vote|move|decision|deal|ruling|bill|law|measure|treaty|agreement|"
    r"announcement|attack|strike|blast|meeting|talks|summit|incident|operation))\b",
    re.IGNORECASE,
)


# A claim needs an amount, a rank, a date or a reporting verb. Sentences with
# none of their words are not worth parsing; this list is a superset of what the
# rules can use, so skipping a sentence never loses a claim.
_CANDIDATE_RE = re.compile(
    r"(?<![^\W\d_])\d|%|\b(?:"
    r"zero|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|scores|half|halves|thirds?"
    r"|quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?|first|second|eleventh|twelfth"
    r"|top|\w+est|most|least|best|worst|leading|rank\w*|placed|finished|came|comes|rated|number"
    r"|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|tonight"
    r"|week|month|year|decades?|century|centuries|weekend|spring|summer|autumn|fall|winter|\w*'?\d0s"
    r"|says?|said|saying|tells?|told|telling|announc\w*|claim\w*|stat(?:e|es|ed|ing)|report\w*|confirm\w*"
    r"|warn\w*|insist\w*|estimat\w*|add(?:s|ed|ing)?|not(?:e|es|ed|ing)|argu\w*|alleg\w*|assert\w*|declar\w*"
    r"|explain\w*|reveal\w*|disclos\w*|acknowledg\w*|admit\w*|den(?:y|ies|ied|ying)|wr(?:ite|ites|ote|itten|iting)"
    r"|tweet\w*|post\w*|testif\w*|predict\w*|show\w*|f(?:ind|inds|ound|inding)|indicat\w*|accus\w*|charg\w*"
    r"|stress\w*|tout\w*|boast\w*|brag\w*|quot\w*|cit(?:e|es|ed|ing)|publish\w*|conclud\w*|calculat\w*"
    r"|project\w*|forecast\w*|according)\b",
    re.IGNORECASE,
)


_LATIN_LETTER_RE = re.compile(r"[A-Za-zÀ-ɏ]")
_LETTER_RE = re.compile(r"[^\W\d_]")


def could_hold_claim(sentence: str) -> bool:
    return bool(_CANDIDATE_RE.search(sentence))


def is_mostly_latin(sentence: str) -> bool:
    """The English pipeline reads nothing in other scripts, and pays dearly for trying."""
    letters = len(_LETTER_RE.findall(sentence))
    return letters == 0 or len(_LATIN_LETTER_RE.findall(sentence)) * 2 >= letters


@dataclass(frozen=True, slots=True)
class SentenceResult:
    """Everything learned about one sentence; `claim` is None when it is not checkable."""

    index: int  # position among the text's sentences, skipped ones included
    start: int
    end: int
    claim: ExtractedClaim | None
    score: float
    features: tuple[float, ...]  # checkworthiness.FEATURES order, kept for tuning
    dates: tuple[DateSlot, ...]
    event_lemmas: frozenset[str]
    anaphoric: bool
    past: bool


def _event_lemmas(doc: Doc) -> frozenset[str]:
    lemmas = set()
    for token in doc:
        if token.dep_ == "ROOT" and token.pos_ in {"VERB", "AUX"}:
            lemmas.add(token.lemma_.lower())
        if token.dep_ in {"nsubj", "nsubjpass", "dobj"} and token.pos_ in {"NOUN", "PROPN"}:
            lemmas.add(token.lemma_.lower())
        if token.dep_ in {"ccomp", "conj"} and token.pos_ == "VERB" and token.head.dep_ == "ROOT":
            lemmas.add(token.lemma_.lower())
    return frozenset(lemmas - _LIGHT_LEMMAS)


def _is_past(doc: Doc) -> bool:
    for token in doc:
        if token.dep_ == "ROOT":
            if token.tag_ == "VBD":
                return True
            return any(c.tag_ == "VBD" and c.dep_ in {"aux", "auxpass"} for c in token.children)
    return False


def _kind(
    quantities: tuple[Quantity, ...],
    tallies: tuple[Tally, ...],
    rankings: tuple[Ranking, ...],
    dates: tuple[DateSlot, ...],
    source: str | None,
    doc: Doc,
    language: str,
    opinion: bool,
    hedged: bool,
    prescriptive: bool,
) -> Kind | None:
    if prescriptive:
        return None
    if quantities or tallies or rankings:
        return "numeric"
    # A dated event stays checkable when hedged ("polar bears may be gone by 2100").
    if dates and not opinion and (language != "en" or any(t.pos_ in {"VERB", "AUX"} for t in doc)):
        return "dated_event"
    if opinion or hedged:
        return None
    if source:
        return "attributed"
    return None


def _analyse(
    doc: Doc, index: int, start: int, published: dt.date | None, context: dt.date | None = None, language: str = "en"
) -> SentenceResult:
    text = doc.text
    if language == "en":
        quantities, tallies, rankings = find_numbers(text, doc, start)
        # "passed the bill 64-12": spaCy may also tag a tally a DATE; the vote wins.
        dates = tuple(
            d
            for d in find_dates(doc, start, published, context)
            if not any(d.start < t.end and t.start < d.end for t in tallies)
        )
        source, reporting_verb = attribution.find_source(doc)
        actor = attribution.find_actor(doc, reporting_verb)
    else:
        # No parse in these languages: the slots, but no source or actor.
        dates = tuple(find_dates_intl(text, start, published, language, context))
        quantities, tallies, rankings = find_numbers_intl(text, doc, start, language, dates)
        source = actor = None
    opinion = attribution.is_opinion(text)
    hedged = attribution.is_hedged(doc)
    values = checkworthiness.features(
        doc,
        quantities=quantities,
        n_tallies=len(tallies),
        n_rankings=len(rankings),
        n_dates=len(dates),
        source=source,
        actor=actor,
        opinion=opinion,
        hedged=hedged,
    )
    score = checkworthiness.score(text)
    kind = _kind(
        tuple(quantities),
        tuple(tallies),
        tuple(rankings),
        dates,
        source,
        doc,
        language,
        attribution.is_own_opinion(text),
        hedged,
        attribution.is_own_prescription(text),
    )
    claim = None
    if kind is not None:
        claim = ExtractedClaim(
            text=text,
            start=start,
            end=start + len(text),
            kind=kind,
            checkworthiness=score,
            slots=Slots(
                quantities=tuple(quantities),
                tallies=tuple(tallies),
                rankings=tuple(rankings),
                dates=dates,
                actor=actor,
                source=source,
            ),
        )
    return SentenceResult(
        index=index,
        start=start,
        end=start + len(text),
        claim=claim,
        score=score,
        features=tuple(values[name] for name in checkworthiness.FEATURES),
        dates=dates,
        event_lemmas=_event_lemmas(doc),
        anaphoric=bool(_ANAPHORA_RE.match(text)),
        past=_is_past(doc),
    )


def _inherit(results: list[SentenceResult]) -> list[SentenceResult]:
    """Give a dateless past-tense claim the date of the event the previous sentence set,
    when the two clearly tell one event: a shared verb or participant, or an anaphoric opening."""
    out: list[SentenceResult] = []
    for result in results:
        prev = out[-1] if out and out[-1].index == result.index - 1 else None
        claim = result.claim
        if claim is not None and not result.dates and prev is not None and prev.dates and result.past:
            event_dates = [d for d in prev.dates if d.granularity in {"day", "month"}]
            same_event = bool(result.event_lemmas & prev.event_lemmas) or result.anaphoric
            if same_event and len({d.value for d in event_dates}) == 1:
                inherited = replace(event_dates[0], inherited=True)
                claim = replace(claim, slots=replace(claim.slots, dates=(inherited,)))
                result = replace(result, claim=claim, dates=(inherited,))
        out.append(result)
    return out


def _batched_docs(sentences: Iterable[str], batch_size: int, language: str = "en") -> Iterator[Doc]:
    nlp = load_nlp() if language == "en" else load_tokenizer(language)
    yield from nlp.pipe(sentences, batch_size=batch_size)


def analyse_many(
    texts: Iterable[str],
    *,
    published: dt.date | None,
    batch_size: int = 64,
    every_sentence: bool = True,
    language: str = "en",
) -> list[list[SentenceResult]]:
    """The sentences of every text with their scores, checkable or not.

    With `every_sentence=False`, sentences that cannot hold a claim are left out
    unparsed: extraction needs only the rest, ranking a whole debate needs all.
    Sentences mostly in a non-Latin script are always left out. `language` is an
    ISO 639-1 code: "en" (the default), or one of `LANGUAGES` (es, fr, de, pt).
    """
    if language != "en" and language not in LANGUAGES:
        raise ValueError(f"No extraction rules for language {language!r}; known: en, {', '.join(LANGUAGES)}")
    english = language == "en"
    texts = [t if isinstance(t, str) else str(t) for t in texts]
    spans = [
        [
            (n, a, b)
            for n, (a, b) in enumerate(split_sentences(text, language))
            if is_mostly_latin(text[a:b]) and (every_sentence or not english or could_hold_claim(text[a:b]))
        ]
        for text in texts
    ]
    docs = _batched_docs(
        (texts[i][a:b] for i, text_spans in enumerate(spans) for _, a, b in text_spans), batch_size, language
    )
    results: list[list[SentenceResult]] = []
    for text_spans in spans:
        per_text = []
        context = None  # the latest date with a written year, for yearless dates after it
        for n, a, _ in text_spans:
            result = _analyse(next(docs), n, a, published, context, language)
            context = next((c for d in reversed(result.dates) if (c := context_date(d))), context)
            per_text.append(result)
        results.append(_inherit(per_text))
    return results


def extract_many(
    texts: Iterable[str], *, published: dt.date | None, batch_size: int = 64, language: str = "en"
) -> list[list[ExtractedClaim]]:
    """The claims of each text, parsed through `nlp.pipe` in batches."""
    return [
        [r.claim for r in per_text if r.claim is not None]
        for per_text in analyse_many(
            texts, published=published, batch_size=batch_size, every_sentence=False, language=language
        )
    ]


def extract(text: str, *, published: dt.date | None, language: str = "en") -> list[ExtractedClaim]:
    """The checkable claims of one article, in text order; `language` is an ISO 639-1 code."""
    return extract_many([text], published=published, language=language)[0]
