"""Logistic regression trains on labels 0 and 1 only; anything else is named and refused."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import DataError
from gdstudio.core.models.logistic.labels import check_labels
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import full_data_loss, train
from gdstudio.core.training.lifecycle import TrainingRun


@pytest.mark.parametrize(("y", "message"), [
    ([0, 1, 0.5, 1], "Logistic regression needs labels 0 or 1; point 3 has y = 0.5."),
    ([2, 1], "Logistic regression needs labels 0 or 1; point 1 has y = 2."),
    ([0, -1], "Logistic regression needs labels 0 or 1; point 2 has y = -1."),
    ([0, 1, np.nan], "Logistic regression needs labels 0 or 1; point 3 has y = nan."),
])
def test_other_labels_are_refused_naming_the_first_point(y, message):
    with pytest.raises(DataError) as err:
        check_labels(np.array(y, dtype=np.float32))
    assert str(err.value) == message


@pytest.mark.parametrize("y", [[0, 1, 1, 0], [1, 1, 1], [0.0], []])
def test_zeros_and_ones_pass_even_of_one_class(y):
    check_labels(np.array(y, dtype=np.float64))


@pytest.mark.parametrize("impl", ["manual", "module", "analytic"])
def test_training_refuses_them_before_any_epoch(impl):
    data = Dataset.from_points([(0.0, 0.0), (1.0, 1.0), (2.0, 0.5)])
    config = TrainConfig(model="logistic", loss="bce", impl=impl)
    with pytest.raises(DataError, match=r"point 3 has y = 0\.5"):
        train(data, config)
    with pytest.raises(DataError, match=r"point 3 has y = 0\.5"):
        TrainingRun(data, config)
    with pytest.raises(DataError, match=r"point 3 has y = 0\.5"):
        full_data_loss(data, config, 1.0, 0.0)
    # the same data fits a line
    assert len(list(train(data, TrainConfig(impl=impl, epochs=2)))) == 2


def test_one_class_trains_and_its_loss_falls():
    data = Dataset.from_points([(-1.0, 1.0), (0.5, 1.0), (2.0, 1.0)])
    records = list(train(data, TrainConfig(model="logistic", loss="bce-logits", epochs=30,
                                           learning_rate=1.0, init_w=0.0, init_b=0.0)))
    losses = [r.loss for r in records]
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0] / 4
    assert records[-1].b > records[0].b > 0
