"""The window's exports: the same files as ``gdstudio train``, written off the GUI thread, and
a history whose memory is bounded (float64, about 32 bytes an epoch, epochs capped)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gdstudio.cli.main import main as cli_main
from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.core.training.results import history_text
from gdstudio.ui.studio import exporting, memory
from gdstudio.ui.threads.training_thread import History
from gdstudio.ui.window.main_window import MainWindow
from tests.qt_helpers import HeldWork


def open_window(qtbot, tmp_path, dataset=None):
    win = MainWindow(dataset, settings=QSettings(str(tmp_path / "settings.ini"),
                                                 QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.speed.setCurrentIndex(0)  # as fast as possible
    win.show()
    qtbot.waitExposed(win)
    return win


def configure(win, *, method="batch", impl="manual", optimizer="sgd", lr=0.1, epochs=20,
              batch_size=10, init=(-10.0, -20.0), seed=0, shuffle=False, fit_bias=True,
              momentum=0.0, nesterov=False, weight_decay=0.0):
    p = win.panel
    p.method.setCurrentIndex(p.method.findData(method))
    p.impl.setCurrentIndex(p.impl.findData(impl))
    p.optimizer.setCurrentIndex(p.optimizer.findData(optimizer))
    p.learning_rate.setText(repr(lr))
    p.epochs.setValue(epochs)
    p.batch_size.setValue(batch_size)
    p.random_init.setChecked(init is None)
    if init is not None:
        p.init_w.setText(repr(init[0]))
        p.init_b.setText(repr(init[1]))
    p.seed.setValue(seed)
    p.shuffle.setChecked(shuffle)
    p.fit_bias.setChecked(fit_bias)
    p.momentum.setText(repr(momentum))
    p.nesterov.setChecked(nesterov)
    p.weight_decay.setText(repr(weight_decay))


def cli_args(*, method="batch", impl="manual", optimizer="sgd", lr=0.1, epochs=20,
             batch_size=10, init=(-10.0, -20.0), seed=0, shuffle=False, fit_bias=True,
             momentum=0.0, nesterov=False, weight_decay=0.0):
    args = ["--method", method, "--impl", impl, "--optimizer", optimizer, "--lr", repr(lr),
            "--epochs", str(epochs), "--batch-size", str(batch_size), "--seed", str(seed),
            "--momentum", repr(momentum), "--weight-decay", repr(weight_decay), "--quiet"]
    if init is not None:
        args += [f"--init-w={init[0]!r}", f"--init-b={init[1]!r}"]
    if shuffle:
        args.append("--shuffle")
    if not fit_bias:
        args.append("--no-bias")
    if nesterov:
        args.append("--nesterov")
    return args


def export_history(win, qtbot, path, timeout=60_000) -> bool:
    """The window's history export, waited for to its end; True if the file was written."""
    with qtbot.waitSignal(win.controller.exports.historyExported, timeout=timeout) as blocker:
        win.files.export_history(str(path))
    return blocker.args[0]


PARITY = {
    "manual-batch": {},
    "manual-sgd": {"method": "sgd", "lr": 0.01, "epochs": 6},
    "manual-minibatch-shuffled": {"method": "minibatch", "lr": 0.02, "epochs": 8,
                                  "batch_size": 7, "shuffle": True, "seed": 3},
    "module-batch": {"impl": "module"},
    "module-sgd": {"impl": "module", "method": "sgd", "lr": 0.01, "epochs": 6},
    "module-adam-random-start": {"impl": "module", "optimizer": "adam", "lr": 0.3,
                                 "init": None, "seed": 5, "weight_decay": 0.01},
    "module-nesterov-no-bias": {"impl": "module", "method": "minibatch", "lr": 0.005,
                                "momentum": 0.9, "nesterov": True, "fit_bias": False,
                                "epochs": 7},
    "analytic-batch": {"impl": "analytic", "epochs": 25},
    "analytic-sgd": {"impl": "analytic", "method": "sgd", "lr": 0.01, "epochs": 6},
}


@pytest.mark.parametrize("case", list(PARITY))
def test_window_exports_equal_the_cli_files_byte_for_byte(qtbot, tmp_path, case):
    settings = PARITY[case]
    win = open_window(qtbot, tmp_path)
    configure(win, **settings)
    assert win.controller.train(), win.messages.last
    qtbot.waitUntil(lambda: win.controller.session.state == "idle", timeout=60_000)
    assert win.controller.session.status == "done"
    window_history, window_params = tmp_path / "w-history.csv", tmp_path / "w-params.csv"
    assert export_history(win, qtbot, window_history)
    assert win.files.export_parameters(str(window_params))

    data = tmp_path / "data.csv"  # the same points (the seed also draws the noisy line)
    assert win.files.save_data(str(data))
    cli_history, cli_params = tmp_path / "c-history.csv", tmp_path / "c-params.csv"
    code = cli_main(["train", "--data", str(data), *cli_args(**settings),
                     "--history", str(cli_history), "--params", str(cli_params)])
    assert code == 0
    assert window_history.read_bytes() == cli_history.read_bytes()
    assert window_params.read_bytes() == cli_params.read_bytes()


def test_float64_window_exports_equal_the_cli_files(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path, noisy_line(dtype="float64"))
    configure(win, impl="analytic", method="sgd", lr=0.01, epochs=5)
    assert win.controller.train()
    qtbot.waitUntil(lambda: win.controller.session.state == "idle", timeout=60_000)
    assert export_history(win, qtbot, tmp_path / "w.csv")
    assert win.files.export_parameters(str(tmp_path / "wp.csv"))
    assert cli_main(["train", "--float64", *cli_args(impl="analytic", method="sgd", lr=0.01,
                                                     epochs=5),
                     "--history", str(tmp_path / "c.csv"),
                     "--params", str(tmp_path / "cp.csv")]) == 0
    assert (tmp_path / "w.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()
    assert (tmp_path / "wp.csv").read_bytes() == (tmp_path / "cp.csv").read_bytes()


def test_analytic_history_keeps_every_float64_digit(window, qtbot):
    """An analytic run computes in float64; the window keeps its numbers unrounded."""
    configure(window, impl="analytic", epochs=30)
    config = window.panel.config()
    assert window.controller.train()
    qtbot.waitUntil(lambda: window.controller.session.state == "idle", timeout=30_000)
    expected = list(train(window.controller.model.dataset, config))
    h = window.controller.session.history
    assert h.loss.dtype == h.w.dtype == h.b.dtype == np.float64
    assert h.records() == expected
    assert float(h.w[-1]) == window.controller.current_summary.w  # the parameters export agrees


def synthetic_history(n: int) -> History:
    rng = np.random.default_rng(7)
    return History.from_columns(rng.standard_normal(n) ** 2, rng.standard_normal(n) * 1e-30,
                                rng.standard_normal(n) * 1e30, 100, 10)


def test_history_export_runs_off_the_gui_thread(window, qtbot, tmp_path, monkeypatch):
    n = 3 * exporting.ROWS_PER_REPORT + 1234  # reports on the way, a last block cut short
    window.controller.session.history = synthetic_history(n)
    window.controller.announce_actions()
    path = tmp_path / "history.csv"
    results = []
    window.controller.exports.historyExported.connect(results.append)
    # the writer is held after its first progress report until the GUI thread lets it go on
    writer = HeldWork(monkeypatch, exporting, "write_history_columns", 2)
    try:
        assert window.files.export_history(str(path))
        # export_history has returned while the file is being written, and the window is
        # live: busy, and a second export is refused
        qtbot.waitUntil(writer.held.is_set, timeout=60_000)
        assert window.controller.exports.busy
        assert not window.act_export_history.isEnabled()
        assert window.statusBar().currentMessage().startswith("Exporting")
        assert not window.files.export_history(str(tmp_path / "other.csv"))
        assert "still being written" in window.statusBar().currentMessage()
        # a new run may start and reset the history: the export keeps its snapshot
        window.controller.reset()
    finally:
        writer.go_on()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=120_000)
    assert writer.ran_off_the_gui_thread_while_it_turned()
    assert results == [False, True]
    assert window.statusBar().currentMessage() == f"Exported {n:,} epochs to {path}."
    assert window.act_export_history.isEnabled() is False  # the history was reset meanwhile
    assert not (tmp_path / "other.csv").exists()
    assert path.read_text() == history_text(synthetic_history(n).records())


def test_closing_during_an_export_cancels_it_and_leaves_no_file(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path)
    win.controller.session.history = synthetic_history(2_000_000)
    folder = tmp_path / "out"
    folder.mkdir()
    assert win.files.export_history(str(folder / "history.csv"))
    win.close()
    assert not win.controller.exports.busy
    assert list(folder.iterdir()) == []


def test_history_keeps_about_24_bytes_an_epoch():
    """Reserving a run's epochs commits no memory until they arrive; no copy on growth."""
    h = History(100_000_000)
    assert h._data.nbytes == 2_400_000_000
    records = list(train(noisy_line(), TrainConfig(epochs=1000)))
    h.extend(records)
    assert h.records() == records


def test_epochs_field_is_capped_by_available_memory(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 64 * 2**20)
    win = open_window(qtbot, tmp_path)
    cap = win.panel.epochs.maximum()
    assert cap == 64 * 2**20 // 2 // memory.BYTES_PER_EPOCH == 1_048_576
    tip = win.panel.epochs.toolTip()
    assert "1,048,576" in tip and "32 bytes" in tip and "64 MB" in tip
    win.panel.epochs.setValue(50_000_000)
    assert win.panel.epochs.value() == cap


def test_a_run_too_large_for_the_memory_left_is_refused(window, qtbot, monkeypatch):
    window.panel.epochs.setValue(5_000_000)
    monkeypatch.setattr(memory, "available_memory", lambda: 100 * 2**20)
    assert not window.controller.train()
    assert window.controller.session.state == "idle"
    assert "5,000,000 epochs" in window.statusBar().currentMessage()
    assert "memory" in window.panel.field_error_text("epochs")  # next to the epochs


def test_available_memory_is_read_from_the_system():
    available = memory.available_memory()
    assert available is not None and 0 < available


def test_an_unexpected_error_in_the_export_thread_is_reported(window, qtbot, tmp_path,
                                                              monkeypatch):
    from gdstudio.ui.studio import exporting

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    window.controller.session.history = synthetic_history(10)
    monkeypatch.setattr(exporting, "write_files", broken)
    assert not export_history(window, qtbot, tmp_path / "h.csv")
    assert window.messages.last[0] == "Export failed" and "a bug" in window.messages.last[1]
    assert not window.controller.exports.busy and not (tmp_path / "h.csv").exists()
