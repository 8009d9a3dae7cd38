"""The analytic implementation (``impl="analytic"``) against plain tutorial-style torch loops.

The reference loops are those of ``test_parity.py``. What is equal, and why:

Stochastic descent
    One point at a time, the analytic path does the tutorial's float32 (or float64) scalar
    arithmetic in the tutorial's order, so **w and b are bitwise equal** after every epoch,
    on float32 and float64 data, for every loss, with and without bias, shuffled or not.
    (Tutorial 3's ``optim.SGD`` rounds its update once, ``p.add_(g, alpha=-lr)``, where
    ``w -= lr * w.grad`` rounds twice: that loop is held to the rounding bound below.)

Batch and mini-batch descent on float32 data
    The analytic path computes in float64; the tutorial loop in float32. The runs are not
    bitwise equal; they differ by rounding only, within

        ``||(w, b)_analytic - (w, b)_loop||  <=  C * k * E * eps * S``      after E epochs,

    with ``eps`` the float32 epsilon (2**-23), ``k`` the updates per epoch, ``S`` the largest
    ``||(w, b)||`` along the reference run and ``C = 4``. Why: each float32 update rounds w
    and b (half an ulp each) and its gradient and step ``lr * grad`` (a few ulps; for a stable
    learning rate the step is smaller than the parameters' scale). For a convex, smooth loss
    (MSE, Huber) a gradient step with a stable learning rate is non-expansive, so an error
    made at one update is never amplified by later ones: after ``k * E`` updates the two runs
    are at most the sum of the per-update errors apart. Against the **same loop in float64**
    the same bound holds with the float64 epsilon, about 5e8 times tighter, and it is met.
    (Measured on the cases below: at most 0.33 of ``k * E * eps * S`` against the float32
    loop, 0.77 of it with the float64 epsilon against the float64 loop.)
    MAE's gradient ``sign(e)`` is not continuous: once a residual is within rounding of 0 the
    two runs can take whole steps of different sign, so MAE is held to the float32 bound only
    for short runs and to the float64 loop over long ones.

The loss column
    The analytic path evaluates each epoch's full-data loss in float64, so it is checked
    against the exact (rational) loss of the parameters it reports, within float64 rounding,
    and against the loop's float32 loss within float32 rounding plus the parameter gap.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from torch import nn

from gdstudio.core.data.dataset import Dataset, noisy_line
from tests.core.models.line.test_parity import (  # the tutorial-style reference loops
    TUTORIAL1_DATA,
    _keep_global_rng,  # noqa: F401 (autouse fixture: the loops seed the global RNG)
    engine_rows,
    manual_reference,
    module_reference,
    tutorial1_reference,
    tutorial2_batch,
    tutorial2_data,
    tutorial2_sgd,
)

EPS32 = float(np.finfo(np.float32).eps)  # 2**-23
EPS64 = float(np.finfo(np.float64).eps)  # 2**-52
C = 4  # the rounding model's constant (see the module docstring)

LOSSES = {"mse": {"loss": "mse"}, "mae": {"loss": "mae"}, "huber": {"loss": "huber"},
          "huber-0.5": {"loss": "huber", "huber_delta": 0.5}}


# --------------------------------------------------------------------------- data


def offset_line(dtype="float32") -> Dataset:
    """Offset x (x = 1e5 + i*0.01, 100 points) on a noisy line: cancellation-prone data."""
    i = np.arange(100)
    x = 1e5 + i * 0.01
    noise = np.random.default_rng(0).standard_normal(100)
    y = 3.0 * (i * 0.01) - 1.0 + 0.1 * noise
    return Dataset(x.astype(dtype), y.astype(dtype))


def tutorial1_data(dtype="float32") -> Dataset:
    return Dataset(TUTORIAL1_DATA.x.astype(dtype), TUTORIAL1_DATA.y.astype(dtype))


# name: (data set maker, learning rate, start). Every learning rate is below the per-point
# bound 2 / (2 * max(x**2 + 1)) so that each step, even of one point, is non-expansive.
DATA = {
    "tutorial1": (tutorial1_data, 0.01, (0.0, 0.0)),
    "tutorial2": (lambda dtype="float32": noisy_line(dtype=dtype), 0.01, (-10.0, -20.0)),
    "offset": (offset_line, 5e-11, (0.0, 0.0)),
}


def tensors(data: Dataset, dtype=None):
    """The data as the tutorials hold it: (N, 1) tensors, optionally in another dtype."""
    X = torch.from_numpy(data.x.copy()).view(-1, 1)
    Y = torch.from_numpy(data.y.copy()).view(-1, 1)
    if dtype is not None:
        X, Y = X.to(dtype), Y.to(dtype)
    return X, Y


# --------------------------------------------------------------------------- bounds


def exact_loss(kind: str, data: Dataset, w: float, b: float, delta: float = 1.0) -> Fraction:
    """The full-data loss of (w, b) in exact rational arithmetic."""
    w, b, d = Fraction(w), Fraction(b), Fraction(delta)
    total = Fraction(0)
    for x, y in zip(data.x.tolist(), data.y.tolist(), strict=True):
        e = w * Fraction(x) + b - Fraction(y)
        if kind == "mse":
            total += e * e
        elif kind == "mae":
            total += abs(e)
        else:
            total += e * e / 2 if abs(e) < d else d * (abs(e) - d / 2)
    return total / len(data)


def _residuals(data: Dataset, w: float, b: float):
    x, y = data.x.astype(np.float64), data.y.astype(np.float64)
    e = np.abs(w * x + b - y)
    a = np.abs(w * x) + abs(b) + np.abs(y)  # the magnitudes a rounded residual is made of
    return x, e, a


def evaluation_bound(kind: str, data: Dataset, w: float, b: float, eps: float) -> float:
    """How far a loss evaluated in floating point (epsilon ``eps``) can be from the exact loss
    of (w, b), in any summation order: each residual is off by at most ``eps * a`` (a =
    |w x| + |b| + |y|), and a sum of n terms by at most ``(n - 1) * eps/2`` of their sum of
    magnitudes. The MSE form also covers Huber, whose value and slope are below MSE's."""
    _, e, a = _residuals(data, w, b)
    n = len(data)
    if kind == "mae":
        terms = a + e
    else:
        terms = a * (2 * e + eps * a) + e * e
    return (n + 3) * eps * float(np.mean(terms)) * 1.001


def gap_bound(kind: str, data: Dataset, w: float, b: float, dw: float, db: float) -> float:
    """``|L(w, b) - L(w + dw, b + db)|`` at most: each residual moves by r = |x dw| + |db|."""
    x, e, _ = _residuals(data, w, b)
    r = np.abs(x) * abs(dw) + abs(db)
    if kind == "mae":
        return float(np.mean(r)) * 1.001
    return float(np.mean(r * (2 * e + r))) * 1.001


def drift_bounds(reference, start, updates_per_epoch: int, eps: float) -> list[float]:
    """``C * k * (t + 1) * eps * S`` for each epoch t (see the module docstring)."""
    scale = max(float(np.hypot(w, b)) for w, b in [start] + [(w, b) for _, w, b in reference])
    return [C * updates_per_epoch * (t + 1) * eps * scale for t in range(len(reference))]


def updates(method: str, n: int, batch_size: int = 7) -> int:
    return {"batch": 1, "sgd": n, "minibatch": -(-n // batch_size)}[method]


def parameter_gaps(got, expected) -> list[float]:
    return [float(np.hypot(g[1] - e[1], g[2] - e[2])) for g, e in zip(got, expected, strict=True)]


def check_losses(got, reference, data: Dataset, start, kind: str, delta: float = 1.0,
                 reference_eps: float = EPS32, every: int = 1) -> None:
    """Each analytic loss is the loss of the parameters it started the epoch with: equal to
    the exact loss within float64 rounding, and to the loop's loss (evaluated with
    ``reference_eps`` at its own parameters) within that rounding plus the parameter gap."""
    assert len(got) == len(reference)
    before_got = [start] + [(w, b) for _, w, b in got[:-1]]
    before_ref = [start] + [(w, b) for _, w, b in reference[:-1]]
    for t in range(0, len(got), every):
        (wa, ba), (wr, br) = before_got[t], before_ref[t]
        loss, ref_loss = got[t][0], reference[t][0]
        exact = exact_loss(kind, data, wa, ba, delta)
        own = evaluation_bound(kind, data, wa, ba, EPS64)
        assert abs(Fraction(loss) - exact) <= Fraction(own), (t, loss, float(exact), own)
        tolerance = (own + gap_bound(kind, data, wa, ba, wr - wa, br - ba)
                     + evaluation_bound(kind, data, wr, br, reference_eps))
        assert abs(loss - ref_loss) <= tolerance, (t, loss, ref_loss, tolerance)


# --------------------------------------------------------------------------- stochastic: bitwise


@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
@pytest.mark.parametrize("fit_bias", [True, False], ids=["w*x+b", "w*x"])
@pytest.mark.parametrize("case", list(LOSSES))
@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stochastic_descent_is_bitwise_the_tutorial_loop(dtype, name, case, fit_bias, shuffle):
    make, lr, start = DATA[name]
    data = make(dtype)
    settings = LOSSES[case]
    common = {"method": "sgd", "learning_rate": lr, "epochs": 3, "shuffle": shuffle, "seed": 3,
              "fit_bias": fit_bias, **settings}
    expected = manual_reference(*tensors(data), w0=start[0], b0=start[1], **common)
    got = engine_rows(data, impl="analytic", init_w=start[0], init_b=start[1], **common)
    assert [(w, b) for _, w, b in got] == [(w, b) for _, w, b in expected]
    eps = EPS32 if dtype == "float32" else EPS64
    start = start if fit_bias else (start[0], 0.0)
    check_losses(got, expected, data, start, settings["loss"], settings.get("huber_delta", 1.0),
                 reference_eps=eps)


# --------------------------------------------------------------------------- batch, mini-batch

METHOD_CASES = [("batch", False, 15), ("minibatch", False, 6), ("minibatch", True, 6)]


def _within_rounding(data, method, shuffle, epochs, settings, lr, start, dtype_eps):
    """Run the analytic engine and the loops (data's dtype and float64); check the bounds."""
    common = {"method": method, "learning_rate": lr, "epochs": epochs, "batch_size": 7,
              "shuffle": shuffle, "seed": 3, **settings}
    got = engine_rows(data, impl="analytic", init_w=start[0], init_b=start[1], **common)
    k = updates(method, len(data))
    results = {}
    for eps, dtype in ((dtype_eps, None), (EPS64, torch.float64)):
        expected = manual_reference(*tensors(data, dtype), w0=start[0], b0=start[1], **common)
        gaps = parameter_gaps(got, expected)
        bounds = drift_bounds(expected, start, k, eps)
        results[eps] = (expected, gaps, bounds)
    return got, results


@pytest.mark.parametrize("case", list(LOSSES))
@pytest.mark.parametrize(("method", "shuffle", "epochs"), METHOD_CASES,
                         ids=["batch", "minibatch", "minibatch-shuffled"])
@pytest.mark.parametrize("name", list(DATA))
def test_batch_and_minibatch_float32_within_rounding(name, method, shuffle, epochs, case):
    make, lr, start = DATA[name]
    data = make("float32")
    settings = LOSSES[case]
    got, results = _within_rounding(data, method, shuffle, epochs, settings, lr, start, EPS32)
    for eps, (_, gaps, bounds) in results.items():
        assert all(g <= bound for g, bound in zip(gaps, bounds, strict=True)), (eps, gaps, bounds)
    expected32 = results[EPS32][0]
    check_losses(got, expected32, data, start, settings["loss"],
                 settings.get("huber_delta", 1.0), reference_eps=EPS32)
    check_losses(got, results[EPS64][0], data, start, settings["loss"],
                 settings.get("huber_delta", 1.0), reference_eps=EPS64)


@pytest.mark.parametrize("case", list(LOSSES))
@pytest.mark.parametrize(("method", "shuffle", "epochs"), METHOD_CASES,
                         ids=["batch", "minibatch", "minibatch-shuffled"])
@pytest.mark.parametrize("name", list(DATA))
def test_batch_and_minibatch_float64_data(name, method, shuffle, epochs, case):
    # On float64 data both sides compute in float64: only summation order differs.
    make, lr, start = DATA[name]
    data = make("float64")
    settings = LOSSES[case]
    got, results = _within_rounding(data, method, shuffle, epochs, settings, lr, start, EPS64)
    expected, gaps, bounds = results[EPS64]
    assert all(g <= bound for g, bound in zip(gaps, bounds, strict=True)), (gaps, bounds)
    check_losses(got, expected, data, start, settings["loss"], settings.get("huber_delta", 1.0),
                 reference_eps=EPS64)


@pytest.mark.parametrize("case", ["mse", "huber", "mae"])
@pytest.mark.parametrize(("method", "shuffle", "epochs"),
                         [("batch", False, 300), ("minibatch", True, 100)],
                         ids=["batch", "minibatch-shuffled"])
@pytest.mark.parametrize("name", ["tutorial2", "offset"])
def test_long_runs_stay_within_the_bound(name, method, shuffle, epochs, case):
    # The bound grows with the epochs; the gap must stay under it along the whole run.
    make, lr, start = DATA[name]
    data = make("float32")
    settings = LOSSES[case]
    got, results = _within_rounding(data, method, shuffle, epochs, settings, lr, start, EPS32)
    checked = (EPS64,) if case == "mae" else (EPS32, EPS64)  # MAE: see the module docstring
    for eps in checked:
        _, gaps, bounds = results[eps]
        assert all(g <= bound for g, bound in zip(gaps, bounds, strict=True)), eps
    check_losses(got, results[EPS64][0], data, start, settings["loss"], reference_eps=EPS64,
                 every=10)


# --------------------------------------------------------------------------- the tutorials


@pytest.mark.parametrize("fit_bias", [True, False], ids=["w*x+b", "w*x"])
def test_tutorial1_batch(fit_bias):
    expected = tutorial1_reference(fit_bias)  # 100 epochs, lr 0.01, from (0, 0)
    got = engine_rows(TUTORIAL1_DATA, method="batch", impl="analytic", learning_rate=0.01,
                      epochs=100, init_w=0.0, init_b=0.0, fit_bias=fit_bias)
    bounds = drift_bounds(expected, (0.0, 0.0), 1, EPS32)
    assert all(g <= b for g, b in zip(parameter_gaps(got, expected), bounds, strict=True))
    check_losses(got, expected, TUTORIAL1_DATA, (0.0, 0.0), "mse")
    # What a user sees: the same rounded table.
    assert [f"{r[1]:.3f}" for r in got] == [f"{r[1]:.3f}" for r in expected]


def test_tutorial2_batch():
    data = noisy_line()
    expected = tutorial2_batch(*tutorial2_data())  # 20 epochs, lr 0.1
    got = engine_rows(data, method="batch", impl="analytic", learning_rate=0.1, epochs=20,
                      init_w=-10.0, init_b=-20.0)
    bounds = drift_bounds(expected, (-10.0, -20.0), 1, EPS32)
    assert all(g <= b for g, b in zip(parameter_gaps(got, expected), bounds, strict=True))
    check_losses(got, expected, data, (-10.0, -20.0), "mse")


def test_tutorial2_stochastic_is_bitwise():
    data = noisy_line()
    expected = tutorial2_sgd(*tutorial2_data())  # 5 epochs, lr 0.01
    got = engine_rows(data, method="sgd", impl="analytic", learning_rate=0.01, epochs=5,
                      init_w=-10.0, init_b=-20.0)
    assert [(w, b) for _, w, b in got] == [(w, b) for _, w, b in expected]
    check_losses(got, expected, data, (-10.0, -20.0), "mse")


def test_tutorial3_dataloader_loop():
    # Tutorial 3 (nn.Linear, nn.MSELoss, optim.SGD, a DataLoader of batch size 1) from the
    # seeded nn.Linear start. optim.SGD updates with param.add_(grad, alpha=-lr), rounded
    # once, where `w -= lr * w.grad` rounds twice: equal within the rounding bound, not bitwise.
    data = noisy_line()
    torch.manual_seed(1)
    layer = nn.Linear(1, 1)
    start = (layer.weight.item(), layer.bias.item())
    expected = module_reference(*tutorial2_data(), method="sgd", learning_rate=0.01, epochs=4,
                                w0=start[0], b0=start[1])
    got = engine_rows(data, method="sgd", impl="analytic", learning_rate=0.01, epochs=4,
                      init_w=None, init_b=None, seed=1)
    bounds = drift_bounds(expected, start, len(data), EPS32)
    assert all(g <= b for g, b in zip(parameter_gaps(got, expected), bounds, strict=True))
    check_losses(got, expected, data, start, "mse")


# --------------------------------------------------------------------------- the start


@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
def test_float32_run_starts_where_the_tensors_start(method):
    # torch.tensor(-10.1, dtype=torch.float32) holds -10.100000381...; the analytic run on
    # float32 data starts there too, so its first loss is the loss of the point it trains from.
    data = noisy_line()
    start = (float(np.float32(-10.1)), float(np.float32(-20.3)))
    common = {"method": method, "learning_rate": 0.01, "epochs": 3, "batch_size": 7}
    expected = manual_reference(*tutorial2_data(), w0=-10.1, b0=-20.3, **common)
    got = engine_rows(data, impl="analytic", init_w=-10.1, init_b=-20.3, **common)
    check_losses(got, expected, data, start, "mse")
    if method == "sgd":
        assert [(w, b) for _, w, b in got] == [(w, b) for _, w, b in expected]
    # The same start for float64 data is taken as given (float64 tensors hold it exactly).
    data64 = noisy_line(dtype="float64")
    got64 = engine_rows(data64, impl="analytic", init_w=-10.1, init_b=-20.3, **common)
    check_losses(got64, got64, data64, (-10.1, -20.3), "mse", reference_eps=EPS64)
