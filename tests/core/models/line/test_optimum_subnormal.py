"""Data of subnormal float64 values (1e-320): the optimum of every loss is found, and
`gdstudio train` reports it; the Huber delta in the scaled units overflowed (OverflowError,
a traceback from `gdstudio train --float64`, and the window's numbers not updated)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.optimum import loss_optimum
from tests import forked

X = np.array([-1e-320, 0.0, 1e-320])
Y = np.array([1e-320, -1e-320, 5e-321])


def exact_slope() -> Fraction:
    xs, ys = [Fraction(v) for v in X], [Fraction(v) for v in Y]
    mx, my = sum(xs) / 3, sum(ys) / 3
    return (sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True))
            / sum((a - mx) ** 2 for a in xs))


@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_the_optimum_of_subnormal_data(loss):
    opt = loss_optimum(Dataset(X, Y), loss, True, 1.0)
    assert opt.w == float(exact_slope())  # every residual is far inside delta: least squares


def test_the_trainer_reports_subnormal_data_without_a_traceback(tmp_path):
    data = tmp_path / "sub.csv"
    rows = "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(X, Y, strict=True))
    data.write_text("x,y\n" + rows)
    out = forked.run("-m", "gdstudio", "train", "--data", str(data), "--float64", "--epochs",
                     "2", "--quiet", "--loss", "huber", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert f"w*={float(exact_slope())!r}" in out.stdout
