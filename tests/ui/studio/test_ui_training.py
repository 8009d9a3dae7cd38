"""Training from the window: same numbers as the engine, live controls, threads, export."""

import csv
import os

import numpy as np
import pytest
from PySide6.QtCore import QObject, QSettings, QThread, Signal, Slot

from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.ui.window.main_window import MainWindow
from tests.qt_helpers import answer


def set_method(win, method, impl="manual", optimizer="sgd"):
    p = win.panel
    p.method.setCurrentIndex(p.method.findData(method))
    p.impl.setCurrentIndex(p.impl.findData(impl))
    p.optimizer.setCurrentIndex(p.optimizer.findData(optimizer))


def train_to_end(win, qtbot, timeout=30_000):
    with qtbot.waitSignal(win.controller.runFinished, timeout=timeout):
        assert win.controller.train()


def ended(win, qtbot, timeout=5000):
    """Wait for the run's end around the block (for example a press of Stop)."""
    return qtbot.waitSignal(win.controller.runFinished, timeout=timeout)


def paused(win, qtbot):
    """Wait for the run to be paused around the block."""
    return qtbot.waitSignal(win.controller.runStateChanged, timeout=5000,
                            check_params_cb=lambda state: state == "paused")


def epochs_arrived(win, qtbot, timeout=10_000):
    """Wait for a batch of epochs around the block."""
    return qtbot.waitSignal(win.controller.epochsAppended, timeout=timeout)


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
    expected = list(train(window.controller.model.dataset, config))
    assert history_tuples(window.controller.session.history.records()) == history_tuples(expected)
    assert window.controller.session.status == "done"
    # the plots show the final state
    fit = window.plot.fit_line.getData()
    assert np.allclose(fit[1], expected[-1].w * fit[0] + expected[-1].b)
    assert len(window.loss_plot.current.getData()[1]) == 16  # 15 epochs, then the end
    assert window.progress.value() == 15
    assert f"{expected[-1].w:.6g}" in window.readout.text()


@pytest.mark.slow
def test_every_epoch_arrives_at_high_rates(window, qtbot):
    window.controller.generate(x_min=1.0, x_max=5.0, x_step=1.0, noise=0.0)  # 4 points
    window.panel.learning_rate.setText("0.01")
    window.panel.epochs.setValue(5_000)  # many batches of epochs, each sent at 30 Hz
    train_to_end(window, qtbot, timeout=120_000)
    h = window.controller.session.history
    assert h.count == 5_000
    assert [r.epoch for r in h.records()[:3]] == [0, 1, 2]
    expected = list(train(window.controller.model.dataset, window.panel.config()))
    assert history_tuples(h.records()) == history_tuples(expected)


def slow(win, epochs=10_000, interval=0.01):
    win.panel.epochs.setValue(epochs)
    win.panel.learning_rate.setText("0.001")
    win.controller.set_speed(interval)


def test_pause_resume_step_stop(window, qtbot):
    slow(window)
    config = window.panel.config()
    with epochs_arrived(window, qtbot):
        assert window.controller.train()
    with paused(window, qtbot), qtbot.waitSignal(window.controller.session.pauseReached):
        window.act_pause.trigger()  # reached: the epochs finished before it have arrived
    frozen = window.controller.session.history.count
    qtbot.wait(300)
    assert window.controller.session.history.count == frozen  # paused means no epochs
    assert not window.panel.isEnabled()
    with paused(window, qtbot):
        window.act_step.trigger()  # F10: exactly one more epoch, then paused again
    assert window.controller.session.history.count == frozen + 1
    qtbot.wait(200)
    assert window.controller.session.history.count == frozen + 1
    with epochs_arrived(window, qtbot):
        window.act_train.trigger()  # F5 resumes
    with ended(window, qtbot):
        window.act_stop.trigger()
    assert window.controller.session.status == "stopped"
    done = window.controller.session.history.count
    assert done < 10_000
    # pausing, stepping and resuming changed no number
    expected = list(train(window.controller.model.dataset, config.replace(epochs=done)))
    assert history_tuples(window.controller.session.history.records()) == history_tuples(expected)


def test_step_from_idle_runs_one_epoch(window, qtbot):
    window.panel.epochs.setValue(50)
    with paused(window, qtbot):
        window.act_step.trigger()
    assert window.controller.session.history.count == 1
    with paused(window, qtbot):
        window.act_step.trigger()
    assert window.controller.session.history.count == 2
    with ended(window, qtbot):
        window.act_stop.trigger()
    assert window.controller.session.history.count == 2


def test_stop_is_prompt_for_stochastic_descent_on_large_data(window, qtbot):
    from gdstudio.core.data.dataset import random_line

    assert window.controller.replace_data(random_line(200_000, seed=1), "big")
    set_method(window, "sgd")
    window.panel.learning_rate.setText("0.0001")
    window.panel.epochs.setValue(5)
    with qtbot.waitSignal(window.controller.session.epochProgressed, timeout=30_000):
        assert window.controller.train()  # then well into the first epoch of 200,000 steps
    with ended(window, qtbot, timeout=30_000):
        window.act_stop.trigger()
    assert window.controller.session.status == "stopped"
    # the stop came between two updates: the epoch under way (the first, unless the
    # machine was slow to press Stop) was cut short
    where = window.controller.current_summary.partial
    assert where is not None and where.epoch == window.controller.session.history.count
    assert 0 < where.done < where.total == 200_000, where


def test_data_is_locked_while_training(window, qtbot):
    slow(window)
    before = window.controller.model.dataset
    with epochs_arrived(window, qtbot):
        assert window.controller.train()
    window.plot.addRequested.emit(1.0, 30.0)
    assert window.controller.model.dataset is before
    assert "locked" in window.statusBar().currentMessage()
    assert not window.act_import.isEnabled() and not window.act_generate.isEnabled()
    with ended(window, qtbot):
        window.act_stop.trigger()
    window.plot.addRequested.emit(1.0, 30.0)
    assert len(window.controller.model.dataset) == 101


def test_divergence_shows_message_and_keeps_finite_state(window, qtbot):
    window.panel.learning_rate.setText("5")
    window.panel.epochs.setValue(100)
    assert "stable below 0.12" in window.panel.stable_label.text()
    train_to_end(window, qtbot)
    assert window.controller.session.status == "diverged"
    title, text = window.messages.last
    assert title == "Training diverged"
    err = window.controller.session.detail
    assert isinstance(err, TrainingDiverged)
    assert f"epoch {err.epoch}" in text
    assert "batch descent on this data is stable below 0.12 (fastest step 0.1071)" in text
    assert np.isfinite(window.controller.session.history.loss).all()
    fx, fy = window.plot.fit_line.getData()
    assert np.isfinite(fy).all()
    (x0, x1), (y0, y1) = window.plot.getViewBox().viewRange()
    assert fx.min() >= x0 and fx.max() <= x1 and fy.min() >= y0 and fy.max() <= y1
    assert f"diverged\u00a0in\u00a0epoch\u00a0{err.epoch}" in window.readout.text()
    assert np.isfinite(window.loss_plot.current.getData()[1]).all()
    summary = window.controller.current_summary
    assert np.isfinite([summary.w, summary.b]).all()


def test_keep_compare_and_remove_runs(window, qtbot):
    window.panel.epochs.setValue(10)
    window.panel.learning_rate.setText("0.01")
    labels = []
    for method in ("batch", "sgd", "minibatch"):
        set_method(window, method)
        train_to_end(window, qtbot)
        assert window.act_keep.isEnabled()
        assert window.controller.keep_run()
        assert not window.act_keep.isEnabled()  # kept once
        labels.append(window.controller.kept_runs[-1].label)
    assert len(window.loss_plot.kept) == 3
    # the compare list is the legend: each entry names its run
    legend = [window.runs_list.item(i).text() for i in range(window.runs_list.count())]
    for label, text in zip(labels, legend, strict=True):
        assert text.startswith(label)
    assert any("stochastic" in t for t in legend) and any("mini-batch" in t and "10" in t
                                                          for t in legend)
    window.runs_list.item(1).setSelected(True)
    window.act_remove.trigger()
    assert len(window.controller.kept_runs) == 2 and len(window.loss_plot.kept) == 2
    assert not any(window.runs_list.item(i).text().startswith(labels[1])
                   for i in range(window.runs_list.count()))


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_export_parameters_and_history(window, qtbot, tmp_path):
    window.panel.epochs.setValue(12)
    train_to_end(window, qtbot)
    window.controller.keep_run()
    set_method(window, "sgd")
    window.panel.learning_rate.setText("0.01")
    train_to_end(window, qtbot)
    params = tmp_path / "params.csv"
    assert window.files.export_parameters(str(params))
    rows = read_csv(params)
    assert len(rows) == 2  # the kept run and the current one
    assert [r["method"] for r in rows] == ["batch", "sgd"]
    last = window.controller.session.history.last()
    assert float(rows[1]["w"]) == last.w and float(rows[1]["b"]) == last.b
    assert float(rows[0]["w"]) == window.controller.kept_runs[0].summary.w
    assert float(rows[1]["learning_rate"]) == 0.01
    history = tmp_path / "history.csv"
    with qtbot.waitSignal(window.controller.exports.historyExported, timeout=10_000) as done:
        assert window.files.export_history(str(history))  # written off the GUI thread
    assert done.args == [True]
    lines = history.read_text().splitlines()
    assert lines[0].startswith("epoch,loss,w,b")
    rows = read_csv(history)
    assert [(int(r["epoch"]), float(r["loss"]), float(r["w"]), float(r["b"])) for r in rows] \
        == history_tuples(window.controller.session.history.records())


def test_failed_export_shows_dialog_and_keeps_old_file(window, qtbot, tmp_path, monkeypatch):
    window.panel.epochs.setValue(3)
    train_to_end(window, qtbot)
    target = tmp_path / "params.csv"
    target.write_text("precious\n")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    assert not window.files.export_parameters(str(target))
    assert target.read_text() == "precious\n"
    assert window.messages.last[0] == "Export failed"
    assert not window.files.export_parameters(str(tmp_path / "missing" / "p.csv"))
    assert "does not exist" in window.messages.last[1]


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
    win.speed.setCurrentIndex(5)  # not the default speed
    win.close()
    answer(win, "Quit")  # the settings changed: asked Save, Quit or Cancel first
    win2 = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(win2)
    c = win2.panel.config()
    assert (c.method, c.impl, c.optimizer, c.learning_rate, c.batch_size) == (
        "minibatch", "module", "adam", 0.003, 16)
    assert win2.speed.currentIndex() == 5
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


def test_kept_runs_on_changed_data_say_so(window, qtbot):
    window.panel.epochs.setValue(5)
    train_to_end(window, qtbot)
    assert window.controller.keep_run()
    assert "(previous data)" not in window.runs_list.item(0).text()
    window.plot.addRequested.emit(2.0, 20.0)  # a click on the plot
    assert "(previous data)" in window.runs_list.item(0).text()
    assert window.runs_list.item(0).text().startswith(
        window.controller.kept_runs[0].label + " (previous data)")
    assert window.readout.text().startswith("previous data, done")
