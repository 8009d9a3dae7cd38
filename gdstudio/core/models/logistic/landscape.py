"""The logistic regression losses over (w, b), exactly, from every point.

With ``z = w·x + b`` and labels ``y`` in {0, 1}:

- ``loss="bce"`` (``"bce-logits"`` is the same function): the mean cross-entropy
  ``L = mean(softplus(z) - y·z)``;
- ``loss="mse"``: the squared error on the sigmoid ``L = mean((σ(z) - y)**2)``, non-convex,
  with flat plateaus where the sigmoid saturates.

Each point's loss is a function of its *wrong-side logit* ``t = z`` for a 0 and ``t = -z`` for
a 1: ``softplus(t) = max(t, 0) + log1p(exp(-|t|))`` (never overflows; a well classified point,
``t`` very negative, keeps its tiny loss ``≈ e**t`` to full relative precision, where
``softplus(z) - y·z`` would cancel to 0) and ``σ(t)**2``.

**Offset data.** On ``x ≈ 1.7e9`` the product ``w·x`` alone rounds away more than the whole
of ``z`` along the valley (``b ≈ -w·x``). The points are held centred: ``x = x0 + 2**kd·u``
(``x0`` the mean, in double-double; ``u`` in [-1, 1], rounded once), and ``z = W·u + C``
with ``W = 2**kd·w`` (exact) and ``C = b + w·x0`` in double-double, rounded once. So the
rounding of ``z`` is a few ulps of ``|w·(x - x0)| + |z|``, not of ``|w·x|``, and since the
loss of a point moves by at most its own size times ``|Δz|`` (``σ(t) <= softplus(t)``), the
relative error of ``L`` is at most a few ulps times ``1 + max|w·(x - x0)| + max|z|`` (the
conditioning of ``L`` in the centred coordinates; twice that for ``"mse"``), plus the
summation's ``log2 N`` ulps: the tests hold it to ``8·eps·(1 + max|w·(x - x̄)| + max|z| +
log2 N)`` against mpmath (16 for ``"mse"``). Huge and tiny ``x`` work the same way (``W``
is an exact power-of-two rescaling); ``L`` is ``inf`` only where it is beyond float64.

**Tiny losses.** Cross-entropy on separable data falls towards 0 along the valley, and every
point's loss can underflow. :meth:`log10_loss` (the colour map's values) stays finite, also
where ``L`` is below float64's range: cells whose direct mean is below ``1e-280`` are
recomputed as a log-sum-exp of the points' ``log`` losses (``log softplus(t) = t`` to every
digit for ``t < -700``). It is ``-inf`` only where every logit is beyond float64 on the
right side (each loss exactly 0), ``inf`` where one is beyond it on the wrong side.

**Cost.** No finite set of statistics holds these losses: every value costs one pass over the
points (an exp and a log1p each): about 1 to 3 times numpy's own ``logaddexp`` of every point,
25 to 95 ns per point-value on a busy 2-core machine (tests/bench/logistic.py). A ``161×161``
grid on 10,000 points is ``2.6e8`` point-values (6 to 25 s there), a ``61×61`` grid on a
million points ``3.7e9`` (4.6 minutes at a load of 8). The work is done in blocks of about
65,000 point-values (bounded memory) and :meth:`grid` takes a ``should_stop`` callable
checked between blocks: compute grids off the GUI thread, and coarser for large data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdstudio.core.errors import DataError
from gdstudio.core.numeric import centre, two_product, two_sum

__all__ = ["LOSS_KINDS", "LogisticLandscape", "centred_parameters", "check_binary",
           "loss_kind"]

#: the landscape's losses, by the names the settings use
LOSS_KINDS = {"bce": "bce", "bce-logits": "bce", "mse": "mse"}
#: point-values per block (memory: a few arrays of this many floats)
BLOCK = 1 << 16
#: below this direct mean, the log grid recomputes a cell as a log-sum-exp
TINY = 1e-280
_LN10 = math.log(10.0)


def loss_kind(loss: str) -> str:
    """``"bce"`` or ``"mse"`` for a logistic loss's name; ValueError for another."""
    try:
        return LOSS_KINDS[loss]
    except KeyError:
        raise ValueError(f"Logistic regression has no loss {loss!r}: use bce, bce-logits "
                         "or mse.") from None


def check_binary(x: np.ndarray, y: np.ndarray) -> None:
    """:class:`DataError` (one line) unless ``x`` is finite and every ``y`` is 0 or 1."""
    if x.shape != y.shape:
        raise DataError(f"The data have {x.size} x but {y.size} labels.")
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise DataError(f"Point {int(bad[0]) + 1} has x = {float(x[bad[0]])}: x must be a "
                        "finite number.")
    bad = np.flatnonzero((y != 0.0) & (y != 1.0))
    if bad.size:
        raise DataError(f"Logistic regression needs labels 0 or 1; point {int(bad[0]) + 1} "
                         f"has y = {y[bad[0]]:g}.")


def _softplus(t):
    """``log(1 + e**t)``, elementwise, without overflow or cancellation."""
    return np.logaddexp(0.0, t)


def _softplus_sum(t: np.ndarray) -> np.ndarray:
    """``softplus(t).sum(axis=1)``, overwriting ``t`` (fewer passes than logaddexp)."""
    e = np.abs(t)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.log1p(e, out=e)
    np.maximum(t, 0.0, out=t)
    t += e
    return t.sum(axis=1)


def _sigmoid2_sum(t: np.ndarray) -> np.ndarray:
    """``(σ(t)**2).sum(axis=1)``, overwriting ``t``."""
    e = np.abs(t)
    np.negative(e, out=e)
    np.exp(e, out=e)
    num = np.where(t < 0, e, 1.0)
    e += 1.0
    num /= e
    num *= num
    return num.sum(axis=1)


def _sigmoid(t):
    """``σ(t)`` to a few ulps of relative error (no ``1 - σ`` cancellation)."""
    e = np.exp(-np.abs(t))
    return np.where(t < 0, e, 1.0) / (1.0 + e)


def _log_softplus(t):
    """``log softplus(t)`` (finite wherever ``t`` is: ``t`` itself below -700)."""
    with np.errstate(divide="ignore"):
        return np.where(t < -700.0, t, np.log(_softplus(np.maximum(t, -700.0))))


def centred_parameters(w, b, kd: int, x0_hi: float, x0_lo: float):
    """``(W, C)`` with ``w·x + b = W·u + C`` for ``x = x0 + 2**kd·u`` (``x0 = x0_hi +
    x0_lo``): ``W = 2**kd·w`` exactly, ``C = b + w·x0`` in double-double then rounded (the
    plain sum where the splitting overflows, ``|w|`` near 1e300). Arrays broadcast."""
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64),
                               np.asarray(b, dtype=np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        W = np.ldexp(w, kd)
        p, p_lo = two_product(w, x0_hi)
        s, s_lo = two_sum(b, p)
        C = s + (s_lo + (p_lo + w * x0_lo))
        C = np.where(np.isfinite(C), C, w * x0_hi + b)
    return W, C


@dataclass(frozen=True, eq=False)
class LogisticLandscape:
    """The exact logistic loss landscape of one data set (see the module's docstring)."""

    #: ``"bce"`` or ``"mse"`` (on the sigmoid)
    kind: str
    #: points in the data set
    n: int
    #: the centre: ``x0 = x0_hi + x0_lo`` (double-double)
    x0_hi: float
    x0_lo: float
    #: ``x - x0 = 2**kd · u``
    kd: int
    #: ``u`` of the points labelled 1 and of those labelled 0
    u1: np.ndarray
    u0: np.ndarray
    #: ``x`` of the points labelled 1 and 0 (for a logit beyond float64, where the centred
    #: terms overflow against each other: ``inf - inf``)
    x1: np.ndarray
    x0: np.ndarray

    @classmethod
    def from_arrays(cls, x, y, loss: str = "bce") -> LogisticLandscape:
        """The landscape of the points ``(x[i], y[i])`` (at least one; x finite, y 0 or 1)
        for ``loss`` (``"bce"``, ``"bce-logits"`` or ``"mse"``)."""
        kind = loss_kind(loss)
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        check_binary(x, y)
        if x.size == 0:
            raise DataError("The data set is empty: add at least one point.")
        c = centre(x)
        # x = 2**k·(mean + mean_lo) + 2**(k+ku)·(u + u_lo): u_lo (eps² of x's spread) is
        # below the rounding of W·u, so u alone is kept
        x0_hi = math.ldexp(c.mean, c.k)
        x0_lo = math.ldexp(c.mean_lo, c.k)
        ones = y == 1.0
        return cls(kind, int(x.size), x0_hi, x0_lo, c.k + c.ku,
                   np.ascontiguousarray(c.u[ones]), np.ascontiguousarray(c.u[~ones]),
                   np.ascontiguousarray(x[ones]), np.ascontiguousarray(x[~ones]))

    @classmethod
    def from_dataset(cls, dataset, loss: str = "bce") -> LogisticLandscape:
        return cls.from_arrays(dataset.x, dataset.y, loss)

    # -- the centred parameters -------------------------------------------------------
    def _centred(self, w, b):
        """``(W, C)``: ``z = W·u + C`` for ``(w, b)`` (arrays broadcast together)."""
        return centred_parameters(w, b, self.kd, self.x0_hi, self.x0_lo)

    def _blocks(self, count: int):
        """Slices of ``count`` cells, each block with about :data:`BLOCK` point-values."""
        step = max(1, BLOCK // max(1, self.n))
        return (slice(i, min(i + step, count)) for i in range(0, count, step))

    def _cells(self, w, b):
        """``(W, C, plain)``: flat centred parameters of the cells ``(w, b)``; where they
        overflow (``plain``) the cells' own ``(w, b)``, for the points' own x."""
        w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64),
                                   np.asarray(b, dtype=np.float64))
        W, C = self._centred(w, b)
        W, C = W.ravel().copy(), C.ravel().copy()
        plain = ~(np.isfinite(W) & np.isfinite(C))
        W[plain], C[plain] = w.ravel()[plain], b.ravel()[plain]
        return W, C, plain, w.shape

    def _classes(self, plain: bool):
        """``((values, sign), ...)``: each class's centred ``u`` (or ``x`` when ``plain``)
        with ``t = sign·z`` its wrong-side logit."""
        return ((self.x1, -1.0), (self.x0, 1.0)) if plain else ((self.u1, -1.0),
                                                                   (self.u0, 1.0))

    def _sum_points(self, W, C, per_point, plain=False):
        """The points' total loss for each cell ``(W[j], C[j])`` (1-D arrays);
        ``per_point(t)`` sums each row of wrong-side logits ``t``."""
        total = np.zeros(W.shape[0])
        chunk = max(1, BLOCK // max(1, W.shape[0]))
        for u, sign in self._classes(plain):
            for start in range(0, u.size, chunk):
                part = u[start:start + chunk]
                t = np.multiply.outer(sign * W, part)
                t += (sign * C)[:, None]
                total += per_point(t)
        return total

    def _direct(self, W, C, plain, should_stop=None):
        """The mean loss of each cell (flat arrays, see :meth:`_cells`), or None when
        stopped."""
        per_point = _softplus_sum if self.kind == "bce" else _sigmoid2_sum
        out = np.empty(W.shape[0])
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            for blk in self._blocks(W.shape[0]):
                if should_stop is not None and should_stop():
                    return None
                cells = np.arange(blk.start, blk.stop)
                for flag in (False, True):
                    pick = cells[plain[blk] == flag]
                    if pick.size:
                        out[pick] = self._sum_points(W[pick], C[pick], per_point,
                                                     flag) / self.n
        return out

    def _log_point(self, t):
        """``log`` of each point's loss from its wrong-side logit ``t``."""
        if self.kind == "bce":
            return _log_softplus(t)
        return -2.0 * _softplus(-t)  # log σ(t)² = -2·softplus(-t)

    def _log_mean(self, W, C, plain):
        """``ln L`` of each cell by a log-sum-exp over the points (flat arrays)."""
        out = np.empty(W.shape[0])
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            for j in range(W.shape[0]):
                logs = [self._log_point(sign * (W[j] * u + C[j]))
                        for u, sign in self._classes(bool(plain[j])) if u.size]
                lp = np.concatenate(logs)
                top = float(np.max(lp))
                if not math.isfinite(top):
                    out[j] = top
                    continue
                out[j] = top + math.log(float(np.sum(np.exp(lp - top)))) - math.log(self.n)
        return out

    # -- values -----------------------------------------------------------------------
    def loss(self, w, b):
        """``L(w, b)`` (elementwise over arrays; a float for scalars). Underflows to 0 only
        where ``L`` is below float64's range; ``inf`` where it is beyond it."""
        W, C, plain, shape = self._cells(w, b)
        out = self._direct(W, C, plain).reshape(shape)
        return float(out) if out.ndim == 0 else out

    def log10_loss(self, w, b, should_stop: Callable[[], bool] | None = None):
        """``log10 L(w, b)``, finite wherever ``L > 0`` in float64 arithmetic (tiny losses
        by a log-sum-exp); ``-inf`` where ``L`` is exactly 0 (a logit beyond float64). None
        when stopped."""
        W, C, plain, shape = self._cells(w, b)
        direct = self._direct(W, C, plain, should_stop)
        if direct is None:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log10(direct)
        redo = np.flatnonzero(~(direct >= TINY))  # tiny, 0 or NaN
        if redo.size:
            out[redo] = self._log_mean(W[redo], C[redo], plain[redo]) / _LN10
        out = out.reshape(shape)
        return float(out) if out.ndim == 0 else out

    def grid(self, w_range, b_range, shape=(161, 161), log=True,
             should_stop: Callable[[], bool] | None = None):
        """The loss on a regular grid: an array of ``shape`` ``(len w, len b)`` over ``w``
        in ``w_range`` and ``b`` in ``b_range`` (both ends included); ``log`` gives
        ``log10 L`` (the colour map's values). None when ``should_stop()`` turned true
        (checked between blocks). Costs ``shape[0]·shape[1]·N`` point-values (see the
        module's docstring)."""
        w = np.linspace(w_range[0], w_range[1], shape[0])[:, None]
        b = np.linspace(b_range[0], b_range[1], shape[1])[None, :]
        if log:
            return self.log10_loss(w, b, should_stop)
        W, C, plain, full = self._cells(w, b)
        out = self._direct(W, C, plain, should_stop)
        return None if out is None else out.reshape(full)

    # -- derivatives ------------------------------------------------------------------
    def _weights(self, w, b, order: int):
        """Per class: ``(x, g)``, ``g`` the ``order``-th derivative of each point's loss in
        ``z`` at ``(w, b)`` (scalars), ``x`` rebuilt from the centre (to an ulp)."""
        W, C = self._centred(float(w), float(b))
        W, C = float(W), float(C)
        out = []
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            for u, sign in ((self.u1, -1.0), (self.u0, 1.0)):
                t = sign * (W * u + C)
                s, sm = _sigmoid(t), _sigmoid(-t)  # s = |σ(z) - y|, s·sm = σ'(z)
                if order == 1:  # CE: σ(z) - y; MSE: 2(σ - y)σ'
                    g = sign * s if self.kind == "bce" else sign * 2.0 * s * s * sm
                elif self.kind == "bce":  # σ' = σ(1 - σ)
                    g = s * sm
                else:  # 2σ'² + 2(σ - y)σ'', σ'' = σ'(1 - 2σ): the same in t for both labels
                    g = 2.0 * (s * sm) ** 2 + 2.0 * s * s * sm * (sm - s)
                out.append((self.x0_hi + np.ldexp(u, self.kd), g))
        return out

    def gradient(self, w, b) -> tuple[float, float]:
        """``(∂L/∂w, ∂L/∂b)`` of the full-batch loss at ``(w, b)`` (scalars):
        ``mean(g·x)`` and ``mean(g)``, ``g = dℓ/dz`` (``σ(z) - y`` for the cross-entropy,
        ``2(σ(z) - y)·σ'(z)`` for ``"mse"``)."""
        parts = self._weights(w, b, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            gb = sum(float(np.sum(g)) for _, g in parts) / self.n
            gw = sum(float(np.dot(g, x)) for x, g in parts) / self.n
        return gw, gb

    def hessian_at(self, w, b) -> np.ndarray:
        """The 2×2 Hessian ``[[∂²/∂w², ∂²/∂w∂b], [∂²/∂w∂b, ∂²/∂b²]]`` at ``(w, b)``: for the
        cross-entropy ``mean(σ(1-σ)·[x, 1][x, 1]ᵀ)``, positive semi-definite; for ``"mse"``
        it can be indefinite (that landscape is not convex)."""
        parts = self._weights(w, b, 2)
        with np.errstate(over="ignore", invalid="ignore"):
            h = sum(float(np.sum(g)) for _, g in parts) / self.n
            hx = sum(float(np.dot(g, x)) for x, g in parts) / self.n
            hxx = sum(float(np.dot(g * x, x)) for x, g in parts) / self.n
        return np.array([[hxx, hx], [hx, h]])
