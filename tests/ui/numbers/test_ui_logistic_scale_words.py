"""The step-size guide's words on data whose scale overflows the arithmetic, under logistic
regression: rescale x. It said "rescale or standardize x and y", but logistic regression
refuses to standardize and its y are labels 0 and 1."""

from __future__ import annotations

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.numbers.logistic_numbers import LogisticGuides


def test_huge_x_is_told_to_rescale_x_not_to_standardize():
    x = np.array([-2e30, -1e30, 0.5e30, 1e30, 3e30], dtype=np.float32)  # (as a CSV loads)
    data = Dataset(x, np.array([0.0, 0.0, 1.0, 0.0, 1.0], dtype=np.float32))
    config = TrainConfig(model="logistic", loss="bce", method="batch", init_w=0.0, init_b=0.0)
    guide = LogisticGuides(data)(config)
    words = guide.text()
    assert "overflows float32" in guide.scale_problem
    assert "rescale x" in guide.scale_problem
    assert "standardize" not in guide.scale_problem and " y" not in guide.scale_problem
    assert "standardize" not in words and "rescale x" in words
