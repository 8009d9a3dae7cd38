"""One line against the data, and one moment of a run (no Qt).

**Moments.** A run's history holds, for epoch ``k`` (0-based), the loss of the parameters at
the *start* of that epoch and ``w``, ``b`` *after* it
(:class:`~gdstudio.core.settings.config.EpochRecord`).
The studio shows both in one frame of reference, stated once: a moment is **after N epochs**
(N = 0 is the start), with the ``w``, ``b`` reached then and **the loss of those w, b** on
the full data. So moment N's loss is ``history.loss[N]`` (the loss at the start of epoch
N + 1), and the last moment's loss is the run's final loss (its summary's), or, while it
runs, the loss of the newest w, b computed exactly (the data is locked while a run is
active). The loss curve's point at x = N is the same number: its x axis counts epochs done.

**One line.** :func:`line_report` gives a line's residuals, its sum of squared errors and R²
computed on centred data: ``R² = 1 − SSE/SST`` with ``SST = Σ(y − ȳ)²``; with SST = 0 (every
y the same) R² is undefined and said so in words.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from gdstudio.core.models.line.residuals import line_residuals

__all__ = [
    "MOMENT_WORDS",
    "LineReport",
    "Moment",
    "equation_text",
    "line_loss",
    "line_report",
    "moment_at",
    "r2_from_landscape",
]

#: How a moment is named everywhere (the loss axis, the readout, the scrubber, hover texts).
MOMENT_WORDS = "after N epochs: w, b then and the loss of that line"


class Moment(NamedTuple):
    """A moment of a run: ``epochs`` done (0: the start), the ``w``, ``b`` reached and the
    full-data loss of that line (None, shown "—", when it overflows float64 or is not
    computed: a live run's newest line on large data with MAE or Huber); ``end`` marks the
    run's last moment."""

    epochs: int
    w: float
    b: float
    loss: float | None
    end: bool = False
    #: k when the run stopped inside epoch k (after ``epochs`` whole ones): its last moment
    #: is the line reached there, not an epoch's end; 0 otherwise
    stopped_in: int = 0
    #: (updates done, updates in the epoch) when the moment is inside epoch ``epochs`` + 1
    #: (a live run there, or a run stopped there), else None
    updates: tuple[int, int] | None = None

    def text(self) -> str:
        loss = "—" if self.loss is None else f"{self.loss:.6g}"
        head = f"after {self.epochs:,} epoch{'s' if self.epochs != 1 else ''}"
        if self.stopped_in:
            head = f"stopped in epoch {self.stopped_in:,}"
        elif self.updates is not None:
            head = f"in epoch {self.epochs + 1:,}, update {self.updates[0]:,}/{self.updates[1]:,}"
        return f"{head}: w {self.w:.6g}, b {self.b:.6g}, loss {loss}"


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def moment_at(n: int, loss, w, b, init, end=None, live_loss=None) -> Moment:
    """Moment ``n`` (0 … ``len(loss)``) of a run whose history columns are ``loss``, ``w``,
    ``b`` and which started at ``init`` (w0, b0).

    ``end`` is the finished run's (w, b, loss), used for its last moment, and for a run
    stopped inside an epoch, that epoch as a fourth item (its last moment is then between
    two epoch ends, and says so); ``live_loss(w, b)`` gives the loss of the newest line of a
    run still going."""
    count = len(loss)
    n = max(0, min(int(n), count))
    if n == count and end is not None:
        stopped = int(end[3]) if len(end) > 3 and end[3] else 0
        return Moment(count, float(end[0]), float(end[1]), _finite(end[2]), True, stopped)
    pw, pb = (init if n == 0 else (w[n - 1], b[n - 1]))
    if n < count:
        value = _finite(loss[n])
    else:
        value = _finite(live_loss(pw, pb)) if live_loss is not None else None
    return Moment(n, float(pw), float(pb), value, n == count)


def line_loss(x, y, w: float, b: float, kind: str = "mse", delta: float = 1.0,
              landscape=None) -> float | None:
    """The ``kind`` loss (mse, mae, huber) of the line y = w·x + b on the points, exactly:
    MSE from the data's :class:`~gdstudio.core.models.line.landscape.MSELandscape` (``landscape``,
    if
    already made), MAE and Huber directly. None without points or beyond float64."""
    if len(x) == 0:
        return None
    if kind == "mse":
        from gdstudio.core.models.line.landscape import MSELandscape

        land = landscape if landscape is not None else MSELandscape.from_arrays(x, y)
        return _finite(land.loss(float(w), float(b)))
    from gdstudio.core.models.line.landscape_robust import robust_loss

    with np.errstate(over="ignore", invalid="ignore"):
        return _finite(robust_loss(x, y, kind, float(w), float(b), delta))


class LineReport(NamedTuple):
    """A line against the data: each point's residual ``y − (w·x + b)``, the sum of their
    squares and R² (None when SST = 0, or when R² is below float64's range; :attr:`r2_text`
    says which in words)."""

    residuals: np.ndarray
    sse: float
    sst: float
    r2: float | None
    #: False when every y is the same (SST = 0 exactly, not by underflow)
    y_varies: bool = True

    @property
    def r2_text(self) -> str:
        if self.r2 is None:
            if not len(self.residuals):
                return ""
            if not self.y_varies:
                return "R² undefined (every y is the same)"
            return "R² below −1e308 (the line is far beyond the points)"
        return f"R² = {self.r2:.4f}" if abs(self.r2) < 1e6 else f"R² = {self.r2:.4g}"


def line_report(x, y, w: float, b: float) -> LineReport:
    """Residuals, SSE and R² (``1 − SSE/SST`` on centred y) of y = w·x + b."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    # compensated: on y ≈ 1e8 with a spread of a few ulps the rounding of w·x + b alone is
    # as large as the residuals
    residuals = line_residuals(x, y, w, b)
    with np.errstate(over="ignore", invalid="ignore"):
        if not len(y):
            return LineReport(residuals, 0.0, 0.0, None, False)
        mean = float(np.mean(y))
        d = y - mean
        d = d - float(np.mean(d))  # the corrected two-pass: removes the rounding of the mean
        sst = float(np.dot(d, d))
        sse = float(np.dot(residuals, residuals))
        if math.isfinite(sse) and 1e-250 < sst < math.inf:
            return LineReport(residuals, sse, sst, 1.0 - sse / sst)
        # squares beyond float64 (tiny y, a far line): the ratio of sums of scaled squares
        top, low = float(np.max(np.abs(residuals))), float(np.max(np.abs(d)))
        r2 = None
        if low > 0 and math.isfinite(top):
            ratio = (top / low) * (top / low)  # (not ** 2: a float's power raises)
            if ratio:
                ratio *= float(np.dot(residuals / top, residuals / top)) / float(
                    np.dot(d / low, d / low))
            r2 = 1.0 - ratio if math.isfinite(ratio) else None
    return LineReport(residuals, sse, sst, r2, low > 0)


def r2_from_landscape(landscape, w: float, b: float) -> tuple[float | None, bool]:
    """``(R², y varies)`` of y = w·x + b in O(1) from the data's exact
    :class:`~gdstudio.core.models.line.landscape.MSELandscape`: ``SSE/n`` is the MSE there
    and ``SST/n = var(y) = L* + var(x)·w*²`` (both in the landscape's scaled units, whose
    powers of two cancel; each is exact to a few ulps, also on offset data). R² is None when
    SST = 0 (every y the same: ``y varies`` is then False) or the loss is beyond float64."""
    with np.errstate(over="ignore", invalid="ignore"):
        sst = landscape.loss_s + landscape.var_x * landscape.ws * landscape.ws
        sse = float(landscape.loss_scaled(float(w), float(b)))
    if sst == 0:
        return None, False
    if not (math.isfinite(sse) and math.isfinite(sst)):
        return None, True
    return 1.0 - sse / sst, True


def equation_text(w: float, b: float) -> str:
    """'y = 9·x + 350' (with the sign of b written once; a zero is 0, never -0)."""
    w, b = float(w) + 0.0, float(b) + 0.0  # -0.0 + 0.0 is 0.0
    sign = "−" if b < 0 else "+"
    return f"y = {w:.4g}·x {sign} {abs(b):.4g}"
