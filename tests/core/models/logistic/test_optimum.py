"""The maximum-likelihood optimum against an independent solver, and the exact verdicts.

The reference shares nothing with the module: a float64 bisection on the profile likelihood
(plain numpy) finds a start, and mpmath's Newton (``findroot``, 40 digits) solves the score
equations ``Σ(σ(w·x + b) - y)·x = 0``, ``Σ(σ(w·x + b) - y) = 0`` on the exact stored floats.
Separable, quasi-separable, one-class, one-point, duplicate-x and all-same-x data get the
verdicts of the module's docstring, with the loss's infimum checked along the runaway ray.
"""

from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest

from gdstudio.core.errors import DataError
from gdstudio.core.models.logistic.landscape import LogisticLandscape
from gdstudio.core.models.logistic.optimum import logistic_optimum

mp.mp.dps = 40
EPS = np.finfo(np.float64).eps
rng = np.random.default_rng(1818)


def _sig(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def _bisect(f, lo, hi, steps=60):
    """A root of the increasing ``f`` in ``[lo, hi]`` (expanded until it brackets one)."""
    while f(lo) > 0:
        lo *= 2.0
    while f(hi) < 0:
        hi *= 2.0
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def reference(x, y, fit_bias=True):
    """``(w, b, loss)`` as mpfs: profile bisection in float64, then mpmath Newton."""
    m = float(np.mean(x)) if fit_bias else 0.0
    scale = float(np.max(np.abs(x - m)))  # solved in units of the spread (tiny, huge x)
    d = (x - m) / scale

    def c_of(a):
        return _bisect(lambda c: float(np.sum(_sig(a * d + c) - y)), -1.0, 1.0) if fit_bias \
            else 0.0

    a0 = _bisect(lambda a: float(np.dot(_sig(a * d + c_of(a)) - y, d)), -1.0, 1.0)
    c0 = c_of(a0)
    xs = [(mp.mpf(float(v)) - mp.mpf(m)) / mp.mpf(scale) for v in x]
    ys = [int(v) for v in y]

    def scores(a, c):
        s = [1 / (1 + mp.exp(-(a * u + c))) for u in xs]
        return [mp.fsum((p - t) * u for p, t, u in zip(s, ys, xs, strict=True)),
                mp.fsum(p - t for p, t in zip(s, ys, strict=True))]

    if fit_bias:
        a, c = mp.findroot(lambda a, c: scores(a, c), (mp.mpf(a0), mp.mpf(c0)))
    else:
        a, c = mp.findroot(lambda a: scores(a, 0)[0], mp.mpf(a0)), mp.mpf(0)
    w = a / mp.mpf(scale)
    b = c - w * mp.mpf(m)
    loss = mp.fsum(mp.log1p(mp.exp(-(a * u + c))) if t == 1 else mp.log1p(mp.exp(a * u + c))
                   for u, t in zip(xs, ys, strict=True)) / len(xs)
    return w, b, loss


def overlapping(n, x0=0.0, scale=1.0, slope=2.0, shift=0.3):
    u = rng.standard_normal(n)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(slope * u + shift)))).astype(np.float64)
    y[:2] = [0.0, 1.0]  # both classes
    u[:2] = [1.5, -1.5]  # ... and overlapping: a 0 right of a 1
    return x0 + scale * u, y


CASES = {
    "5 points": overlapping(5),
    "50 points": overlapping(50),
    "300 points": overlapping(300, slope=0.7),
    "offset 1.7e9": overlapping(80, x0=1.7e9, scale=3600.0),
    "tiny": overlapping(60, scale=1e-30),
    "huge": overlapping(60, scale=1e30),
    "steep, one overlap": (np.array([-3.0, -2.0, -1.0, 0.1, 0.2, 1.0, 2.0, 3.0]),
                           np.array([0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0])),
}


@pytest.mark.parametrize("fit_bias", [True, False])
@pytest.mark.parametrize("name", list(CASES))
def test_optimum_matches_an_independent_solver(name, fit_bias):
    x, y = CASES[name]
    if not fit_bias and name == "offset 1.7e9":
        x = x - 1.7e9  # through the origin, the offset data would be separable by x = 0
    opt = logistic_optimum(x, y, fit_bias)
    assert opt.kind == "unique" and opt.finite and not opt.separable and not opt.valley
    w, b, loss = reference(x, y, fit_bias)
    # to a few ulps (seen: at most 1.3; allowed: 16, the centred Hessian's conditioning here
    # being below 10); b relative to the size of w·x it cancels against
    assert abs(opt.w - w) <= 16 * EPS * abs(w)
    if fit_bias:
        assert abs(opt.b - b) <= 16 * EPS * (abs(b) + abs(w) * float(np.max(np.abs(x))))
    else:
        assert opt.b == 0.0
    assert abs(opt.loss - loss) <= 4 * EPS * loss
    assert "\n" not in opt.text and "nan" not in opt.text and "inf" not in opt.text


def test_an_optimum_at_the_origin_ends_at_the_rounding_floor():
    """Both labels at every x: w* = b* = 0, where no relative step size tells convergence."""
    opt = logistic_optimum([-1.0, -1.0, 1.0, 1.0, 2.5, 2.5], [0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    assert opt.kind == "unique" and opt.iterations < 10
    assert abs(opt.w) < 1e-15 and abs(opt.b) < 1e-15
    assert opt.loss == pytest.approx(math.log(2), rel=4 * EPS)


def test_the_optimum_is_the_landscapes_minimum():
    x, y = CASES["50 points"]
    opt = logistic_optimum(x, y)
    land = LogisticLandscape.from_arrays(x, y)
    gw, gb = land.gradient(opt.w, opt.b)
    assert abs(gw) < 1e-14 and abs(gb) < 1e-14
    assert land.loss(opt.w, opt.b) == pytest.approx(opt.loss, rel=1e-15)
    for dw, db in ((1e-6, 0), (0, 1e-6), (-1e-6, 1e-6)):
        assert land.loss(opt.w + dw, opt.b + db) > opt.loss


def _falls_towards(x, y, ray, infimum):
    """The loss along ``ray(k)`` falls and approaches ``infimum``."""
    land = LogisticLandscape.from_arrays(x, y)
    values = [land.loss(*ray(k)) for k in (1.0, 10.0, 100.0, 1e4)]
    assert all(a >= b for a, b in itertools.pairwise(values))
    assert values[0] > values[-1]
    assert values[-1] == pytest.approx(infimum, abs=1e-12)


def test_separable_classes_have_no_finite_optimum():
    x = np.array([0.5, 1.0, 2.0, 3.5, 4.0])
    y = np.array([0.0, 0.0, 1.0, 1.0, 1.0])
    opt = logistic_optimum(x, y)
    assert opt.kind == "separable" and opt.separable and not opt.finite
    assert opt.w is None and opt.b is None and opt.loss == 0.0
    assert opt.direction == 1 and opt.boundary == (1.0, 2.0)
    assert opt.text == ("The classes are separable: no finite optimum; w grows without bound "
                        "as the loss falls to 0.")
    _falls_towards(x, y, lambda k: (k, -1.5 * k), 0.0)
    flipped = logistic_optimum(x, 1.0 - y)
    assert flipped.kind == "separable" and flipped.direction == -1
    assert "w falls without bound" in flipped.text
    # offset data: the same verdict from comparisons of the data themselves
    assert logistic_optimum(x + 1.7e9, y).kind == "separable"


def test_ties_at_the_boundary_are_quasi_separable_with_the_ties_entropy():
    """min(x of 1) == max(x of 0): no finite optimum either; the loss falls to the best
    loss of the tied points alone."""
    x = np.array([0.0, 1.0, 2.0, 2.0, 2.0, 3.0, 4.0])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    opt = logistic_optimum(x, y)
    assert opt.kind == "separable" and opt.boundary == (2.0, 2.0)
    ties = 1 * math.log(3 / 1) + 2 * math.log(3 / 2)
    assert opt.loss == pytest.approx(ties / 7, rel=1e-15)
    assert "ties at x = 2" in opt.text
    c = math.log(2.0)  # the ties' best logit
    _falls_towards(x, y, lambda k: (k, -2.0 * k + c), opt.loss)
    # duplicate x with both labels, at the boundary
    dup = logistic_optimum([1.0, 1.0, 2.0], [0.0, 1.0, 1.0])
    assert dup.kind == "separable" and dup.loss == pytest.approx(2 * math.log(2) / 3)


def test_one_class_and_one_point():
    ones = logistic_optimum([1.0, 2.0, 5.0], [1.0, 1.0, 1.0])
    assert ones.kind == "one-class" and ones.separable and ones.direction == 1
    assert ones.loss == 0.0 and ones.w is None
    assert ones.text == ("Every point is in class 1: no finite optimum; b grows without bound "
                         "as the loss falls to 0.")
    zeros = logistic_optimum([1.0, 2.0], [0.0, 0.0])
    assert zeros.kind == "one-class" and zeros.direction == -1
    one = logistic_optimum([7.0], [0.0])
    assert one.kind == "one-class" and one.text.startswith("The only point is in class 0")
    _falls_towards(np.array([1.0, 2.0, 5.0]), np.ones(3), lambda k: (0.0, k), 0.0)


def test_every_x_the_same_has_a_valley_of_optima():
    x = np.full(5, 3.0)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    opt = logistic_optimum(x, y)
    assert opt.kind == "unique" and opt.valley
    assert opt.w == 0.0 and opt.b == pytest.approx(math.log(3 / 2), rel=1e-15)
    ref = mp.fsum(mp.log1p(mp.exp(-mp.mpf(opt.b))) if t else mp.log1p(mp.exp(mp.mpf(opt.b)))
                  for t in y) / 5
    assert opt.loss == pytest.approx(float(ref), rel=1e-15)
    assert "valley" in opt.text
    land = LogisticLandscape.from_arrays(x, y)  # the whole line w·3 + b = logit is optimal
    assert land.loss(2.0, opt.b - 6.0) == pytest.approx(opt.loss, rel=1e-15)
    both = logistic_optimum([4.0, 4.0], [0.0, 1.0])  # duplicate x, both labels
    assert both.valley and both.b == 0.0 and both.loss == pytest.approx(math.log(2))


def test_without_a_bias_the_sign_of_x_decides():
    # 1s at x >= 0 and 0s at x <= 0: separable by the origin; the points at 0 keep ln 2
    x = np.array([-2.0, 0.0, 0.0, 1.0, 3.0])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    opt = logistic_optimum(x, y, fit_bias=False)
    assert opt.kind == "separable" and opt.direction == 1 and opt.b == 0.0
    assert opt.loss == pytest.approx(2 * math.log(2) / 5, rel=1e-15)
    _falls_towards(x, y, lambda k: (k, 0.0), opt.loss)
    # one class at x of both signs: a finite optimum (one class is not special)
    one_class = logistic_optimum([-1.0, 2.0], [1.0, 1.0], fit_bias=False)
    assert one_class.kind == "unique"
    w, _, loss = reference(np.array([-1.0, 2.0]), np.array([1.0, 1.0]), fit_bias=False)
    assert one_class.w == pytest.approx(float(w), rel=1e-13)
    assert one_class.loss == pytest.approx(float(loss), rel=1e-15)
    # one class on one side: separable, w runs
    assert logistic_optimum([1.0, 2.0], [0.0, 0.0], fit_bias=False).direction == -1
    flat = logistic_optimum([0.0, 0.0, 0.0], [1.0, 0.0, 1.0], fit_bias=False)
    assert flat.valley and flat.w == 0.0 and flat.loss == pytest.approx(math.log(2))
    single = logistic_optimum([0.0], [1.0], fit_bias=False)
    assert single.valley and single.kind == "unique"


def test_empty_and_bad_labels():
    empty = logistic_optimum([], [])
    assert empty.kind == "empty" and empty.loss is None and empty.text
    with pytest.raises(DataError, match=r"point 2 has y = 2"):
        logistic_optimum([1.0, 2.0], [0.0, 2.0])
