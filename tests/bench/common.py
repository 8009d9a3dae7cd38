"""Helpers shared by the benchmark groups: machine facts, memory readings, data, timing and
the window (offscreen)."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import torch

from gdstudio.core.data.dataset import Dataset, random_line

ROOT = Path(__file__).resolve().parents[2]  # the checkout whose gdstudio is measured
RESULTS = Path(__file__).resolve().parent / "results"
LR = 1e-4  # small enough to stay finite for every size here


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pyqtgraph
    import PySide6

    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(), "PySide6": PySide6.__version__,
        "pyqtgraph": pyqtgraph.__version__, "numpy": np.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def proc_status(pid: int | str = "self") -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (resident peak) of a process, in MB; {} once it is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return {}
    return values


def rss_mb() -> float:
    return proc_status().get("VmRSS", float("nan"))


def data(n: int) -> Dataset:
    """The benchmark's points, made on a helper thread as the studio makes them (torch
    work on the GUI thread would slow every later training thread; gdstudio/ui/offload.py)."""
    from gdstudio.ui.threads.offload import call_off_gui_thread

    return call_off_gui_thread(random_line, n, seed=0)


def epochs_for(n: int, quick: bool, seconds: float | None = None) -> int:
    """Enough epochs for ~0.3 s (0.1 s quick), or ``seconds``, of batch descent at N."""
    per_epoch = 200e-6 + n * 4e-9
    return max(3, int((seconds or (0.1 if quick else 0.3)) / per_epoch))


def median_ratio(fast, base, repeats: int):
    """Time both callables alternately, ``repeats`` pairs.

    Returns the median times and the median of the per-pair ratios (base time / fast time):
    the two runs of a pair are seconds apart, so they share the machine's momentary load,
    which makes the paired ratio steadier than a ratio of separate medians.
    """
    ft, bt = [], []
    for _ in range(repeats):
        for fn, out in ((base, bt), (fast, ft)):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    ratios = [b / f for f, b in zip(ft, bt, strict=True)]
    return statistics.median(ft), statistics.median(bt), statistics.median(ratios)


# --------------------------------------------------------------------------- the window
_app = None


def app():
    global _app
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])
    return _app


def new_window(dataset: Dataset | None = None):
    from PySide6.QtCore import QSettings

    from gdstudio.ui.window.main_window import MainWindow

    app()
    path = tempfile.mktemp(suffix=".ini")
    win = MainWindow(dataset, settings=QSettings(path, QSettings.Format.IniFormat))
    win.resize(1280, 800)
    win.speed.setCurrentIndex(0)  # as fast as possible
    win.show()
    app().processEvents()
    return win


def run_window(win, timeout=600.0):
    """Press Train and run the Qt event loop (as the app does) until the run is over;
    return the wall time."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    win.controller.session.trainingFinished.connect(loop.quit)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(int(timeout * 1000))
    t0 = time.perf_counter()
    assert win.controller.train()
    loop.exec()
    elapsed = time.perf_counter() - t0
    win.controller.session.trainingFinished.disconnect(loop.quit)
    if win.controller.session.state != "idle":
        raise RuntimeError("run did not finish")
    return elapsed


def set_panel(win, method="batch", impl="manual", epochs=100, lr=LR):
    p = win.panel
    p.method.setCurrentIndex(p.method.findData(method))
    p.impl.setCurrentIndex(p.impl.findData(impl))
    p.learning_rate.setText(repr(lr))
    p.epochs.setValue(epochs)
    p.random_init.setChecked(False)
    p.init_w.setText("-1.0")
    p.init_b.setText("1.0")
