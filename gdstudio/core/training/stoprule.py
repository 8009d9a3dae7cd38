"""The stop rule: a run may stop once it has converged (the ``tol`` setting; 0 = off).

At the end of each epoch ``k`` (from 0), with ``L_k`` the full-data loss of the parameters at
the epoch's start (the history's ``loss`` of epoch ``k``) and ``L_{k+1}`` the full-data loss of
the parameters at its end (the next epoch's ``loss``; both as the run's implementation
computes them, in the data's dtype), the run has converged when

1. the **relative loss change** ``|L_{k+1} - L_k| / max(|L_k|, TINY)`` is below ``tol``, or else
2. the **gradient norm** ``sqrt((dL/dw)^2 + (dL/db)^2)`` of the full-data loss at the epoch's
   end parameters is below ``tol`` (``dL/dw`` alone without a bias). It is computed in float64
   from the data (:func:`gradient_norm`): ``dL/dw = mean(g * x)``, ``dL/db = mean(g)`` with
   ``g = 2 e`` for the MSE, ``sign(e)`` (the subgradient torch uses, 0 at e = 0) for the MAE
   and ``clip(e, -delta, delta)`` for the Huber loss, ``e = w x + b - y``; for logistic
   regression ``g = sigmoid(z) - y`` for the cross-entropy and
   ``2 (sigmoid(z) - y) sigmoid(z) (1 - sigmoid(z))`` for the squared error on the sigmoid,
   ``z = w x + b``, in stable forms.

Both are checked after the epoch's record, and only when ``tol > 0``; the loss of the end
parameters is then computed once and is also the next epoch's start loss, so the rule costs a
gradient (one pass over the data in float64) an epoch, and nothing when off. A standardized
run applies the rule to the standardized data it trains on. A run whose loss blows up never
converges: its relative change is large, and the divergence rule is checked first.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

#: The least denominator of the relative loss change (a loss of exactly 0 changes by 0).
TINY = 1e-300

RULE_WORDS = {"loss_change": "relative loss change", "gradient_norm": "gradient norm"}


class Converged(NamedTuple):
    """The stop rule fired at the end of epoch ``epoch`` (from 0): ``rule`` is
    ``"loss_change"`` or ``"gradient_norm"`` and ``value`` its value, below ``tol``."""

    epoch: int
    rule: str
    value: float
    tol: float

    def words(self) -> str:
        """``'relative loss change 8.1e-09 < tol 1e-08'``."""
        return f"{RULE_WORDS[self.rule]} {self.value:.2g} < tol {self.tol:g}"

    def sentence(self) -> str:
        """``'Converged at epoch 137: relative loss change 8.1e-09 < tol 1e-08'`` (the epoch
        counted from 1, as the epochs done)."""
        return f"Converged at epoch {self.epoch + 1:,}: {self.words()}"


def relative_change(before: float, after: float) -> float:
    """``|after - before| / max(|before|, TINY)`` (inf or NaN for losses that are not finite,
    which no tolerance passes)."""
    return abs(after - before) / max(abs(before), TINY)


def gradient_norm(x: np.ndarray, y: np.ndarray, w: float, b: float, config) -> float:
    """The norm of the full-data gradient of ``config``'s model and loss at ``(w, b)``, in
    float64 (``x``, ``y`` float64 arrays): for the line as the module docstring says; for
    logistic regression ``g = sigmoid(z) - y`` (the cross-entropy) or
    ``2 (sigmoid(z) - y) sigmoid(z) (1 - sigmoid(z))`` (the squared error on the sigmoid),
    ``z = w x + b`` (see :mod:`gdstudio.core.models.logistic.sigmoid`)."""
    from gdstudio.core.training.model_parts import parts  # (the models load torch: when needed)

    return math.hypot(*parts(config).gradient(x, y, w, b, config))


class StopRule:
    """The rule for one run on ``x``, ``y`` (the data it trains on)."""

    __slots__ = ("config", "tol", "x", "y")

    def __init__(self, x, y, config):
        self.config = config
        self.tol = float(config.tol)
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)

    def check(self, epoch: int, before: float, after: float, w: float,
              b: float) -> Converged | None:
        """Whether the run has converged at the end of ``epoch``, whose start loss was
        ``before`` and end loss is ``after`` at the end parameters ``(w, b)``."""
        change = relative_change(before, after)
        if change < self.tol:
            return Converged(epoch, "loss_change", change, self.tol)
        norm = gradient_norm(self.x, self.y, w, b, self.config)
        if norm < self.tol:
            return Converged(epoch, "gradient_norm", norm, self.tol)
        return None
