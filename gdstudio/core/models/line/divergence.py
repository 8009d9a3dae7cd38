"""When a run has diverged: the rule the engine applies, and the words that explain it.

The rule
--------
Let ``L0`` be the full-data loss at the start and ``R`` the largest of

* ``L0``, the loss at the start;
* the loss of the line ``y = 0`` (``w = b = 0``), a line that fits nothing;
* the loss of a line that misses every point by ``lr * (|x| + 1)`` (``lr * |x|`` without a
  bias): what a single step of size ``lr`` in ``w`` and in ``b`` can do to a perfect fit.

A run has **diverged** when, before any epoch or after the last one,

* the full-data loss is not a finite number, or ``w`` or ``b`` is not, or
* the full-data loss is more than :data:`MULTIPLE` (a million) times ``R``.

Why this rule
-------------
* A converging run does not go there. Plain descent below its stable learning rate never
  raises the full-data loss above its start; the optimum's loss is below the ``y = 0`` line's;
  momentum and Nesterov overshoot, and Adam, RMSprop and Adagrad move ``w`` and ``b`` by about
  ``lr`` a step whatever the gradient, so from a start at the optimum their first steps multiply
  a tiny start loss by any amount, but not beyond the one-step loss. The largest bump of a
  converging run in the test sweep (``tests/test_divergence.py``) is ``100 R`` (RMSprop's first
  step is ``10 lr``).
* A run whose loss grows by a factor ``q`` an epoch passes ``MULTIPLE * R`` about
  ``log(1e6) / log(q)`` epochs after passing ``R``: 9 epochs at ``q = 5``, 2 at ``q = 1000``.
  Runs that blow up and then stay finite (stochastic descent at ``lr = 0.1`` on the tutorial
  line settles at a loss of 4e14) are caught too, which a rule on growth alone would miss.
* It costs one comparison an epoch and no allocation: the engine compares each loss with
  ``DivergenceWatch.limit`` and calls :meth:`DivergenceWatch.check` only for a loss that is not
  below it (the start loss, then only losses past a million times the start). The reference
  losses are computed only then, so most runs never compute them; the loss after the last
  update is one more full-data loss per run.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.models.line.optimum import stable_learning_rate, step_guide

#: How many times the reference loss ``R`` the full-data loss may reach before the run is
#: declared diverged.
MULTIPLE = 1e6
MULTIPLE_WORDS = "a million"

_LARGEST = sys.float_info.max
_CHUNK = 1 << 20  # points per slice when computing the reference losses (bounded memory)


def _loss_sum(e: np.ndarray, kind: str, delta: float) -> float:
    """Sum of the per-point loss of residuals ``e`` (float64)."""
    if kind == "mse":
        return float(np.dot(e, e))
    a = np.abs(e)
    if kind == "mae":
        return float(a.sum())
    with np.errstate(over="ignore"):  # the branch not taken may overflow (a delta of 1e200)
        return float(np.where(a < delta, 0.5 * e * e, delta * (a - 0.5 * delta)).sum())


def reference_losses(x, y, kind: str, learning_rate: float, fit_bias: bool = True,
                     huber_delta: float = 1.0) -> tuple[float, float]:
    """``(loss of the line y = 0, loss of one step of size lr)``, in float64.

    The second is the mean loss of residuals ``lr * (|x| + 1)`` (``lr * |x|`` without a
    bias). Either may be ``inf`` when the data's scale overflows float64.
    """
    n = len(x)
    zero = step = 0.0
    with np.errstate(all="ignore"):
        for start in range(0, n, _CHUNK):
            xs = np.asarray(x[start:start + _CHUNK], dtype=np.float64)
            ys = np.asarray(y[start:start + _CHUNK], dtype=np.float64)
            zero += _loss_sum(ys, kind, huber_delta)
            moved = np.abs(xs) + 1.0 if fit_bias else np.abs(xs)
            step += _loss_sum(learning_rate * moved, kind, huber_delta)
    return zero / n, step / n


def _g(value: float) -> str:
    return f"{value:.3g}"


class DivergenceWatch:
    """Applies the divergence rule to the full-data losses of one run, in order.

    The engine keeps ``limit`` in a local and, for each loss, tests ``loss <= limit`` (False
    for NaN too); only when that fails does it call :meth:`judge`. ``limit`` starts below 0,
    so the first loss, the start, is always judged.
    """

    def __init__(self, dataset, config):
        self._dataset = dataset
        self._config = config
        self.start: float | None = None
        self.reference: float | None = None  # R, once the reference losses are computed
        self._words = "its start"
        self.limit = -1.0
        #: The losses are written times this (a standardized run's are written in the data's
        #: units: see
        #: :meth:`~gdstudio.core.training.standardized_run.StandardizedTraining.diverged_back`).
        self.loss_scale = 1.0

    def _l(self, loss: float) -> str:
        return _g(loss * self.loss_scale)

    def _set_limit(self, reference: float) -> None:
        self.limit = min(MULTIPLE * reference, _LARGEST)

    #: The parameters whose loss is the ``zero`` reference, as the message names them.
    ZERO_WORDS = "the line y = 0"

    def _reference_losses(self) -> tuple[float, float]:
        """``(zero, step)``: the loss of :data:`ZERO_WORDS`, and the loss that one step of
        the run's size can cause."""
        d, c = self._dataset, self._config
        return reference_losses(d.x, d.y, c.loss, c.learning_rate, c.fit_bias, c.huber_delta)

    def _compute_reference(self) -> None:
        c = self._config
        zero, step = self._reference_losses()
        reference, self._words = self.start, "its start"
        if zero > reference:
            reference = zero
            self._words = (f"both its start and the loss of {self.ZERO_WORDS} "
                           f"({self._l(zero)})")
        if step > reference:
            reference = step
            self._words = (f"both its start and the loss that one step of size "
                           f"{c.learning_rate:g} in w and b can cause ({self._l(step)})")
        self.reference = reference
        self._set_limit(reference)

    def judge(self, loss: float) -> str | None:
        """None if the run may go on (``limit`` is then updated), else why it diverged.

        The reason reads after "Training diverged in epoch k: " and names the numbers.
        """
        if not math.isfinite(loss):
            dtype = self._dataset.dtype
            if self.start is None:
                return (f"the full-data loss of the starting line is too large for {dtype} "
                        "numbers")
            if math.isnan(loss):
                return (f"the full-data loss, {self._l(self.start)} at the start, is no longer a "
                        "number")
            return (f"the full-data loss grew from {self._l(self.start)} beyond the largest "
                    f"{dtype} number")
        if self.start is None:
            self.start = loss
            self._set_limit(loss)
            return None
        if self.reference is None:
            self._compute_reference()
            if loss <= self.limit:
                return None
        return (f"the full-data loss grew from {self._l(self.start)} to {self._l(loss)}, more than "
                f"{MULTIPLE_WORDS} times {self._words}")

    def check(self, epoch: int, loss: float, w: float, b: float, good: tuple,
              final: bool = False) -> float:
        """Judge ``loss``, the full-data loss of ``(w, b)`` before ``epoch``.

        Returns the new limit if the run may go on; otherwise raises
        :class:`TrainingDiverged`, keeping ``(w, b, loss)`` if ``loss`` is finite and
        ``good`` (the last parameters with a finite loss, and that loss) if not.
        """
        reason = self.judge(loss)
        if reason is None:
            return self.limit
        if math.isfinite(loss):
            good = (w, b, loss)
        when = "after it, " if final else ("" if self.start is None else "by its start, ")
        raise self._error(epoch, when + reason, good, final)

    def parameters_overflowed(self, epoch: int, good: tuple) -> TrainingDiverged:
        """The error for ``w`` or ``b`` that stopped being finite during ``epoch``."""
        reason = f"w or b grew beyond the largest {self._dataset.dtype} number"
        return self._error(epoch, reason, good, False)

    def _error(self, epoch, reason, good, final) -> TrainingDiverged:
        """The error, quoting the step-size guide of the run's own method."""
        d, c = self._dataset, self._config
        return TrainingDiverged(epoch, c.learning_rate, stable_learning_rate(d, c.fit_bias),
                                *good, reason=reason, guide=step_guide(d, c).text(),
                                final=final)
