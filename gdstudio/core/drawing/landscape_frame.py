"""What the landscape view draws, computed without Qt: one :class:`LandscapeFrame`.

A frame holds the colour map's values (``log10 L`` on a grid), the contour lines at
log-spaced levels, the optimum of the run's loss (or, when many lines fit equally, the valley
they form) and the bowl's curvature. :func:`mse_frame` is exact and takes about a
millisecond at any data size; :func:`robust_frame` samples MAE or Huber at every grid point
(``O(N log N)`` per grid column), for a helper thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdstudio.core.drawing.contours import contour_segments
from gdstudio.core.models.line.landscape import MSELandscape, contour_levels, framable
from gdstudio.core.models.line.landscape_robust import robust_grid

__all__ = ["CONTOUR_COUNT", "LOGISTIC_TITLES", "LandscapeFrame", "finite_image",
           "logistic_frame", "logistic_shape", "mse_frame", "no_optimum_label",
           "outside_view", "robust_frame", "within_reach"]

#: contour lines per frame (levels evenly spaced in log10 L)
CONTOUR_COUNT = 12

Range = tuple[float, float]


@dataclass(frozen=True, eq=False)
class LandscapeFrame:
    """One drawing of the landscape.

    ``values[i, j]`` is ``log10 L`` at ``w = linspace(*w_range, nw)[i]``,
    ``b = linspace(*b_range, nb)[j]`` (the grid's ends are the ranges' ends).
    ``contours`` are segment ends in pairs (``connect="pairs"``). ``optimum`` is the best
    line of the run's loss (``b = 0`` for a run without bias), None when float64 cannot
    hold it; when ``unique`` is False it is one of many, ``valley`` (two ``(w, b)`` rows)
    is the line they form when known, and ``note`` says so in words. ``centre`` is the
    bowl's lowest point, through which the Hessian's ``eigenvectors`` (columns, for
    ``eigenvalues`` low then high) are drawn; the three are None for MAE and Huber.
    ``exact`` is False for a frame that a finer or exactly rebuilt one will replace.
    ``label`` is a sentence the view shows on the landscape (logistic regression's
    separable data: no finite optimum; a coarser grid on large data), ``title`` the plot's
    title when it is not the line's ("Cross-entropy landscape ...").
    """

    loss: str
    w_range: Range
    b_range: Range
    values: np.ndarray
    levels: np.ndarray
    contours: tuple[np.ndarray, np.ndarray]
    optimum: tuple[float, float] | None
    unique: bool = True
    valley: np.ndarray | None = None
    note: str = ""
    centre: tuple[float, float] | None = None
    eigenvalues: tuple[float, float] | None = None
    eigenvectors: np.ndarray | None = None
    exact: bool = True
    label: str = ""
    title: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def condition_number(self) -> float | None:
        """``λmax / λmin`` (``inf`` for a flat valley), None without curvature."""
        if self.eigenvalues is None:
            return None
        lo, hi = self.eigenvalues
        return hi / lo if lo > 0 else math.inf

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """The grid's ``w`` and ``b`` values."""
        return (np.linspace(*self.w_range, self.values.shape[0]),
                np.linspace(*self.b_range, self.values.shape[1]))


def finite_image(values: np.ndarray) -> np.ndarray:
    """``values`` with ``-inf`` (a loss of exactly 0) at the lowest finite value and
    ``+inf`` or NaN at the highest, so a colour map can show them."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    if finite.all():
        return v
    if not finite.any():
        return np.zeros_like(v)
    lo, hi = float(v[finite].min()), float(v[finite].max())
    return np.where(finite, v, np.where(v == -np.inf, lo, hi))


def outside_view(points, w_range: Range, b_range: Range) -> bool:
    """Whether a row ``(w, b)`` of ``points`` that a view can frame (finite, within
    :data:`~gdstudio.core.models.line.landscape.VIEW_LIMIT`) lies outside ``w_range`` ×
    ``b_range``: the view must widen to keep it in sight."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    p = p[framable(p)]
    if not len(p):
        return False
    (w0, w1), (b0, b1) = w_range, b_range
    w, b = p[:, 0], p[:, 1]
    return bool(w.min() < w0 or w.max() > w1 or b.min() < b0 or b.max() > b1)


def within_reach(points, anchors, reach: float = 1.5) -> np.ndarray:
    """The first rows ``(w, b)`` of ``points`` (a path) up to the first that leaves the box
    of ``anchors`` (the start and the optimum) widened by ``reach`` times its span on each
    side: what a frame chosen by itself may widen to show of a previewed run, so that a
    zigzag that swings past the optimum is seen whole, and a diverging one only as it
    leaves (not a view of astronomic spans in which the bowl is a dot)."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    a = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    a = a[framable(a)]
    if not len(p) or not len(a):
        return p[:0]
    lo, hi = a.min(axis=0), a.max(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, np.maximum(np.abs(hi), 1.0))
    with np.errstate(invalid="ignore"):
        inside = np.all((p >= lo - reach * span) & (p <= hi + reach * span), axis=1)
    leaves = np.flatnonzero(~inside)
    return p if not len(leaves) else p[:leaves[0]]


def _levels_and_lines(values, w, b):
    image = finite_image(values)
    levels = contour_levels(float(image.min()), float(image.max()), CONTOUR_COUNT)
    return image, levels, contour_segments(image, w, b, levels)


def mse_frame(land: MSELandscape, w_range: Range, b_range: Range, shape=(161, 161),
              fit_bias: bool = True, exact: bool = True) -> LandscapeFrame:
    """The exact MSE frame of ``land`` over ``w_range`` × ``b_range``."""
    values = land.grid(w_range, b_range, shape)
    w = np.linspace(*w_range, shape[0])
    b = np.linspace(*b_range, shape[1])
    image, levels, lines = _levels_and_lines(values, w, b)
    centre = land.optimum
    (lo, hi), vectors = land.eigen()
    valley, note = None, ""
    if fit_bias:
        optimum, unique = centre, land.unique
        if not unique:
            mean_x = math.ldexp(land.mean_x, land.kx)
            ends = np.array(w_range, dtype=np.float64)
            valley = np.column_stack([ends, centre[1] - mean_x * (ends - centre[0])])
            note = (f"Every x is {mean_x:.6g}: every line through that point's mean y fits "
                    "equally well (a valley of optima).")
    else:
        optimum = land.optimum_without_bias
        unique = land.var_x + land.mean_x * land.mean_x > 0
        if not unique:
            valley = np.array([[w_range[0], 0.0], [w_range[1], 0.0]])
            note = "Every x is 0: every slope fits equally well (a valley of optima)."
    if not all(math.isfinite(v) for v in optimum):
        optimum = None
    return LandscapeFrame("mse", tuple(w_range), tuple(b_range), image, levels, lines, optimum,
                          unique, valley, note, centre, (lo, hi), vectors, exact)


def robust_frame(x, y, kind: str, w_range: Range, b_range: Range, shape=(129, 129),
                 delta: float = 1.0, optimum=None,
                 should_stop: Callable[[], bool] | None = None,
                 exact: bool = True) -> LandscapeFrame | None:
    """The ``kind`` (``"mae"`` or ``"huber"``) frame sampled on ``shape``; ``optimum`` an
    :class:`~gdstudio.core.models.line.optimum.Optimum` of that loss (or None). None when
    ``should_stop()`` turned true."""
    values = robust_grid(x, y, kind, w_range, b_range, shape, delta, True, should_stop)
    if values is None:
        return None
    w = np.linspace(*w_range, shape[0])
    b = np.linspace(*b_range, shape[1])
    image, levels, lines = _levels_and_lines(values, w, b)
    point, unique, note = None, True, ""
    if optimum is not None:
        if optimum.w is not None and optimum.b is not None:
            point = (float(optimum.w), float(optimum.b))
        unique = optimum.unique
        note = "" if unique else optimum.description
    return LandscapeFrame(kind, tuple(w_range), tuple(b_range), image, levels, lines, point,
                          unique, None, note, exact=exact)


#: The plot's title for each loss of logistic regression's landscape.
LOGISTIC_TITLES = {"bce": "Cross-entropy landscape (log colour)",
                   "mse": "Squared error on \u03c3 landscape (log colour)"}
#: Point-cells (points × grid cells) a logistic landscape's fine grid may cost: every point
#: at every cell, so large data get a coarser grid (:func:`logistic_shape`).
LOGISTIC_BUDGET = 30_000_000
LOGISTIC_FINE, LOGISTIC_COARSE, LOGISTIC_LEAST = 129, 17, 9


def logistic_shape(n: int, coarse: bool = False) -> tuple[int, int]:
    """The grid of a logistic landscape of ``n`` points: 129 × 129 (17 × 17 for the
    ``coarse`` first pass) while every point at every cell stays within
    :data:`LOGISTIC_BUDGET`, coarser beyond (never under 9 × 9)."""
    top = LOGISTIC_COARSE if coarse else LOGISTIC_FINE
    side = math.isqrt(max(LOGISTIC_BUDGET // max(int(n), 1), 1))
    side = max(LOGISTIC_LEAST, min(top, side))
    return side, side


def no_optimum_label(optimum) -> str:
    """The landscape's words when logistic regression's loss has no finite optimum (a
    :class:`~gdstudio.core.models.logistic.optimum.LogisticOptimum` of kind "separable" or
    "one-class"); empty otherwise."""
    kind = getattr(optimum, "kind", "unique")
    if kind == "separable":
        return "separable: no finite optimum \u2014 the loss falls forever as w grows"
    if kind == "one-class":
        return ("one class only: no finite optimum \u2014 the loss falls forever as b "
                "moves away from 0")
    return ""


def logistic_frame(land, w_range: Range, b_range: Range, shape=(129, 129), optimum=None,
                   should_stop: Callable[[], bool] | None = None, exact: bool = True,
                   n: int = 0, loss: str = "bce") -> LandscapeFrame | None:
    """Logistic regression's landscape of ``land`` (a
    :class:`~gdstudio.core.models.logistic.landscape.LogisticLandscape`: every point at every
    cell) over ``w_range`` × ``b_range``, a column of ``w`` at a time; None when
    ``should_stop()`` turned true between columns. ``optimum`` (a ``LogisticOptimum`` of the
    cross-entropy, or None) gives the star for the cross-entropy (``loss`` "bce") when it is
    finite, and the label when there is none; the squared error on σ gets no star (its
    minimum is not the cross-entropy's). ``n``: the points, said when the grid is coarser
    than 129 × 129."""
    nw, nb = shape
    w = np.linspace(*w_range, nw)
    b = np.linspace(*b_range, nb)
    values = np.empty((nw, nb))
    for i in range(nw):
        if should_stop is not None and should_stop():
            return None
        values[i] = land.grid((w[i], w[i]), b_range, (1, nb), log=True)[0]
    image, levels, lines = _levels_and_lines(values, w, b)
    point, label, centre, eigen, vectors = None, "", None, None, None
    if loss == "bce" and optimum is not None:
        if getattr(optimum, "kind", "") == "unique" and optimum.w is not None:
            point = (float(optimum.w), float(optimum.b))
        label = no_optimum_label(optimum)
    if point is not None and hasattr(land, "hessian_at"):
        h = np.asarray(land.hessian_at(*point), dtype=np.float64)
        if h.shape == (2, 2) and np.isfinite(h).all():
            lams, vecs = np.linalg.eigh(h)
            centre, eigen, vectors = point, (float(lams[0]), float(lams[1])), vecs
    if exact and nw < LOGISTIC_FINE and n:
        grid = f"a {nw} \u00d7 {nb} grid: every one of the {n:,} points at each cell"
        label = f"{label}\n{grid}" if label else grid
    return LandscapeFrame(loss, tuple(w_range), tuple(b_range), image, levels, lines, point,
                          True, None, "", centre, eigen, vectors, exact, label,
                          LOGISTIC_TITLES.get(loss, ""))
