"""The MSE loss over (w, b), exactly, from a few centred statistics of the data.

With ``Δw = w - w*``, ``Δb = b - b*``, ``r = x̄·Δw + Δb`` and ``v = var(x)``::

    L(w, b) = L* + v·Δw² + r²          ∂L/∂w = 2·(v·Δw + x̄·r)      ∂L/∂b = 2·r

where ``(w*, b*)`` is a least-squares line and ``L*`` its MSE, the true minimum to a few
ulps (``w*`` and ``b*`` are held in double-double, so the value at a float line within ulps
of the optimum is that line's own loss). Raw sums such as
``mean(x²)·Δw² + 2·x̄·Δw·Δb + Δb²`` cancel along the valley on offset data (timestamps);
this form does not. Every statistic is held in the units of the data scaled by powers of
two (``x = 2**kx·xs``, ``y = 2**ky·ys``, so ``w = 2**(ky-kx)·ws``, ``b = 2**ky·bs`` and
``L = 4**ky·Ls``), so huge and tiny data neither overflow nor underflow;
:meth:`MSELandscape.log10_loss` gives the colour map's values even where ``L`` itself is
beyond float64.

When every x is the same (``v = 0``) the best line is not unique; ``(w*, b*)`` is then the
level line ``w = 0, b = ȳ``, and the formula still holds (the valley is flat along ``Δb =
-x̄·Δw``). The landscape does not depend on whether the run fits a bias: a run without one
moves along ``b = 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdstudio.core.models.line.residuals import compensated, refine, rounding
from gdstudio.core.numeric import LOG10_2, centre, two_product, two_sum

__all__ = ["VIEW_LIMIT", "MSELandscape", "contour_levels", "framable", "view_bounds"]


@dataclass(frozen=True)
class MSELandscape:
    """The exact MSE landscape of one data set (see the module's docstring)."""

    #: Powers of two of the scaling: ``x = 2**kx·xs``, ``y = 2**ky·ys``.
    kx: int
    ky: int
    #: mean and variance of ``xs``
    mean_x: float
    var_x: float
    #: the least-squares line and its loss, in scaled units
    ws: float
    bs: float
    loss_s: float
    #: points in the data set
    n: int
    #: the roundings of ``mean_x`` and ``bs`` (double-double: ``bs + bs_lo`` is b*)
    mean_x_lo: float = 0.0
    bs_lo: float = 0.0
    #: what ``ws`` misses of the exact slope (double-double: ``ws + ws_lo`` is w*)
    ws_lo: float = 0.0

    @classmethod
    def from_arrays(cls, x, y) -> MSELandscape:
        """The landscape of the points ``(x[i], y[i])`` (at least one, all finite)."""
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        if x.shape != y.shape or x.size == 0:
            raise ValueError("The landscape needs at least one point, with as many x as y.")
        cx, cy = centre(x), centre(y)
        ux, ux_lo = np.ldexp(cx.u, cx.ku), np.ldexp(cx.u_lo, cx.ku)  # xs - x̄s = ux + ux_lo
        uy, uy_lo = np.ldexp(cy.u, cy.ku), np.ldexp(cy.u_lo, cy.ku)
        var_x = float(np.mean(ux * ux))
        ws = float(np.dot(ux, uy)) / (var_x * x.size) if var_x > 0 else 0.0
        r, r_lo = compensated(ux, ux_lo, uy, uy_lo, ws, 0.0, pair=True)
        floor = rounding(ux, uy, ws, 0.0)
        # the residuals at the exact optimum: ws is its rounding, which on a near-exact fit
        # moves each residual as much as the residual itself. The least-squares fit of the
        # residuals (small, so its rounding is relative to them) gives what ws misses of w*
        # (ws_lo), the intercept in the centred frame (cs) and the residuals at the optimum,
        # so L* is the true minimum
        exact, ws_lo, cs = refine(r, ux, "line" if var_x > 0 else "level", r_lo=r_lo)
        exact += r_lo
        exact[np.abs(exact) <= floor] = 0.0
        loss_s = float(np.mean(exact * exact))
        # b* = ȳ - w*·x̄ + cs in double-double (units of 2**ky): along the valley
        # r = x̄·Δw + Δb cancels, and the rounding of b* alone would swamp it on offset data
        mx_lo = cx.mean_lo + float(np.mean(ux) + np.mean(ux_lo))
        p, p_lo = two_product(ws, cx.mean)
        bs, bs_lo = two_sum(cy.mean, -p)
        bs_lo += (cy.mean_lo - p_lo - ws * cx.mean_lo - ws_lo * cx.mean) + cs
        bs, bs_lo = two_sum(bs, bs_lo)
        return cls(cx.k, cy.k, cx.mean, var_x, ws, bs, loss_s, int(x.size), mx_lo, bs_lo,
                   ws_lo)

    @classmethod
    def from_dataset(cls, dataset) -> MSELandscape:
        return cls.from_arrays(dataset.x, dataset.y)

    # -- the optimum ------------------------------------------------------------------
    @property
    def unique(self) -> bool:
        """False when every x is the same: a whole valley of lines reaches ``L*``."""
        return self.var_x > 0

    @property
    def optimum(self) -> tuple[float, float]:
        """``(w*, b*)`` in the data's units (``inf`` only for data near float64's limit)."""
        return self._w(self.ws + self.ws_lo), self._b(self.bs + self.bs_lo)

    @property
    def optimum_without_bias(self) -> tuple[float, float]:
        """``(w, 0)``: the best line through the origin (a run that fits no bias moves
        along ``b = 0``): ``Δw = -x̄·Δb / (var x + x̄²)`` with ``Δb = -b*``."""
        m2 = self.var_x + self.mean_x * self.mean_x
        if m2 == 0:  # every x is 0: every slope fits equally
            return 0.0, 0.0
        db = -self.bs - self.bs_lo
        dw = -(self.mean_x + self.mean_x_lo) * db / m2
        return self._w(self.ws + (self.ws_lo + dw)), 0.0

    @property
    def min_loss(self) -> float:
        return _ldexp(self.loss_s, 2 * self.ky)

    # -- units ------------------------------------------------------------------------
    def _w(self, ws):
        return _ldexp(ws, self.ky - self.kx)

    def _b(self, bs):
        return _ldexp(bs, self.ky)

    def _scaled(self, w, b):
        """``(Δws, rs)``: the offsets of ``(w, b)`` from the optimum, in scaled units."""
        with np.errstate(over="ignore", invalid="ignore"):
            dw = (np.ldexp(np.asarray(w, dtype=np.float64), self.kx - self.ky) - self.ws
                  - self.ws_lo)
            db = (np.ldexp(np.asarray(b, dtype=np.float64), -self.ky) - self.bs) - self.bs_lo
            return dw, (self.mean_x * dw + db) + self.mean_x_lo * dw

    # -- values -----------------------------------------------------------------------
    def loss_scaled(self, w, b):
        """``L(w, b) / 4**ky`` (elementwise for arrays)."""
        dw, r = self._scaled(w, b)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.loss_s + self.var_x * dw * dw + r * r

    def _rescaled(self, w, b):
        """``(scaled, s, m)``: :meth:`loss_scaled`, and where it overflows although its
        terms do not (tiny data and a line of ordinary size: ``b / 2**ky`` near 1e300) the
        same sum as ``s·m²`` (``m`` its largest term's root, ``1 <= s <= 3``), else NaN."""
        dw, r = np.broadcast_arrays(*self._scaled(w, b))
        with np.errstate(over="ignore", invalid="ignore"):
            scaled = self.loss_s + self.var_x * dw * dw + r * r
            s, m = np.full(scaled.shape, np.nan), np.full(scaled.shape, np.nan)
            redo = ~np.isfinite(scaled) & np.isfinite(dw) & np.isfinite(r)
            if redo.any():
                terms = (np.full(int(redo.sum()), math.sqrt(self.loss_s)),
                         math.sqrt(self.var_x) * np.abs(dw[redo]), np.abs(r[redo]))
                m[redo] = np.maximum(np.maximum(terms[0], terms[1]), terms[2])
                s[redo] = sum((t / m[redo]) ** 2 for t in terms)
        return scaled, s, m

    def loss(self, w, b):
        """The MSE of the line ``y = w·x + b`` (elementwise; ``inf`` beyond float64)."""
        scaled, s, m = self._rescaled(w, b)
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.where(np.isnan(s), np.ldexp(scaled, 2 * self.ky),
                           s * np.ldexp(m, self.ky) ** 2)
        return float(out) if np.ndim(out) == 0 else out

    def log10_loss(self, w, b):
        """``log10 L(w, b)``, finite wherever ``L > 0``, even beyond float64's range."""
        scaled, s, m = self._rescaled(w, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(np.isnan(s), np.log10(scaled), np.log10(s) + 2 * np.log10(m))
        return out + 2 * self.ky * LOG10_2

    def gradient(self, w, b):
        """``(∂L/∂w, ∂L/∂b)`` of the full-batch MSE at ``(w, b)``."""
        dw, r = self._scaled(w, b)
        gw = 2.0 * (self.var_x * dw + self.mean_x * r)
        gb = 2.0 * r
        # ∂L/∂w = 4**ky / 2**(ky-kx) · ∂Ls/∂ws ; ∂L/∂b = 4**ky / 2**ky · ∂Ls/∂bs
        return _ldexp(gw, self.ky + self.kx), _ldexp(gb, self.ky)

    def grid(self, w_range, b_range, shape=(161, 161), log=True):
        """The loss on a regular grid: an array of ``shape`` ``(len w, len b)`` over
        ``w`` in ``w_range`` and ``b`` in ``b_range`` (both ends included); ``log`` gives
        ``log10 L`` (the colour map's values)."""
        w = np.linspace(w_range[0], w_range[1], shape[0])
        b = np.linspace(b_range[0], b_range[1], shape[1])
        values = self.log10_loss if log else self.loss
        return values(w[:, None], b[None, :])

    # -- curvature --------------------------------------------------------------------
    def hessian(self) -> np.ndarray:
        """The Hessian ``2·[[mean(x²), x̄], [x̄, 1]]`` in the data's units."""
        mx = _ldexp(self.mean_x, self.kx)
        m2 = _ldexp(self.var_x + self.mean_x * self.mean_x, 2 * self.kx)
        return 2.0 * np.array([[m2, mx], [mx, 1.0]])

    def eigen(self) -> tuple[tuple[float, float], np.ndarray]:
        """``((λmin, λmax), vectors)`` of the Hessian, ``vectors[:, i]`` a unit vector in
        (w, b) for the i-th eigenvalue; ``λmin = det/λmax`` (no cancellation)."""
        a = _ldexp(self.var_x + self.mean_x * self.mean_x, 2 * self.kx)
        c, off = 1.0, _ldexp(self.mean_x, self.kx)
        lam_max = (a + c) / 2.0 + math.hypot((a - c) / 2.0, off)
        det = _ldexp(self.var_x, 2 * self.kx)  # a·c - off² = var(x)
        lam_min = det / lam_max
        if abs(lam_max - a) >= abs(lam_max - c):  # the better-conditioned formula
            v_max = np.array([off, lam_max - a])
        else:
            v_max = np.array([lam_max - c, off])
        norm = math.hypot(*v_max)
        # x beyond float64's square root: the w axis dominates to every digit float64 has
        v_max = v_max / norm if 0 < norm < math.inf else np.array([1.0, 0.0])
        v_min = np.array([-v_max[1], v_max[0]])
        return (2.0 * lam_min, 2.0 * lam_max), np.column_stack([v_min, v_max])

    def condition_number(self) -> float:
        """``λmax / λmin`` of the Hessian (``inf`` when every x is the same)."""
        (lo, hi), _ = self.eigen()
        return hi / lo if lo > 0 else math.inf

    # -- descent ----------------------------------------------------------------------
    def batch_path(self, w0: float, b0: float, lr: float, steps: int,
                   fit_bias: bool = True, lrs=None) -> np.ndarray:
        """The first ``steps`` full-batch updates ``w -= lr·∂L/∂w`` from ``(w0, b0)``:
        an array of ``steps + 1`` rows ``(w, b)``, the start first. Stops early (fewer
        rows) once a value leaves float64's range. ``lrs``: the learning rate of each
        step (a schedule), in place of ``lr``.

        The steps run on the offsets from the optimum in scaled units, in plain floats (a
        thousand steps take well under a millisecond): ``Δw -= lr·4**kx·∂Ls/∂ws``,
        ``Δb -= lr·∂Ls/∂bs``."""
        b0 = float(b0) if fit_bias else 0.0
        dw0, _ = self._scaled(float(w0), b0)
        db0 = (_ldexp(b0, -self.ky) - self.bs) - self.bs_lo
        dw, db = float(dw0), float(db0)
        v, mx, mx_lo = self.var_x, self.mean_x, self.mean_x_lo
        lr_w = lr * _ldexp(1.0, 2 * self.kx)  # inf for x near float64's limit: one row
        lr_b = lr if fit_bias else 0.0
        dws, dbs = [dw], [db]
        scale = _ldexp(1.0, 2 * self.kx)
        for i in range(steps):
            if lrs is not None:
                lr_w, lr_b = lrs[i] * scale, (lrs[i] if fit_bias else 0.0)
            r = (mx * dw + db) + mx_lo * dw
            gw = 2.0 * (v * dw + mx * r)
            dw, db = dw - lr_w * gw, db - lr_b * 2.0 * r
            if not (math.isfinite(dw) and math.isfinite(db)) or abs(dw) > 1e300:
                break
            dws.append(dw)
            dbs.append(db)
        with np.errstate(over="ignore", invalid="ignore"):
            w = np.ldexp((np.asarray(dws) + self.ws_lo) + self.ws, self.ky - self.kx)
            b = np.ldexp((np.asarray(dbs) + self.bs_lo) + self.bs, self.ky)
        if not fit_bias:
            b[:] = 0.0
        path = np.column_stack([w, b])
        path[0] = float(w0), b0  # the start itself, not rebuilt from its offset (rounding)
        ok = np.all(np.isfinite(path), axis=1)
        return path[: int(np.argmin(ok)) if not ok.all() else len(path)]


def _ldexp(value, exp):
    with np.errstate(over="ignore"):
        out = np.ldexp(value, exp)
    return float(out) if np.ndim(out) == 0 else out


def contour_levels(low: float, high: float, count: int = 12) -> np.ndarray:
    """``count`` levels of ``log10 L`` between ``low`` and ``high`` (values of a log grid),
    spaced evenly, so contour lines of ``L`` are log-spaced; fewer when the range is flat."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return np.empty(0)
    return np.linspace(low, high, count + 2)[1:-1]


#: The largest ``|w|`` or ``|b|`` a view frames. Beyond it a view holding the point, with
#: its margins, would span more than float64 holds (a plot cannot be set to such a range);
#: :func:`view_bounds` leaves such points out (as it does the non-finite ones).
VIEW_LIMIT = 2.0 ** 1020  # about 1.1e307


def framable(points) -> np.ndarray:
    """Which rows ``(w, b)`` of ``points`` a view can frame: both finite and within
    ±:data:`VIEW_LIMIT`."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        return np.all(np.abs(p) <= VIEW_LIMIT, axis=1)


def view_bounds(points, margin: float = 0.15) -> tuple[tuple[float, float],
                                                         tuple[float, float]]:
    """``((w_lo, w_hi), (b_lo, b_hi))`` holding every ``(w, b)`` in ``points`` (the start,
    the path, the optimum), widened by ``margin`` (at most 0.5) of the span on each side; a
    degenerate span gets a unit-sized (or value-sized) one. Points a view cannot frame
    (:func:`framable`) are left out, so the bounds and their spans are always finite."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    p = p[framable(p)]
    if p.size == 0:
        return (-1.0, 1.0), (-1.0, 1.0)
    out = []
    for col in p.T:
        lo, hi = float(col.min()), float(col.max())
        span = hi - lo
        if span <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
            span = max(abs(lo), abs(hi)) or 1.0
            lo, hi = lo - span / 2, hi + span / 2
            span = hi - lo
        out.append((lo - margin * span, hi + margin * span))
    return out[0], out[1]
