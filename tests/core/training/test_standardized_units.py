"""A standardized run in both units: the parameters in the data's units are the least-squares
optimum, both pairs agree exactly, the path is recorded (in the data's units, as the
landscape shows them), the divergence message speaks in the data's units, and the studio
shows and exports w_std, b_std beside w and b."""

from __future__ import annotations

import csv
import math
from fractions import Fraction

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.standardize import Standardization
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.path import PathBuffer

#: The first tutorial's study-hours data.
X = [10.0, 20.0, 30.0, 40.0]
Y = [480.0, 520.0, 710.0, 680.0]


def _study_hours() -> Dataset:
    return Dataset(np.array(X), np.array(Y))


def _least_squares() -> tuple[Fraction, Fraction]:
    xs, ys = [Fraction(v) for v in X], [Fraction(v) for v in Y]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    w = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)
    return w, my - w * mx


def _rel(a: Fraction, b: Fraction, scale: Fraction) -> float:
    return float(abs(a - b) / scale)


def test_a_standardized_run_ends_at_the_least_squares_optimum_in_both_units():
    d = _study_hours()
    run = TrainingRun(d, TrainConfig(method="batch", learning_rate=0.1, epochs=200,
                                     init_w=9.0, init_b=350.0, standardize=True))
    list(run.records())
    summary = run.summarize()
    w_star, b_star = _least_squares()  # 7.9 and 400 exactly
    assert (w_star, b_star) == (Fraction(79, 10), Fraction(400))
    assert _rel(Fraction(summary.w), w_star, w_star) < 1e-13
    assert _rel(Fraction(summary.b), b_star, b_star) < 1e-13
    # the two pairs are one line: w = w_std·sy/sx, b = my + sy·b_std - w·mx (exact sums)
    s = Standardization.of_dataset(d)
    ws, bs = Fraction(summary.w_std), Fraction(summary.b_std)
    sx, sy, mx, my = (Fraction(v) for v in (s.x_std, s.y_std, s.x_mean, s.y_mean))
    assert _rel(Fraction(summary.w), ws * sy / sx, w_star) < 2.0 ** -51
    b_exact = my + sy * bs - Fraction(summary.w) * mx
    assert _rel(Fraction(summary.b), b_exact, max(abs(my), abs(Fraction(summary.w) * mx))) \
        < 2.0 ** -51


def test_a_standardized_stochastic_run_records_its_path_in_the_datas_units():
    d = _study_hours()
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=0.1, epochs=3,
                         init_w=9.0, init_b=350.0, standardize=True, shuffle=True, seed=3)
    run = TrainingRun(d, config)
    path = PathBuffer(1000)
    records = list(run.records(path=path))
    points = path.points()
    assert len(points) == 1 + 3 * len(d)  # the start and every update
    # every epoch's end is the history's w, b exactly (both in the data's units)
    np.testing.assert_array_equal(points[[4, 8, 12]], [(r.w, r.b) for r in records])
    np.testing.assert_allclose(points[0], (9.0, 350.0), rtol=1e-15)
    # a plain float64 loop on the standardized data, mapped back line by line
    s = Standardization.of_dataset(d)
    xs, ys = s.apply(d.x, d.y)
    import torch

    gen = torch.Generator().manual_seed(3)
    ws, bs = s.to_standardized(9.0, 350.0)
    ref = [s.to_original(ws, bs)]
    for _ in range(3):
        for i in torch.randperm(len(d), generator=gen).numpy():
            g = 2 * (ws * float(xs[i]) + bs - float(ys[i]))
            ws, bs = ws - 0.1 * (g * float(xs[i])), bs - 0.1 * g
            ref.append(s.to_original(ws, bs))
    np.testing.assert_allclose(points, ref, rtol=1e-12)


def test_a_standardized_runs_divergence_is_told_in_the_datas_units():
    d = _study_hours()
    run = TrainingRun(d, TrainConfig(method="batch", learning_rate=5.0, epochs=50,
                                     init_w=9.0, init_b=350.0, standardize=True))
    list(run.records())
    exc = run.diverged
    assert exc is not None
    message = str(exc)
    # the start y = 9x + 350 has MSE 2675 in the data's units (the tutorial's number)
    assert "grew from 2.68e+03 to " in message
    s = Standardization.of_dataset(d)
    assert math.isclose(exc.loss, run.summarize().loss, rel_tol=1e-9)  # the data's units
    w, b = s.to_original(exc.w_std, exc.b_std)
    assert (exc.w, exc.b) == (w, b)
    assert f"w={w:.6g}, b={b:.6g}" in message
    assert f"w_std={exc.w_std:.6g}, b_std={exc.b_std:.6g}" in message
    assert "for the standardized data" in message
    for word in ("nan", "inf"):
        assert word not in message.lower().replace("info", "")


# ------------------------------------------------------------------ the studio
def _train(window, qtbot, config: TrainConfig) -> None:
    window.panel.set_config(config)
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):
        assert window.controller.train()


def test_the_studio_shows_and_exports_both_units_and_draws_the_path(window, qtbot, tmp_path):
    window.controller.replace_data(_study_hours(), "study hours")
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=0.1, epochs=5,
                         init_w=9.0, init_b=350.0, standardize=True, shuffle=False)
    _train(window, qtbot, config)
    c = window.controller
    summary = c.current_summary
    assert summary.w_std is not None
    first = window.readout.text().split("\n")[0].replace("\u00a0", " ")
    assert f"w_std {summary.w_std:.6g}" in first and f"b_std {summary.b_std:.6g}" in first
    assert f"w {summary.w:.6g}" in first
    # the path on the landscape: every update, in the data's units, ending at the result
    drawn = np.column_stack(window.landscape_plot.path.getData())
    h = c.session.history
    assert len(drawn) == 1 + 5 * 4
    np.testing.assert_array_equal(drawn[[4, 8, 12, 16, 20]], np.column_stack([h.w, h.b]))
    assert tuple(drawn[-1]) == (summary.w, summary.b)
    # kept, then a plain run: the list and the parameters file name both units
    assert window.controller.keep_run()
    item = window.runs_panel.runs_list.item(0)
    assert f"w_std={summary.w_std:.5g}" in item.text()
    _train(window, qtbot, config.replace(standardize=False, learning_rate=0.0001))
    plain = window.readout.text().split("\n")[0]
    assert "w_std" not in plain
    out = tmp_path / "params.csv"
    assert window.files.export_parameters(str(out))
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2
    assert float(rows[0]["w_std"]) == summary.w_std and float(rows[0]["b_std"]) == summary.b_std
    assert float(rows[0]["w"]) == summary.w and float(rows[0]["b"]) == summary.b
    assert rows[1]["w_std"] == "" and rows[1]["b_std"] == ""
