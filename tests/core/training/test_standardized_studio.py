"""A standardized run in the studio: the history and the result in the data's units."""

from __future__ import annotations

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.runstate import RunStatus
from tests.ui.studio.test_controller import controller, history_tuples, run_to_end  # noqa: F401


def test_the_studio_trains_standardized_and_shows_the_datas_units(qtbot, controller):  # noqa: F811
    c = controller
    config = TrainConfig(method="minibatch", batch_size=16, learning_rate=0.1, epochs=12,
                         init_w=1.0, init_b=2.0, standardize=True)
    c.set_settings(config)
    status, _ = run_to_end(qtbot, c)
    assert status == RunStatus.DONE
    core = TrainingRun(c.dataset, config)
    expected = list(core.records())
    assert history_tuples(c.history.records()) == history_tuples(expected)
    summary, reference = c.current_summary, core.summarize()
    assert (summary.w, summary.b, summary.loss) == (reference.w, reference.b, reference.loss)
    assert (summary.w_std, summary.b_std) == core.last_std
    assert summary.config.standardize and (summary.init_w, summary.init_b) == (1.0, 2.0)
