"""When a logistic-regression run stops: saturation of p, and the divergence rule made right
for the model.

Saturation
----------
``p = torch.sigmoid(w*x + b)`` rounds to exactly 1 in float32 once ``w*x + b`` passes about
16.64 (36.74 in float64), and to exactly 0 below about -88.72 (-709.78). Then:

* the hand-written cross-entropy ``-mean(y*log(p) + (1-y)*log(1-p))`` (manual, loss "bce")
  takes ``log(0)``: the loss is ``inf`` (or ``0 * -inf``, NaN) and so are the gradients, and w
  and b become NaN. Whichever point saturates, whatever its label.
* ``nn.BCELoss`` (module, loss "bce") clamps ``log`` at -100: a point classified right stays
  harmless, but a point on the wrong side with p exactly its wrong class counts as 100
  instead of its true loss, and its gradient is exactly 0: it no longer moves w or b, and the
  run goes on fitting the others as if it were not there. Its mean loss is then at least
  ``100 / N``: only then is the data checked.

Either way the run stops, before the epoch whose start is saturated (or, for the NaN made
inside an epoch of the hand-written loss, after it) with :class:`TrainingSaturated`, which says
why and suggests ``BCEWithLogitsLoss`` (``--loss bce-logits``), which takes ``w*x + b`` itself
and never rounds p. The analytic path and ``bce-logits`` use stable forms: they never saturate.

Divergence
----------
The line's rule (:mod:`gdstudio.core.models.line.divergence`) holds, with the model's own
references: the loss of ``w = b = 0`` (p = 0.5 everywhere: ``log 2`` for the cross-entropy,
0.25 for the squared error on the sigmoid), and the loss of points missed by the margin
``lr * (|x| + 1)`` that one step of size ``lr`` in w and b can cause. Separable data, whose loss
falls towards 0 while w grows without bound, never breaks it: its loss only falls. The
cross-entropy's gradient is bounded (``|dL/dw| <= max |x|``, ``|dL/db| <= 1``), so its loss grows
at most linearly in the steps even at a far too large learning rate, and the squared error on
the sigmoid never exceeds 1: a logistic run breaks the rule only when a loss or a parameter
stops being a finite number (w or b overflowing at an enormous ``lr * |x|``).
"""

from __future__ import annotations

import math

import numpy as np

from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.models.line.divergence import DivergenceWatch
from gdstudio.core.models.line.optimum import stable_learning_rate
from gdstudio.core.models.logistic.sigmoid import mean_loss

__all__ = ["LogisticWatch", "TrainingSaturated", "stable_ce_learning_rate"]

#: What nn.BCELoss counts for log(0) (torch clamps the log at -100).
CLAMP = 100.0
SUGGESTION = ("use BCEWithLogitsLoss (--loss bce-logits), which computes the same loss from "
              "w*x + b and never rounds p")


def stable_ce_learning_rate(dataset, fit_bias: bool = True) -> float:
    """The learning rate below which full-batch cross-entropy descent is always stable,
    ``8 / lambda_max(X^T X / N)`` (the cross-entropy's curvature is at most a quarter of
    ``X^T X / N``): eight times the line's MSE bound on the same x."""
    return 8.0 * stable_learning_rate(dataset, fit_bias)


class TrainingSaturated(TrainingDiverged):
    """The run stopped because p rounded to exactly 0 or 1 where the loss takes its log
    (see the module docstring). A :class:`TrainingDiverged` for every handler that keeps a
    stopped run's last parameters, with its own message."""

    def describe(self) -> str:
        advice = SUGGESTION
        if self.epoch > 0 and self.learning_rate > 10 * self.stable_lr:  # (a step threw p there)
            advice = (f"the learning rate {self.learning_rate:g} is "
                      f"{self.learning_rate / self.stable_lr:.2g} times the largest stable one "
                      f"({self.stable_lr:.3g}): take a smaller one, or {SUGGESTION}")
        return (f"Training stopped in {self.where}: {self.reason}; {advice}. Kept the last "
                f"parameters with a finite loss, w={self.w:.6g}, b={self.b:.6g}.")


def _words(p: float) -> str:
    return "1" if p == 1 else "0"


class LogisticWatch(DivergenceWatch):
    """The divergence rule with logistic regression's references, and the saturation check
    of the losses that take ``log(p)`` (manual and module "bce")."""

    def __init__(self, dataset, config, impl=None):
        super().__init__(dataset, config)
        self._impl = impl
        self._n = len(dataset)
        self._extremes: tuple[float, float] | None = None  # the data's least and largest x
        saturates = config.loss == "bce" and config.impl in ("manual", "module")
        #: "manual", "module" or None: which saturation to look for.
        self.saturation = config.impl if saturates else None
        # module BCELoss: a clamped point makes the mean loss at least 100 / N
        self._clamp_limit = (CLAMP * (1 - 1e-3) / self._n
                             if self.saturation == "module" and self._n else math.inf)

    ZERO_WORDS = "w = b = 0"

    def _reference_losses(self) -> tuple[float, float]:
        d, c = self._dataset, self._config
        kind = "mse" if c.loss == "mse" else "ce"
        x = np.asarray(d.x, dtype=np.float64)
        zero = mean_loss(x, d.y, 0.0, 0.0, kind)
        with np.errstate(all="ignore"):
            moved = c.learning_rate * (np.abs(x) + 1.0 if c.fit_bias else np.abs(x))
        # points on the wrong side by that margin (label 0, z = the margin)
        step = mean_loss(moved, np.zeros_like(moved), 1.0, 0.0, kind, fit_bias=False)
        return zero, step

    def check(self, epoch: int, loss: float, w: float, b: float, good: tuple,
              final: bool = False) -> float:
        if self.saturation is not None:
            error = self._saturated(epoch, loss, w, b, good, final)
            if error is not None:
                raise error
        # (the line's rule judges only a loss past its own limit; the clamp check may come
        # below it)
        limit = (super().check(epoch, loss, w, b, good, final) if not loss <= self.limit
                 else self.limit)
        return min(limit, self._clamp_limit)

    def _may_saturate(self, w: float, b: float) -> bool:
        """Whether some p can be exactly 0 or 1 at (w, b): w*x + b is largest and smallest at
        the data's extreme x; torch's sigmoid rounds to 1 only past ~16.64 (float32) or
        ~36.74 (float64), to 0 only below ~-88.72 or ~-709.78 (the bounds here leave room
        for the rounding of w*x + b).
        Costs nothing once the extremes are known (one pass, the first time)."""
        if self._extremes is None:
            x = np.asarray(self._dataset.x, dtype=np.float64)
            self._extremes = (float(np.min(x)), float(np.max(x))) if x.size else (0.0, 0.0)
        one, zero = (15.0, -80.0) if self._dataset.dtype == "float32" else (35.0, -700.0)
        lo, hi = self._extremes
        bias = b if self._config.fit_bias else 0.0
        with np.errstate(all="ignore"):
            ends = (w * lo + bias, w * hi + bias)
            room = 1e-5 * (abs(w) * max(abs(lo), abs(hi)) + abs(bias))
        top, bottom = max(ends) + room, min(ends) - room
        return not (top < one and bottom > zero)

    def _probabilities(self, w: float, b: float) -> np.ndarray:
        X, _ = self._dataset.tensors()
        return self._impl.probabilities(X, w, b).numpy().reshape(-1)

    def _saturated(self, epoch, loss, w, b, good, final) -> TrainingSaturated | None:
        """The error if the loss of (w, b) took log(0) (clamped, for nn.BCELoss), else None."""
        if self._impl is None or not (math.isfinite(w) and math.isfinite(b)):
            return None
        if self.saturation == "manual":
            if math.isfinite(loss):
                return None
            p = self._probabilities(w, b)
            hits = np.flatnonzero((p == 0) | (p == 1))
        else:
            if not (loss >= self._clamp_limit and self._may_saturate(w, b)):
                return None
            p = self._probabilities(w, b)
            y = np.asarray(self._dataset.y)
            hits = np.flatnonzero(((p == 1) & (y == 0)) | ((p == 0) & (y == 1)))
        if hits.size == 0:
            return None
        i = int(hits[0])
        x, y = float(self._dataset.x[i]), float(self._dataset.y[i])
        z = w * x + b if self._config.fit_bias else w * x
        dtype = self._dataset.dtype
        where = (f"p = sigmoid(w*x + b) is exactly {_words(p[i])} in {dtype} at point {i + 1} "
                 f"(x = {x:g}, label {y:g}, w*x + b = {z:.4g})")
        more = f" and {hits.size - 1:,} more" if hits.size > 1 else ""
        if self.saturation == "manual":
            log_of = "1 - p" if (p[i] == 1) else "p"
            reason = (f"the hand-written cross-entropy took log(0): {where}{more}, so "
                      f"log({log_of}) is -inf and the loss is not a number")
            kept = good
        else:
            true = mean_loss(np.array([x]), np.array([y]), w, b, "ce", self._config.fit_bias)
            reason = (f"nn.BCELoss clamps log(p) at -100, and {where}{more}: its loss counts "
                      f"as 100 instead of {true:.4g} and its gradient is 0, so it no longer "
                      "moves w or b")
            kept = (w, b, loss)
        when = "after it, " if final else "at its start, "
        return self._error_saturated(epoch, when + reason, kept, final)

    def _error_saturated(self, epoch, reason, good, final) -> TrainingSaturated:
        c = self._config
        stable = stable_ce_learning_rate(self._dataset, c.fit_bias)
        return TrainingSaturated(epoch, c.learning_rate, stable, *good, reason=reason,
                                 guide=self._guide(stable), final=final)

    def _guide(self, stable: float) -> str:
        return f"batch descent on this data's cross-entropy is always stable below {stable:.6g}"

    def parameters_overflowed(self, epoch: int, good: tuple) -> TrainingDiverged:
        """w or b stopped being finite during ``epoch``: for the hand-written cross-entropy,
        log(0) inside the epoch unless the steps themselves could overflow."""
        if self.saturation == "manual" and not self._steps_can_overflow(good):
            reason = (f"during the epoch, p = sigmoid(w*x + b) became exactly 0 or 1 in "
                      f"{self._dataset.dtype} at a point of a batch, the hand-written "
                      "cross-entropy took log(0), and w and b stopped being numbers")
            return self._error_saturated(epoch, reason, good, False)
        return super().parameters_overflowed(epoch, good)

    def _steps_can_overflow(self, good: tuple) -> bool:
        """Whether an epoch of steps (each moves w by at most lr * max |x|, b by lr, until
        the loss saturates) could carry w or b past the data type's largest number."""
        d, c = self._dataset, self._config
        largest = float(np.finfo(d.x.dtype).max)
        with np.errstate(all="ignore"):
            top = float(np.max(np.abs(np.asarray(d.x, dtype=np.float64)))) if len(d) else 0.0
            reach = abs(good[0]) + abs(good[1]) + 2.0 * len(d) * c.learning_rate * (top + 1.0)
        return not reach < largest / 2

    def _error(self, epoch, reason, good, final) -> TrainingDiverged:
        c = self._config
        stable = stable_ce_learning_rate(self._dataset, c.fit_bias)
        return TrainingDiverged(epoch, c.learning_rate, stable, *good, reason=reason,
                                guide=self._guide(stable), final=final)
