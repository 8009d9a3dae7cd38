"""Logistic regression's numbers as the studio shows them: the learning-rate guide (the
stable bound from the cross-entropy's largest curvature, the exact curvature at the start)
and the maximum-likelihood optimum in the readout. No widgets here.

The bound: the cross-entropy's Hessian never exceeds ``XᵀX/(4N)`` (``X = [x, 1]``), a
quarter of what the line's MSE has per unit of ``XᵀX/N`` divided by 8, so every bound of the
line's step-size guide (batch, per point, mini-batch) holds for logistic regression times 8:
for batch descent ``8 / λmax(XᵀX/N)``
(:func:`~gdstudio.core.models.logistic.curvature.stable_lr_bound`), below which a step never
raises the loss. For the squared error on σ the factor is ``2 / 0.15406``. The bound is the
worst case (every point at ``z = 0``); where the run is, the curvature
(:func:`~gdstudio.core.models.logistic.curvature.curvature_at`) is smaller, so larger steps are
often stable there: that part is *a guide*.

*Use optimal step* has no exact meaning here (the cross-entropy is not a quadratic: no one
step is fastest everywhere). For logistic regression the button is *Use safe step*: half the
bound, ``1/λ`` with ``λ = λmax(XᵀX/N)/4`` the largest curvature, the classic step of gradient
descent on a smooth convex loss (each batch step lowers the loss by at least half of what
the gradient promises).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from gdstudio.core.errors import DataError, StudioError
from gdstudio.core.models.line.stepsize import SCALE_ADVICE, StepGuide, step_guide
from gdstudio.core.models.logistic.curvature import (
    MSE_SIGMOID_CURVATURE,
    curvature_at,
    stable_lr_bound,
)

__all__ = ["LOSS_WORDS", "LogisticGuides", "LogisticStepGuide", "logistic_readout"]

#: The loss the run trains, as the gauge and the loss axis name it.
LOSS_WORDS = {"bce": "cross-entropy", "bce-logits": "cross-entropy",
              "mse": "MSE on \u03c3"}
#: What helps logistic regression's data whose squares overflow the arithmetic (it cannot
#: standardize, and its y are labels).
LOGISTIC_SCALE_ADVICE = "rescale x (its units) so that its values are near 1"
#: The worst-case curvature per unit of XᵀX/N of each loss (the cross-entropy's 1/4).
WORST = {"bce": 0.25, "mse": MSE_SIGMOID_CURVATURE}


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}g}" if math.isfinite(value) else "a value beyond floating point"


@dataclass(frozen=True)
class LogisticStepGuide(StepGuide):
    """A :class:`~gdstudio.core.models.line.stepsize.StepGuide` for logistic regression:
    ``limit`` the stable bound, ``optimal`` the safe step (half of it, for plain batch
    descent), ``curvature`` the exact curvature of the cross-entropy at ``at`` (the start;
    None when the start is drawn at random or the loss is the squared error on σ)."""

    loss_name: str = "cross-entropy"
    curvature: float | None = None
    at: tuple[float, float] | None = None
    #: what the *Use ... step* button is called, and its tooltip's words for the step
    optimal_label: str = "Use safe step"
    optimal_words: str = ("half the stable bound, 1/\u03bb for the cross-entropy's largest "
                          "curvature \u03bb: each batch step lowers the loss")

    @property
    def local_limit(self) -> float | None:
        """``2 / curvature``: the largest step stable near :attr:`at` (a guide)."""
        c = self.curvature
        return 2.0 / c if c is not None and math.isfinite(c) and c > 0 else None

    def text(self, digits: int = 4) -> str:
        """One phrase, e.g. ``'batch descent on this data is stable below 12.3 (the
        cross-entropy's curvature is at most λmax(XᵀX/N)/4); a guide: at the start the
        curvature is 0.05, so steps up to about 40 are stable there'``. Never 'nan' or
        'inf'."""
        if self.limit is None:
            return StepGuide.text(self, digits)
        bound = ("8 / \u03bbmax(X\u1d40X/N)" if self.loss_name == "cross-entropy"
                 else "2 / (0.154 \u03bbmax(X\u1d40X/N))")
        text = (f"{self.method} on this data is stable below {_fmt(self.limit, digits)} "
                f"({bound}: the {self.loss_name}'s largest curvature)")
        if self.basis and self.rule != "batch":
            text += f"; {self.basis} stable"
        if self.optimal is not None:
            text += f"; safe step {_fmt(self.optimal, digits)}"
        if self.guide_only:
            text += f"; a guide only: {self.note}" if self.note else "; a guide only"
        local = self.local_limit
        if local is not None:
            text += (f"; a guide: at the start the curvature is "
                     f"{_fmt(self.curvature, digits)}, so steps up to about "
                     f"{_fmt(local, digits)} are stable there")
        elif self.curvature is not None:
            text += "; at the start the sigmoid is saturated (no curvature)"
        if self.loss_name != "cross-entropy":
            text += "; not convex: steps below the bound never raise the loss, nothing more"
        if self.scale_problem:
            text += f"; but {self.scale_problem}"
        return text


class LogisticGuides:
    """``guide(config)`` gives logistic regression's :class:`LogisticStepGuide` for one data
    set, remembering the passes over the data (the settings panel asks at every change)."""

    def __init__(self, dataset):
        self.dataset = dataset
        self._memo: dict = {}

    def _remember(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def __call__(self, config) -> StepGuide:
        d = self.dataset
        if not len(d):
            raise DataError("The data set is empty: add at least one point.")
        kind = "mse" if config.loss == "mse" else "bce"
        fit_bias = bool(config.fit_bias)
        line = step_guide(d, dataclasses.replace(config, loss="mse", standardize=False),
                          self._memo)  # the line's bound for this method, its words
        factor = 2.0 / WORST[kind]
        plain = line.rule == "batch" and not line.guide_only
        if line.limit is None:
            limit = None
        elif plain:
            limit = self._remember(("logistic-bound", fit_bias, kind), lambda: stable_lr_bound(
                np.asarray(d.x, dtype=np.float64), fit_bias, kind))
            if not (0 < limit < math.inf):
                limit = None
        else:
            limit = line.limit * factor
        optimal = limit / 2 if plain and limit is not None else None
        curvature, at = None, None
        if kind == "bce" and config.init_w is not None and config.init_b is not None:
            at = (float(config.init_w), float(config.init_b) if fit_bias else 0.0)
            try:
                curvature = self._remember(("curvature", at, fit_bias), lambda: curvature_at(
                    np.asarray(d.x, dtype=np.float64), *at, fit_bias))
            except StudioError:
                curvature = None
        # (its y are labels, and it trains on x as it is: only rescaling x helps)
        scale = line.scale_problem.replace(SCALE_ADVICE, LOGISTIC_SCALE_ADVICE)
        return LogisticStepGuide(limit, optimal, line.rule, line.guide_only, line.method,
                                 line.note, scale, line.basis,
                                 LOSS_WORDS[config.loss], curvature, at)


def logistic_readout(optimum) -> str:
    """The optimum part of the readout for logistic regression (a ``LogisticOptimum``)."""
    if optimum is None:
        return ""
    return "   |   " + optimum.text
