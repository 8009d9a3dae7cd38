"""The start-up's work that can wait runs once the window's first frame is painted, not
before (it would hold the interpreter lock the first paint needs)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from gdstudio.ui.window.first_frame import AfterFirstFrame


class _Painted(QWidget):
    def __init__(self):
        super().__init__()
        self.paints = 0

    def paintEvent(self, event):
        self.paints += 1
        super().paintEvent(event)


def test_the_work_runs_once_after_the_first_paint(qtbot):
    widget = _Painted()
    qtbot.addWidget(widget)
    widget.resize(200, 100)
    widget.create()  # (its native window, as show() makes it; not exposed yet)
    painted_when_run = []
    AfterFirstFrame(widget, lambda: painted_when_run.append(widget.paints))
    qtbot.wait(50)
    assert painted_when_run == []  # never shown: nothing painted, nothing run
    widget.show()
    qtbot.waitUntil(lambda: bool(painted_when_run), timeout=5000)
    assert painted_when_run[0] >= 1
    widget.update()
    qtbot.wait(50)
    assert len(painted_when_run) == 1  # once
