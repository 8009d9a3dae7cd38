"""What the data alone says: the best line for each loss, and the stable learning rate.

Every number here is computed on data scaled by a power of two and centred (see
:mod:`.numeric`), so offset data (timestamps), tiny and huge values give the true optimum.

- the least-squares line (MSE): closed form on centred data;
- the MAE line: exact (a weighted-median descent, see :mod:`.robust`);
- the Huber line: converged (reweighting, then the exact solution of its zones).

``loss*`` is the true minimum of the loss over every real (w, b), to a few ulps (the
residuals are compensated and moved to the exact optimum, see :mod:`.residuals`), not the
loss at the rounded line shown: on ``y = 0.1·x`` the two differ by a factor of about 2.

An :class:`Optimum` says when the best line is not unique (one point, every x the same, every
x 0 without a bias, or a tie of the MAE) and describes the set of best lines in words; a value
float64 cannot hold is ``None``, with the reason in ``note``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import DataError
from gdstudio.core.models.line.optimum_robust import (
    Fit,
    huber_fit,
    huber_value,
    mae_exact,
    mae_fit,
)
from gdstudio.core.models.line.residuals import compensated, refine, rounding
from gdstudio.core.models.line.stepsize import StepGuide, lam_max_log, step_guide
from gdstudio.core.numeric import centre, fmt, scale_exponent, sci, two_product, two_sum

__all__ = ["Optima", "Optimum", "StepGuide", "closed_form", "hessian_max_eigenvalue",
           "loss_optimum", "optima_for", "optimum_lines", "run_optima", "stable_learning_rate",
           "stable_learning_rate_per_point", "step_guide"]

LOSS_NAMES = {"mse": "least squares", "mae": "MAE", "huber": "Huber"}


@dataclass(frozen=True)
class Optimum:
    """The best line ``y = w*x + b`` for one loss, and that loss's value ``loss`` there.

    ``w``, ``b`` or ``loss`` is ``None`` when float64 cannot hold it (``note`` says so). When
    ``unique`` is False many lines reach ``loss``: ``description`` says which, and ``w``,
    ``b`` are only one of them (never show them as *the* answer; see :meth:`text`).
    """

    w: float | None
    b: float | None
    loss: float | None
    unique: bool = True
    loss_fn: str = "mse"
    description: str = ""
    note: str = ""
    method: str = "closed form"
    huber_delta: float = 1.0

    def label(self) -> str:
        """``'closed form'``, ``'MAE, exact'``, ``'Huber, delta=1, converged'``."""
        if self.loss_fn == "mse":
            return self.method
        if self.loss_fn == "huber":
            return f"Huber, delta={self.huber_delta:g}, {self.method}"
        return f"{LOSS_NAMES[self.loss_fn]}, {self.method}"

    @property
    def line(self) -> tuple[float, float] | None:
        """``(w, b)`` to draw, or None when the line is not unique or not representable."""
        if not self.unique or self.w is None or self.b is None:
            return None
        return self.w, self.b

    def text(self, number: Callable[[float], str] = repr, star: str = "*",
             loss_name: str = "loss") -> str:
        """``'w*=…, b*=…, loss*=…'``; for a non-unique optimum ``'not unique: <description>;
        loss*=…'``; ``number`` formats each value. Never 'nan' or 'inf'."""
        notes = [n for n in self.note.split("; ") if n]

        def value(name, v):
            if v is not None:
                return number(v)
            for n in notes:  # "w* is about 2e+600 (beyond ...)" -> "about 2e+600 (beyond ...)"
                if n.startswith(f"{name}* is "):
                    notes.remove(n)
                    return n[len(name) + 5:]
            return "not representable in float64"

        loss = f"{loss_name}{star}={value('loss', self.loss)}"
        if not self.unique:
            text = f"not unique: {self.description}; {loss}"
        else:
            text = f"w{star}={value('w', self.w)}, b{star}={value('b', self.b)}, {loss}"
        return text + (f" ({'; '.join(notes)})" if notes else "")


@dataclass(frozen=True)
class Optima:
    """A run's optimum: ``own`` for the run's loss, ``lsq`` the least-squares reference."""

    own: Optimum
    lsq: Optimum


def _check(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point.")
    return dataset.x.astype(np.float64), dataset.y.astype(np.float64)


class _Frame:
    """The data in the units the fits work in, and the way back (see :mod:`.numeric`)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, fit_bias: bool):
        self.x, self.y = x, y
        if fit_bias and np.all(x == x[0]):
            self.model = "level"
        elif not fit_bias and not np.any(x):
            self.model = "flat"  # y = w*0: w changes nothing
        else:
            self.model = "line" if fit_bias else "slope"
        if self.model in ("line", "level"):
            cx, cy = centre(x), centre(y)
            self.X, self.Y = cx.u, cy.u
            self.X_lo, self.Y_lo = cx.u_lo, cy.u_lo
            self.mx, self.kx, self.kxu = cx.mean, cx.k, cx.ku
            self.my, self.ky, self.kyu = cy.mean, cy.k, cy.ku
            self.mx_lo, self.my_lo = cx.mean_lo, cy.mean_lo
        else:
            self.kx, self.ky = scale_exponent(x), scale_exponent(y)
            self.X, self.Y = np.ldexp(x, -self.kx), np.ldexp(y, -self.ky)
            self.X_lo = self.Y_lo = np.zeros_like(self.X)
            self.mx = self.my = self.mx_lo = self.my_lo = 0.0
            self.kxu = self.kyu = 0
        self.ey = self.ky + self.kyu  # residuals are in units of 2**ey
        self.notes: list[str] = []

    def value(self, name: str, mantissa: float, exp2: int) -> float | None:
        """``mantissa * 2**exp2`` as a float, or None with a note when it overflows."""
        if mantissa == 0 or not math.isfinite(mantissa):
            return 0.0 if mantissa == 0 else None
        lg2 = math.log2(abs(mantissa)) + exp2
        if lg2 >= 1024:
            self.notes.append(f"{name} is about {sci(mantissa, exp2)} (beyond float64)")
            return None
        if lg2 < -1022 and name != "loss*":
            self.notes.append(f"{name} is about {sci(mantissa, exp2)} (below float64's range)")
        return math.ldexp(mantissa, exp2)

    def w(self, wp: float, wp_lo: float = 0.0) -> float | None:
        """w* from its scaled value ``wp + wp_lo`` (double-double)."""
        return self.value("w*", wp + wp_lo, self.ey - self.kx - self.kxu)

    def b(self, wp: float, cp: float, wp_lo: float = 0.0, cp_lo: float = 0.0) -> float | None:
        """b* = ȳ + c - w·x̄ from the scaled ``w = wp + wp_lo`` and the intercept in the
        centred frame ``c = cp + cp_lo``, in double-double: on offset data ȳ and w·x̄ cancel,
        and on a near-perfect fit b* is far smaller than either."""
        if self.model == "slope" or self.model == "flat":
            return 0.0
        wxy = wxy_lo = 0.0
        if self.model == "line":
            wxy = math.ldexp(wp, self.kyu - self.kxu)
            wxy_lo = math.ldexp(wp_lo, self.kyu - self.kxu)
        with np.errstate(over="ignore", invalid="ignore"):
            p, p_lo = two_product(wxy, self.mx)
            hi, lo = two_sum(self.my, -p)
            lo += ((self.my_lo - p_lo) - (wxy * self.mx_lo + wxy_lo * self.mx)
                   + math.ldexp(cp, self.kyu) + math.ldexp(cp_lo, self.kyu))
        total = float(hi + lo)
        if not math.isfinite(total):  # (the split of a product near float64's limit)
            total = self.my + math.ldexp(cp, self.kyu) - wxy * self.mx
        return self.value("b*", total, self.ky)

    def point(self, i: int) -> str:
        return f"({fmt(float(self.x[i]))}, {fmt(float(self.y[i]))})"

    def x0(self) -> str:
        return fmt(float(self.x[0]))


def _number(value: float | None) -> str:
    return "a value beyond float64" if value is None else fmt(value)


def closed_form(dataset: Dataset, fit_bias: bool = True) -> Optimum:
    """The least-squares line, on centred and scaled data; ``loss`` is its MSE."""
    return loss_optimum(dataset, "mse", fit_bias)


def loss_optimum(dataset: Dataset, loss: str = "mse", fit_bias: bool = True,
                 huber_delta: float = 1.0) -> Optimum:
    """The best line for ``loss`` (``"mse"``, ``"mae"`` or ``"huber"``) and its loss there."""
    x, y = _check(dataset)
    f = _Frame(x, y, fit_bias)
    X, Y = f.X, f.Y
    try:  # (in the scaled units; beyond float64 on subnormal data: wider than any residual)
        delta = math.ldexp(float(huber_delta), -f.ey)
    except OverflowError:
        delta = sys.float_info.max
    if loss == "mse":
        fit = _least_squares(X, Y, f.model)
        method = "closed form"
    elif loss == "mae":
        fit = mae_fit(X, Y, f.model) if f.model != "flat" else Fit(0.0, 0.0, False)
        fit = mae_exact(x, y, X, Y, fit, f.model)
        method = "exact" if fit.exact else "converged"
    else:
        fit = huber_fit(X, Y, f.model, delta) if f.model != "flat" else Fit(0.0, 0.0, False)
        method = "exact" if fit.exact else "converged"
    r, dw, dc = _residuals(f, fit, loss, delta)
    if loss == "mse":
        value = f.value("loss*", float(np.mean(r * r)), 2 * f.ey)
    elif loss == "mae":
        value = f.value("loss*", float(np.mean(np.abs(r))), f.ey)
    else:
        value = f.value("loss*", huber_value(r, delta), 2 * f.ey)
    if f.model == "level":
        w, b = 0.0, f.b(0.0, fit.c, 0.0, dc)
    else:
        w, b = f.w(fit.w, dw), f.b(fit.w, fit.c, dw, dc)
    if loss == "mae" and fit.pivots and fit.exact:
        w, b = _exact_mae_line(f, fit)
    unique = fit.unique and f.model in ("line", "slope")
    description = "" if unique else _describe(f, fit, loss, b)
    return Optimum(w, b, value, unique, loss, description, "; ".join(f.notes), method,
                   float(huber_delta))


def _residuals(f: _Frame, fit: Fit, loss: str, delta: float
               ) -> tuple[np.ndarray, float, float]:
    """``(r, dw, dc)``: the residuals at the exact optimum and what the fitted line misses of
    it (scaled units). ``Y - w X - c`` compensated at the fitted line (exact to about eps of
    each residual, not of the data), then moved to the exact optimum (see :mod:`.residuals`),
    so that a near-exact fit (``y = 0.1·x``) keeps its small loss and loss* is the true
    minimum, not the loss at the rounded line."""
    X, Y = f.X, f.Y
    hi, lo = compensated(X, f.X_lo, Y, f.Y_lo, fit.w, fit.c, pair=True)
    r = hi + lo
    floor = rounding(X, Y, fit.w, fit.c)
    dw = dc = 0.0
    if fit.exact:
        if loss == "mse":  # (its step's sums in twice the precision: exact on any data)
            r, dw, dc = refine(hi, X, f.model, r_lo=lo)
            r += lo
        else:
            r, dw, dc = refine(r, X, f.model, loss, delta, fit.pivots)
    # A residual below the rounding of the arithmetic is indistinguishable from 0 (an exact
    # line); left as it is, its noise would be scaled up to the data's size.
    r[np.abs(r) <= floor] = 0.0
    return r, dw, dc


def _least_squares(X, Y, model) -> Fit:
    if model == "level":
        return Fit(0.0, 0.0, False)
    if model == "flat":
        return Fit(0.0, 0.0, False)
    return Fit(float(np.dot(X, Y) / np.dot(X, X)), 0.0)  # X is centred for a line


def _exact_mae_line(f: _Frame, fit: Fit) -> tuple[float | None, float | None]:
    """The MAE line through its data points, in exact rational arithmetic, then rounded."""
    xs = [Fraction(float(f.x[i])) for i in fit.pivots]
    ys = [Fraction(float(f.y[i])) for i in fit.pivots]
    if f.model == "level":
        return 0.0, _round(f, "b*", ys[0])
    if f.model == "slope":
        return _round(f, "w*", ys[0] / xs[0]), 0.0
    w = (ys[0] - ys[1]) / (xs[0] - xs[1])
    return _round(f, "w*", w), _round(f, "b*", ys[0] - w * xs[0])


def _round(f: _Frame, name: str, value: Fraction) -> float | None:
    f.notes[:] = [n for n in f.notes if not n.startswith(name)]
    try:
        return float(value)
    except OverflowError:
        exp2 = abs(value.numerator).bit_length() - value.denominator.bit_length()
        mantissa = float(value / Fraction(2) ** exp2)
        f.notes.append(f"{name} is about {sci(mantissa, exp2)} (beyond float64)")
        return None


def _describe(f: _Frame, fit: Fit, loss: str, b: float | None) -> str:
    """The set of best lines, in words."""
    if f.model == "flat":
        return "every x is 0, so y = w*x is 0 at every point whatever w is: any slope fits"
    if f.model == "level":
        if loss == "mae" and fit.tie is not None:
            lo = math.ldexp(f.my + math.ldexp(fit.tie[1], f.kyu), f.ky)
            hi = math.ldexp(f.my + math.ldexp(fit.tie[2], f.kyu), f.ky)
            return (f"every x is {f.x0()}: any line through ({f.x0()}, m) with m from "
                    f"{fmt(lo)} to {fmt(hi)} fits equally well")
        at = "the mean of y" if loss == "mse" else "the best level"
        return (f"every x is {f.x0()}: any line through ({f.x0()}, {_number(b)}) ({at} there) "
                f"fits equally well")
    if loss == "huber":
        return ("the points within delta of the best line do not fix a line, so other lines "
                "reach the same Huber loss")
    if fit.tie is None:
        return "other lines reach the same loss"
    i, lo, hi = fit.tie
    k = f.ey - f.kx - f.kxu
    lo_t, hi_t = sci(lo, k), sci(hi, k)
    if i < 0:
        return f"any slope w from {lo_t} to {hi_t} gives the same mean absolute error"
    return (f"every line through {f.point(i)} with a slope from {lo_t} to {hi_t} gives the "
            f"same mean absolute error")


def run_optima(dataset: Dataset, config) -> Optima:
    """The optimum of the run's own loss and the least-squares reference line."""
    lsq = closed_form(dataset, config.fit_bias)
    if config.loss == "mse":
        return Optima(lsq, lsq)
    own = loss_optimum(dataset, config.loss, config.fit_bias, config.huber_delta)
    return Optima(own, lsq)


def optima_for(dataset: Dataset, config, known: Optima | Optimum) -> Optima:
    """The run's :class:`Optima`, reusing ``known`` (either optimum) where it fits."""
    if isinstance(known, Optima):
        return known
    same = known.loss_fn == config.loss and (
        config.loss != "huber" or known.huber_delta == float(config.huber_delta))
    own = known if same else loss_optimum(dataset, config.loss, config.fit_bias,
                                          config.huber_delta)
    lsq = known if known.loss_fn == "mse" else closed_form(dataset, config.fit_bias)
    return Optima(own, lsq)


def optimum_lines(optima: Optima, number: Callable[[float], str] = repr) -> list[str]:
    """What ``gdstudio train`` prints: the optimum of the run's loss, labelled, and for an MAE
    or Huber run the least-squares line as a reference."""
    own, lsq = optima.own, optima.lsq
    lines = [f"optimum ({own.label()}): {own.text(number)}"]
    if own is not lsq and own.loss_fn != "mse":
        lines.append(f"least squares (reference, not this run's loss): "
                     f"{lsq.text(number, star='', loss_name='mse')}")
    return lines


# ----------------------------------------------------------------------------- stable rates


def _rate(lam_log: float) -> float:
    """``2 / lambda_max`` from ``log2 lambda_max``: ``inf`` without curvature or beyond
    float64 (see :func:`step_guide` for words), a subnormal or 0 far below it."""
    exp = 1.0 - lam_log
    return math.inf if exp >= 1024 else 2.0 ** max(exp, -1075.0)


def hessian_max_eigenvalue(dataset: Dataset, fit_bias: bool = True) -> float:
    """Largest eigenvalue of the Hessian of the MSE loss in (w, b) (``inf`` if it overflows).

    For ``L = mean((w*x + b - y)**2)`` the Hessian is ``2 * [[mean x^2, mean x], [mean x, 1]]``;
    computed from the centred moments (see :mod:`gdstudio.core.models.line.stepsize`).
    """
    x, _ = _check(dataset)
    c = centre(x)
    lam_log, _ = lam_max_log(c.mean, math.ldexp(c.var, 2 * c.ku), c.k, fit_bias)
    if lam_log == -math.inf:
        return 0.0
    return 2.0**lam_log if lam_log < 1024 else math.inf


def stable_learning_rate(dataset: Dataset, fit_bias: bool = True) -> float:
    """The largest stable learning rate of full-batch MSE descent: ``2 / lambda_max``.

    Learning rates at or above it make plain full-batch descent diverge. ``inf`` when the loss
    has no curvature (all x are 0 without a bias) or when the bound is beyond float64. See
    :func:`step_guide` for the bound of any method, with words for the user.
    """
    x, _ = _check(dataset)
    c = centre(x)
    lam_log, _ = lam_max_log(c.mean, math.ldexp(c.var, 2 * c.ku), c.k, fit_bias)
    return _rate(lam_log)


def stable_learning_rate_per_point(dataset: Dataset, fit_bias: bool = True) -> float:
    """The largest learning rate at which every single-point MSE step is stable.

    One point's loss ``(w*x + b - y)**2`` has Hessian ``2 * [[x^2, x], [x, 1]]``, largest
    eigenvalue ``2 * (x^2 + 1)`` (``2 * x^2`` without a bias), so the bound is
    ``1 / (max x^2 + 1)``. Stochastic descent above it can grow without limit.
    """
    x, _ = _check(dataset)
    k = scale_exponent(x)
    top = float(np.max(np.abs(np.ldexp(x, -k))))
    lam_log, _ = lam_max_log(top, 0.0, k, fit_bias)
    return _rate(lam_log)
