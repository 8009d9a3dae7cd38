"""How large a batch step logistic regression takes safely: the bound and the local curvature.

The cross-entropy's Hessian is ``H(w, b) = (1/N)·Σ h_i·[x_i, 1][x_i, 1]ᵀ`` with
``h_i = σ(z_i)·(1 - σ(z_i)) <= 1/4``, so ``H ≼ XᵀX/(4N)`` (``X = [x, 1]``) everywhere, with
equality where every ``z_i = 0`` (``w = b = 0``). The loss is therefore ``λ``-smooth with
``λ = λmax(XᵀX/N)/4``, and a batch step ``lr < 2/λ = 8/λmax(XᵀX/N)`` never raises the loss
(the descent lemma: ``L(θ - lr·g) <= L(θ) - lr·(1 - lr·λ/2)·|g|²``). That is a *sufficient*
bound from the worst-case curvature 1/4: away from ``z = 0`` the exact curvature
(:func:`curvature_at`) is smaller, so larger steps are often stable too, which is why the gauge
calls the bound "a guide" for where the run is.

The squared error on the sigmoid has per-point second derivatives in ``[-0.1202, 0.15406]``
(``2σ'² + 2(σ - y)σ''``), so the same argument gives ``lr < 2/(0.15406·λmax(XᵀX/N))``; that
landscape is not convex, so the bound keeps each step from raising the loss, nothing more.

``λmax(XᵀX/N)`` is computed like the line's (:func:`~gdstudio.core.models.line.stepsize.
lam_max_log`: centred, power-of-two scaled, logarithmic), so offset data (timestamps), huge
and tiny x get the right value, to a few ulps plus ``|log2 λmax|`` ulps (the logarithmic form,
which never overflows); the local curvature weighs the centred moments by ``h_i``.
Batch descent at 1.5 times the bound already raises the loss on typical data (the tests), so
the bound is close to the truth near ``w = b = 0``, and only a guide away from it.
"""

from __future__ import annotations

import math

import numpy as np

from gdstudio.core.errors import DataError
from gdstudio.core.models.line.stepsize import lam_max_log
from gdstudio.core.models.logistic.landscape import centred_parameters, loss_kind
from gdstudio.core.numeric import centre, centred_moments

__all__ = ["MSE_SIGMOID_CURVATURE", "curvature_at", "lr_guide_text", "stable_lr_bound",
           "xtx_lam_max_log2"]

#: max over t of |d²/dz² (σ(z) - y)²| (at z ≈ -0.4657 for y = 0), the squared error on the
#: sigmoid's worst-case curvature per unit of x² (the cross-entropy's is 1/4)
MSE_SIGMOID_CURVATURE = 0.15405857012135051
_WORST = {"bce": 0.25, "mse": MSE_SIGMOID_CURVATURE}


def _floats(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0:
        raise DataError("The data set is empty: add at least one point.")
    return x


def xtx_lam_max_log2(x, fit_bias: bool = True) -> float:
    """``log2 λmax(XᵀX/N)`` (``X = [x, 1]``, or ``[x]`` without a bias); ``-inf`` when it is
    0 (every x 0, no bias). Never overflows."""
    mean, var, k = centred_moments(_floats(x))
    lam_log, _ = lam_max_log(mean, var, k, fit_bias)  # the MSE's Hessian, 2·XᵀX/N
    return lam_log - 1.0


def stable_lr_bound(x, fit_bias: bool = True, loss: str = "bce") -> float:
    """``8 / λmax(XᵀX/N)``: below it a batch step of the cross-entropy never raises the loss
    (see the module's docstring); with ``loss="mse"`` (on the sigmoid) ``2 / (0.15406·
    λmax)``. ``inf`` when the loss has no curvature (every x 0 without a bias), and ``inf``
    or 0.0 when the bound is beyond float64 (x near 1e-160 or 1e160).

    Raises DataError for no points; ValueError for an unknown loss."""
    worst = _WORST[loss_kind(loss)]
    lam_log = xtx_lam_max_log2(x, fit_bias)
    if lam_log == -math.inf:
        return math.inf
    value = 2.0 / worst  # 8 for the cross-entropy
    exp = -lam_log
    e = math.floor(exp)
    try:
        return math.ldexp(value * 2.0 ** (exp - e), e)
    except OverflowError:
        return math.inf


def curvature_at(x, w: float, b: float, fit_bias: bool = True) -> float:
    """``λmax`` of the cross-entropy's Hessian at ``(w, b)``: ``(1/N)·Σ σ(1-σ)·[x, 1][x, 1]ᵀ``
    (``b`` ignored and ``[x]`` alone without a bias). At most ``λmax(XᵀX/N)/4``, equal to it
    at ``w = b = 0``; ``inf`` beyond float64. Raises DataError for no points."""
    x = _floats(x)
    b = float(b) if fit_bias else 0.0
    c = centre(x)
    kd = c.k + c.ku
    x0_hi, x0_lo = math.ldexp(c.mean, c.k), math.ldexp(c.mean_lo, c.k)
    W, C = centred_parameters(float(w), b, kd, x0_hi, x0_lo)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        z = float(W) * c.u + float(C)
        e = np.exp(-np.abs(z))
        h = e / ((1.0 + e) * (1.0 + e))  # σ(z)σ(-z), symmetric in z
    total = float(np.sum(h))
    if total == 0.0:  # every σ saturated beyond float64: no curvature left
        return 0.0
    weight = total / x.size
    # moments of xs = x / 2**k weighted by h, centred: xs = mean + 2**ku·u
    ubar = float(np.dot(h, c.u)) / total
    d = c.u - ubar
    mean = c.mean + math.ldexp(ubar, c.ku)
    var = math.ldexp(float(np.dot(h, d * d)) / total, 2 * c.ku)
    lam_log, _ = lam_max_log(mean, var, c.k, fit_bias)  # 2·(weighted second moments)
    if lam_log == -math.inf:
        return 0.0
    try:
        return weight * 2.0 ** (lam_log - 1.0)
    except OverflowError:
        return math.inf


def lr_guide_text(bound: float, lr: float | None = None, curvature: float | None = None,
                  digits: int = 4, loss: str = "bce") -> str:
    """One line for the learning-rate gauge, e.g. ``'batch steps are stable below 1.23 (8 /
    λmax(XᵀX/N)); a guide: the curvature here is 0.012, so steps up to about 166 are
    stable near this point'``; ``loss="mse"`` names the squared error's bound. Never 'nan'
    or 'inf'."""
    if not math.isfinite(bound):
        text = ("every learning rate is stable: the loss has no curvature (every x is 0 "
                "and there is no bias)" if bound > 0 else
                "the stable learning rate is beyond float64: rescale x")
        return text
    if bound == 0.0:
        return "the stable learning rate is beyond float64: rescale x"
    formula = ("8 / \u03bbmax(X\u1d40X/N)" if loss_kind(loss) == "bce" else
               f"2 / ({MSE_SIGMOID_CURVATURE:.4g}\u00b7\u03bbmax(X\u1d40X/N)): each step "
               "keeps the loss from rising, on a landscape that is not convex")
    text = f"batch steps are stable below {bound:.{digits}g} ({formula})"
    if curvature is not None and math.isfinite(curvature) and curvature > 0:
        local = 2.0 / curvature
        text += (f"; a guide: the curvature here is {curvature:.{digits}g}, so steps up to "
                 f"about {local:.{digits}g} are stable near this point")
    elif curvature is not None:
        text += "; a guide: the sigmoid is saturated here (no curvature)"
    if lr is not None and math.isfinite(lr):
        text += (f"; lr {lr:.{digits}g} is within the bound" if lr < bound else
                 f"; lr {lr:.{digits}g} is above the bound (a guide: it may still descend)")
    return text
