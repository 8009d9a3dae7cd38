"""The data's numbers as the window shows them: the optimum in the readout, the dashed
least-squares line and the step-size hint under the learning rate.

The numbers come from :mod:`gdstudio.core.optimum` and :mod:`gdstudio.core.stepsize`; this
module only decides when to compute them (once per data set and loss) and how to show them.
"""

from __future__ import annotations

from ..core.optimum import LOSS_NAMES, closed_form, loss_optimum
from ..core.stepsize import GuideCache

#: Above this many points the optimum of an MAE or Huber loss is not computed on the GUI
#: thread (about 0.2 s per 100,000 points); each run computes it on its training thread and
#: the readout shows it once the run ends.
OWN_OPTIMUM_LIMIT = 100_000


def _number(value: float) -> str:
    return f"{value:.6g}"


def update_optimum(window) -> None:
    """Compute the optimum for the window's data and loss settings, if they changed; update
    the dashed line and the panel's step-size hint."""
    d = window.model.dataset
    panel = window.panel
    fit_bias = panel.fit_bias.isChecked()
    loss = panel.loss.currentData()
    delta = panel.huber_delta.value() if panel.huber_delta.error() is None else 1.0
    key = (fit_bias, loss, delta if loss == "huber" else None)
    last = getattr(window, "_optimum_key", None)
    if last is not None and last[0] is d and last[1:] == key:
        return
    window._optimum_key = (d, *key)
    window.optima = window.optimum = None
    if not len(d):
        window.plot.set_optimum(None, label="least squares")
        panel.set_step_guide(None)
        return
    lsq = closed_form(d, fit_bias)
    own = lsq
    if loss != "mse":
        own = loss_optimum(d, loss, fit_bias, delta) if len(d) <= OWN_OPTIMUM_LIMIT else None
    window.optimum = lsq
    window.optima = (own, lsq)
    line = lsq.line
    label = "least squares" if line is not None else (
        "least squares: not unique" if not lsq.unique else "least squares: beyond float64")
    window.plot.set_optimum(*(line if line is not None else (None,)), label=label)
    panel.set_step_guide(GuideCache(d))


def readout_tail(window) -> str:
    """The optimum part of the readout: the run's own loss, and least squares as reference."""
    optima = getattr(window, "optima", None)
    if optima is None:
        return ""
    own, lsq = optima
    loss = window.panel.loss.currentData()
    summary = window.current_summary
    if (own is None and summary is not None and not window._stale_run
            and summary.optimum is not None and summary.optimum.loss_fn == loss):
        own = summary.optimum  # computed by the run
    name = LOSS_NAMES[loss]
    if loss == "mse":
        return "   |   least\u00a0squares: " + lsq.text(_number)
    own_text = "computed with each run on data this large" if own is None else (
        own.text(_number))
    return (f"   |   {name}\u00a0optimum: {own_text}   |   least\u00a0squares "
            f"(reference): {lsq.text(_number, star='', loss_name='mse')}")

