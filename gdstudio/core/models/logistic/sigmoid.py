"""The sigmoid and the two losses of logistic regression, in stable float64 NumPy forms.

With ``z = w*x + b`` (``w*x`` without a bias) and labels ``y`` in {0, 1}:

- the cross-entropy ("bce", "bce-logits": the same function) of one point is
  ``softplus(z) - y*z = max(z, 0) - y*z + log1p(exp(-|z|))``, and its derivative in ``z`` is
  ``sigmoid(z) - y``;
- the squared error on the sigmoid ("mse") is ``(sigmoid(z) - y)**2``, its derivative
  ``2 (sigmoid(z) - y) sigmoid(z) (1 - sigmoid(z))``.

``exp`` is only ever taken of ``-|z|``, so nothing overflows and no warning is raised at
``|z| ~ 1e30`` or beyond; ``sigmoid(z)`` and ``1 - sigmoid(z)`` are each computed without
cancellation. The gradient of the mean loss is ``(mean(g*x), mean(g))`` with ``g`` the derivative
in ``z`` of each point.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["gradient", "mean_loss", "sigmoid_pair", "terms_and_slopes", "z_of"]


def z_of(x: np.ndarray, w: float, b: float, fit_bias: bool = True) -> np.ndarray:
    """``w*x + b`` in float64 (``w*x`` without a bias)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        z = np.multiply(float(w), x)
        if fit_bias:
            z += float(b)
    return z


def sigmoid_pair(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sigmoid(z), 1 - sigmoid(z))``, each without overflow or cancellation."""
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(z))  # in (0, 1]
        big = 1.0 / (1.0 + e)  # sigmoid(|z|)
        small = e * big  # sigmoid(-|z|) = e / (1 + e)
        positive = z >= 0
        return np.where(positive, big, small), np.where(positive, small, big)


def terms_and_slopes(z: np.ndarray, y: np.ndarray, kind: str):
    """Each point's loss ``kind`` ("mse", or the cross-entropy) and its derivative in ``z``
    (float64 arrays). One ``exp`` a point serves both the sigmoid and the softplus."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        e = np.abs(z)
        np.negative(e, out=e)
        np.exp(e, out=e)  # exp(-|z|), in (0, 1]
        big = e + 1.0
        np.reciprocal(big, out=big)  # sigmoid(|z|)
        small = e * big  # sigmoid(-|z|) = 1 - sigmoid(|z|), without cancellation
        negative = z < 0
        p = np.where(negative, small, big)
        if kind == "mse":
            q = np.where(negative, big, small)  # 1 - p
            r = p - y
            return r * r, 2.0 * r * p * q
        g = np.subtract(p, y, out=p)  # sigmoid(z) - y
        # softplus(z) - y*z = (max(z, 0) - y*z) + log1p(exp(-|z|)), in this order (the
        # exported script's); y*z is exact for labels 0 and 1
        terms = np.maximum(z, 0.0, out=big)
        terms -= np.multiply(y, z, out=small)
        terms += np.log1p(e, out=e)
        return terms, g


def mean_loss(x, y, w: float, b: float, kind: str, fit_bias: bool = True) -> float:
    """The mean loss ``kind`` of (w, b) on all points, in float64."""
    terms, _ = terms_and_slopes(z_of(x, w, b, fit_bias), y, kind)
    return float(np.mean(terms)) if terms.size else math.nan


def gradient(x, y, w: float, b: float, kind: str, fit_bias: bool = True
             ) -> tuple[float, float]:
    """``(dL/dw, dL/db)`` of the mean loss ``kind`` at (w, b), in float64 (``dL/db`` is 0
    without a bias)."""
    x64 = np.asarray(x, dtype=np.float64)
    _, g = terms_and_slopes(z_of(x64, w, b, fit_bias), y, kind)
    n = g.shape[0]
    if n == 0:
        return 0.0, 0.0
    with np.errstate(all="ignore"):
        gw = float(np.dot(g, x64)) / n
        gb = float(np.sum(g)) / n if fit_bias else 0.0
    return gw, gb
