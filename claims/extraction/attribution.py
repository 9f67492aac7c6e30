# ruff: noqa: RUF001 - typographic dashes and quotes are what news text contains
"""Who a claim is about (actor), who makes it (source), and whether it is an
opinion or a hedged hint rather than a checkable statement."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

REPORTING_VERBS = frozenset(
    {
        "say",
        "tell",
        "announce",
        "claim",
        "state",
        "report",
        "confirm",
        "warn",
        "insist",
        "estimate",
        "add",
        "note",
        "argue",
        "allege",
        "assert",
        "declare",
        "explain",
        "reveal",
        "disclose",
        "acknowledge",
        "admit",
        "deny",
        "write",
        "tweet",
        "post",
        "testify",
        "predict",
        "show",
        "find",
        "indicate",
        "accuse",
        "charge",
        "stress",
        "tout",
        "boast",
        "brag",
        "told",
        "quote",
        "cite",
        "publish",
        "conclude",
        "calculate",
        "project",
        "forecast",
    }
)
_NAMED = {"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"}
_PRONOUNS = {"it", "he", "she", "they", "we", "i", "you", "this", "that", "these", "those", "who", "which"}
# "I think", "in my view": the speaker's belief, checkable only if it carries an amount.
_BELIEF_RE = re.compile(
    r"\b(?:I|we)\s+(?:really\s+|do\s+|don['’]t\s+|strongly\s+|still\s+)?(?:think|believe|feel|guess|suppose|hope|wish"
    r"|want|love|hate|like|reckon)\b"
    r"|\bin\s+my\s+(?:opinion|view|judgment)\b"
    r"|\b(?:it['’]s|it\s+is|that['’]s|that\s+is)\s+(?:time|important|crucial|essential|wrong|unacceptable"
    r"|outrageous|disgraceful|a\s+shame|a\s+disgrace)\b",
    re.IGNORECASE,
)
# "we should cut taxes": a proposal, never a claim, whatever numbers it holds.
_PRESCRIPTIVE_RE = re.compile(
    r"\b(?:I|we|you)\s+(?:\w+\s+)?(?:should|ought\s+to|must|need\s+to|have\s+to|['’]ve\s+got\s+to|gotta)\b"
    r"|\blet['’]s\b|\blet\s+us\b",
    re.IGNORECASE,
)
# A news dateline, "SEOUL, South Korea (AFP) —", is no subject.
_DATELINE_RE = re.compile(r"^[A-Z][A-Z .'-]{2,}(?:,\s*[A-Z][\w .'-]{0,40}?)?\s*(?:\([^)]{1,30}\))?\s*[—–-]{1,2}\s*")
_THE_RE = re.compile(r"^the\s+", re.IGNORECASE)
_HEDGE_RE = re.compile(
    r"\b(?:hint(?:s|ed)?|suggest(?:s|ed)?|signal(?:s|led|ed)?|mull(?:s|ed)?|consider(?:s|ed|ing)?)\s+(?:that|at|it)\b"
    r"|\b(?:possibly|perhaps|maybe|allegedly|rumou?red)\b",
    re.IGNORECASE,
)


def is_opinion(text: str) -> bool:
    return bool(_BELIEF_RE.search(text) or _PRESCRIPTIVE_RE.search(text))


def is_prescriptive(text: str) -> bool:
    return bool(_PRESCRIPTIVE_RE.search(text))


# A discourse marker, not a proposal: "let's be clear", "let me be honest".
_MARKER_RE = re.compile(r"\blet(?:['’]s|\s+us|\s+me)\s+be\s+(?:clear|honest|frank|real|fair)\b", re.IGNORECASE)
# "what we need to do", "how we should": a question embedded in the sentence, not a proposal.
_EMBEDDED_RE = re.compile(r"\b(?:what|how|whatever|whether)\s+$", re.IGNORECASE)
_THINK_ABOUT_RE = re.compile(r"\s+(?:about|of)\b", re.IGNORECASE)
_REPORTED_RE = re.compile(
    r"\b(?:said|says|say|told|tells|tweeted|wrote|writes|claimed|claims|stated|declared|insisted|argued|added"
    r"|asked|posted|announced|warned|testified|quipped|joked|remarked)\b",
    re.IGNORECASE,
)
_QUOTES = '"“”'


def _own_words(text: str, m: re.Match[str]) -> bool:
    """Whether an opinion or proposal is the speaker's own: not quoted, reported or a marker."""
    before = text[: m.start()]
    if sum(before.count(q) for q in _QUOTES) % 2 == 1 or _REPORTED_RE.search(before):
        return False
    if _EMBEDDED_RE.search(text, max(0, m.start() - 12), m.start()):
        return False
    return not (_MARKER_RE.match(text, m.start()) or _THINK_ABOUT_RE.match(text, m.end()))


def is_own_opinion(text: str) -> bool:
    """`is_opinion` less what is quoted or reported ("he said we should"): those are claims about words."""
    return any(_own_words(text, m) for regex in (_BELIEF_RE, _PRESCRIPTIVE_RE) for m in regex.finditer(text))


def is_own_prescription(text: str) -> bool:
    return any(_own_words(text, m) for m in _PRESCRIPTIVE_RE.finditer(text))


def dateline_end(text: str) -> int:
    m = _DATELINE_RE.match(text)
    return m.end() if m else 0


_HEDGE_MODALS = {"could", "might", "may"}


def is_hedged(doc: Doc) -> bool:
    # Modals by tag: "May" the month is no hedge.
    return bool(_HEDGE_RE.search(doc.text)) or any(t.tag_ == "MD" and t.lower_ in _HEDGE_MODALS for t in doc)


def _reporting_verbs(doc: Doc) -> list[Token]:
    return [t for t in doc if t.pos_ in {"VERB", "AUX"} and t.lemma_.lower() in REPORTING_VERBS]


def _phrase(span_tokens: list[Token], doc: Doc) -> str | None:
    if not span_tokens:
        return None
    start, end = span_tokens[0].idx, span_tokens[-1].idx + len(span_tokens[-1].text)
    return doc.text[start:end].strip(" ,;:\"'“”‘’") or None


def _subject_phrase(head: Token, doc: Doc, *, skip_numbers: bool) -> str | None:
    """The subject's noun phrase, trimmed of determiners, amounts and trailing clauses."""
    if head.lower_ in _PRONOUNS or head.idx < dateline_end(doc.text):
        return None
    if head.ent_type_ in _NAMED:
        for ent in doc.ents:
            if ent.start <= head.i < ent.end:
                return _THE_RE.sub("", ent.text) or ent.text
    keep: list[Token] = []
    for token in head.subtree:
        if token.i > head.i and token.dep_ in {"relcl", "acl", "appos", "punct", "cc", "conj", "advcl"}:
            break
        keep.append(token)
    # Drop leading determiners and amounts: "around 3,000 North Korean soldiers" -> "North Korean soldiers".
    skip_before = dateline_end(doc.text)
    keep = [t for t in keep if t.idx >= skip_before]
    while (
        keep
        and keep[0] is not head
        and (
            keep[0].dep_ in {"det", "predet", "punct", "advmod", "quantmod", "cc"}
            or (skip_numbers and (keep[0].like_num or keep[0].dep_ == "nummod"))
        )
    ):
        keep.pop(0)
    if len(keep) > 10:
        keep = [t for t in keep if t.i <= head.i][-6:]
    return _phrase(keep, doc)


def _subject_of(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in {"nsubj", "nsubjpass", "csubj"}:
            return _past_dateline(child)
    # "..., adding that": the participle shares its clause's subject.
    if verb.dep_ in {"advcl", "xcomp", "conj"} and verb.head is not verb:
        return _subject_of(verb.head)
    return None


def _past_dateline(subject: Token) -> Token:
    """The parser makes a dateline the subject; the real one is its apposition after the dash."""
    end = dateline_end(subject.doc.text)
    if subject.idx >= end:
        return subject
    for token in subject.subtree:
        if token.idx >= end and token.dep_ in {"appos", "conj"} and token.head.idx < end:
            return token
    return subject


def find_source(doc: Doc) -> tuple[str | None, Token | None]:
    """Who says it: "according to X", or the subject of a reporting verb."""
    for token in doc:
        if token.lower_ == "according" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
            objects = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
            if objects:
                phrase = _subject_phrase(objects[0], doc, skip_numbers=False)
                if phrase:
                    return phrase, None
    for verb in _reporting_verbs(doc):
        subject = _subject_of(verb)
        if subject is None:
            continue
        phrase = _subject_phrase(subject, doc, skip_numbers=False)
        if phrase:
            return phrase, verb
    return None, None


def find_actor(doc: Doc, reporting_verb: Token | None) -> str | None:
    """Who the claim is about: the subject of the reported clause, else of the main clause."""
    candidates: list[Token] = []
    if reporting_verb is not None:
        candidates += [c for c in reporting_verb.children if c.dep_ in {"ccomp", "xcomp"}]
    candidates += [t for t in doc if t.dep_ == "ROOT" and t is not reporting_verb]
    for clause in candidates:
        subject = _subject_of(clause)
        if subject is not None:
            phrase = _subject_phrase(subject, doc, skip_numbers=True)
            if phrase:
                return phrase
    return None
