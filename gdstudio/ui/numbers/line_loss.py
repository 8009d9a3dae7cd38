"""The exact loss of a line on the current data, for the readout, the timeline and "your
line": MSE from the data's :class:`~gdstudio.core.models.line.landscape.MSELandscape` (made once
per data
set, then O(1) a line), MAE and Huber directly (see
:func:`gdstudio.core.models.line.linefit.line_loss`)."""

from __future__ import annotations

import numpy as np

from gdstudio.core.models.line.linefit import line_loss
from gdstudio.core.models.logistic import metrics
from gdstudio.core.models.logistic.metrics import boundary, misclassified

__all__ = ["accuracy", "boundary", "boundary_text", "exact_loss", "logistic_loss",
           "misclassified", "model_of", "sigmoid"]

_cache: list = [None, None]  # the last data set and its MSE landscape


def exact_loss(controller, w: float, b: float, kind: str | None = None) -> float | None:
    """The ``kind`` loss (default: the chosen loss) of y = w·x + b on ``controller``'s data;
    None without points or beyond float64."""
    d = controller.dataset
    kind = kind or controller.loss
    if not len(d):
        return None
    if model_of(controller) == "logistic":
        return logistic_loss(d.x, d.y, w, b, kind if kind in ("bce", "bce-logits", "mse")
                             else "bce")
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


# ------------------------------------------------------------------ logistic regression
def model_of(controller) -> str:
    """The model the studio shows now (the controller's ``current_model``: the settings'
    ``model``): ``"line"`` or ``"logistic"``."""
    model = getattr(controller, "current_model", None)
    if model is not None:
        return model
    settings = getattr(controller, "settings_model", None)
    if settings is not None:
        return settings.value("model")
    config = getattr(controller, "settings", None)
    return getattr(config, "model", "line") if config is not None else "line"


def logistic_loss(x: np.ndarray, y: np.ndarray, w: float, b: float,
                  kind: str = "bce") -> float | None:
    """The loss of p = σ(w·x + b) on labels ``y`` in float64: ``bce`` (or ``bce-logits``,
    the same function) as the stable mean of softplus(z) − y·z, ``mse`` as the mean of
    (σ(z) − y)²; None without points or beyond float64."""
    if not len(x):
        return None
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        z = w * x + b
        if kind == "mse":
            p = _sigmoid(z)
            value = float(np.mean((p - y) ** 2))
        else:  # softplus(z) - y*z = max(z, 0) - y*z + log1p(exp(-|z|))
            value = float(np.mean(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))))
    return value if np.isfinite(value) else None


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) without overflow warnings (exp of −|z| only)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(z) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z) in float64, exact at both tails."""
    return _sigmoid(np.asarray(z, dtype=np.float64))



def accuracy(x, y, w: float, b: float) -> float | None:
    """The fraction of points in the right class
    (:func:`gdstudio.core.models.logistic.metrics.accuracy`), None without points."""
    return metrics.accuracy(x, y, w, b) if len(x) else None


def boundary_text(edge: float) -> str:
    """The boundary's x to six significant digits, twelve from 1e5 up (on offset data,
    x ≈ 1.7e9, the digits that tell it from its neighbours); never '-0'."""
    edge = edge + 0.0
    return f"{edge:.12g}" if abs(edge) >= 1e5 else f"{edge:.6g}"
