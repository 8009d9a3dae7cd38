"""The status line after opening a session counts in words: '1 point, 1 kept run' (it said
'1 points, 1 kept runs')."""

from __future__ import annotations

import json

from gdstudio.core.settings.config import TrainConfig


def test_opening_a_session_of_one_point_and_one_kept_run(window, qtbot, tmp_path):
    c = window.controller
    messages = []
    c.statusReported.connect(lambda text, _ms: messages.append(text))
    config = TrainConfig(epochs=2, learning_rate=0.01)
    window.panel.set_config(config)
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        assert c.train(config)
    assert c.keep_run()
    path = tmp_path / "one.gdstudio"
    assert window.session_files.save_as(str(path))
    doc = json.loads(path.read_text())
    doc["data"]["x"], doc["data"]["y"] = [1.5], [2.5]
    path.write_text(json.dumps(doc))
    assert window.session_files.open_path(str(path))
    assert messages[-1] == f"Opened {path}: 1 point, 1 kept run."
