"""Recall and precision of the slot rules, per kind of value and per language.

The test set (testdata/slots_*.jsonl, written in the project's own words) holds
one sentence a line with the slots it must yield:

    {"text": ..., "published": "2024-10-24" | null, "language": "en",
     "expect": [{"field": "quantities", "kind": "measure", "value": 880, "unit": "km"}, ...]}

Each expected slot names the keys that must match (a number within 0.1 %);
keys it leaves out are not checked. An extracted slot that matches an expected
one takes that one's kind; any other is classified from its own fields
(`kind_of`), so a wrong extra value costs precision in the kind it looks like.
A sentence with an empty `expect` is there for precision only.

`checkthat_recall` measures something else: the share of the CheckThat! 2020
task 5 sentences labelled check-worthy and holding a digit for which
extraction finds any value at all (read from ../shared at run time).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from claims.extraction.pipeline import extract_many
from claims.extraction.units import dimension_of, is_currency

TESTDATA = Path(__file__).resolve().parent / "testdata"
FIELDS = ("quantities", "tallies", "rankings", "dates")
_TIME = "[time]"


def load_cases(paths: Iterable[Path] | None = None, *, held_out: bool = False) -> list[dict[str, Any]]:
    """The test sentences: slots_*.jsonl (rules were written against them), or heldout_*.jsonl
    (written before the rules were run on them, for figures only)."""
    pattern = "heldout_*.jsonl" if held_out else "slots_*.jsonl"
    files = sorted(paths) if paths is not None else sorted(TESTDATA.glob(pattern))
    cases = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                case = json.loads(line)
                case["where"] = f"{path.name}:{number}"
                cases.append(case)
    return cases


def kind_of(field: str, slot: Mapping[str, Any]) -> str:
    """The kind an extracted slot looks like when it matches nothing expected."""
    if field == "tallies":
        return "tally"
    if field == "rankings":
        return "ranking"
    if field == "dates":
        return "date_yearless" if slot.get("year_inferred") or str(slot.get("value", "")).startswith("--") else "date"
    unit = slot.get("unit")
    if slot.get("counted") == "age":
        return "age"
    if slot.get("precision") == "vague":
        return "vague"
    if unit in {"percent", "percentage_point"}:
        return "percent"
    if unit and is_currency(unit):
        return "currency"
    dimension = dimension_of(unit) if unit else None
    if dimension == _TIME:
        return "duration"
    if dimension:
        return "measure"
    return "count"


def _same_number(expected: object, got: object) -> bool:
    if not isinstance(got, int | float) or isinstance(got, bool) or not isinstance(expected, int | float):
        return False
    return math.isclose(float(expected), float(got), rel_tol=1e-3, abs_tol=1e-9)


def _words(text: object) -> set[str]:
    return {w.removesuffix("s") for w in re.findall(r"\w+", str(text or "").lower())}


def matches(expected: Mapping[str, Any], field: str, got: Mapping[str, Any]) -> bool:
    if expected["field"] != field:
        return False
    for key, want in expected.items():
        if key in {"field", "kind"}:
            continue
        have = got.get(key)
        if key == "value" and field == "quantities" and have is None:
            # A bound keeps its number in low or high.
            have = got.get("low") if got.get("low") is not None else got.get("high")
        if key == "of":
            if not _words(want) <= _words(have):
                return False
        elif isinstance(want, int | float) and not isinstance(want, bool):
            if not _same_number(want, have):
                return False
        elif want != have:
            return False
    return True


def _score_case(case: Mapping[str, Any], slots: Mapping[str, list[dict]]) -> tuple[list, list]:
    """(kind, found) per expected slot and (kind, correct) per extracted slot."""
    expected = list(case.get("expect", []))
    used: set[int] = set()
    extracted: list[tuple[str, bool]] = []
    for field in FIELDS:
        for got in slots.get(field, []):
            hit = next(
                (i for i, e in enumerate(expected) if i not in used and matches(e, field, got)),
                None,
            )
            if hit is None:
                extracted.append((kind_of(field, got), False))
            else:
                used.add(hit)
                extracted.append((expected[hit]["kind"], True))
    return [(e["kind"], i in used) for i, e in enumerate(expected)], extracted


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def _table(expected: Counter, found: Counter, extracted: Counter, correct: Counter) -> dict[str, dict]:
    kinds = sorted(set(expected) | set(extracted))
    rows = {
        kind: {
            "expected": expected[kind],
            "recall": _ratio(found[kind], expected[kind]),
            "extracted": extracted[kind],
            "precision": _ratio(correct[kind], extracted[kind]),
        }
        for kind in kinds
    }
    rows["all"] = {
        "expected": sum(expected.values()),
        "recall": _ratio(sum(found.values()), sum(expected.values())),
        "extracted": sum(extracted.values()),
        "precision": _ratio(sum(correct.values()), sum(extracted.values())),
    }
    return rows


def evaluate_cases(cases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-kind recall and precision, overall and per language, and the misses."""
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        by_language[case.get("language", "en")].append(i)
    results: list[dict] = [{}] * len(cases)
    groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        groups[(case.get("language", "en"), case.get("published"))].append(i)
    for (language, published), indices in groups.items():
        day = dt.date.fromisoformat(published) if published else None
        texts = [cases[i]["text"] for i in indices]
        for i, claims in zip(indices, extract_many(texts, published=day, language=language), strict=True):
            merged: dict[str, list[dict]] = {field: [] for field in FIELDS}
            for claim in claims:
                for field in FIELDS:
                    merged[field].extend(claim.to_dict()["slots"][field])
            results[i] = merged

    report: dict[str, Any] = {"sentences": len(cases), "languages": {}}
    totals: list[Counter[str]] = [Counter() for _ in range(4)]
    misses = []
    for language, indices in sorted(by_language.items()):
        counters: list[Counter[str]] = [Counter() for _ in range(4)]
        for i in indices:
            per_expected, per_extracted = _score_case(cases[i], results[i])
            for kind, hit in per_expected:
                counters[0][kind] += 1
                counters[1][kind] += hit
            for kind, ok in per_extracted:
                counters[2][kind] += 1
                counters[3][kind] += ok
            if any(not hit for _, hit in per_expected) or any(not ok for _, ok in per_extracted):
                misses.append({"where": cases[i]["where"], "text": cases[i]["text"], "got": _brief(results[i])})
        for total, counter in zip(totals, counters, strict=True):
            total.update(counter)
        report["languages"][language] = {"sentences": len(indices), "kinds": _table(*counters)}
    report["kinds"] = _table(*totals)
    report["misses"] = misses
    return report


def _brief(slots: Mapping[str, list[dict]]) -> list[dict]:
    keep: tuple[str, ...] = (
        "text",
        "value",
        "low",
        "high",
        "precision",
        "unit",
        "counted",
        "for",
        "against",
        "abstain",
    )
    keep += ("rank", "top", "of", "granularity", "modifier", "year_inferred")
    return [
        {"field": field, **{k: v for k, v in slot.items() if k in keep and v is not None}}
        for field in FIELDS
        for slot in slots.get(field, [])
    ]


def checkthat_recall(path: Path) -> dict[str, Any]:
    """Share of check-worthy CheckThat! 2020 sentences with a digit where a value is found."""
    from claims.extraction.checkworthiness import load_debates

    sentences = [
        text
        for debate in load_debates(path)
        for text, label in zip(debate.texts, debate.labels, strict=True)
        if label == 1 and re.search(r"\d", text)
    ]
    found_any = found_number = 0
    for claims in extract_many(sentences, published=None):
        slots = [claim.slots for claim in claims]
        found_number += any(s.quantities or s.tallies or s.rankings for s in slots)
        found_any += any(s.quantities or s.tallies or s.rankings or s.dates for s in slots)
    return {
        "path": str(path),
        "sentences": len(sentences),
        "recall_any_value": _ratio(found_any, len(sentences)),
        "recall_number": _ratio(found_number, len(sentences)),
    }


def _half(key: str) -> str:
    return "dev" if zlib.crc32(key.encode("utf-8")) % 2 == 0 else "test"


def factcheck_recall(path: Path, *, half: str) -> dict[str, Any]:
    """The same share on the claims of the CheckThat! 2022 fact-checks (vclaims.jsonl) that hold a digit.

    The fact-checks split in two halves by a hash of their id: misses may be read
    on "dev"; "test" is for figures only, so that rules are never fitted to it.
    """
    claims: list[str] = []
    dates: list[dt.date | None] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            text = row.get("vclaim") or ""
            if _half(row.get("vclaim_id", text)) != half or not re.search(r"\d", text):
                continue
            claims.append(text)
            try:
                dates.append(dt.datetime.strptime(row.get("date", ""), "%d %B %Y").date())
            except ValueError:
                dates.append(None)
    found_any = found_number = 0
    missed: list[str] = []
    by_date: dict[dt.date | None, list[int]] = defaultdict(list)
    for i, day in enumerate(dates):
        by_date[day].append(i)
    for day, indices in by_date.items():
        for i, found in zip(indices, extract_many([claims[i] for i in indices], published=day), strict=True):
            slots = [claim.slots for claim in found]
            number = any(s.quantities or s.tallies or s.rankings for s in slots)
            anything = number or any(s.dates for s in slots)
            found_number += number
            found_any += anything
            if not anything and half == "dev":
                missed.append(claims[i])
    return {
        "path": str(path),
        "half": half,
        "claims": len(claims),
        "recall_any_value": _ratio(found_any, len(claims)),
        "recall_number": _ratio(found_number, len(claims)),
        "missed": missed,
    }
