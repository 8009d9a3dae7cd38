"""The error-free arithmetic under the landscape's and the optimum's exact residuals."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from gdstudio.core.numeric import split, two_product


def _bits(value: float) -> int:
    """The significant bits of a float64 (0 for 0)."""
    if value == 0:
        return 0
    whole = abs(int(math.ldexp(math.frexp(value)[0], 53)))
    return whole.bit_length() - (whole & -whole).bit_length() + 1


def test_split_halves_are_exact_and_their_products_too():
    """``split`` is the one Veltkamp split (the robust landscape had its own copy): its
    halves add up to the value, the high half has at most 26 bits, and Dekker's product
    built on it is exact."""
    rng = np.random.default_rng(3)
    a = np.concatenate([rng.normal(size=200) * 10.0 ** rng.integers(-140, 140, 200),
                        [0.1, -1.0 / 3.0, 2.0 ** 900 * 1.5, 0.0]])
    hi, lo = split(a)
    for value, h, low in zip(a.tolist(), hi.tolist(), lo.tolist(), strict=True):
        assert Fraction(h) + Fraction(low) == Fraction(value)
        assert _bits(h) <= 26 and _bits(low) <= 27
    assert _bits(1.0 / 3.0) == 53 and _bits(0.5) == 1  # (the count itself)
    b = rng.normal(size=a.size) * 10.0 ** rng.integers(-140, 140, a.size)
    p, e = two_product(a, b)
    for x, y, pp, ee in zip(a.tolist(), b.tolist(), p.tolist(), e.tolist(), strict=True):
        assert Fraction(pp) + Fraction(ee) == Fraction(x) * Fraction(y)
