"""The step-size guide: the largest stable learning rate for a run's method on its data.

For the mean squared error ``L = mean((w*x + b - y)**2)`` the Hessian in ``(w, b)`` is
``H = 2 * [[mean(x**2), mean(x)], [mean(x), 1]]`` (``2 * mean(x**2)`` without a bias).
Plain gradient descent with learning rate ``lr`` on a quadratic is stable exactly when
``lr < 2 / lambda_max`` of the Hessian of each step's loss:

``batch``
    every step uses all the data: ``2 / lambda_max(H)``, exact; the fastest step is
    ``2 / (lambda_min + lambda_max)``.
``per-point``
    stochastic descent, one point a step. Point ``i`` has Hessian ``2 * a a^T`` with
    ``a = (x_i, 1)``, eigenvalue ``2 * (x_i**2 + 1)``; below ``1 / (max x**2 + 1)``
    (``1 / max x**2`` without a bias) every single step is stable, in any order.
``mini-batch``
    batches of ``B`` points. Unshuffled, the batches are fixed (consecutive slices of the
    data) and the bound is the smallest ``2 / lambda_max`` over those batches. Shuffled, a
    batch can be any ``B`` points; ``lambda_max`` of a mean of ``B`` point Hessians is at most
    the mean of the ``B`` largest point eigenvalues, which gives a bound that holds for every
    batch the shuffle can draw (the last, shorter batch of an epoch included).

All of it is computed on centred, power-of-two scaled data, without cancellation, so offset
data (timestamps) and huge or tiny values get the right, finite numbers. When ``x**2`` or
``y**2`` overflow the data's own arithmetic no learning rate helps: the guide says that the
data's scale is the problem.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdstudio.core.errors import DataError
from gdstudio.core.numeric import centred_moments, scale_exponent


def _fmt(value: float, digits: int) -> str:
    """A finite float for a message (never 'nan' or 'inf')."""
    if not math.isfinite(value):
        return "a value beyond floating point"
    return f"{value:.{digits}g}"


def _power(value: float) -> str:
    """``about 1e+320`` for a power of ten given as a float exponent (may exceed float64)."""
    return f"about 1e{value:+.0f}" if math.isfinite(value) else "beyond any float"


@dataclass(frozen=True)
class StepGuide:
    """The step-size guide of one method on one data set (see the module docstring).

    Attributes
    ----------
    limit : float or None
        The largest stable learning rate; ``None`` when there is none to give: the data's
        scale overflows (``scale_problem``), the loss has no curvature in a parameter (all x
        are 0 without a bias), or the loss (MAE) has no curvature at all.
    optimal : float or None
        ``2 / (lambda_min + lambda_max)``, the fastest step of plain batch descent on the MSE;
        ``None`` for every other case.
    rule : str
        ``"batch"``, ``"per-point"`` or ``"mini-batch"``: which bound ``limit`` is.
    guide_only : bool
        True when the bound is only indicative for this run: momentum, Nesterov, weight
        decay, Adam, RMSprop, Adagrad, or an MAE or Huber loss.
    method : str
        The descent, as the message names it (``"batch descent"``, ...).
    note : str
        Why the bound is only a guide, or why there is none (empty when neither).
    scale_problem : str
        Non-empty when the data's own scale overflows its arithmetic; says so in words.
    basis : str
        What the bound holds for (``'each one-point step is'`` ...), shown after it.
    """

    limit: float | None
    optimal: float | None
    rule: str
    guide_only: bool
    method: str = "batch descent"
    note: str = ""
    scale_problem: str = ""
    basis: str = ""

    def text(self, digits: int = 4) -> str:
        """One user-facing phrase, e.g. ``'batch descent on this data is stable below 0.12
        (fastest step 0.1071)'``. Never contains 'nan' or 'inf'."""
        if self.scale_problem and self.limit is None:
            return self.scale_problem
        if self.limit is None:
            text = f"{self.method}: {self.note}" if self.note else (
                f"{self.method} has no step-size limit on this data")
        else:
            text = f"{self.method} on this data is stable below {_fmt(self.limit, digits)}"
            if self.optimal is not None:
                text += f" (fastest step {_fmt(self.optimal, digits)})"
            elif self.basis:
                text += f" ({self.basis})"
            if self.guide_only:
                text += f"; a guide only: {self.note}" if self.note else "; a guide only"
        if self.scale_problem:
            text += f"; but {self.scale_problem}"
        return text


# ----------------------------------------------------------------------------- scaled moments


def lam_max_log(mean: float, var: float, k: int, fit_bias: bool) -> tuple[float, float]:
    """``(log2 lambda_max, lambda_min / lambda_max)`` of the MSE Hessian of points whose
    scaled moments are ``mean``, ``var`` (scale ``2**k``). Logarithmic so it never overflows.
    """
    q = var + mean * mean  # mean(x**2) / 4**k
    if not fit_bias:
        return (math.log2(2.0 * q) + 2 * k if q > 0 else -math.inf), 1.0
    # H / 2 = [[q * 4**k, mean * 2**k], [mean * 2**k, 1]]. With t = 4**k (possibly huge):
    # lambda_max/2 = (T + sqrt((q t - 1)**2 + 4 mean**2 t)) / 2, T = q t + 1, without cancellation.
    if 2 * k > 1000:  # q t dominates 1 completely: lambda_max = 2 q t (1 + O(1/(q t)))
        lam_log = math.log2(2.0 * q) + 2 * k
        ratio = var / q * 2.0 ** (-2 * k) / q if q > 0 else 0.0
        return lam_log, ratio
    t = 4.0**k
    a = q * t
    disc = math.hypot(a - 1.0, 2.0 * mean * 2.0**k)
    lam = a + 1.0 + disc  # = lambda_max of H (the factor 2 and the 1/2 cancel)
    lam_min = 4.0 * var * t / lam  # det(H) = 4 var(x)
    return math.log2(lam), lam_min / lam


# ----------------------------------------------------------------------------- the guide


def _dtype_limits(dtype: str) -> tuple[float, str]:
    info = np.finfo(np.float32 if dtype == "float32" else np.float64)
    return float(info.max), dtype


#: The advice that ends the words of :func:`_scale_problem` (logistic regression, whose y are
#: labels and which cannot standardize, says its own).
SCALE_ADVICE = "rescale or standardize x and y"


def _scale_problem(x: np.ndarray, y: np.ndarray, dtype: str) -> tuple[str, bool]:
    """Words for data whose squares overflow the data's arithmetic (or ''), and whether x's do.
    """
    fmax, name = _dtype_limits(dtype)
    log_max = math.log10(fmax)
    parts, x_over = [], False
    for label, values in (("x", x), ("y", y)):
        top = float(np.max(np.abs(values))) if values.size else 0.0
        if top > 0 and 2 * math.log10(top) >= log_max:
            parts.append(f"{label}\u00b2 reaches {_power(2 * math.log10(top))}")
            x_over = x_over or label == "x"
    if not parts:
        return "", False
    return (f"the data's scale overflows {name} arithmetic ({' and '.join(parts)}, beyond "
            f"{fmax:.3g}): no learning rate can fix that; {SCALE_ADVICE}"), x_over


def _from_log2(log_value: float) -> float | None:
    """``2**log_value`` as a normal float64, or None when it is not one."""
    if not math.isfinite(log_value) or log_value > 1023 or log_value < -1021:
        return None
    return 2.0**log_value


def _method_name(config) -> str:
    if config.method == "batch":
        return "batch descent"
    if config.method == "sgd":
        return "stochastic descent"
    return f"mini-batch descent (B={config.batch_size})"


def _guide_only_note(config) -> str:
    """Why the bound is only indicative for this run ('' when it holds as it is)."""
    reasons = []
    if config.loss == "huber":
        reasons.append("the Huber loss curves like the MSE/2 near the line and less "
                       "away from it")
    if config.impl == "module":
        m = config.momentum
        if config.optimizer == "sgd" and m and config.nesterov:
            reasons.append(f"Nesterov momentum {m:g} moves it to 2(1+m)/((1+2m)\u03bbmax)")
        elif config.optimizer == "sgd" and m:
            reasons.append(f"momentum {m:g} moves it to 2(1+m)/\u03bbmax")
        elif config.optimizer != "sgd":
            label = {"adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}[config.optimizer]
            reasons.append(f"{label} scales its own steps; this is the bound of plain steps")
        if config.weight_decay and config.optimizer == "sgd":
            reasons.append(f"weight decay {config.weight_decay:g} is added to the curvature")
    return "; ".join(reasons)


MAE_NOTE = ("the MAE has no curvature, so no learning rate makes it diverge: each step moves w "
            "by about lr times the mean |x| and b by about lr, and a smaller rate ends closer "
            "to the optimum (a guide only)")
BASIS = {"per-point": "each one-point step is", "mini-batch": "each of its batches is",
         "shuffled": "any batch a shuffle can draw is"}


class GuideCache:
    """:func:`step_guide` for one data set, remembering the costly part (a pass over the data
    per batch layout), so that a settings panel can ask at every change."""

    def __init__(self, dataset):
        self.dataset = dataset
        self._memo: dict = {}
        self._standardized: GuideCache | StepGuide | None = None

    def __call__(self, config) -> StepGuide:
        if getattr(config, "standardize", False) and config.fit_bias:
            return self._of_standardized(config)
        return step_guide(self.dataset, config, self._memo)

    def _of_standardized(self, config) -> StepGuide:
        """A standardized run steps on the standardized data: its guide is theirs."""
        if self._standardized is None:
            from gdstudio.core.data.standardize import Standardization

            try:
                s = Standardization.of_dataset(self.dataset)
                self._standardized = GuideCache(s.apply_dataset(self.dataset))
            except DataError as exc:
                self._standardized = StepGuide(None, None, "batch", False,
                                               note=f"standardizing: {exc}")
        if isinstance(self._standardized, StepGuide):
            return self._standardized
        return self._standardized(config.replace(standardize=False))


def _memo(memo: dict | None, key, compute):
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def step_guide(dataset, config, memo: dict | None = None) -> StepGuide:
    """The step-size guide for ``config`` (a :class:`~gdstudio.core.training.engine.TrainConfig`, or
    anything with its fields) on ``dataset``. ``memo``: see :class:`GuideCache`.

    Raises :class:`~gdstudio.core.errors.DataError` for an empty data set.
    """
    n = len(dataset)
    if n == 0:
        raise DataError("The data set is empty: add at least one point.")
    def x():  # in float64 only when a bound is computed (the memo keeps the others)
        return np.asarray(dataset.x, dtype=np.float64)

    fit_bias = bool(config.fit_bias)
    method = _method_name(config)
    size = {"batch": n, "sgd": 1}.get(config.method, min(int(config.batch_size), n))
    rule = "batch" if size >= n else ("per-point" if size == 1 else "mini-batch")
    if size >= n and config.method == "minibatch":
        method = f"mini-batch descent (B={config.batch_size}: one batch of all the data)"
    elif size >= n and config.method == "sgd":
        method = "stochastic descent (one point: a batch)"
    scale, x_over = _memo(memo, "scale", lambda: _scale_problem(
        x(), np.asarray(dataset.y, dtype=np.float64), dataset.dtype))
    note = _guide_only_note(config)
    guide_only = bool(note)
    basis = BASIS.get("shuffled" if rule == "mini-batch" and config.shuffle else rule, "")
    if config.loss == "mae":
        return StepGuide(None, None, rule, True, method, MAE_NOTE, scale)
    if x_over:
        return StepGuide(None, None, rule, guide_only, method, note, scale)
    shuffle = bool(config.shuffle) and rule == "mini-batch"
    lam_log, ratio = _memo(memo, (rule, size if rule == "mini-batch" else 0, shuffle, fit_bias),
                           lambda: _curvature(x(), rule, size, fit_bias, shuffle))
    if lam_log == -math.inf:
        return StepGuide(None, None, rule, guide_only, method,
                         "all x are 0 and there is no bias: the loss does not depend on w, "
                         "so no learning rate limit applies", scale)
    if config.loss == "huber":
        lam_log -= 1.0  # Huber's quadratic zone is e**2 / 2: half the MSE's curvature
    if config.impl == "module" and config.optimizer == "sgd" and config.weight_decay:
        lam = _from_log2(lam_log)
        if lam is not None:
            lam_log = math.log2(lam + float(config.weight_decay))
    limit = _from_log2(1.0 - lam_log)
    optimal = None
    if (limit is not None and config.impl == "module" and config.optimizer == "sgd"
            and config.momentum):
        beta = float(config.momentum)
        # Heavy ball on a quadratic: stable for lr*lambda < 2(1+beta); Nesterov (torch's form):
        # lr*lambda < 2(1+beta)/(1+2beta).
        limit *= (1 + beta) / (1 + 2 * beta) if config.nesterov else (1 + beta)
    if rule == "batch" and not guide_only and limit is not None and config.loss == "mse":
        optimal = _from_log2(1.0 - lam_log - math.log2(1.0 + ratio))
    if limit is None:
        return StepGuide(None, None, rule, guide_only, method, note, scale or (
            "the data's scale puts the stable learning rate outside float64: rescale or "
            "standardize x and y"))
    return StepGuide(limit, optimal, rule, guide_only, method, note, scale, basis)


def _curvature(x: np.ndarray, rule: str, size: int, fit_bias: bool, shuffle: bool):
    """``(log2 lambda_max, lambda_min / lambda_max)`` of the steepest step of ``rule``."""
    if rule == "batch":
        mean, var, k = centred_moments(x)
        return lam_max_log(mean, var, k, fit_bias)
    if rule == "per-point":
        k = scale_exponent(x)
        top = float(np.max(np.abs(np.ldexp(x, -k))))
        return lam_max_log(top, 0.0, k, fit_bias)
    return _minibatch_lam_log(x, size, fit_bias, shuffle)


def _minibatch_lam_log(x: np.ndarray, size: int, fit_bias: bool, shuffle: bool):
    """``(log2 lambda_max, 0)`` of the steepest batch (see the module docstring)."""
    n = x.shape[0]
    k = scale_exponent(x)
    s = np.ldexp(x, -k)
    if shuffle:
        # lambda_max(mean of m point Hessians) <= mean of the m largest point eigenvalues,
        # 2 (x_i**2 + 1) each (x_i**2 without a bias); the shorter last batch is steeper.
        sq = np.sort(s * s)[::-1]
        worst = -math.inf
        for m in {size, n % size or size}:
            top = float(np.mean(sq[:m]))
            if 2 * k > 1000 or not fit_bias:
                val = math.log2(2.0 * top) + 2 * k if top > 0 else -math.inf
            else:
                val = math.log2(2.0 * (top * 4.0**k + 1.0))
            worst = max(worst, val)
        return worst, 0.0
    starts = np.arange(0, n, size)
    counts = np.diff(np.append(starts, n)).astype(np.float64)
    means = np.add.reduceat(s, starts) / counts
    d = s - np.repeat(means, counts.astype(np.int64))
    corr = np.add.reduceat(d, starts) / counts
    d -= np.repeat(corr, counts.astype(np.int64))
    means += corr
    vars_ = np.add.reduceat(d * d, starts) / counts
    return _lam_max_log_many(means, vars_, k, fit_bias), 0.0


def _lam_max_log_many(means: np.ndarray, vars_: np.ndarray, k: int, fit_bias: bool) -> float:
    """The largest ``log2 lambda_max`` over batches with scaled moments ``means``, ``vars_``."""
    q = vars_ + means * means
    top = float(np.max(q))
    if not fit_bias or 2 * k > 1000:
        return math.log2(2.0 * top) + 2 * k if top > 0 else -math.inf
    a = q * 4.0**k
    lam = a + 1.0 + np.hypot(a - 1.0, 2.0 * means * 2.0**k)
    return math.log2(float(np.max(lam)))
