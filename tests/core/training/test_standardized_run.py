"""A run on standardized x and y, reported in the data's units (core and ``gdstudio train``)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from gdstudio.cli.main import main
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import make
from gdstudio.core.data.standardize import Standardization
from gdstudio.core.errors import ConfigError, DataError
from gdstudio.core.models.line.stepsize import step_guide
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import loss_at, train
from gdstudio.core.training.lifecycle import TrainingRun
from tests.core.data.test_standardize_presets import exact_lsq

STUDY = TrainConfig(method="batch", impl="manual", learning_rate=0.25, epochs=60, init_w=0.0,
                    init_b=0.0)
F32 = float(np.finfo(np.float32).eps)


def test_study_hours_standardized_reaches_the_exact_optimum_in_tens_of_epochs():
    data = make("study-hours")
    ew, eb = (float(v) for v in exact_lsq(data.x, data.y))  # w* = 7.9, b* = 400 exactly
    run = TrainingRun(data, STUDY.replace(standardize=True))
    records = list(run.records())
    # in the data's units, to float32 precision (the run's own arithmetic)
    assert records[-1].w == pytest.approx(ew, rel=8 * F32)
    assert records[-1].b == pytest.approx(eb, rel=8 * F32)
    first = next(r.epoch for r in records
                 if abs(r.w - ew) <= 8 * F32 * ew and abs(r.b - eb) <= 8 * F32 * eb)
    assert 10 <= first < 60  # tens of epochs

    # the same data unstandardized, at 99% of its largest stable rate, is far after 2,000
    raw = STUDY.replace(learning_rate=0.99 * step_guide(data, STUDY).limit, epochs=2000)
    last = list(TrainingRun(data, raw).records())[-1]
    assert abs(last.b - eb) > 0.3 * eb


def test_every_record_is_the_standardized_run_converted_exactly():
    data = Dataset(np.array([1.0, 2.5, 4.0, 7.0, 11.0]), np.array([3.0, 2.0, 6.5, 9.0, 15.0]))
    config = TrainConfig(method="minibatch", batch_size=2, learning_rate=0.05, epochs=8,
                         init_w=1.5, init_b=-2.0, standardize=True)
    s = Standardization.of_dataset(data)
    run = TrainingRun(data, config)
    assert run.init == (1.5, -2.0)  # the start as given, in the data's units
    got = list(run.records())
    # the plain engine on the standardized data from the converted start
    std = list(train(s.apply_dataset(data), config.replace(
        standardize=False, init_w=s.to_standardized(1.5, -2.0)[0],
        init_b=s.to_standardized(1.5, -2.0)[1])))
    assert len(got) == len(std) == 8
    for r, q in zip(got, std, strict=True):
        assert (r.w, r.b) == s.to_original(q.w, q.b)
        assert r.loss == q.loss * s.y_std**2  # the MSE in the data's units
        assert (r.epoch, r.samples_seen, r.updates) == (q.epoch, q.samples_seen, q.updates)
    summary = run.summarize()
    assert (summary.w, summary.b) == (got[-1].w, got[-1].b)
    assert (summary.w_std, summary.b_std) == (std[-1].w, std[-1].b)
    # the final loss is the standardized data's loss in the data's units (as each record's),
    # which equals the loss on the data up to its rounding
    assert summary.loss == loss_at(s.apply_dataset(data), config.replace(standardize=False),
                                   std[-1].w, std[-1].b) * s.y_std**2
    assert summary.loss == pytest.approx(loss_at(data, config, summary.w, summary.b), rel=1e-12)
    assert summary.config.standardize
    # the loss before each epoch, in the data's units, against float64 brute force
    w0, b0 = got[2].w, got[2].b
    assert got[3].loss == pytest.approx(float(np.mean((w0 * data.x + b0 - data.y) ** 2)),
                                        rel=1e-12)


def test_huber_loss_is_the_datas_huber_with_delta_times_sy():
    data = Dataset(np.array([0.0, 1.0, 2.0, 3.0, 10.0]), np.array([1.0, 2.0, 2.5, 4.0, 40.0]))
    config = TrainConfig(loss="huber", huber_delta=0.5, learning_rate=0.1, epochs=3,
                         init_w=0.0, init_b=0.0, standardize=True)
    run = TrainingRun(data, config)
    sy = Standardization.of_dataset(data).y_std
    assert run.loss_config.huber_delta == 0.5 * sy
    first = next(iter(run.records()))
    r = data.y - 0.0  # residuals of the start w = b = 0, in the data's units
    d = 0.5 * sy
    brute = np.mean(np.where(np.abs(r) < d, 0.5 * r * r, d * (np.abs(r) - 0.5 * d)))
    assert first.loss == pytest.approx(float(brute), rel=1e-12)


def test_standardize_needs_the_bias_and_varying_x():
    with pytest.raises(ConfigError, match="needs its bias"):
        TrainConfig(fit_bias=False, standardize=True).validate()
    with pytest.raises(DataError, match="Every x is the same"):
        TrainingRun(Dataset(np.array([2.0, 2.0]), np.array([1.0, 3.0])),
                    TrainConfig(standardize=True))


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_cli_standardize_writes_both_units(tmp_path, capsys):
    source = tmp_path / "study.csv"
    source.write_text("x,y\n10,480\n20,520\n30,710\n40,680\n")
    params, history = tmp_path / "p.csv", tmp_path / "h.csv"
    code = main(["train", "--data", str(source), "--standardize", "--lr", "0.25", "--epochs",
                 "60", "--init-w", "0", "--init-b", "0", "--params", str(params),
                 "--history", str(history), "--quiet"])
    assert code == 0
    assert "trained on standardized x and y" not in capsys.readouterr().out  # --quiet
    (row,) = _rows(params)
    s = Standardization.of([10, 20, 30, 40], [480, 520, 710, 680])
    assert row["standardize"] == "True"
    assert float(row["w"]) == pytest.approx(7.9, rel=8 * F32)
    assert float(row["b"]) == pytest.approx(400.0, rel=8 * F32)
    assert s.to_original(float(row["w_std"]), float(row["b_std"])) == (float(row["w"]),
                                                                       float(row["b"]))
    assert (row["init_w"], row["init_b"]) == ("0.0", "0.0")  # the start in the data's units
    hist = _rows(history)
    assert len(hist) == 60 and list(hist[0])[-2:] == ["w_std", "b_std"]
    for h in hist:
        assert s.to_original(float(h["w_std"]), float(h["b_std"])) == (float(h["w"]),
                                                                       float(h["b"]))


def test_cli_unstandardized_params_leave_the_standardized_cells_empty(tmp_path):
    params = tmp_path / "p.csv"
    assert main(["train", "--epochs", "2", "--quiet", "--params", str(params)]) == 0
    (row,) = _rows(params)
    assert (row["standardize"], row["w_std"], row["b_std"]) == ("False", "", "")


def test_cli_refuses_standardize_without_bias(capsys):
    assert main(["train", "--standardize", "--no-bias", "--epochs", "2"]) == 2
    assert "needs its bias" in capsys.readouterr().err


def test_the_final_loss_on_offset_float32_data_is_not_rounded_away():
    """Timestamps in float32: w·x + b in the data's units keeps no digits of the residuals,
    so the final loss is the standardized data's loss in the data's units."""
    from fractions import Fraction

    x = np.array([1.7e9, 1.7e9 + 100, 1.7e9 + 200, 1.7e9 + 300], dtype=np.float32)
    data = Dataset(x, np.array([1.0, 2.0, 2.5, 4.0], dtype=np.float32))
    run = TrainingRun(data, TrainConfig(learning_rate=0.5, epochs=40, standardize=True))
    list(run.records())
    summary = run.summarize()
    w, b = exact_lsq(data.x, data.y)
    exact = sum((w * Fraction(float(a)) + b - Fraction(float(c))) ** 2
                for a, c in zip(data.x, data.y, strict=True)) / 4
    assert summary.loss == pytest.approx(float(exact), rel=1e-5)
    assert summary.loss == pytest.approx(run.last.loss, rel=1e-3)  # as the history says


def test_cli_standardized_divergence_names_w_and_b_in_the_datas_units(tmp_path, capsys):
    """A standardized run that diverges keeps w and b in the data's units in its message,
    the same numbers as the final line and the parameters file (it named the standardized
    ones, w=-911.863 beside w=-8081.7), with the standardized ones beside them, and quotes
    the losses in the data's units too."""
    source = tmp_path / "study.csv"
    source.write_text("x,y\n10,480\n20,520\n30,710\n40,680\n")
    params = tmp_path / "p.csv"
    code = main(["train", "--data", str(source), "--standardize", "--lr", "1.5", "--epochs",
                 "3000", "--init-w", "0", "--init-b", "0", "--params", str(params), "--quiet"])
    assert code == 3
    err = capsys.readouterr().err
    (row,) = _rows(params)
    assert row["status"] == "diverged"
    kept = err.split("Kept the last parameters with a finite loss, ")[1]
    assert kept.startswith(f"w={float(row['w']):.6g}, b={float(row['b']):.6g} (standardized: ")
    # the losses quoted are the data's: the start's MSE at (0, 0) is mean(y²) = 366,825
    assert "the full-data loss grew from 3.67e+05 " in err
    assert err.count("\n") == 1
