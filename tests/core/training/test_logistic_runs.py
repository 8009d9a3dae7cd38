"""Logistic regression runs end the way a learner can trust: saturation of p is named (never
"nan", never "diverged"), separable data runs on with its loss falling, a real blow-up is still
divergence, the stop rule measures the model's own gradient, and the loss of (w, b) is the
implementation's."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.models.logistic.saturation import TrainingSaturated
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.torch_threads import threads_for, torch_threads
from gdstudio.core.training.engine import full_data_loss, loss_at, train
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.runstate import RunStatus
from gdstudio.core.training.stoprule import gradient_norm


@pytest.fixture(autouse=True)
def _small_data_threads():
    with torch.random.fork_rng(devices=[]), torch_threads(threads_for(100)):
        yield


def logistic(**settings) -> TrainConfig:
    return TrainConfig(model="logistic", **settings)


SEPARABLE = Dataset.from_points([(-2.0, 0.0), (-1.0, 0.0), (1.0, 1.0), (2.0, 1.0)])
OFFSET = Dataset(np.array([1.7e9, 1.7e9 + 128, 1.7e9 + 256, 1.7e9 + 384], np.float32),
                 np.array([0.0, 1.0, 0.0, 1.0], np.float32))


def hand_written_bce(X, Y, w, b):
    """The tutorial's formula, as the manual implementation computes it."""
    wt, bt = torch.tensor(w, dtype=X.dtype), torch.tensor(b, dtype=X.dtype)
    p = torch.sigmoid(wt * X + bt)
    return -torch.mean(Y * torch.log(p) + (1 - Y) * torch.log(1 - p)).item()


def bce_loss_module(X, Y, w, b):
    model = nn.Linear(1, 1, dtype=X.dtype)
    with torch.no_grad():
        model.weight.fill_(w)
        model.bias.fill_(b)
        return nn.BCELoss()(torch.sigmoid(model(X)), Y).item()


def run(data, config):
    r = TrainingRun(data, config)
    records = list(r.records())
    return r, records


def assert_plain_words(message: str):
    assert "nan" not in message.lower() and "diverged" not in message.lower()
    assert "BCEWithLogitsLoss (--loss bce-logits)" in message
    assert "\n" not in message


# --------------------------------------------------------------------------- saturation


def test_the_hand_written_formula_saturated_at_the_start():
    # w*x + b = 8.5e8: p is exactly 1 in float32 and log(1 - p) = log(0)
    config = logistic(loss="bce", impl="manual", learning_rate=0.1, epochs=3, init_w=0.5,
                      init_b=0.0)
    X, Y = OFFSET.tensors()
    assert not math.isfinite(hand_written_bce(X, Y, 0.5, 0.0))  # what the tutorial meets
    r, records = run(OFFSET, config)
    assert records == [] and r.status is RunStatus.DIVERGED
    assert isinstance(r.diverged, TrainingSaturated)
    message = str(r.diverged)
    assert message.startswith(
        "Training stopped in epoch 0: at its start, the hand-written cross-entropy took "
        "log(0): p = sigmoid(w*x + b) is exactly 1 in float32 at point 1 (x = 1.7e+09, label "
        "0, w*x + b = 8.5e+08) and 3 more, so log(1 - p) is -inf and the loss is not a number; "
        "use BCEWithLogitsLoss (--loss bce-logits)")
    assert_plain_words(message)
    assert (r.diverged.w, r.diverged.b, r.diverged.loss) == (0.5, 0.0, None)
    with pytest.raises(TrainingSaturated):
        list(train(OFFSET, config))


def test_the_hand_written_formula_saturating_as_w_grows():
    # separable data at a large learning rate: w grows until p rounds to exactly 1 at x = 2
    config = logistic(loss="bce", impl="manual", method="batch", learning_rate=20.0,
                      epochs=200, init_w=0.0, init_b=0.0)
    r, records = run(SEPARABLE, config)
    exc = r.diverged
    assert isinstance(exc, TrainingSaturated) and 0 < len(records) < 200
    assert_plain_words(str(exc))
    X, Y = SEPARABLE.tensors()
    # the epoch it stopped before starts where the tutorial's loss is not a number
    assert not math.isfinite(hand_written_bce(X, Y, records[-1].w, records[-1].b))
    # it kept the last parameters whose loss is finite, with that loss
    assert exc.loss == hand_written_bce(X, Y, exc.w, exc.b)
    assert (exc.w, exc.b) == ((records[-2].w, records[-2].b) if len(records) > 1
                              else (0.0, 0.0))
    # BCEWithLogitsLoss on the same run goes on
    r2, records2 = run(SEPARABLE, config.replace(loss="bce-logits"))
    assert r2.status is RunStatus.DONE and len(records2) == 200
    assert records2[:len(records) - 1] == records[:-1] or len(records) == 1


@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_the_hand_written_formula_saturating_inside_an_epoch(method):
    config = logistic(loss="bce", impl="manual", method=method, batch_size=2,
                      learning_rate=50.0, epochs=100, init_w=0.0, init_b=0.0)
    r, _ = run(SEPARABLE, config)
    exc = r.diverged
    assert isinstance(exc, TrainingSaturated)
    assert_plain_words(str(exc))
    assert "log(0)" in str(exc)
    assert math.isfinite(exc.w) and math.isfinite(exc.b)


def test_nn_bceloss_clamps_a_misclassified_saturated_point():
    # point 1 (label 0) has p exactly 1: BCELoss counts 100 for it and its gradient is 0
    config = logistic(loss="bce", impl="module", learning_rate=0.1, epochs=3, init_w=0.5,
                      init_b=0.0)
    X, Y = OFFSET.tensors()
    assert bce_loss_module(X, Y, 0.5, 0.0) == 50.0  # (100 + 0 + 100 + 0) / 4: the clamp
    r, records = run(OFFSET, config)
    exc = r.diverged
    assert records == [] and isinstance(exc, TrainingSaturated)
    message = str(exc)
    assert message.startswith(
        "Training stopped in epoch 0: at its start, nn.BCELoss clamps log(p) at -100, and "
        "p = sigmoid(w*x + b) is exactly 1 in float32 at point 1 (x = 1.7e+09, label 0, "
        "w*x + b = 8.5e+08) and 1 more: its loss counts as 100 instead of 8.5e+08 and its "
        "gradient is 0, so it no longer moves w or b; use BCEWithLogitsLoss")
    assert_plain_words(message)
    assert (exc.w, exc.b, exc.loss) == (0.5, 0.0, 50.0)


def test_saturated_points_classified_right_are_harmless_to_bceloss_only():
    # z = +-100: every p is exactly 0 or 1, each on its own label's side
    start = {"init_w": 50.0, "init_b": 0.0, "learning_rate": 0.1, "epochs": 5}
    r, records = run(SEPARABLE, logistic(loss="bce", impl="module", **start))
    assert r.status is RunStatus.DONE and records[0].loss < 1e-20
    # the hand-written formula takes 0 * log(0) there
    r, records = run(SEPARABLE, logistic(loss="bce", impl="manual", **start))
    assert isinstance(r.diverged, TrainingSaturated)
    assert "is exactly 0 in float32 at point 1 (x = -2, label 0" in str(r.diverged)


@pytest.mark.parametrize("impl", ["manual", "module", "analytic"])
@pytest.mark.parametrize("loss", ["bce-logits", "mse"])
def test_the_stable_losses_never_saturate(impl, loss):
    r, records = run(OFFSET, logistic(loss=loss, impl=impl, learning_rate=1e-19, epochs=3,
                                      init_w=0.5, init_b=0.0))
    assert r.status is RunStatus.DONE and len(records) == 3
    assert all(math.isfinite(v) for rec in records for v in (rec.loss, rec.w, rec.b))


def test_the_analytic_bce_never_saturates():
    r, records = run(OFFSET, logistic(loss="bce", impl="analytic", learning_rate=1e-20,
                                      epochs=3, init_w=0.5, init_b=0.0))
    assert r.status is RunStatus.DONE
    assert records[0].loss == pytest.approx((8.5e8 + 0 + (8.5e8 + 128) + 0) / 4, rel=1e-12)


# --------------------------------------------------------------------------- separable data


@pytest.mark.parametrize(("impl", "settings"), [
    ("manual", {}), ("analytic", {}), ("module", {}), ("module", {"optimizer": "adam"}),
    ("module", {"momentum": 0.9}),
])
@pytest.mark.parametrize("method", ["batch", "sgd"])
def test_separable_data_runs_on_its_loss_falling_as_w_grows(method, impl, settings):
    config = logistic(loss="bce-logits", impl=impl, method=method, learning_rate=0.5,
                      epochs=150, init_w=0.0, init_b=0.0, **settings)
    r, records = run(SEPARABLE, config)
    assert r.status is RunStatus.DONE and r.diverged is None and len(records) == 150
    assert records[-1].loss < records[0].loss / 20
    assert records[-1].w > 2.0
    if method == "batch" and "optimizer" not in settings and "momentum" not in settings:
        losses = [rec.loss for rec in records]
        assert losses == sorted(losses, reverse=True)  # it only falls


# --------------------------------------------------------------------------- divergence


def test_a_loss_that_really_rises_is_still_divergence():
    # x ~ 1e30 at lr 0.1: one step moves w by ~1e29, the loss rises from 3e29 to ~1e58
    x = np.array([-3.0, -1.0, 0.5, 2.0, 4.0]) * 1e30
    data = Dataset(x, np.array([0.0, 1.0, 0.0, 1.0, 1.0]))
    config = logistic(loss="bce", impl="analytic", method="sgd", learning_rate=0.1,
                      epochs=5, init_w=1.0, init_b=0.0)
    r, _ = run(data, config)
    exc = r.diverged
    assert type(exc) is TrainingDiverged
    assert str(exc).startswith("Training diverged in epoch 1: by its start, the full-data "
                               "loss grew from 3e+29 to ")
    assert "cross-entropy is always stable below" in str(exc)


# --------------------------------------------------------------------------- stop rule


def reference_gradient_norm(x, y, w, b, kind):
    """dL/dw, dL/db of the mean loss in 50-digit arithmetic."""
    mpmath.mp.dps = 50
    gw = gb = mpmath.mpf(0)
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        z = mpmath.mpf(w) * xi + mpmath.mpf(b)
        p = 1 / (1 + mpmath.exp(-z))
        g = p - yi if kind == "ce" else 2 * (p - yi) * p * (1 - p)
        gw += g * xi
        gb += g
    return float(mpmath.sqrt(gw**2 + gb**2) / len(x))


@pytest.mark.parametrize(("w", "b", "scale"), [(0.0, 0.0, 1.0), (1.3, -0.4, 1.0),
                                                (40.0, 3.0, 1.0), (1.0, 0.5, 1e30),
                                                (2e29, 0.1, 1e-30)])
@pytest.mark.parametrize("loss", ["bce", "bce-logits", "mse"])
def test_the_gradient_norm_is_the_models(loss, w, b, scale):
    x = np.array([-2.0, -0.5, 0.25, 1.0, 3.0]) * scale
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    config = logistic(loss=loss)
    got = gradient_norm(x, y, w, b, config)
    kind = "mse" if loss == "mse" else "ce"
    assert got == pytest.approx(reference_gradient_norm(x, y, w, b, kind),
                                rel=16 * np.finfo(np.float64).eps, abs=1e-300)


@pytest.mark.parametrize("loss", ["bce-logits", "mse"])
def test_the_stop_rule_fires_where_the_references_say(loss):
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(-1, 1, 12), rng.normal(1, 1, 12)]
    y = np.r_[np.zeros(12), np.ones(12)]
    data = Dataset(x, y)  # float64
    tol = 2e-3
    config = logistic(loss=loss, impl="analytic", learning_rate=0.5, epochs=500,
                      init_w=0.0, init_b=0.0, tol=tol)
    r, records = run(data, config)
    assert r.status is RunStatus.CONVERGED
    kind = "mse" if loss == "mse" else "ce"
    for rec in records:  # the first epoch where either rule fires, by the references
        after = full_data_loss(data, config, rec.w, rec.b)
        change = abs(after - rec.loss) / rec.loss
        norm = reference_gradient_norm(x, y, rec.w, rec.b, kind)
        if change < tol or norm < tol:
            break
    assert rec.epoch == r.converged.epoch == records[-1].epoch
    rule, value = ("loss_change", change) if change < tol else ("gradient_norm", norm)
    assert r.converged.rule == rule
    assert r.converged.value == pytest.approx(value, rel=1e-12)


# --------------------------------------------------------------------------- loss of (w, b)


@pytest.mark.parametrize("loss", ["bce", "bce-logits", "mse"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_loss_of_w_b_is_each_implementations(dtype, loss):
    data = Dataset.from_points([(-2.0, 0.0), (-0.5, 1.0), (0.25, 0.0), (3.0, 1.0)],
                               dtype=dtype)
    X, Y = data.tensors()
    w, b = 1.3, -0.2
    wt, bt = torch.tensor(w, dtype=X.dtype), torch.tensor(b, dtype=X.dtype)
    z = wt * X + bt
    manual = {"bce": hand_written_bce(X, Y, w, b),
              "bce-logits": F.binary_cross_entropy_with_logits(z, Y).item(),
              "mse": torch.mean((torch.sigmoid(z) - Y) ** 2).item()}[loss]
    layer = nn.Linear(1, 1, dtype=X.dtype)
    with torch.no_grad():
        layer.weight.fill_(w)
        layer.bias.fill_(b)
        module = {"bce": lambda: nn.BCELoss()(torch.sigmoid(layer(X)), Y),
                  "bce-logits": lambda: nn.BCEWithLogitsLoss()(layer(X), Y),
                  "mse": lambda: nn.MSELoss()(torch.sigmoid(layer(X)), Y)}[loss]().item()
    assert full_data_loss(data, logistic(loss=loss, impl="manual"), w, b) == manual
    assert full_data_loss(data, logistic(loss=loss, impl="module"), w, b) == module
    mpmath.mp.dps = 50
    exact = 0
    for xi, yi in zip(data.x.tolist(), data.y.tolist(), strict=True):
        zi = mpmath.mpf(w) * xi + mpmath.mpf(b)
        exact += ((1 / (1 + mpmath.exp(-zi)) - yi) ** 2 if loss == "mse"
                  else mpmath.log(1 + mpmath.exp(zi)) - yi * zi)
    exact = float(exact / len(data))
    analytic = loss_at(data, logistic(loss=loss, impl="analytic"), w, b)
    assert analytic == pytest.approx(exact, rel=4 * np.finfo(np.float64).eps)


# --------------------------------------------------------------------------- stop, continue


def labelled(n=37):
    rng = np.random.default_rng(5)
    x = rng.normal(0.0, 1.5, n)
    return Dataset(x.astype(np.float32),
                   (x + rng.normal(0.0, 1.0, n) > 0).astype(np.float32))


def rows_of(records):
    return [(r.epoch, r.loss, r.w, r.b, r.samples_seen, r.updates) for r in records]


@pytest.mark.parametrize("impl", ["manual", "module", "analytic"])
@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
def test_ten_epochs_continued_for_ten_more_are_the_run_of_twenty(method, impl):
    from gdstudio.core.training.path import PathBuffer

    data = labelled()
    config = logistic(loss="bce", impl=impl, method=method, batch_size=6, learning_rate=0.2,
                      epochs=10, shuffle=True, seed=11, lr_schedule="step", lr_step_size=3,
                      lr_gamma=0.9)
    whole_path, path = PathBuffer(1000), PathBuffer(1000)
    whole = TrainingRun(data, config.replace(epochs=20))
    expected = rows_of(whole.records(path=whole_path))
    r = TrainingRun(data, config)
    got = rows_of(r.records(path=path))
    r.extend(10)
    got += rows_of(r.records(path=path))
    assert got == expected and r.status is RunStatus.DONE
    assert (path.points() == whole_path.points()).all()
    assert r.summarize() == whole.summarize()


@pytest.mark.parametrize("impl", ["manual", "module", "analytic"])
@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_a_run_stopped_inside_an_epoch_continues_from_there(method, impl):
    from gdstudio.core.training.control import TrainingControl

    data = labelled()
    config = logistic(loss="mse", impl=impl, method=method, batch_size=6, learning_rate=0.5,
                      epochs=6, shuffle=True, seed=4)
    expected = rows_of(TrainingRun(data, config).records())

    class StopAt(TrainingControl):
        def __init__(self, stop_at):
            super().__init__()
            self.calls, self.stop_at = 0, stop_at

        def checkpoint(self):
            self.calls += 1
            if self.calls == self.stop_at:
                self.stop()
            return super().checkpoint()

    r = TrainingRun(data, config)
    if impl == "analytic" and method == "sgd":  # (it checks every 4096 updates)
        control = StopAt(1)
    else:
        control = StopAt(2 * (1 + len(range(0, 37, 1 if method == "sgd" else 6))) + 4)
    got = rows_of(r.records(control))
    assert r.status is RunStatus.STOPPED
    if not (impl == "analytic" and method == "sgd"):
        assert r.partial is not None and r.partial.epoch == 2
    r.extend(6 - r.epochs_done)
    got += rows_of(r.records())
    assert got == expected and r.status is RunStatus.DONE


def test_a_high_loss_without_a_clamped_point_is_neither_saturation_nor_divergence():
    # the loss (about 9.5) is above 100 / N, where the clamp check looks, but no p is
    # exactly 0 or 1 on the wrong side: the run is the tutorial's loop to the end
    from tests.core.models.logistic.test_parity import module_reference

    data = labelled()
    X, Y = data.tensors()
    expected = module_reference(X, Y, loss="bce", method="batch", learning_rate=0.2,
                                epochs=30, w0=-10.0, b0=-20.0)
    assert expected[0][0] > 100 / len(data)
    r, records = run(data, logistic(loss="bce", impl="module", learning_rate=0.2, epochs=30,
                                    init_w=-10.0, init_b=-20.0))
    assert r.status is RunStatus.DONE
    assert [(rec.loss, rec.w, rec.b) for rec in records] == expected


@pytest.mark.parametrize(("dtype", "w", "clamped"), [
    ("float32", 16.7, True), ("float32", 16.5, False),
    ("float64", 36.8, True), ("float64", 36.6, False),
])
def test_bceloss_clamp_found_just_past_where_p_rounds_to_1(dtype, w, clamped):
    data = Dataset.from_points([(1.0, 0.0), (-1.0, 1.0)], dtype=dtype)  # both misclassified
    X, Y = data.tensors()
    assert (bce_loss_module(X, Y, w, 0.0) > 50) == clamped  # (100 + w) / 2 when clamped
    r, records = run(data, logistic(loss="bce", impl="module", learning_rate=1e-3, epochs=2,
                                    init_w=w, init_b=0.0))
    assert isinstance(r.diverged, TrainingSaturated) == clamped
    assert len(records) == (0 if clamped else 2)


def test_a_saturation_thrown_by_a_far_too_large_step_names_the_learning_rate():
    """Saturated after a step of a learning rate far above the stable one: the message says
    so (a smaller rate is the cure there, as much as the stable loss); saturated at the start,
    it names no learning rate."""
    from gdstudio.core.models.logistic.saturation import stable_ce_learning_rate

    stable = stable_ce_learning_rate(SEPARABLE)
    config = logistic(loss="bce", impl="manual", method="batch", learning_rate=1000 * stable,
                      epochs=50, init_w=0.0, init_b=0.0)
    exc = run(SEPARABLE, config)[0].diverged
    assert isinstance(exc, TrainingSaturated) and exc.epoch > 0
    assert (f"the learning rate {1000 * stable:g} is 1e+03 times the largest stable one "
            f"({stable:.3g}): take a smaller one, or use BCEWithLogitsLoss") in str(exc)
    at_start = run(SEPARABLE, config.replace(init_w=1e6))[0].diverged
    assert isinstance(at_start, TrainingSaturated) and at_start.epoch == 0
    assert "learning rate" not in str(at_start) and "BCEWithLogitsLoss" in str(at_start)
