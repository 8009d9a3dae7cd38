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

__all__ = ["CONTOUR_COUNT", "LandscapeFrame", "finite_image", "mse_frame", "outside_view",
           "robust_frame", "within_reach"]

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
