"""A run on standardized x and y, reported in the data's own units.

With ``standardize`` the engine trains on ``x' = (x - mean x) / std x`` and
``y' = (y - mean y) / std y`` (:class:`~gdstudio.core.data.standardize.Standardization`), where the
MSE bowl is round and batch descent converges in a few steps. Everything the user reads is
given back in the data's units:

- ``w``, ``b``: the line ``y' = ws·x' + bs`` is ``y = w·x + b`` with ``w = ws·sy/sx`` and
  ``b = my + sy·bs - w·mx`` (:meth:`Standardization.to_original`, compensated); the
  standardized ``ws``, ``bs`` are kept as ``w_std``, ``b_std``.
- the start (Initial w, b) is given in the data's units and converted once
  (:meth:`Standardization.to_standardized`).
- the loss: a residual on standardized data is the data's residual divided by ``sy``, so the
  MSE of the data is ``sy²`` times the standardized MSE and the MAE ``sy`` times. The Huber
  loss with a fixed delta has no single factor; but the run's delta is in standardized units,
  and Huber with delta ``δ`` on standardized data is exactly ``sy²`` times Huber with delta
  ``δ·sy`` on the data. So a standardized Huber run's loss (and its optimum) is that of
  delta ``δ·sy`` on the data: :attr:`StandardizedTraining.loss_config`.

Standardizing centres y, so the fitted line has a bias in the data's units: a run without a
bias cannot be standardized (:meth:`TrainConfig.validate` says so).
"""

from __future__ import annotations

import dataclasses
import math

from gdstudio.core.data.standardize import Standardization
from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.settings.config import EpochRecord, TrainConfig
from gdstudio.core.training.control import EpochProgress

__all__ = ["StandardizedTraining", "loss_factor"]


def loss_factor(standardization: Standardization, loss: str) -> float:
    """What a loss of standardized data is multiplied by to be in the data's units (Huber:
    with its delta times ``sy``, see the module docstring)."""
    sy = standardization.y_std
    return sy if loss == "mae" else sy * sy


class StandardizedTraining:
    """The standardized data set, start and settings of one run, and the way back.

    Raises :class:`~gdstudio.core.errors.DataError` when x does not vary (it cannot be
    standardized).
    """

    def __init__(self, dataset, config: TrainConfig, init: tuple[float, float]):
        self.standardization = s = Standardization.of_dataset(dataset)
        #: The data set the engine trains on.
        self.dataset = s.apply_dataset(dataset)
        #: The start in standardized units.
        self.init: tuple[float, float] = s.to_standardized(*init)
        self.factor = loss_factor(s, config.loss)
        #: The run's settings (the engine trains on :attr:`dataset` with them).
        self.config = config
        #: The settings whose loss on the original data is the run's loss in its units.
        self.loss_config = (config.replace(huber_delta=config.huber_delta * s.y_std)
                            if config.loss == "huber" else config)
        #: The standardized (w, b) reached last (the start before the first update).
        self.reached: tuple[float, float] = self.init

    def original(self, ws: float, bs: float) -> tuple[float, float]:
        return self.standardization.to_original(ws, bs)

    def record_back(self, record: EpochRecord) -> EpochRecord:
        """The record in the data's units (``w``, ``b`` and ``loss``)."""
        self.reached = (record.w, record.b)
        w, b = self.original(record.w, record.b)
        return record._replace(loss=record.loss * self.factor, w=w, b=b)

    def progress_back(self, progress: EpochProgress | None) -> EpochProgress | None:
        if progress is None:
            return None
        self.reached = (progress.w, progress.b)
        w, b = self.original(progress.w, progress.b)
        return progress._replace(w=w, b=b)

    def progress(self, report):
        """``report`` of in-epoch progress, given in the data's units."""
        original = self.original

        def back(progress: EpochProgress) -> None:
            w, b = original(progress.w, progress.b)
            report(progress._replace(w=w, b=b))

        return back

    def diverged_back(self, exc):
        """The divergence told in the data's units: its losses (the rule judged them on the
        standardized data; each is :attr:`factor` times as large in the data's units, and
        the rule is the same in both), its last finite parameters and loss, with the
        standardized parameters beside them (``w_std``, ``b_std`` on the error too)."""
        self.reached = ws, bs = (exc.w, exc.b)
        w, b = self.original(ws, bs)
        loss = None if exc.loss is None else exc.loss * self.factor
        guide = f"{exc.guide} (for the standardized data, on which this run takes its steps)"
        out = TrainingDiverged(exc.epoch, exc.learning_rate, exc.stable_lr, w, b, loss,
                               reason=self._reason(exc), guide=guide, final=exc.final)
        out.w_std, out.b_std = ws, bs
        message = str(out)
        if message.endswith("."):
            message = message[:-1]
        out.args = (f"{message} (standardized: w_std={ws:.6g}, b_std={bs:.6g}).",)
        return out

    def _reason(self, exc) -> str:
        """The rule's reason for ``exc`` again, with its losses in the data's units."""
        reason = exc.reason
        if reason.startswith("w or b grew"):
            return reason  # no loss in it
        from gdstudio.core.training.engine import loss_at
        from gdstudio.core.training.model_parts import parts

        watch = parts(self.config).watch(self.dataset, self.config, None)
        watch.loss_scale = self.factor
        when = next((w for w in ("after it, ", "by its start, ") if reason.startswith(w)), "")
        start = loss_at(self.dataset, self.config, *self.init)
        again = watch.judge(start)  # the start (judged alone: only a non-finite one fails)
        if again is None:
            if "no longer a number" in reason:
                last = math.nan
            elif "beyond the largest" in reason or exc.loss is None:
                last = math.inf
            else:
                last = exc.loss  # the loss that broke the rule, kept with its parameters
            again = watch.judge(last)
        return reason if again is None else when + again

    def summary(self, summary, config: TrainConfig):
        """``summary`` (made with :attr:`loss_config`) with the run's own settings and the
        standardized parameters reached."""
        changes = {"config": config, "w_std": self.reached[0], "b_std": self.reached[1]}
        if summary.loss != "" and all(math.isfinite(v) for v in self.reached):
            from gdstudio.core.training.engine import loss_at

            # the loss of the line reached, on the standardized data, in the data's units:
            # on offset data w·x + b in the data's own units loses its digits (float32)
            loss = loss_at(self.dataset, config, *self.reached) * self.factor
            if math.isfinite(loss):
                changes["loss"] = loss
        return dataclasses.replace(summary, **changes)
