"""A run opened from a session file is shown but cannot be continued (the file keeps no
optimizer, shuffling or schedule state): Continue said "No run to continue: train one
first", beside the run it shows."""

from __future__ import annotations

from gdstudio.core.settings.config import TrainConfig


def test_continue_says_why_a_run_opened_from_a_session_cannot_go_on(window, qtbot, tmp_path):
    c = window.controller
    config = TrainConfig(epochs=3, learning_rate=0.01)
    window.panel.set_config(config)
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        assert c.train(config)
    path = str(tmp_path / "s.gdstudio")
    assert window.session_files.save_as(path)
    assert window.session_files.open_path(path)
    assert c.history.count == 3 and c.current_summary is not None  # the run is shown
    problem = c.continue_problem()
    assert "session file" in problem and "Train" in problem
    reason = window.act_continue.toolTip() + window.act_continue.statusTip()
    assert "session file" in reason
    assert not c.continue_run()
    assert c.last_message == ("Cannot continue", problem)
