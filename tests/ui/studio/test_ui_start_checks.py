"""The window refuses optimizer settings the data's dtype cannot take, before any thread
starts, and says so next to the field and in the status bar."""

from __future__ import annotations

import pytest

from gdstudio.ui.panels.settings_panel import INVALID_STYLE

CASES = {
    "adam-lr-1e38": ("adam", {"learning_rate": "1e38"}, "learning_rate", "Adam's first step"),
    "sgd-lr-3.5e38": ("sgd", {"learning_rate": "3.5e38"}, "learning_rate", "The learning rate"),
    "rmsprop-lr-1e39": ("rmsprop", {"learning_rate": "1e39"}, "learning_rate",
                        "The learning rate"),
    "adagrad-lr-1e39": ("adagrad", {"learning_rate": "1e39"}, "learning_rate",
                        "The learning rate"),
    "weight-decay-1e39": ("sgd", {"weight_decay": "1e39"}, "weight_decay", "The weight decay"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("action", ["train", "step"])
def test_settings_the_optimizer_cannot_take_are_refused(window, qtbot, case, action):
    optimizer, fields, flagged, words = CASES[case]
    p = window.panel
    p.impl.setCurrentIndex(p.impl.findData("module"))
    p.optimizer.setCurrentIndex(p.optimizer.findData(optimizer))
    for name, text in fields.items():
        getattr(p, name).setText(text)
    assert window.act_train.isEnabled()  # each field on its own is a valid number
    window.messages.last = None
    if action == "train":
        assert window.controller.train() is False
    else:
        window.controller.step()
    assert window.controller.session.state == "idle" and not window.controller.session.has_thread
    assert window.controller.session.history.count == 0
    message = window.statusBar().currentMessage()
    assert message.startswith(words) and "too large for float32" in message, message
    assert p.field_error_text(flagged) == message  # next to the field it is about
    assert p.error_label.text() == ""
    field = getattr(p, flagged)
    assert field.styleSheet() == INVALID_STYLE and field.toolTip() == message
    assert window.messages.last is None  # no "Training failed" after a thread started
    # fixing the field clears the flag, and the run starts
    field.setText("0.01" if flagged == "learning_rate" else "0")
    assert field.styleSheet() == "" and p.field_error_text(flagged) == ""
    window.panel.epochs.setValue(3)
    assert window.controller.train()
    qtbot.waitUntil(lambda: window.controller.session.state == "idle", timeout=20_000)
    assert window.controller.session.status == "done"


def test_float64_data_takes_what_float32_cannot(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from gdstudio.core.data.dataset import noisy_line
    from gdstudio.ui.window.main_window import MainWindow

    win = MainWindow(noisy_line(dtype="float64"),
                     settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    p = win.panel
    p.impl.setCurrentIndex(p.impl.findData("module"))
    p.learning_rate.setText("3.5e38")
    p.epochs.setValue(2)
    assert win.controller.train(), win.statusBar().currentMessage()
    qtbot.waitUntil(lambda: win.controller.session.state == "idle", timeout=20_000)
    assert win.controller.session.status in ("done", "diverged")
