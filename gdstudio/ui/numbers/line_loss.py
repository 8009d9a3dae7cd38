"""The exact loss of a line on the current data, for the readout, the timeline and "your
line": MSE from the data's :class:`~gdstudio.core.models.line.landscape.MSELandscape` (made once
per data
set, then O(1) a line), MAE and Huber directly (see
:func:`gdstudio.core.models.line.linefit.line_loss`)."""

from __future__ import annotations

from gdstudio.core.models.line.linefit import line_loss

_cache: list = [None, None]  # the last data set and its MSE landscape


def exact_loss(controller, w: float, b: float, kind: str | None = None) -> float | None:
    """The ``kind`` loss (default: the chosen loss) of y = w·x + b on ``controller``'s data;
    None without points or beyond float64."""
    d = controller.dataset
    kind = kind or controller.loss
    if not len(d):
        return None
    land = None
    if kind == "mse":
        if _cache[0] is not d:
            lm = getattr(controller, "landscape_model", None)
            if lm is not None and lm.dataset is d and lm.landscape is not None and not lm.busy:
                # the landscape's own exact rebuild of this data (made off the GUI thread:
                # on 100,000 points it is 20 ms of work, far more while a run holds the
                # interpreter lock)
                _cache[:] = [d, lm.landscape]
            else:
                from gdstudio.core.models.line.landscape import MSELandscape

                _cache[:] = [d, MSELandscape.from_arrays(d.x, d.y)]
        land = _cache[1]
    return line_loss(d.x, d.y, w, b, kind, controller.huber_delta, land)
