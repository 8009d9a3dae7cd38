"""Test-only helper: the landscape view in a plain window with its models and real data.

    xvfb-run -a -s "-screen 0 1366x768x24" python -m tests.landscape_window shots/landscape.png

shows the tutorial's noisy line, a batch run of 50 steps from (-10, -20) at lr 0.1 and the
preview of a stochastic run from the same start, waits until the window is drawn, and writes
a screenshot of the window (``QWidget.grab``) to the given path; a second argument keeps
the window open that many seconds more (for ``import -window root``).
"""

from __future__ import annotations

import sys

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.ui.numbers.landscape_model import LandscapeModel
from gdstudio.ui.numbers.preview_model import PreviewModel
from gdstudio.ui.plots.landscape_plot import LandscapePlot
from gdstudio.ui.threads.offload import call_off_gui_thread

START = (-10.0, -20.0)
RUN = TrainConfig(method="batch", impl="analytic", learning_rate=0.1, epochs=50,
                  init_w=START[0], init_b=START[1])


def landscape_window(dataset=None, config: TrainConfig = RUN, preview_config=None):
    """``(window, plot, model, preview)``: the view wired as the studio will wire it, with
    the run of ``config`` drawn as the current path and ``preview_config``'s preview."""
    dataset = dataset if dataset is not None else call_off_gui_thread(noisy_line)
    window = QMainWindow()
    window.setWindowTitle("Loss landscape")
    plot = LandscapePlot()
    window.setCentralWidget(plot)
    model = LandscapeModel(window)
    preview = PreviewModel(model, window)
    model.landscapeChanged.connect(plot.set_frame)
    preview.previewChanged.connect(plot.set_preview)
    plot.startRequested.connect(plot.set_start)
    plot.startRequested.connect(model.set_start)
    plot.startRequested.connect(preview.set_start)
    start = (config.init_w, config.init_b)
    history = call_off_gui_thread(lambda: list(train(dataset, config)))
    path = np.vstack([[start], [(r.w, r.b) for r in history]])
    plot.set_start(*start)
    model.set_start(*start)
    model.set_path_points(path)
    model.data_replaced(dataset)
    plot.set_path(path)
    plot.set_epoch_ends(path[1:])
    if preview_config is not None:
        preview.set_config(preview_config)
        preview.set_start(*start)
    return window, plot, model, preview


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else "shots/landscape.png"
    hold_ms = int(float(argv[1]) * 1000) if len(argv) > 1 else 0  # time for a screen capture
    app = QApplication.instance() or QApplication([])
    sgd = RUN.replace(method="sgd", learning_rate=0.01, epochs=5)
    window, plot, model, preview = landscape_window(preview_config=sgd)
    plot.curvature_action.setChecked(True)
    window.resize(900, 720)
    window.show()

    def shoot():
        if model.busy:
            QTimer.singleShot(50, shoot)
            return
        window.grab().save(out)
        print(f"written {out}; condition number {plot.frame.condition_number:.4g}; "
              f"preview {len(preview.path)} rows", flush=True)
        model.shutdown()
        preview.shutdown()
        QTimer.singleShot(hold_ms, app.quit)

    QTimer.singleShot(500, shoot)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
