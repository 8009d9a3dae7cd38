"""The data plot's scatter after an edit of one point: which points are shown, and the
coordinates written in place.

Beyond :data:`MAX_SHOWN_POINTS` points the plot shows every ``stride``-th point. pyqtgraph's
``ScatterPlotItem.setData`` styles every spot again (about a second for 100,000 spots), so an
edit that leaves as many points shown, or one more or fewer, writes the new coordinates into
the scatter's record array instead (well under a millisecond a thousand points). The stride
of a new data set leaves room for added points (``n + n/64``), and an edit keeps the stride
while it shows at most :data:`MAX_SHOWN_POINTS` and at least half as many: adding one point
to a million never changes which points are shown.
"""

from __future__ import annotations

import numpy as np

#: Beyond this many points the scatter shows an evenly thinned subset; training uses all.
MAX_SHOWN_POINTS = 100_000


def shown_stride(n: int, current: int | None = None) -> int:
    """Every how many of ``n`` points one is shown; ``current``: the stride before an edit
    (None for a new data set)."""
    if n <= MAX_SHOWN_POINTS:
        return 1
    if current is not None and current > 1:
        shown = -(-n // current)
        if MAX_SHOWN_POINTS // 2 <= shown <= MAX_SHOWN_POINTS:
            return current
    return -(-(n + n // 64) // MAX_SHOWN_POINTS)


def update_in_place(scatter, xs: np.ndarray, ys: np.ndarray) -> bool:
    """Show the points ``(xs, ys)`` in ``scatter`` (a ``pyqtgraph.ScatterPlotItem`` whose
    spots all have its default style) by writing their coordinates into its records; False
    (nothing done) when it shows no points or more than one point more or fewer."""
    data = getattr(scatter, "data", None)
    m = len(xs)
    if data is None or not len(data) or abs(m - len(data)) > 1 or not m:
        return False
    if m == len(data) + 1:
        extra = data[-1:].copy()  # the same style as every other spot
        extra["item"] = None
        data = np.concatenate([data, extra])
    elif m == len(data) - 1:
        data = data[:-1]
    data["x"] = xs
    data["y"] = ys
    scatter.data = data
    scatter.prepareGeometryChange()
    scatter.informViewBoundsChanged()
    scatter.bounds = [None, None]
    scatter.invalidate()
    scatter.sigPlotChanged.emit(scatter)
    return True
