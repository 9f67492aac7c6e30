"""From text to claims: split sentences, parse them in batches, apply the slot
rules, inherit event dates, score, and keep what is checkable."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from spacy.tokens import Doc

from claims.extraction import attribution, checkworthiness
from claims.extraction.dates import find_dates
from claims.extraction.nlp import load_nlp, split_sentences
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
    r"|top|\w+est|most|least|best|worst|leading|rank\w*|placed|finished|came|comes|rated"
    r"|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|tonight"
    r"|week|month|year|weekend|spring|summer|autumn|fall|winter|\w*'?\d0s"
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
    opinion: bool,
    hedged: bool,
    prescriptive: bool,
) -> Kind | None:
    if prescriptive:
        return None
    if quantities or tallies or rankings:
        return "numeric"
    if opinion or hedged:
        return None
    if dates and any(t.pos_ in {"VERB", "AUX"} for t in doc):
        return "dated_event"
    if source:
        return "attributed"
    return None


def _analyse(doc: Doc, index: int, start: int, published: dt.date | None) -> SentenceResult:
    text = doc.text
    quantities, tallies, rankings = find_numbers(text, doc, start)
    dates = tuple(find_dates(doc, start, published))
    source, reporting_verb = attribution.find_source(doc)
    actor = attribution.find_actor(doc, reporting_verb)
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
        opinion,
        hedged,
        attribution.is_prescriptive(text),
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


def _batched_docs(sentences: Iterable[str], batch_size: int) -> Iterator[Doc]:
    yield from load_nlp().pipe(sentences, batch_size=batch_size)


def analyse_many(
    texts: Iterable[str], *, published: dt.date | None, batch_size: int = 64, every_sentence: bool = True
) -> list[list[SentenceResult]]:
    """The sentences of every text with their scores, checkable or not.

    With `every_sentence=False`, sentences that cannot hold a claim are left out
    unparsed: extraction needs only the rest, ranking a whole debate needs all.
    Sentences mostly in a non-Latin script are always left out.
    """
    texts = [t if isinstance(t, str) else str(t) for t in texts]
    spans = [
        [
            (n, a, b)
            for n, (a, b) in enumerate(split_sentences(text))
            if is_mostly_latin(text[a:b]) and (every_sentence or could_hold_claim(text[a:b]))
        ]
        for text in texts
    ]
    docs = _batched_docs((texts[i][a:b] for i, text_spans in enumerate(spans) for _, a, b in text_spans), batch_size)
    results: list[list[SentenceResult]] = []
    for text_spans in spans:
        per_text = [_analyse(next(docs), n, a, published) for n, a, _ in text_spans]
        results.append(_inherit(per_text))
    return results


def extract_many(
    texts: Iterable[str], *, published: dt.date | None, batch_size: int = 64
) -> list[list[ExtractedClaim]]:
    """The claims of each text, parsed through `nlp.pipe` in batches."""
    return [
        [r.claim for r in per_text if r.claim is not None]
        for per_text in analyse_many(texts, published=published, batch_size=batch_size, every_sentence=False)
    ]


def extract(text: str, *, published: dt.date | None) -> list[ExtractedClaim]:
    """The checkable claims of one article, in text order."""
    return extract_many([text], published=published)[0]
