"""Standardized training mapped back to the data's units, and the preset data sets."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.presets import PRESETS, make
from gdstudio.core.data.standardize import Standardization
from gdstudio.core.errors import DataError
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train

rng = np.random.default_rng(3)


def exact_lsq(x, y):
    X = [Fraction(float(v)) for v in x]
    Y = [Fraction(float(v)) for v in y]
    n = len(X)
    mx, my = sum(X) / n, sum(Y) / n
    w = sum((a - mx) * (c - my) for a, c in zip(X, Y, strict=True)) / sum((a - mx) ** 2
                                                                        for a in X)
    return w, my - w * mx


def _line(n, slope, intercept, noise, x0=0.0, span=10.0):
    x = x0 + np.linspace(0.0, span, n)
    return x, slope * x + intercept + noise * rng.standard_normal(n)


CASES = {
    "ordinary": _line(40, -5.0, 2.0, 1.0),
    "offset": _line(30, 0.001, -1.7e6, 0.3, x0=1.7e9, span=3600.0),
    "tiny": tuple(v * 1e-20 for v in _line(20, 3.0, 1.0, 0.5)),
    "huge": tuple(v * 1e30 for v in _line(20, 3.0, 1.0, 0.5)),
    "study hours": (np.array([10.0, 20, 30, 40]), np.array([480.0, 520, 710, 680])),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("standardize_y", [True, False])
def test_the_standardized_optimum_maps_back_to_the_exact_one(name, standardize_y):
    x, y = CASES[name]
    s = Standardization.of(x, y, standardize_y)
    xs, ys = s.apply(x, y)
    ws, bs = MSELandscape.from_arrays(xs, ys).optimum
    w, b = s.to_original(ws, bs)
    ew, eb = exact_lsq(x, y)
    assert w == pytest.approx(float(ew), rel=1e-9)
    assert b == pytest.approx(float(eb), rel=1e-9, abs=1e-9 * abs(float(ew) * np.mean(x)))
    back = s.to_standardized(w, b)
    # w in the data's units is a rounded float: its rounding, times mean x, moves bs by up to
    # about eps·|w·mx|/sy, the precision any line in these units can be stated to
    assert back[0] == pytest.approx(ws, rel=1e-12)
    assert back[1] == pytest.approx(bs, rel=1e-9, abs=1e-12 * abs(w * s.x_mean) / s.y_std)


def test_standardized_x_makes_the_bowl_round():
    x, y = CASES["offset"]
    s = Standardization.of(x, y)
    land = MSELandscape.from_arrays(*s.apply(x, y))
    assert land.condition_number() == pytest.approx(1.0, abs=1e-9)
    assert MSELandscape.from_arrays(x, y).condition_number() > 1e12


def test_study_hours_converge_in_tens_of_epochs_only_when_standardized():
    """The issue's example: raw study-hours data stalls after 2,000 epochs at its largest
    stable rate; standardized, batch descent reaches the optimum in tens."""
    data = make("study-hours")
    ew, eb = (float(v) for v in exact_lsq(data.x, data.y))
    land = MSELandscape.from_dataset(data)
    (lo, hi), _ = land.eigen()
    raw = TrainConfig(method="batch", impl="analytic", learning_rate=1.9 / hi, epochs=2000,
                      init_w=0.0, init_b=0.0)
    last = list(train(data, raw))[-1]
    assert abs(last.b - eb) > 0.3 * abs(eb)  # b is still over 30% short of b* = 400

    s = Standardization.of_dataset(data)
    std = s.apply_dataset(data)
    config = raw.replace(learning_rate=0.5, epochs=30)
    hist = list(train(std, config))
    w, b = s.to_original(hist[-1].w, hist[-1].b)
    assert w == pytest.approx(ew, rel=1e-5)
    assert b == pytest.approx(eb, rel=1e-5)
    assert lo > 0


def test_every_x_equal_cannot_be_standardized():
    with pytest.raises(DataError, match="Every x is the same"):
        Standardization.of([2.0, 2.0], [1.0, 3.0])
    with pytest.raises(DataError, match="empty"):
        Standardization.of([], [])


def test_constant_y_is_only_centred():
    s = Standardization.of([1.0, 2.0, 3.0], [4.0, 4.0, 4.0])
    assert (s.y_mean, s.y_std) == (4.0, 1.0)


def test_loss_units():
    s = Standardization(0.0, 2.0, 1.0, 3.0)
    assert s.loss_to_original(2.0, "mse") == 18.0
    assert s.loss_to_original(2.0, "mae") == 6.0
    with pytest.raises(ValueError, match="Huber"):
        s.loss_to_original(1.0, "huber")


def test_study_hours_preset_and_the_line_9x_plus_350():
    data = make("study-hours")
    assert data.x.tolist() == [10, 20, 30, 40] and data.y.tolist() == [480, 520, 710, 680]
    assert f"{MSELandscape.from_dataset(data).loss(9.0, 350.0):.2f}" == "2675.00"


def test_tutorial_presets_are_the_tutorials_data():
    four = make("four-points")
    assert four.x.tolist() == [1, 2, 3, 4] and four.y.tolist() == [2, 4, 6, 8]
    assert four.dtype == "float32"
    assert make("noisy-line") == noisy_line()
    assert set(PRESETS) == {"study-hours", "four-points", "noisy-line", "line-outlier",
                            "two-clusters", "vertical-cloud", "overlapping-classes",
                            "separable-classes", "one-mislabelled", "hours-pass"}
    for p in PRESETS.values():
        assert p.title and p.description.endswith(".")


def test_unknown_preset():
    with pytest.raises(KeyError, match="Unknown preset 'nope'"):
        make("nope")


def test_dataset_round_trip_keeps_dtype():
    data = Dataset(np.array([1.0, 2.0, 4.0], np.float32), np.array([0.0, 1.0, 5.0], np.float32))
    std = Standardization.of_dataset(data).apply_dataset(data)
    assert std.dtype == "float32"
    assert float(np.mean(std.x)) == pytest.approx(0.0, abs=1e-7)
