"""The checks of the values of a session file (see :mod:`gdstudio.core.files.session_read`): each
raises :class:`Bad` naming the place in the document and what is wrong."""

from __future__ import annotations

import json
import math
import re

import numpy as np

MAX_TEXT = 10_000


class Bad(Exception):
    """A problem at a place in the document (turned into a SessionError)."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a finite number")


def _no_repeats(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key[:40]!r} appears twice in one object")
        out[key] = value
    return out


#: Only a number with an exponent of -100 or below, or a run of 100 zeros, can read as 0.
_TINY = re.compile(r"[eE]-0*[1-9][0-9]{2}|0{100}")


def _number(text: str) -> float:
    value = float(text)
    if value == 0.0 and any(c in "123456789" for c in text.split("e")[0].split("E")[0]):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"{shown} is too small for float64: it would read as 0 (the "
                         "smallest nonzero float64 is 4.9e-324)")
    return value


def decode(text: str):
    """The JSON value of ``text`` (no NaN or infinities, no repeated keys, no nonzero number
    that would read as 0)."""
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_repeats,
                      parse_float=_number if _may_hold_tiny(text) else float)


#: What opens the base64 text of a compact column (a string: it holds no number).
_PAYLOAD = '"base64": "'


def _may_hold_tiny(text: str) -> bool:
    """Whether ``text`` may hold a nonzero number that reads as 0 (else every number is read
    at full speed). The base64 texts of compact columns are skipped (most of a file, and no
    number is in them); the plain searches go before the pattern (far faster)."""
    start, n = 0, len(text)
    while start <= n:
        at = text.find(_PAYLOAD, start)
        end = n if at < 0 else at
        if (any(text.find(s, start, end) >= 0 for s in ("e-", "E-", "0" * 100))
                and _TINY.search(text, start, end) is not None):
            return True
        if at < 0:
            return False
        close = text.find('"', at + len(_PAYLOAD))  # (an escaped quote stops it early)
        if close < 0:
            return True  # (no end: not a whole file; the careful reading says so)
        start = close + 1
    return False


def as_object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Bad(where, "must be an object")
    return value


def required(obj: dict, key: str, where: str):
    if key not in obj:
        raise Bad(f"{where}.{key}" if where else key, "is missing")
    return obj[key]


def as_bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise Bad(where, "must be true or false")
    return value


def as_int(value, where: str, low: int = 0, high: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Bad(where, f"must be a whole number from {low} to {high}")
    return value


def as_float(value, where: str, optional: bool = False,
             positive: bool = False) -> float | None:
    """A finite number (None too when ``optional``; above 0 only when ``positive``)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Bad(where, "must be a number")
    try:
        value = float(value)
    except OverflowError:
        raise Bad(where, "must be a finite number") from None
    if not math.isfinite(value):
        raise Bad(where, "must be a finite number")
    if positive and not value > 0:
        raise Bad(where, f"must be a number above 0, got {value!r}")
    return value


def as_text(value, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise Bad(where, f"must be a text of at most {limit:,} characters")
    return value


def as_array(value, where: str, length: int | None = None, limit: int | None = None):
    """A list of finite numbers as float64 (exact: JSON numbers read as float64)."""
    if not isinstance(value, list):
        raise Bad(where, "must be a list of numbers")
    if length is not None and len(value) != length:
        raise Bad(where, f"has {len(value):,} numbers; {length:,} expected")
    if limit is not None and len(value) > limit:
        raise Bad(where, f"has {len(value):,} numbers; at most {limit:,} are read")
    kinds = set(map(type, value))
    if not kinds <= {float, int}:
        bad = next(i for i, v in enumerate(value) if type(v) not in (float, int))
        raise Bad(f"{where}[{bad}]", "must be a number")
    try:
        array = np.array(value, dtype=np.float64)
    except OverflowError:
        array = np.array([as_float(v, f"{where}[{i}]") for i, v in enumerate(value)],
                         dtype=np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        raise Bad(f"{where}[{int(np.flatnonzero(~finite)[0])}]", "must be a finite number")
    return array


def note_ignored(obj: dict, known, where: str, ignored: list[str]) -> None:
    for key in obj:
        if key not in known:
            shown = "".join(c if c.isprintable() else "?" for c in key[:40])
            key = shown if len(key) <= 40 else shown + "…"  # (a name on one line, not a page)
            ignored.append(f"{where}.{key}" if where else key)


def as_choice(value, allowed, where: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise Bad(where, f"must be one of {', '.join(map(str, allowed))}")
    return value


