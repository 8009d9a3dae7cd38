"""The data's numbers as the studio shows them: the optimum in the readout, the dashed
least-squares line and the step-size hint under the learning rate.

The numbers come from :mod:`gdstudio.core.models.line.optimum` and
:mod:`gdstudio.core.models.line.stepsize`; this
module only decides what to compute for a data set and loss (the controller computes them
once per data set and loss) and how to say them. No widgets here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gdstudio.core.errors import StudioError
from gdstudio.core.models.line.optimum import LOSS_NAMES, closed_form, loss_optimum
from gdstudio.core.models.line.stepsize import GuideCache

#: Above this many points the optimum of an MAE or Huber loss is not computed on the GUI
#: thread (about 0.2 s per 100,000 points); each run computes it on its training thread and
#: the readout shows it once the run ends.
OWN_OPTIMUM_LIMIT = 100_000


@dataclass(frozen=True)
class DataNumbers:
    """The optimum of a data set for one loss, and how its line and step-size hint show."""

    #: The least-squares optimum (None without data).
    optimum: object = None
    #: (the optimum of the run's own loss or None if not computed here, least squares).
    optima: tuple | None = None
    #: The dashed line (w, b), or None when there is none to draw.
    line: tuple[float, float] | None = None
    #: The dashed line's legend label.
    label: str = "least squares"
    #: ``guide(config)`` gives the step-size guide (None without data).
    guide: GuideCache | None = None
    #: Logistic regression: the maximum-likelihood optimum of the data (a
    #: :class:`~gdstudio.core.models.logistic.optimum.LogisticOptimum`; None for the line).
    logistic: object = None


def _number(value: float) -> str:
    return f"{value:.6g}"


def data_numbers(d, fit_bias: bool, loss: str, delta: float,
                 same_data: DataNumbers | None = None, model: str = "line") -> DataNumbers:
    """The numbers of data set ``d`` for the loss ``loss`` (Huber's ``delta``) of ``model``.
    ``same_data``: numbers of the same data set and ``fit_bias`` for another loss, whose
    least-squares line and step-size guide are reused (passes over the data: about a
    second at a million points, for a switch of the loss)."""
    if not len(d):
        return DataNumbers()
    if model == "logistic":
        return _logistic_numbers(d, fit_bias, same_data)
    if same_data is not None and same_data.optimum is not None:
        lsq = same_data.optimum
    else:
        lsq = closed_form(d, fit_bias)
    own = lsq
    if loss != "mse":
        own = loss_optimum(d, loss, fit_bias, delta) if len(d) <= OWN_OPTIMUM_LIMIT else None
    line = lsq.line
    label = "least squares" if line is not None else (
        "least squares: not unique" if not lsq.unique else "least squares: beyond float64")
    guide = same_data.guide if same_data is not None and same_data.guide is not None \
        else GuideCache(d)
    return DataNumbers(lsq, (own, lsq), line, label, guide)


def _logistic_numbers(d, fit_bias: bool, same_data: DataNumbers | None) -> DataNumbers:
    """Logistic regression's numbers: the maximum-likelihood optimum (Newton's method, every
    point) and the step-size guide; no least-squares line is drawn."""
    from gdstudio.core.models.logistic.optimum import logistic_optimum
    from gdstudio.ui.numbers.logistic_numbers import LogisticGuides

    if same_data is not None and same_data.logistic is not None:
        optimum, guide = same_data.logistic, same_data.guide
    else:
        try:
            optimum = logistic_optimum(d.x, d.y, fit_bias)
        except (ValueError, StudioError):
            optimum = None  # (labels not 0 or 1: the data's own check says so)
        guide = LogisticGuides(d)
    return DataNumbers(None, None, None, "maximum likelihood", guide, optimum)


def readout_tail(controller) -> str:
    """The optimum part of the readout: the run's own loss, and least squares as reference
    (logistic regression: its maximum-likelihood optimum, or why there is none)."""
    logistic = getattr(controller.numbers, "logistic", None)
    if logistic is None and controller.numbers.label == "maximum likelihood":
        return "   |   maximum likelihood: computing (every point, Newton's method)\u2026"
    if logistic is not None:
        from gdstudio.ui.numbers.logistic_numbers import logistic_readout

        return logistic_readout(logistic)
    optima = controller.optima
    if optima is None:
        return ""
    own, lsq = optima
    loss = controller.loss
    summary = controller.current_summary
    if (own is None and summary is not None and not controller.stale
            and summary.optimum is not None and summary.optimum.loss_fn == loss):
        own = summary.optimum  # computed by the run
    name = LOSS_NAMES[loss]
    if loss == "mse":
        return "   |   least\u00a0squares: " + lsq.text(_number)
    own_text = "computed with each run on data this large" if own is None else (
        own.text(_number))
    return (f"   |   {name}\u00a0optimum: {own_text}   |   least\u00a0squares "
            f"(reference): {lsq.text(_number, star='', loss_name='mse')}")
