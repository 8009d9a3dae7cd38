"""What ``gdstudio train --figure`` draws, computed without Qt.

:class:`FigureData` gathers a finished run: the data (thinned for drawing), the final line,
the loss after 0, 1, 2, … epochs (as the studio's loss plot draws it: the loss before each
epoch, then the loss at the run's last moment) and the epoch ends ``(w, b)`` in the data's
units (the start first), and the landscape's ranges, which hold the start, the path and the
optimum. For logistic regression it also holds the sigmoid p(x) = σ(w·x + b) of the final
(w, b) over the data's x and the decision boundary x = −b/w (:func:`sigmoid_curve`).
:func:`figure_format` checks the file name's extension.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from gdstudio.core.models.line.landscape import framable

__all__ = ["FIGURE_FORMATS", "FIGURE_SIZE", "MAX_DRAWN_POINTS", "MAX_FIGURE_PIXELS",
           "MAX_FIGURE_SIDE", "MIN_VIEW_SIZE", "FigureData", "figure_format", "figure_size",
           "landscape_ranges", "losses_after_epochs", "sigmoid_curve"]

#: The image formats, by extension.
FIGURE_FORMATS = {".png": "png", ".svg": "svg"}
#: The figure's size in pixels (width, height): three views side by side.
FIGURE_SIZE = (1500, 500)
#: The smallest size of one view in a figure, in pixels (width, height): its axes, title
#: and labels still fit.
MIN_VIEW_SIZE = (200, 150)
#: The longest side of a figure, in pixels.
MAX_FIGURE_SIDE = 8000
#: The most pixels a figure may have (an image of 32 million pixels takes 128 MB to draw).
MAX_FIGURE_PIXELS = 32_000_000
#: At most this many data points (and residuals) are drawn; more are thinned evenly.
MAX_DRAWN_POINTS = 2000


def figure_format(path: str | os.PathLike) -> str | None:
    """``"png"`` or ``"svg"`` from the extension of ``path`` (any case), else None."""
    name = os.path.basename(os.fsdecode(os.fspath(path))).lower()
    # (not splitext: a name that is only ".png" has no extension to it, yet ends in .png)
    return next((fmt for end, fmt in FIGURE_FORMATS.items() if name.endswith(end)), None)


def figure_size(width, height, views: int = 1) -> tuple[int, int]:
    """The figure's size ``(width, height)`` in pixels from what the user typed (text or
    numbers), for ``views`` views side by side.

    Raises
    ------
    ValueError
        One sentence naming the side, its bounds and what was given.
    """
    low = (MIN_VIEW_SIZE[0] * views, MIN_VIEW_SIZE[1])
    size = []
    for name, value, least in (("width", width, low[0]), ("height", height, low[1])):
        text = str(value).strip()
        shown = repr(text) if len(text) <= 20 else repr(text[:20] + "…")
        try:
            number = int(text.replace("_", "").replace(",", ""), 10)
        except ValueError:
            raise ValueError(f"The {name} must be a whole number of pixels, got "
                             f"{shown}.") from None
        if not least <= number <= MAX_FIGURE_SIDE:
            several = f" for {views} views side by side" if views > 1 else ""
            raise ValueError(f"The {name} must be from {least:,} to {MAX_FIGURE_SIDE:,} "
                             f"pixels{several}, got {number:,}.")
        size.append(number)
    if size[0] * size[1] > MAX_FIGURE_PIXELS:
        raise ValueError(f"A figure of {size[0]:,} × {size[1]:,} pixels is too large: at most "
                         f"{MAX_FIGURE_PIXELS:,} pixels (such as 8,000 × 4,000).")
    return size[0], size[1]


def _span(values: np.ndarray, pad: float = 0.12) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    width = hi - lo
    if not width > 0:
        width = max(abs(lo), 1.0)
    return lo - pad * width, hi + pad * width


def landscape_ranges(points: np.ndarray, optimum: tuple[float, float] | None):
    """``(w_range, b_range)`` holding every ``(w, b)`` of ``points`` and the optimum that a
    view can frame (finite and within ±``VIEW_LIMIT``, as the live view:
    :func:`~gdstudio.core.models.line.landscape.framable`), padded by 12% (a flat span
    becomes one of its own size, or 1); always finite."""
    rows = [np.asarray(points, dtype=np.float64).reshape(-1, 2)]
    if optimum is not None and all(math.isfinite(v) for v in optimum):
        rows.append(np.array([optimum], dtype=np.float64))
    p = np.concatenate(rows)
    p = p[framable(p)]
    if len(p) == 0:
        return (-1.0, 1.0), (-1.0, 1.0)
    return _span(p[:, 0]), _span(p[:, 1])


def thinned(count: int, most: int = MAX_DRAWN_POINTS) -> np.ndarray:
    """Indices of at most ``most`` of ``count`` items, evenly spread, ends included."""
    if count <= most:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, most).round().astype(np.int64))


def losses_after_epochs(losses, end=None) -> np.ndarray:
    """The loss after 0, 1, 2, … epochs: ``losses`` (the loss before each epoch), then
    ``end``, the loss at the run's last moment (after its last epoch, or where it stopped
    inside one), when it is a finite number: the points the studio's loss plot draws at
    x = 0, 1, …, ``len(losses)``."""
    losses = np.asarray(losses, dtype=np.float64).reshape(-1)
    if isinstance(end, (int, float)) and not isinstance(end, bool) and math.isfinite(end):
        losses = np.append(losses, float(end))
    return losses


@dataclass(frozen=True)
class FigureData:
    """A finished run, ready to draw (see the module docstring)."""

    x: np.ndarray
    y: np.ndarray
    w: float
    b: float
    #: the loss after 0, 1, 2, … epochs (:func:`losses_after_epochs`)
    losses: np.ndarray
    path: np.ndarray
    loss_name: str
    title: str
    drawn_points: int
    #: the points of the data set (more than ``drawn_points`` when thinned)
    total_points: int = 0
    #: ``"line"`` or ``"logistic"`` (then ``y`` holds the labels 0 and 1)
    model: str = "line"
    #: logistic regression: the sigmoid of the final (w, b), ``(x, p)`` over the data's x
    sigmoid: tuple[np.ndarray, np.ndarray] | None = None
    #: logistic regression: the decision boundary x = -b/w (None when w == 0 or not finite)
    boundary: float | None = None

    @classmethod
    def of_run(cls, dataset, losses, path, w: float, b: float, loss_name: str, title: str,
               end=None, model: str = "line"):
        """``losses``: the loss before each epoch; ``end``: the loss at the run's last
        moment (see :func:`losses_after_epochs`); ``path``: rows ``(w, b)``, the start then
        each epoch's end; ``w``, ``b``: the final line (or sigmoid, for ``model``
        ``"logistic"``)."""
        keep = thinned(len(dataset))
        x = np.asarray(dataset.x, dtype=np.float64)
        logistic = {}
        if model == "logistic" and len(x):
            from gdstudio.core.models.logistic.metrics import boundary

            logistic = {"sigmoid": sigmoid_curve(x, w, b), "boundary": boundary(w, b)}
        return cls(x[keep], np.asarray(dataset.y, dtype=np.float64)[keep], float(w), float(b),
                   losses_after_epochs(losses, end),
                   np.asarray(path, dtype=np.float64).reshape(-1, 2), loss_name, title,
                   len(keep), len(dataset), model, **logistic)


#: Samples of the sigmoid drawn over the data's x.
SIGMOID_SAMPLES = 401


def sigmoid_curve(x: np.ndarray, w: float, b: float,
                  samples: int = SIGMOID_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """``(xs, p)``: p = σ(w·x + b) at ``samples`` x evenly over the data's x (padded by 12%),
    in float64, computed as ``(1 + tanh(z / 2)) / 2`` (no overflow at any z; an overflowing
    z gives 0 or 1, as the sigmoid does)."""
    lo, hi = _span(np.asarray(x, dtype=np.float64))
    xs = np.linspace(lo, hi, samples)
    with np.errstate(over="ignore", invalid="ignore"):
        z = float(w) * xs + float(b)
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
    return xs, p


def logistic_figure_frame(dataset, config, optimum, path):
    """The landscape view's frame of a logistic regression run's figure: the exact
    cross-entropy (or, for the ``mse`` loss, the squared error on the sigmoid) over ranges
    that hold the path and the maximum-likelihood optimum ``optimum`` (a
    :class:`~gdstudio.core.models.logistic.optimum.LogisticOptimum`, or None; drawn only
    when there is a finite one)."""
    from gdstudio.core.drawing.landscape_frame import logistic_frame, logistic_shape
    from gdstudio.core.models.logistic.landscape import LogisticLandscape

    point = None
    if optimum is not None and optimum.w is not None and optimum.b is not None:
        point = (float(optimum.w), float(optimum.b))
    w_range, b_range = landscape_ranges(path, point)
    loss = "mse" if config.loss == "mse" else "bce"
    land = LogisticLandscape.from_arrays(dataset.x, dataset.y, loss=loss)
    return logistic_frame(land, w_range, b_range, shape=logistic_shape(len(dataset)),
                          optimum=optimum, n=len(dataset), loss=loss)
