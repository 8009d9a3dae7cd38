"""The maximum-likelihood logistic fit on one feature, or the exact reason there is none.

The cross-entropy ``L(w, b) = mean(softplus(z) - y·z)``, ``z = w·x + b``, is convex; it has a
finite minimiser exactly when no direction ``(w, b) ≠ 0`` gives every point a margin
``(2y - 1)·z >= 0`` with at least one margin ``> 0`` (Albert and Anderson, 1984: along such a
direction the loss only falls, so no finite point is best). On one feature this is decided
exactly, by comparisons of the data themselves (no tolerance, no iteration):

With a bias (``fit_bias=True``):

- no points: ``"empty"``;
- one class only (this includes one point): ``"one-class"``; the loss falls to 0 as
  ``b`` grows without bound (towards ``+`` for 1s, ``-`` for 0s);
- every x the same, both labels present: a finite minimum, reached on the whole line
  ``w·x0 + b = logit(ȳ)``: the result is its level point ``w = 0``, ``b = logit(ȳ)``
  (``valley`` is True), the loss the labels' entropy;
- ``min(x of class 1) >= max(x of class 0)`` (or ``max(x of 1) <= min(x of 0)``):
  ``"separable"``: ``w`` grows (falls) without bound. With ``>`` the separation is complete
  and the loss falls to 0; with ``=`` (ties: points of both classes at the boundary ``x = t``)
  it is quasi-complete and the loss falls to the ties' own best, their labels' entropy
  ``(n1·ln(nt/n1) + n0·ln(nt/n0)) / N``;
- otherwise the classes overlap: a unique finite optimum.

Without a bias (``fit_bias=False``, ``b = 0``), with ``s = 2y - 1``:

- every x is 0: the loss is ``ln 2`` for every ``w`` (``valley``; ``w = 0`` is returned);
- every ``s·x >= 0`` (1s at x >= 0, 0s at x <= 0) or every ``s·x <= 0``: ``"separable"``,
  ``w`` grows (falls) without bound; the loss falls to ``(points at x = 0)·ln 2 / N``;
- otherwise a unique finite optimum. One class is not special here: all 1s at x of both
  signs have a finite optimum.

The finite optimum is found by Newton's method with a backtracking line search (so it never
diverges) in float64, on x centred and scaled by a power of two (the conditioning of
``x ≈ 1.7e9`` is that of ``x - x̄``), to convergence (the Newton step below a few ulps of the
parameters, or no further decrease of the loss); ``(w, b)`` is mapped back, ``b = c - w·x̄``
with ``x̄`` in double-double. ``loss`` is the minimum itself, computed in the centred frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdstudio.core.models.logistic.landscape import check_binary
from gdstudio.core.numeric import centre, fmt, scale_exponent

__all__ = ["LogisticOptimum", "logistic_optimum"]

_EPS = np.finfo(np.float64).eps
MAX_ITER = 200


@dataclass(frozen=True)
class LogisticOptimum:
    """The maximum-likelihood ``(w, b)`` of the cross-entropy, or why there is none.

    Attributes
    ----------
    w, b : float or None
        The optimum; None when there is no finite one (``b`` is 0.0 without a bias).
    loss : float or None
        The minimum of the mean cross-entropy; for separable or one-class data the infimum the
        loss falls towards (0, or the ties' entropy); None for no points.
    separable : bool
        True when no finite optimum exists because a boundary separates the classes (kind
        ``"separable"``, or ``"one-class"``: one class is separated from an empty one).
    kind : str
        ``"unique"`` (a finite optimum), ``"separable"``, ``"one-class"`` or ``"empty"``.
    text : str
        One line for the readout or the CLI. Never 'nan' or 'inf'.
    valley : bool
        True when the minimum is reached on a whole line of ``(w, b)`` (every x the same, or
        every x 0 without a bias); ``(w, b)`` is then its level point ``w = 0``.
    direction : int
        For ``"separable"`` the sign ``w`` runs to, for ``"one-class"`` the sign of ``b``'s
        run (``+1`` or ``-1``); 0 otherwise.
    boundary : tuple of float, or None
        For ``"separable"`` the closed interval of x between the classes (with a bias:
        ``(max x of the lower class, min x of the upper class)``; without: ``(0, 0)``), where
        every separating boundary ``x = -b/w`` lies.
    iterations : int
        Newton iterations taken (0 when none were needed).
    """

    w: float | None
    b: float | None
    loss: float | None
    separable: bool
    kind: str
    text: str
    valley: bool = False
    direction: int = 0
    boundary: tuple[float, float] | None = None
    iterations: int = 0

    @property
    def finite(self) -> bool:
        """True when there is a finite optimum to draw (kind ``"unique"``)."""
        return self.kind == "unique"


def _entropy(n1: int, n0: int) -> float:
    """``n1·ln(n/n1) + n0·ln(n/n0)`` (``n = n1 + n0``): the best total loss of points sharing
    one x, ``n1`` labelled 1 and ``n0`` labelled 0."""
    n = n1 + n0
    return sum(k * math.log(n / k) for k in (n1, n0) if k)


def logistic_optimum(x, y, fit_bias: bool = True) -> LogisticOptimum:
    """The maximum-likelihood fit of ``p(x) = σ(w·x + b)`` to the labels ``y`` (0 or 1), or
    the exact reason there is no finite one (see the module's docstring).

    Raises
    ------
    DataError
        When a label is not 0 or 1, or an x is not finite (one line naming the point).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    check_binary(x, y)
    n = x.size
    if n == 0:
        return LogisticOptimum(None, None, None, False, "empty",
                               "No points: there is nothing to fit.")
    ones = y == 1.0
    return _with_bias(x, ones) if fit_bias else _without_bias(x, ones)


def _with_bias(x: np.ndarray, ones: np.ndarray) -> LogisticOptimum:
    n = x.size
    pos, neg = x[ones], x[~ones]
    if pos.size == 0 or neg.size == 0:
        label, sign = (1, 1) if neg.size == 0 else (0, -1)
        grows = "grows" if sign > 0 else "falls"
        every = "The only point is" if n == 1 else "Every point is"
        return LogisticOptimum(
            None, None, 0.0, True, "one-class",
            f"{every} in class {label}: no finite optimum; b {grows} without bound as the "
            "loss falls to 0.", direction=sign)
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        b = math.log(pos.size / neg.size)
        loss = _entropy(pos.size, neg.size) / n
        return LogisticOptimum(
            0.0, b, loss, False, "unique",
            f"Every x is {lo:.6g}: every (w, b) with w*{lo:.6g} + b = {fmt(b)} fits equally "
            f"well (a valley of optima); w*=0, b*={fmt(b)}, loss*={fmt(loss)}.",
            valley=True)
    for sign, upper, lower in ((1, pos, neg), (-1, neg, pos)):
        top, bottom = float(lower.max()), float(upper.min())
        if bottom >= top:
            return _separable(sign, (top, bottom), x, ones,
                              tie=bottom == top, n=n)
    return _newton_bias(x, ones)


def _separable(sign: int, gap: tuple[float, float], x, ones, tie: bool, n: int,
               bias: bool = True) -> LogisticOptimum:
    grows = "grows" if sign > 0 else "falls"
    if bias and tie:
        t = gap[0]
        at = x == t
        loss = _entropy(int(np.sum(at & ones)), int(np.sum(at & ~ones))) / n
        what = f"The classes are separable except for their ties at x = {t:.6g}"
    elif not bias and np.any(x == 0.0):
        zeros = int(np.sum(x == 0.0))
        loss = zeros * math.log(2.0) / n
        what = "The classes are separable by x = 0 except for the points at x = 0"
    else:
        loss = 0.0
        what = ("The classes are separable" if bias else
                "The classes are separable by x = 0 (no bias)")
    return LogisticOptimum(
        None, None if bias else 0.0, loss, True, "separable",
        f"{what}: no finite optimum; w {grows} without bound as the loss falls to "
        f"{fmt(loss)}.", direction=sign, boundary=gap)


def _without_bias(x: np.ndarray, ones: np.ndarray) -> LogisticOptimum:
    n = x.size
    if not np.any(x):
        loss = math.log(2.0)
        return LogisticOptimum(
            0.0, 0.0, loss, False, "unique",
            f"Every x is 0 and there is no bias: every w fits equally well (loss {fmt(loss)}); "
            "w*=0.", valley=True)
    signed = np.where(ones, x, -x)
    if np.all(signed >= 0):
        return _separable(1, (0.0, 0.0), x, ones, False, n, bias=False)
    if np.all(signed <= 0):
        return _separable(-1, (0.0, 0.0), x, ones, False, n, bias=False)
    return _newton_slope(x, ones)


# ----------------------------------------------------------------------------- Newton


def _loss_terms(t: np.ndarray) -> float:
    """``Σ softplus(t)`` (``t`` the wrong-side logits)."""
    return float(np.sum(np.logaddexp(0.0, t)))


class _Problem:
    """The centred problem: ``z = a·u + c`` (``c`` fixed at 0 without a bias)."""

    def __init__(self, u: np.ndarray, ones: np.ndarray, bias: bool):
        self.u, self.bias = u, bias
        self.sign = np.where(ones, -1.0, 1.0)  # t = sign·z: the wrong-side logit
        self.su = self.sign * u

    def t(self, a: float, c: float) -> np.ndarray:
        return self.su * a + self.sign * c

    def value(self, a: float, c: float) -> float:
        return _loss_terms(self.t(a, c)) / self.u.size

    def newton_step(self, a: float, c: float, loss: float
                    ) -> tuple[float, float, float]:
        """``(da, dc, gᵀd)`` at ``(a, c)`` (``loss`` its value, for the caller)."""
        t = self.t(a, c)
        e = np.exp(-np.abs(t))
        big = 1.0 / (1.0 + e)  # σ(|t|)
        small = e * big  # σ(-|t|)
        g = self.sign * np.where(t < 0, small, big)  # σ(z) - y = sign·σ(t)
        h = small * big  # σ(t)σ(-t)
        n = self.u.size
        ga = float(np.dot(g, self.u)) / n
        if not self.bias:
            haa = float(np.dot(h, self.u * self.u)) / n
            da = -ga / haa if haa > 0 else 0.0
            return da, 0.0, ga * da
        gc = float(np.sum(g)) / n
        hc = float(np.sum(h)) / n
        # Hessian in the h-weighted centred form: det = hc·Σh(u - ū)²/n, no cancellation
        ubar = float(np.dot(h, self.u)) / n / hc if hc > 0 else 0.0
        d = self.u - ubar
        v = float(np.dot(h, d * d)) / n  # = haa - hac²/hc
        if v <= 0 or hc <= 0:
            return 0.0, 0.0, 0.0
        # H = [[v + hc ū², hc ū], [hc ū, hc]]; solve H·(da, dc) = -(ga, gc):
        # with e = dc + ū·da: v·da = -(ga - ū·gc), hc·e = -gc
        da = -(ga - ubar * gc) / v
        dc = -gc / hc - ubar * da
        return da, dc, ga * da + gc * dc


def _newton(problem: _Problem, a: float, c: float) -> tuple[float, float, float, int]:
    """Newton with backtracking from ``(a, c)``: ``(a, c, loss, iterations)``. Stops when a
    full step is below a few ulps of the parameters, when the steps stop contracting at the
    rounding floor (the loss is flat there to second order, so its value cannot tell), or when
    no step along Newton's direction keeps the loss from rising."""
    loss = problem.value(a, c)
    prev, it = math.inf, 0
    for it in range(1, MAX_ITER + 1):  # noqa: B007 (the count is returned)
        da, dc, slope = problem.newton_step(a, c, loss)
        if not (math.isfinite(da) and math.isfinite(dc)) or not slope < 0:
            break
        size, scale = abs(da) + abs(dc), abs(a) + abs(c)
        if size >= prev and size <= 1e-6 * (scale + 1.0):
            break  # the rounding floor: the steps are noise
        prev = size
        step, new = 1.0, math.inf
        for _ in range(40):  # backtracking: never a step that raises the loss
            new = problem.value(a + step * da, c + step * dc)
            if new <= loss + 1e-4 * step * slope or new <= loss:
                break
            step *= 0.5
        if not new <= loss:
            break
        a, c, loss = a + step * da, c + step * dc, new
        if step == 1.0 and size <= 4 * _EPS * scale:
            break
    return a, c, loss, it


def _ldexp(value: float, exp: int) -> float:
    """``value·2**exp``, ``±inf`` past float64 (math.ldexp raises)."""
    try:
        return math.ldexp(value, exp)
    except OverflowError:
        return math.copysign(math.inf, value)


def _newton_bias(x: np.ndarray, ones: np.ndarray) -> LogisticOptimum:
    cx = centre(x)
    kd = cx.k + cx.ku
    problem = _Problem(cx.u, ones, True)
    n1 = int(np.sum(ones))
    a, c, loss, it = _newton(problem, 0.0, math.log(n1 / (x.size - n1)))
    w = _ldexp(a, -kd)
    x0_hi, x0_lo = math.ldexp(cx.mean, cx.k), math.ldexp(cx.mean_lo, cx.k)
    b = c - w * x0_hi - w * x0_lo if math.isfinite(w) else math.nan
    return _unique(w, b, loss, it, True)


def _newton_slope(x: np.ndarray, ones: np.ndarray) -> LogisticOptimum:
    k = scale_exponent(x)
    problem = _Problem(np.ldexp(x, -k), ones, False)
    a, _, loss, it = _newton(problem, 0.0, 0.0)
    return _unique(_ldexp(a, -k), 0.0, loss, it, False)


def _unique(w: float, b: float, loss: float, it: int, bias: bool) -> LogisticOptimum:
    if bias:
        text = f"Maximum likelihood: w*={fmt(w)}, b*={fmt(b)}, loss*={fmt(loss)} (Newton)."
    else:
        text = f"Maximum likelihood without a bias: w*={fmt(w)}, loss*={fmt(loss)} (Newton)."
    if not (math.isfinite(w) and math.isfinite(b)):
        text = ("The optimum is beyond float64 (the data's scale): rescale x; "
                f"loss*={fmt(loss)}.")
        return LogisticOptimum(None, None, loss, False, "unique", text, iterations=it)
    return LogisticOptimum(w, b, loss, False, "unique", text, iterations=it)
