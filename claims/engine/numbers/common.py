"""Types, tolerances and formatting shared by the number checks."""

from __future__ import annotations

import math
from typing import Literal

Field = Literal["quantity", "tally", "ranking", "date"]
Verdict = Literal["agrees", "differs", "not_comparable"]
Summary = Literal["agrees", "differs", "not_comparable", "no_numbers"]

APPROXIMATE_TOLERANCE = 0.10
# Absorbs float noise only; anything larger would let "3,000" agree with "3,012".
EXACT_EPSILON = 1e-9
INF = math.inf
EN_DASH = "\u2013"  # tallies and ranges, as typeset in print
TIMES = "\u00d7"  # multiplication sign, as in "10 times larger"


def overlaps(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> bool:
    return a_lo <= b_hi and b_lo <= a_hi


def gap(a_lo: float, a_hi: float, b_lo: float, b_hi: float) -> float:
    """Relative distance between two intervals, 0 when they overlap."""
    if overlaps(a_lo, a_hi, b_lo, b_hi):
        return 0.0
    near_a, near_b = (a_hi, b_lo) if a_hi < b_lo else (a_lo, b_hi)
    return abs(near_b - near_a) / max(abs(near_a), abs(near_b))


def fmt(x: float) -> str:
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    if abs(x) < 1:
        return f"{x:.3g}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def number(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def integer(x: object) -> int | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x if isinstance(x, int) else None
