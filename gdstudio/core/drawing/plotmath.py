"""The plots' arithmetic, in numpy alone: clipping a line to the view, thinning a long curve.

The studio's plots (:mod:`gdstudio.ui.plots`) draw what these functions compute; they are
tested without Qt.
"""

from __future__ import annotations

import numpy as np


def clip_line(w: float, b: float, x0: float, x1: float, y0: float, y1: float):
    """The part of ``y = w*x + b`` inside the view rectangle, as ([xa, xb], [ya, yb]).

    Clipping in data coordinates keeps steep lines (w of 1e16 after a divergence) where they
    belong; Qt cannot draw a segment whose ends lie 1e17 units off screen. None if the line
    misses the view.
    """
    lo, hi = x0, x1
    if w != 0:
        xa, xb = (y0 - b) / w, (y1 - b) / w
        lo, hi = max(lo, min(xa, xb)), min(hi, max(xa, xb))
    elif not y0 <= b <= y1:
        return None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
        return None
    xs = np.array([lo, hi])
    return xs, np.clip(w * xs + b, y0, y1)


class PeakDecimator:
    """A growing series summarized by the min and max of fixed-size blocks.

    :meth:`update` only reads the values added since the last call, and the view it returns
    never has more than about ``2 * max_blocks`` points plus one block of raw tail, however
    long the series grows: the loss curve keeps every epoch but draws a thinned view.
    """

    def __init__(self, max_blocks: int = 2000):
        self.max_blocks = max_blocks
        self.reset()

    def reset(self) -> None:
        self.block = 1
        self.done = 0
        self.lo = np.empty(0)
        self.hi = np.empty(0)

    def update(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(y)
        if n < self.done:
            self.reset()
        full = (n - self.done) // self.block * self.block
        if full and self.block > 1:
            seg = np.asarray(y[self.done:self.done + full], np.float64).reshape(-1, self.block)
            self.lo = np.concatenate([self.lo, seg.min(axis=1)])
            self.hi = np.concatenate([self.hi, seg.max(axis=1)])
            self.done += full
        elif n > 2 * self.max_blocks and self.block == 1:
            self.block = 2
            return self.update(y)
        while len(self.lo) > self.max_blocks:
            even = len(self.lo) // 2 * 2
            if even < len(self.lo):  # an unpaired last block goes back to the raw tail
                self.done -= self.block
            self.lo = np.minimum(self.lo[0:even:2], self.lo[1:even:2])
            self.hi = np.maximum(self.hi[0:even:2], self.hi[1:even:2])
            self.block *= 2
        if self.block == 1:
            return np.arange(n, dtype=np.float64), np.asarray(y, np.float64)
        starts = np.arange(len(self.lo), dtype=np.float64) * self.block
        xs = np.empty(2 * len(starts) + (n - self.done))
        ys = np.empty_like(xs)
        m = 2 * len(starts)
        xs[0:m:2], xs[1:m:2] = starts, starts + self.block - 1
        ys[0:m:2], ys[1:m:2] = self.hi, self.lo  # a falling loss: high first, then low
        xs[m:] = np.arange(self.done, n)
        ys[m:] = y[self.done:n]
        return xs, ys


#: A log axis with no positive value to go by draws zero losses here (about float64's eps:
#: zero to the precision of the numbers).
EMPTY_LOG_FLOOR = 1e-16
#: The lowest floor: a log view cannot reach below about 1e-307.6 (float64's range).
LOWEST_LOG_FLOOR = 1e-307


def min_positive(values) -> float:
    """The smallest finite value above zero, or ``inf`` when there is none."""
    values = np.asarray(values, dtype=np.float64)
    positive = values[np.isfinite(values) & (values > 0)]
    return float(positive.min()) if len(positive) else float("inf")


def log_floor(smallest_positive: float) -> float:
    """Where a log axis draws losses of zero (or below): the power of ten a decade below the
    smallest positive loss ``smallest_positive`` (``inf``: none, then
    :data:`EMPTY_LOG_FLOOR`). The curves then drop to the bottom of a view a few decades
    high, never to 1e-308 at the bottom of a view 600 decades high. Never below
    :data:`LOWEST_LOG_FLOOR`, the bottom of a log view the plot can show."""
    if not np.isfinite(smallest_positive) or smallest_positive <= 0:
        return EMPTY_LOG_FLOOR
    k = int(np.floor(np.log10(smallest_positive)))
    if float(f"1e{k}") > smallest_positive:  # log10 rounded up just below a power of ten
        k -= 1
    return max(float(f"1e{k - 1}"), LOWEST_LOG_FLOOR)  # the double nearest 10**(k-1)
