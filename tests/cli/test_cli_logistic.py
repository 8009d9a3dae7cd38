"""``gdstudio train --model logistic``: the model's own loss, labelled data or two overlapping
classes, the accuracy and the decision boundary in the summary and the parameters file, the
script and the figure, and every bad or extreme data set said in one line (never 'nan', never
a traceback)."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from gdstudio.cli.main import build_parser, config_from_args, main
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.two_classes import two_classes
from gdstudio.core.drawing.figure_data import FigureData
from gdstudio.core.files.session import Session, write_session
from gdstudio.core.models.logistic.optimum import logistic_optimum
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.results import PARAMS_HEADER
from tests import forked
from tests.cli.test_cli import history_rows, read_csv, record_rows, table_rows
from tests.cli.test_cli_numbers import NON_FINITE

#: The parameters file's columns before logistic regression: they keep their places.
LINE_PARAMS_HEADER = (
    "run", "w", "b", "loss", "status", "epochs_done", "method", "impl", "optimizer", "loss_fn",
    "learning_rate", "batch_size", "momentum", "nesterov", "weight_decay", "init_w", "init_b",
    "seed", "shuffle", "fit_bias", "n_points", "dtype", "w_optimal", "b_optimal",
    "loss_optimal", "optimal_note", "w_lsq", "b_lsq", "mse_lsq", "lsq_note", "standardize",
    "w_std", "b_std", "data_changed", "tol", "lr_schedule", "lr_step_size", "lr_gamma",
    "stopped_by", "stop_epoch", "stop_value")
START = ["--init-w", "0", "--init-b", "0"]
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def params_of(path) -> dict[str, str]:
    header, row = read_csv(path)
    assert tuple(header) == PARAMS_HEADER
    return dict(zip(header, row, strict=True))


def exact_accuracy(data: Dataset, w: float, b: float) -> float:
    """The fraction of points on their class's side, from exact rationals."""
    W, B = Fraction(w), Fraction(b)
    right = sum((W * Fraction(float(x)) + B > 0) == (y == 1)
                for x, y in zip(data.x, data.y, strict=True))
    return float(right / len(data))


def labelled(tmp_path, rows, name="data.csv", header="x,y"):
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(f"{x!r},{y}\n" for x, y in rows), encoding="utf-8")
    return path


def test_the_parameters_file_keeps_its_columns_and_adds_model_accuracy_boundary():
    assert PARAMS_HEADER == (*LINE_PARAMS_HEADER, "model", "accuracy", "boundary")


def test_the_loss_is_the_models_own_unless_chosen():
    parse = build_parser().parse_args
    assert config_from_args(parse([])).loss == "mse"
    assert config_from_args(parse(["--model", "logistic"])).loss == "bce"
    assert config_from_args(parse(["--model", "logistic", "--loss", "mse"])).loss == "mse"
    assert config_from_args(parse(["--model", "line", "--loss", "huber"])).loss == "huber"


def test_a_default_logistic_run_trains_two_overlapping_classes(tmp_path, capsys):
    history, params = tmp_path / "h.csv", tmp_path / "p.csv"
    argv = ["train", "--model", "logistic", "--epochs", "5", "--lr", "0.5", *START,
            "--history", str(history), "--params", str(params)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    data = two_classes(seed=0)
    config = TrainConfig(model="logistic", loss="bce", learning_rate=0.5, epochs=5,
                         init_w=0.0, init_b=0.0)
    records = list(TrainingRun(data, config).records())
    assert history_rows(history) == record_rows(records)
    assert table_rows(out) == [(r.epoch, r.loss, r.w, r.b) for r in records]
    w, b = records[-1].w, records[-1].b
    values = params_of(params)
    accuracy = exact_accuracy(data, w, b)
    assert (values["model"], values["loss_fn"]) == ("logistic", "bce")
    assert float(values["accuracy"]) == accuracy and float(values["boundary"]) == -b / w
    optimum = logistic_optimum(data.x, data.y)
    assert optimum.kind == "unique"
    assert (float(values["w_optimal"]), float(values["b_optimal"])) == (optimum.w, optimum.b)
    assert values["optimal_note"] == optimum.text and values["w_lsq"] == ""
    assert f"accuracy: {accuracy!r} ({round(accuracy * 100)} of 100 points" in out
    assert f"decision boundary: x = -b/w = {-b / w!r}" in out
    assert f"optimum: {optimum.text}" in out


def test_a_line_run_says_its_model_and_leaves_accuracy_and_boundary_empty(tmp_path, capsys):
    params = tmp_path / "p.csv"
    assert main(["train", "--epochs", "2", "--quiet", "--params", str(params)]) == 0
    capsys.readouterr()
    values = params_of(params)
    assert (values["model"], values["accuracy"], values["boundary"]) == ("line", "", "")
    assert values["loss_fn"] == "mse" and values["w_lsq"] != ""


@pytest.mark.parametrize("args, words", [
    (["--loss", "mae"], "The MAE loss is not one of the logistic model's losses"),
    (["--standardize"], "turn standardizing off"),
    (["--slope", "3"], "--slope draws the noisy line"),
    (["--n-points", "30"], "--n-points draws the noisy line"),
])
def test_what_logistic_regression_cannot_take_is_one_line(tmp_path, capsys, args, words):
    params = tmp_path / "p.csv"
    assert main(["train", "--model", "logistic", *args, "--params", str(params)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and words in err
    assert not params.exists()


@pytest.mark.parametrize("label", ["0.5", "2", "-1", "yes"])
def test_a_label_other_than_0_or_1_is_refused_naming_its_line(tmp_path, capsys, label):
    data = tmp_path / "data.csv"
    data.write_text(f"x,label\n1,0\n2,1\n3,{label}\n4,1\n", encoding="utf-8")
    params = tmp_path / "p.csv"
    assert main(["train", "--model", "logistic", "--data", str(data),
                 "--params", str(params)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "line 4" in err and label in err and "0 or 1" in err
    assert not params.exists() and "Traceback" not in err


def _attack(tmp_path, capsys, rows, *args, words=NON_FINITE):
    data = labelled(tmp_path, rows)
    params, history = tmp_path / "p.csv", tmp_path / "h.csv"
    code = main(["train", "--model", "logistic", "--data", str(data), "--quiet", *args,
                 "--params", str(params), "--history", str(history)])
    out, err = capsys.readouterr()
    for text in (out, err, params.read_text(encoding="utf-8"),
                 history.read_text(encoding="utf-8")):
        assert not words.search(text) and "Traceback" not in text, text
    assert err.count("\n") <= 1
    return code, out, err, params_of(params)


GROUPS = [(-2.0, 0), (-1.0, 0), (-0.5, 1), (0.25, 0), (0.5, 1), (1.5, 1), (2.0, 1)]


@pytest.mark.parametrize("name, rows, lr, verdict", [
    ("one class", [(1.0, 1), (2.0, 1), (3.0, 1)], "0.1", "no finite optimum"),
    ("one point", [(1.5, 0)], "0.1", "no finite optimum"),
    ("duplicate x, both labels", [(1.0, 0), (1.0, 1), (2.0, 0), (2.0, 1)], "0.1", "w*=0"),
    # (a learning rate below each one's stable bound, 8 / λmax(XᵀX/N))
    ("offset x", [(1.7e9 + 3600 * x, y) for x, y in GROUPS], "1e-18", "w*="),
    ("huge x", [(1e30 * x, y) for x, y in GROUPS], "1e-60", "w*="),
    ("tiny x", [(1e-30 * x, y) for x, y in GROUPS], "0.1", "w*="),
])
def test_extreme_data_trains_and_says_its_optimum(tmp_path, capsys, name, rows, lr, verdict):
    code, out, err, values = _attack(tmp_path, capsys, rows, "--loss", "bce-logits",
                                     "--float64", "--epochs", "3", "--lr", lr, *START)
    assert code == 0 and err == ""
    assert values["status"] == "done" and values["model"] == "logistic"
    assert verdict in out.splitlines()[-1]
    assert values["accuracy"] != ""


def test_separable_data_runs_away_but_is_not_diverged(tmp_path, capsys):
    rows = [(1.0, 0), (2.0, 0), (3.0, 1), (4.0, 1)]
    code, out, err, values = _attack(tmp_path, capsys, rows, "--loss", "bce-logits",
                                     "--lr", "5", "--epochs", "300", *START)
    assert code == 0 and err == "" and values["status"] == "done"
    assert "separable: no finite optimum" in out
    assert values["w_optimal"] == "" and "no finite optimum" in values["optimal_note"]
    assert float(values["accuracy"]) == 1.0 and 2.0 < float(values["boundary"]) < 3.0


def test_the_hand_written_cross_entropy_saturating_suggests_bce_logits(tmp_path, capsys):
    rows = [(1.0, 0), (2.0, 0), (3.0, 1), (4.0, 1)]
    code, _, err, values = _attack(tmp_path, capsys, rows, "--lr", "5", "--epochs", "300",
                                     *START, words=NAN)  # (it says log(0) is -inf)
    assert code == 3  # as every run that stops on a loss that is not a number
    assert "log(0)" in err and "--loss bce-logits" in err
    assert values["status"] == "diverged" and 0 < int(values["epochs_done"]) < 300


def test_the_script_of_a_logistic_run_prints_its_history(tmp_path, capsys):
    """The two-class generator's data is drawn again in the script; a labelled CSV of more
    than 200 points is read from the CSV beside it."""
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=250), 3)
    big = labelled(tmp_path, [(float(v), int(v + rng.normal() > 0)) for v in x], "big.csv")
    for name, extra in (("gen", ["--impl", "module", "--optimizer", "adam", "--method",
                                 "minibatch", "--shuffle"]),
                        ("big", ["--data", str(big), "--loss", "mse", "--impl", "analytic"])):
        history, script = tmp_path / f"{name}_history.csv", tmp_path / f"{name}.py"
        assert main(["train", "--model", "logistic", "--epochs", "4", "--quiet", *extra,
                     "--history", str(history), "--script", str(script)]) == 0
        done = forked.run(str(script), cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        expected = [",".join(line.split(",")[:4]) for line in
                    history.read_text(encoding="utf-8").splitlines()]
        assert done.stdout.splitlines() == expected
    assert (tmp_path / "big_data.csv").exists() and not (tmp_path / "gen_data.csv").exists()
    capsys.readouterr()


def test_the_figure_draws_the_sigmoid_and_its_boundary(tmp_path, capsys):
    figure = tmp_path / "run.png"
    assert main(["train", "--model", "logistic", "--epochs", "3", "--quiet",
                 "--figure", str(figure)]) == 0
    capsys.readouterr()
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = two_classes(seed=0)
    w, b = 1.25, -0.5
    drawn = FigureData.of_run(data, [0.7, 0.6], [(0.0, 0.0), (1.0, -0.25), (w, b)], w, b,
                              "BCE", "t", model="logistic")
    xs, p = drawn.sigmoid
    assert xs[0] < data.x.min() and xs[-1] > data.x.max()
    with np.errstate(over="ignore"):
        assert np.allclose(p, 1.0 / (1.0 + np.exp(-(w * xs + b))), rtol=1e-13, atol=0)
    assert drawn.boundary == -b / w
    line = FigureData.of_run(noisy_line(), [1.0], [(0.0, 0.0)], 1.0, 0.0, "MSE", "t")
    assert line.sigmoid is None and line.boundary is None and line.model == "line"


def test_the_figure_of_separable_data_draws_no_star(tmp_path, capsys):
    rows = [(1.0, 0), (2.0, 0), (3.0, 1), (4.0, 1)]
    figure = tmp_path / "sep.svg"
    assert main(["train", "--model", "logistic", "--data", str(labelled(tmp_path, rows)),
                 "--loss", "bce-logits", "--epochs", "20", "--lr", "2", "--quiet",
                 "--figure", str(figure)]) == 0
    out, _ = capsys.readouterr()
    assert "separable" in out and figure.read_text(encoding="utf-8").startswith("<?xml")



def test_a_session_switched_to_logistic_regression_takes_its_loss(tmp_path, capsys):
    """A line session trained with --model logistic takes logistic regression's own loss
    (not the line's MSE), unless --loss says otherwise."""
    session = tmp_path / "labels.gdstudio"
    rows = [(1.0, 0.0), (2.0, 1.0), (3.0, 0.0), (4.0, 1.0)]
    write_session(session, Session(np.array([x for x, _ in rows], dtype=np.float32),
                                   np.array([y for _, y in rows], dtype=np.float32),
                                   "float32", TrainConfig(loss="mae")))
    for extra, loss in (([], "bce"), (["--loss", "mse"], "mse")):
        params = tmp_path / f"{loss}.csv"
        assert main(["train", "--session", str(session), "--model", "logistic", *extra,
                     "--epochs", "2", "--quiet", "--params", str(params)]) == 0
        values = params_of(params)
        assert (values["model"], values["loss_fn"]) == ("logistic", loss)
    capsys.readouterr()
