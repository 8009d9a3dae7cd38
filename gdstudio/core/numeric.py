"""Arithmetic that survives real data: power-of-two scaling, centring, numbers in words.

Every regression quantity of the studio is computed on data scaled by an exact power of two
(so that nothing overflows or underflows) and centred with the corrected two-pass mean (so
that offset data such as timestamps does not cancel to noise). Results are scaled back with
:func:`math.ldexp`; a result that float64 cannot hold is reported in words, never as ``inf``
or ``nan``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOG10_2 = math.log10(2.0)


def scale_exponent(values) -> int:
    """``k`` such that ``values / 2**k`` has its largest magnitude in [0.5, 1) (0 if all 0)."""
    values = np.asarray(values)
    top = float(np.max(np.abs(values))) if values.size else 0.0
    if top == 0.0 or not math.isfinite(top):
        return 0
    return math.frexp(top)[1]


def two_sum(a, b):
    """``a + b = s + e`` exactly (Knuth's TwoSum, elementwise)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def split(a):
    """``a = hi + lo`` with ``hi`` of 26 bits (Veltkamp), so products of halves are exact
    (elementwise; ``|a|`` below about 2**996, or ``hi`` overflows)."""
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def two_product(a, b):
    """``a * b = p + e`` exactly (Dekker's product; no overflow for |a|, |b| < 2**996)."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@dataclass(frozen=True)
class Centred:
    """``values = 2**k * (mean + 2**ku * (u + u_lo))`` with ``max |u|`` in [0.5, 1) and
    ``mean(u) ~ 0``; ``u_lo`` holds the rounding of the centring, so ``u + u_lo`` is exact
    to about eps**2.

    ``mean`` is in (-1, 1); ``u`` is all zeros when every value is the same.
    """

    u: np.ndarray
    mean: float
    k: int
    ku: int
    u_lo: np.ndarray | None = None
    #: the rounding of ``mean``: the centre used is ``mean + mean_lo``
    mean_lo: float = 0.0

    @property
    def var(self) -> float:
        """``var(values) / 4**(k + ku)``."""
        return float(np.mean(self.u * self.u))


def centre(values) -> Centred:
    """Scale ``values`` by a power of two, centre them (corrected two-pass), scale again."""
    x = np.asarray(values, dtype=np.float64)
    k = scale_exponent(x)
    s = np.ldexp(x, -k)
    m = float(np.mean(s))
    d, lo = two_sum(s, -m)
    m2 = float(np.mean(d))  # the corrected two-pass: removes the rounding of m
    d, lo2 = two_sum(d, -m2)
    ku = scale_exponent(d)
    mean, mean_lo = two_sum(m, m2)
    return Centred(np.ldexp(d, -ku), mean, k, ku, np.ldexp(lo + lo2, -ku), mean_lo)


def centred_moments(x) -> tuple[float, float, int]:
    """``(mean, var, k)`` of ``x / 2**k``: ``mean(x) = mean * 2**k``, ``var(x) = var * 4**k``."""
    c = centre(x)
    return c.mean, float(np.ldexp(c.var, 2 * c.ku)), c.k


def log10_abs(mantissa: float, exp2: int) -> float:
    """``log10 |mantissa * 2**exp2|`` without forming the product."""
    return math.log10(abs(mantissa)) + exp2 * LOG10_2


def sci(mantissa: float, exp2: int, digits: int = 4) -> str:
    """``mantissa * 2**exp2`` in scientific notation, also beyond float64 (``'3.2e+401'``)."""
    if mantissa == 0:
        return "0"
    lg = log10_abs(mantissa, exp2)
    e = math.floor(lg)
    m = 10 ** (lg - e)
    text = f"{m:.{digits}g}"
    if float(text) >= 10:
        text, e = f"{m / 10:.{digits}g}", e + 1
    if abs(e) < 5:  # an ordinary number: plain notation
        return f"{mantissa * 2.0**exp2:.{digits}g}"
    sign = "-" if mantissa < 0 else ""
    return f"{sign}{text}e{e:+d}"


def fmt(value: float, digits: int = 6) -> str:
    """A finite float with ``digits`` significant digits; never 'nan' or 'inf'."""
    if value is None or not math.isfinite(value):
        return "not representable"
    return f"{value:.{digits}g}"
