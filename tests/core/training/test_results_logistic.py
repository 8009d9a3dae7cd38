"""A logistic regression run's parameters row: its model, accuracy and decision boundary at
the end, the maximum-likelihood optimum in the optimum columns (or why there is none), the
least-squares columns empty; a line run's row keeps its cells and says ``line``."""

from __future__ import annotations

import numpy as np

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.optimum import closed_form
from gdstudio.core.models.logistic.optimum import logistic_optimum
from gdstudio.core.settings.config import EpochRecord, TrainConfig
from gdstudio.core.training.results import PARAMS_HEADER, summarize

DATA = Dataset(np.array([-2.0, -1.0, -0.5, 0.25, 0.5, 1.5, 2.0]),
               np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0]))
LOGISTIC = TrainConfig(model="logistic", loss="bce-logits", init_w=0.0, init_b=0.0)


def cells(summary) -> dict:
    return dict(zip(PARAMS_HEADER, summary.row(0), strict=True))


def test_the_row_has_the_accuracy_boundary_and_maximum_likelihood_optimum():
    last = EpochRecord(0, 0.7, 2.0, -0.5, 7, 1)
    # (the studio passes the line's optimum of any run: the model's own is computed)
    summary = summarize(DATA, LOGISTIC, last, "done", (0.0, 0.0), closed_form(DATA))
    row = cells(summary)
    # 2x - 0.5 > 0 for x > 0.25: -0.5 (class 1) is on the wrong side; 0.25, on the
    # boundary (p = 0.5), counts as class 0, its own
    assert row["accuracy"] == 6 / 7 and row["boundary"] == 0.25
    assert row["model"] == "logistic"
    optimum = logistic_optimum(DATA.x, DATA.y)
    assert (row["w_optimal"], row["b_optimal"], row["loss_optimal"]) == (
        optimum.w, optimum.b, optimum.loss)
    assert row["optimal_note"] == optimum.text
    assert [row[k] for k in ("w_lsq", "b_lsq", "mse_lsq", "lsq_note")] == ["", "", "", ""]


def test_no_boundary_when_w_is_0_and_no_optimum_for_one_class():
    data = Dataset(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    last = EpochRecord(0, 0.7, 0.0, 0.5, 2, 1)
    row = cells(summarize(data, LOGISTIC, last, "done", (0.0, 0.0),
                          logistic_optimum(data.x, data.y)))
    assert row["boundary"] == "" and row["accuracy"] == 1.0
    assert row["w_optimal"] == row["b_optimal"] == "" and "no finite optimum" in \
        row["optimal_note"]


def test_the_squared_error_on_the_sigmoid_names_the_cross_entropys_optimum_as_not_its_own():
    config = LOGISTIC.replace(loss="mse")
    row = cells(summarize(DATA, config, None, "done", (0.0, 0.0), closed_form(DATA)))
    assert row["w_optimal"] == row["loss_optimal"] == ""
    assert "not this run's loss" in row["optimal_note"]


def test_a_line_row_says_line_and_leaves_accuracy_and_boundary_empty():
    data = noisy_line()
    row = cells(summarize(data, TrainConfig(), None, "done", (0.0, 0.0), closed_form(data)))
    assert (row["model"], row["accuracy"], row["boundary"]) == ("line", "", "")
    assert row["w_lsq"] == row["w_optimal"] != ""
