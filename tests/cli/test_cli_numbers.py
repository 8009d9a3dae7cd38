"""The numbers ``gdstudio train`` prints and writes: the true optimum on any data, said in
words when it is not unique or not representable, never 'nan' or 'inf'."""

from __future__ import annotations

import csv
import re

import pytest

from gdstudio.cli.main import main
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.optimum import closed_form, loss_optimum
from tests import forked

NON_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


def run(tmp_path, capsys, rows, *args, float64=True):
    data = tmp_path / "data.csv"
    data.write_text("x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in rows), encoding="utf-8")
    params = tmp_path / "params.csv"
    argv = ["train", "--data", str(data), "--quiet", "--epochs", "3", "--params", str(params),
            *(["--float64"] if float64 else []), *args]
    code = main(argv)
    out, err = capsys.readouterr()
    with open(params, newline="", encoding="utf-8") as handle:
        header, row = list(csv.reader(handle))
    values = dict(zip(header, row, strict=True))
    for text in (out, err, params.read_text(encoding="utf-8")):
        assert not NON_FINITE.search(text), text
    return code, out, err, values


def optimum_line(out):
    return next(line for line in out.splitlines() if line.startswith("optimum ("))


def test_timestamps_as_x(tmp_path, capsys):
    rows = [(1.7e9 + 1000 * i, float(i)) for i in range(1000)]
    _, out, _, values = run(tmp_path, capsys, rows, "--lr", "1e-19")
    assert optimum_line(out) == "optimum (closed form): w*=0.001, b*=-1700000.0, loss*=0.0"
    assert (values["w_optimal"], values["b_optimal"], values["loss_optimal"]) == (
        "0.001", "-1700000.0", "0.0")
    assert (values["w_lsq"], values["b_lsq"], values["mse_lsq"]) == (
        "0.001", "-1700000.0", "0.0")


def test_huge_x_float64(tmp_path, capsys):
    """x = 1e160: x**2 overflows float64; the optimum itself is finite and right."""
    rows = [(1e160, 1.0), (2e160, 3.0), (3e160, 2.0)]
    code, out, _, values = run(tmp_path, capsys, rows)
    assert code == 3  # the run itself overflows at once
    opt = closed_form(Dataset.from_points(rows, dtype="float64"))
    assert float(values["w_optimal"]) == opt.w == pytest.approx(5e-161, rel=1e-15)
    assert float(values["loss_optimal"]) == pytest.approx(0.5, rel=1e-15)
    assert "final:" in out and "loss=overflows float64" in out


def test_huge_y_loss_beyond_float64_is_said_in_words(tmp_path, capsys):
    rows = [(1.0, 1e200), (2.0, 3e200), (3.0, 2e200)]
    _, out, _, values = run(tmp_path, capsys, rows)
    assert optimum_line(out) == ("optimum (closed form): w*=5e+199, b*=1e+200, "
                                 "loss*=about 5e+399 (beyond float64)")
    assert values["loss_optimal"] == "" and values["mse_lsq"] == ""
    assert "loss* is about 5e+399 (beyond float64)" in values["optimal_note"]
    assert float(values["w_optimal"]) == 5e199 and float(values["b_optimal"]) == 1e200


def test_all_x_equal_is_not_unique_everywhere(tmp_path, capsys):
    _, out, _, values = run(tmp_path, capsys, [(2.0, 1.0), (2.0, 3.0)], float64=False)
    line = optimum_line(out)
    assert line.startswith("optimum (closed form): not unique: ")
    assert "any line through (2, 2)" in line and line.endswith("loss*=1.0")
    assert "w*=" not in line
    assert values["w_optimal"] == values["b_optimal"] == ""
    assert values["loss_optimal"] == "1.0"
    assert "not unique: every x is 2: any line through (2, 2)" in values["optimal_note"]


def test_one_point_without_bias_at_x_zero(tmp_path, capsys):
    _, out, _, values = run(tmp_path, capsys, [(0.0, 3.0)], "--no-bias")
    assert "not unique" in optimum_line(out) and "any slope" in optimum_line(out)
    assert values["w_optimal"] == "" and values["loss_optimal"] == "9.0"


@pytest.mark.parametrize(("loss", "label"), [("mae", "MAE, exact"),
                                             ("huber", "Huber, delta=1, exact")])
def test_mae_and_huber_runs_get_their_own_optimum_and_the_reference(tmp_path, capsys, loss,
                                                                    label):
    data = noisy_line()
    rows = list(zip(data.x.tolist(), data.y.tolist(), strict=True))
    _, out, _, values = run(tmp_path, capsys, rows, "--loss", loss, float64=False)
    own = loss_optimum(data, loss)
    lsq = closed_form(data)
    assert optimum_line(out) == (f"optimum ({label}): w*={own.w!r}, b*={own.b!r}, "
                                 f"loss*={own.loss!r}")
    assert (f"least squares (reference, not this run's loss): w={lsq.w!r}, b={lsq.b!r}, "
            f"mse={lsq.loss!r}") in out.splitlines()
    assert float(values["loss_optimal"]) == own.loss
    assert float(values["w_optimal"]) == own.w and values["optimal_note"] == label
    assert float(values["mse_lsq"]) == lsq.loss and float(values["w_lsq"]) == lsq.w
    # the MAE optimum is not the least-squares line, and its loss is the run's kind of loss
    assert own.w != lsq.w
    assert float(values["loss"]) >= own.loss


def test_a_huge_huber_delta_prints_no_warning(tmp_path):
    """--huber-delta 1e200 on float64 data: numpy's 'overflow encountered' for the branch
    of the Huber loss that is not taken went to stderr; now nothing does."""
    source = tmp_path / "study.csv"
    source.write_text("x,y\n10,480\n20,520\n30,710\n40,680\n")
    done = forked.run("-m", "gdstudio", "train", "--data", str(source), "--float64",
                      "--loss", "huber", "--huber-delta", "1e200", "--lr", "1e-4", "--epochs",
                      "3", "--quiet", cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "optimum (Huber, delta=1e+200, exact): w*=7.9, b*=400.0" in done.stdout
