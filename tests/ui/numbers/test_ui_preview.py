"""The preview model: recomputed at once when the start, the settings or the data change;
a shuffled run's preview waits for its permutations, drawn off the GUI thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.preview import (
    epochs_needed,
    order_length,
    preview_path,
    shuffle_orders,
)
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.ui.numbers.landscape_model import LandscapeModel
from gdstudio.ui.numbers.preview_model import PreviewModel


@pytest.fixture
def models():
    landscape = LandscapeModel()
    preview = PreviewModel(landscape)
    yield landscape, preview
    assert preview.shutdown()
    assert landscape.shutdown()


BATCH = TrainConfig(method="batch", impl="analytic", learning_rate=0.1, epochs=50,
                    init_w=-10.0, init_b=-20.0)


def test_batch_preview_follows_the_start_settings_and_data(models):
    landscape, preview = models
    data = noisy_line()
    landscape.data_replaced(data)
    shown = []
    preview.previewChanged.connect(shown.append)
    preview.set_config(BATCH)
    preview.set_start(-10.0, -20.0)
    assert len(shown) == 2 and shown[0] is None  # no start yet, then the path
    np.testing.assert_array_equal(shown[-1], preview_path(data, BATCH, -10.0, -20.0))
    run = np.array([(r.w, r.b) for r in train(data, BATCH)])
    np.testing.assert_allclose(shown[-1][1:], run, atol=1e-9)
    preview.set_config(BATCH.replace(learning_rate=0.01))
    assert shown[-1][1, 0] != run[0, 0]
    x, y = np.array(data.x), np.array(data.y)
    moved = Dataset(np.append(x, 4.0), np.append(y, 80.0))
    landscape.point_added(4.0, 80.0, dataset=moved)  # redrawn with the edited data at once
    np.testing.assert_allclose(
        shown[-1], preview_path(moved, BATCH.replace(learning_rate=0.01), -10.0, -20.0),
        rtol=1e-9, atol=1e-9)


def test_no_preview_for_adaptive_optimizers(models):
    landscape, preview = models
    landscape.data_replaced(noisy_line())
    preview.set_start(0.0, 0.0)
    preview.set_config(BATCH.replace(impl="module", optimizer="adam"))
    assert preview.path is None and "adaptive" in preview.status


def test_shuffled_preview_waits_for_its_permutations_drawn_off_the_gui_thread(
        models, qtbot, monkeypatch):
    landscape, preview = models
    data = noisy_line()
    landscape.data_replaced(data)
    threads = []
    real = shuffle_orders

    def spy(*args):
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr("gdstudio.ui.numbers.preview_model.shuffle_orders", spy)
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=0.002, epochs=30,
                         shuffle=True, seed=5)
    preview.set_start(-10.0, -20.0)
    with qtbot.waitSignal(preview.previewChanged, timeout=10_000,
                          check_params_cb=lambda p: p is not None):
        preview.set_config(config)
        assert preview.path is None and "shuffled" in preview.status
    assert threads and threads[0] is not threading.main_thread()
    n = len(data)
    orders = real(5, n, epochs_needed(n, config), order_length(n, config))
    np.testing.assert_array_equal(preview.path,
                                  preview_path(data, config, -10.0, -20.0, orders=orders))
    preview.set_start(-9.0, -19.0)  # the permutations are cached: at once
    assert preview.path is not None and len(threads) == 1


@pytest.mark.parametrize("method", ["batch", "minibatch", "sgd"])
def test_a_standardized_runs_preview_is_that_run(models, method):
    """With Standardize on, the preview is the standardized run in the data's units (it was
    the run on the raw data: on the study hours at lr 0.25 it exploded to -3e78 while the
    run converges to w = 7.9, b = 400)."""
    from gdstudio.core.data.presets import make
    from gdstudio.core.training.lifecycle import TrainingRun

    landscape, preview = models
    data = make("study-hours")
    config = TrainConfig(method=method, batch_size=2, impl="analytic", learning_rate=0.25,
                         epochs=30, init_w=0.0, init_b=0.0, standardize=True)
    landscape.data_replaced(data)
    preview.set_config(config)
    preview.set_start(0.0, 0.0)
    run = TrainingRun(data, config)
    ends = np.array([(r.w, r.b) for r in run.records()])
    per_epoch = {"batch": 1, "minibatch": 2, "sgd": 4}[method]
    path = preview.path
    assert tuple(path[0]) == (0.0, 0.0) and preview.status == ""
    np.testing.assert_allclose(path[per_epoch::per_epoch][: len(ends)], ends, rtol=1e-5,
                               atol=1e-3)
    assert np.all(np.isfinite(path))


def test_a_standardized_preview_of_data_that_cannot_be_standardized_says_why(models):
    landscape, preview = models
    landscape.data_replaced(Dataset(np.array([2.0, 2.0]), np.array([1.0, 3.0])))
    preview.set_config(BATCH.replace(standardize=True))
    preview.set_start(0.0, 0.0)
    assert preview.path is None and "cannot be standardized" in preview.status
