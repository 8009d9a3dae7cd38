"""Training from the window: same numbers as the engine, live controls, threads, export."""

import csv
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, QSettings, QThread, Signal, Slot

from gdstudio.core import TrainConfig, TrainingDiverged, train
from gdstudio.ui.main_window import MainWindow


def set_method(win, method, impl="manual", optimizer="sgd"):
    p = win.panel
    p.method.setCurrentIndex(p.method.findData(method))
    p.impl.setCurrentIndex(p.impl.findData(impl))
    p.optimizer.setCurrentIndex(p.optimizer.findData(optimizer))


def train_to_end(win, qtbot, timeout=30_000):
    assert win.train_or_resume()
    qtbot.waitUntil(lambda: win.session.state == "idle", timeout=timeout)


def history_tuples(records):
    return [(r.epoch, r.loss, r.w, r.b) for r in records]


@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
@pytest.mark.parametrize("impl", ["manual", "module"])
def test_window_training_equals_core_engine(window, qtbot, method, impl):
    set_method(window, method, impl)
    window.panel.learning_rate.setText("0.01")
    window.panel.epochs.setValue(15)
    window.panel.batch_size.setValue(7)
    window.panel.shuffle.setChecked(method != "batch")
    config = window.panel.config()
    train_to_end(window, qtbot)
    expected = list(train(window.model.dataset, config))
    assert history_tuples(window.session.history.records()) == history_tuples(expected)
    assert window.session.status == "done"
    # the plots show the final state
    fit = window.plot.fit_line.getData()
    assert np.allclose(fit[1], expected[-1].w * fit[0] + expected[-1].b)
    assert len(window.loss_plot.current.getData()[1]) == 15
    assert window.progress.value() == 15
    assert f"{expected[-1].w:.6g}" in window.readout.text()


def test_every_epoch_arrives_at_high_rates(window, qtbot):
    window.generate(x_min=1.0, x_max=5.0, x_step=1.0, noise=0.0)  # 4 points
    window.panel.learning_rate.setText("0.01")
    window.panel.epochs.setValue(20_000)
    train_to_end(window, qtbot, timeout=120_000)
    h = window.session.history
    assert h.count == 20_000
    assert [r.epoch for r in h.records()[:3]] == [0, 1, 2]
    expected = list(train(window.model.dataset, window.panel.config()))
    assert history_tuples(h.records()) == history_tuples(expected)


def slow(win, epochs=10_000, interval=0.01):
    win.panel.epochs.setValue(epochs)
    win.panel.learning_rate.setText("0.001")
    win.session.set_min_interval(interval)


def test_pause_resume_step_stop(window, qtbot):
    slow(window)
    config = window.panel.config()
    assert window.train_or_resume()
    qtbot.waitUntil(lambda: window.session.history.count >= 3, timeout=10_000)
    window.act_pause.trigger()
    qtbot.waitUntil(lambda: window.session.state == "paused", timeout=5000)
    time.sleep(0.1)
    qtbot.wait(50)
    frozen = window.session.history.count
    qtbot.wait(300)
    assert window.session.history.count == frozen  # paused means no epochs
    assert not window.panel.isEnabled()
    window.act_step.trigger()  # F10: exactly one more epoch, then paused again
    qtbot.waitUntil(lambda: window.session.history.count == frozen + 1, timeout=5000)
    qtbot.waitUntil(lambda: window.session.state == "paused", timeout=5000)
    qtbot.wait(200)
    assert window.session.history.count == frozen + 1
    window.act_train.trigger()  # F5 resumes
    qtbot.waitUntil(lambda: window.session.history.count >= frozen + 5, timeout=10_000)
    window.act_stop.trigger()
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=5000)
    assert window.session.status == "stopped"
    done = window.session.history.count
    assert done < 10_000
    # pausing, stepping and resuming changed no number
    expected = list(train(window.model.dataset, config.replace(epochs=done)))
    assert history_tuples(window.session.history.records()) == history_tuples(expected)


def test_step_from_idle_runs_one_epoch(window, qtbot):
    window.panel.epochs.setValue(50)
    window.act_step.trigger()
    qtbot.waitUntil(lambda: window.session.state == "paused", timeout=5000)
    qtbot.waitUntil(lambda: window.session.history.count == 1, timeout=5000)
    window.act_step.trigger()
    qtbot.waitUntil(lambda: window.session.history.count == 2, timeout=5000)
    window.act_stop.trigger()
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=5000)


def test_stop_is_prompt_for_stochastic_descent_on_large_data(window, qtbot):
    from gdstudio.core import random_line

    window._replace(random_line(200_000, seed=1), "big")
    set_method(window, "sgd")
    window.panel.learning_rate.setText("0.0001")
    window.panel.epochs.setValue(5)
    assert window.train_or_resume()
    qtbot.wait(300)
    t0 = time.monotonic()
    window.act_stop.trigger()
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert window.session.status == "stopped"


def test_data_is_locked_while_training(window, qtbot):
    slow(window)
    before = window.model.dataset
    assert window.train_or_resume()
    qtbot.waitUntil(lambda: window.session.history.count >= 1, timeout=5000)
    window._on_plot_addRequested(1.0, 30.0)
    assert window.model.dataset is before
    assert "locked" in window.statusBar().currentMessage()
    assert not window.act_import.isEnabled() and not window.act_generate.isEnabled()
    window.act_stop.trigger()
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=5000)
    window._on_plot_addRequested(1.0, 30.0)
    assert len(window.model.dataset) == 101


def test_divergence_shows_message_and_keeps_finite_state(window, qtbot):
    window.panel.learning_rate.setText("5")
    window.panel.epochs.setValue(100)
    assert "stable below 0.12" in window.panel.stable_label.text()
    train_to_end(window, qtbot)
    assert window.session.status == "diverged"
    title, text = window.last_message
    assert title == "Training diverged"
    err = window.session.detail
    assert isinstance(err, TrainingDiverged)
    assert f"epoch {err.epoch}" in text
    assert "batch descent on this data is stable below 0.12 (fastest step 0.1071)" in text
    assert np.isfinite(window.session.history.loss).all()
    fx, fy = window.plot.fit_line.getData()
    assert np.isfinite(fy).all()
    (x0, x1), (y0, y1) = window.plot.getViewBox().viewRange()
    assert fx.min() >= x0 and fx.max() <= x1 and fy.min() >= y0 and fy.max() <= y1
    assert f"diverged\u00a0in\u00a0epoch\u00a0{err.epoch}" in window.readout.text()
    assert np.isfinite(window.loss_plot.current.getData()[1]).all()
    summary = window.current_summary
    assert np.isfinite([summary.w, summary.b]).all()


def test_keep_compare_and_remove_runs(window, qtbot):
    window.panel.epochs.setValue(10)
    window.panel.learning_rate.setText("0.01")
    labels = []
    for method in ("batch", "sgd", "minibatch"):
        set_method(window, method)
        train_to_end(window, qtbot)
        assert window.act_keep.isEnabled()
        assert window.keep_run()
        assert not window.act_keep.isEnabled()  # kept once
        labels.append(window.kept_runs[-1].label)
    assert len(window.loss_plot.kept) == 3
    legend = [label.text for _, label in window.loss_plot.legend.items]
    for label in labels:
        assert label in legend
    assert any("stochastic" in t for t in legend) and any("mini-batch B=10" in t
                                                          for t in legend)
    window.runs_list.item(1).setSelected(True)
    window.act_remove.trigger()
    assert len(window.kept_runs) == 2 and len(window.loss_plot.kept) == 2
    assert labels[1] not in [label.text for _, label in window.loss_plot.legend.items]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_export_parameters_and_history(window, qtbot, tmp_path):
    window.panel.epochs.setValue(12)
    train_to_end(window, qtbot)
    window.keep_run()
    set_method(window, "sgd")
    window.panel.learning_rate.setText("0.01")
    train_to_end(window, qtbot)
    params = tmp_path / "params.csv"
    assert window.export_parameters(str(params))
    rows = read_csv(params)
    assert len(rows) == 2  # the kept run and the current one
    assert [r["method"] for r in rows] == ["batch", "sgd"]
    last = window.session.history.last()
    assert float(rows[1]["w"]) == last.w and float(rows[1]["b"]) == last.b
    assert float(rows[0]["w"]) == window.kept_runs[0].summary.w
    assert float(rows[1]["learning_rate"]) == 0.01
    history = tmp_path / "history.csv"
    with qtbot.waitSignal(window.exports.historyExported, timeout=10_000) as done:
        assert window.export_history(str(history))  # written off the GUI thread
    assert done.args == [True]
    lines = history.read_text().splitlines()
    assert lines[0].startswith("epoch,loss,w,b")
    rows = read_csv(history)
    assert [(int(r["epoch"]), float(r["loss"]), float(r["w"]), float(r["b"])) for r in rows] \
        == history_tuples(window.session.history.records())


def test_failed_export_shows_dialog_and_keeps_old_file(window, qtbot, tmp_path, monkeypatch):
    window.panel.epochs.setValue(3)
    train_to_end(window, qtbot)
    target = tmp_path / "params.csv"
    target.write_text("precious\n")
    import os

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    assert not window.export_parameters(str(target))
    assert target.read_text() == "precious\n"
    assert window.last_message[0] == "Export failed"
    assert not window.export_parameters(str(tmp_path / "missing" / "p.csv"))
    assert "does not exist" in window.last_message[1]


class _Emitter(QObject):
    ping = Signal(int)

    def __init__(self, count):
        super().__init__()
        self.count = count

    @Slot()
    def run(self):
        for i in range(self.count):
            self.ping.emit(i)


class _Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.got = []

    @Slot(int)
    def on_ping(self, i):
        self.got.append(i)


def test_more_than_ten_thousand_cross_thread_emits(qtbot):
    """PySide6 6.12.0 aborts after ~570 emits on Python 3.11; this must survive 12,000."""
    n = 12_000
    thread = QThread()
    emitter = _Emitter(n)
    receiver = _Receiver()
    emitter.moveToThread(thread)
    emitter.ping.connect(receiver.on_ping)
    thread.started.connect(emitter.run)
    thread.start()
    qtbot.waitUntil(lambda: len(receiver.got) == n, timeout=30_000)
    thread.quit()
    assert thread.wait(5000)
    assert receiver.got == list(range(n))


def test_settings_come_back_and_corrupt_store_gives_defaults(qtbot, tmp_path):
    path = str(tmp_path / "s.ini")
    win = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    set_method(win, "minibatch", "module", "adam")
    win.panel.learning_rate.setText("0.003")
    win.panel.batch_size.setValue(16)
    win.speed.setCurrentIndex(3)
    win.close()
    win2 = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(win2)
    c = win2.panel.config()
    assert (c.method, c.impl, c.optimizer, c.learning_rate, c.batch_size) == (
        "minibatch", "module", "adam", 0.003, 16)
    assert win2.speed.currentIndex() == 3
    win2.close()
    for garbage in ("version=1\nconfig=\"{not json\"\n",
                    "version=99\n",
                    "version=1\nconfig=\"{\\\"learning_rate\\\": -4}\"\n"):
        with open(path, "w") as f:
            f.write("[General]\n" + garbage)
        win3 = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
        qtbot.addWidget(win3)
        assert win3.panel.config() == TrainConfig()
        win3.close()


CLOSE_DURING_RUN = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from gdstudio.ui.main_window import MainWindow
    win = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
    win.show()
    win.panel.epochs.setValue(1_000_000)
    win.panel.learning_rate.setText("0.0001")
    win.panel.method.setCurrentIndex(win.panel.method.findData("sgd"))
    win.train_or_resume()
    def close():
        print(f"epochs={win.session.history.count}", flush=True)
        print(f"closing={time.monotonic()}", flush=True)
        win.close()
    QTimer.singleShot(1500, close)
    app.exec()
    print(f"exited={time.monotonic()}", flush=True)
    """
)


def test_closing_during_a_run_exits_cleanly(tmp_path):
    proc = subprocess.run([sys.executable, "-c", CLOSE_DURING_RUN, str(tmp_path / "s.ini")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "QThread: Destroyed" not in proc.stderr
    assert "Traceback" not in proc.stderr
    values = dict(line.split("=") for line in proc.stdout.split())
    assert int(values["epochs"]) > 0
    assert float(values["exited"]) - float(values["closing"]) < 1.0


APP_CLOSE = textwrap.dedent(
    """
    import os, sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from gdstudio.app import run_app
    def start():
        win = [w for w in QApplication.topLevelWidgets() if hasattr(w, "session")][0]
        win.panel.epochs.setValue(1_000_000)
        win.train_or_resume()
        QTimer.singleShot(1000, lambda: close(win))
    def close(win):
        print(f"epochs={win.session.history.count}", flush=True)
        print(f"closing={time.monotonic()}", flush=True)
        win.close()
    QTimer.singleShot(300, start)
    run_app(None)
    """
)


def test_the_app_process_exits_within_a_second_of_closing_mid_run(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.Popen([sys.executable, "-c", APP_CLOSE], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate(timeout=60)
    ended = time.monotonic()
    assert proc.returncode == 0, err
    assert "QThread: Destroyed" not in err and "Traceback" not in err
    values = dict(line.split("=") for line in out.split())
    assert int(values["epochs"]) > 0
    assert ended - float(values["closing"]) < 1.0
    # the settings were saved before the fast exit
    assert list((tmp_path / "config").rglob("*.conf"))
