"""Importing a large CSV file: read off the GUI thread with progress and Cancel, editing
locked meanwhile (a click on the plot adds no point), the data replaced as one undoable edit
only when the whole file has been read."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from gdstudio.core.data.csv_read import CHUNK_BYTES, ReadCancelled, read_dataset
from gdstudio.core.data.dataset import Dataset
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.studio.editing import IMPORTING_MESSAGE, READ_AT_ONCE_BYTES
from gdstudio.ui.threads import import_worker
from tests.qt_helpers import HeldWork, click, data_to_viewport, progress_in_gui_thread

ROWS = 1_200_000
#: Far from every point of the big file (y = 3x + noise, x in [-50, 50]), inside its view.
EMPTY_SPOT = (-40.0, 140.0)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """A 1.2M-row CSV file (about 30 MB) and the data set it holds."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-50, 50, ROWS).astype(np.float32)
    y = (3 * x + rng.normal(0, 1, ROWS)).astype(np.float32)
    path = tmp_path_factory.mktemp("import") / "big.csv"
    xs, ys = np.char.mod("%.9g", x), np.char.mod("%.9g", y)
    with open(path, "w") as f:
        f.write("x,y\n")
        f.write("\n".join(np.char.add(np.char.add(xs, ","), ys).tolist()))
        f.write("\n")
    return path, Dataset(x, y)


@pytest.fixture
def held_read(monkeypatch):
    """The import worker's read, held after its first progress report (HeldWork)."""
    read = HeldWork(monkeypatch, import_worker, "read_dataset", 2)
    yield read
    read.go_on()  # (a failed test leaves no read held)


# --------------------------------------------------------------------------- core


def test_read_dataset_reports_progress_and_reads_the_same(big_csv):
    path, expected = big_csv
    reports = []
    loaded = read_dataset(path, progress=lambda done, total: reports.append((done, total)))
    assert loaded == expected
    size = path.stat().st_size
    assert reports[0] == (0, size) and reports[-1] == (size, size)
    done = [d for d, _ in reports]
    assert done == sorted(done)
    assert len(reports) >= size // CHUNK_BYTES  # one per piece parsed


def test_read_dataset_stops_when_cancelled(big_csv):
    path, _ = big_csv
    reports = []
    with pytest.raises(ReadCancelled):
        read_dataset(path, progress=lambda done, total: reports.append(done),
                     cancelled=lambda: len(reports) >= 3)
    assert len(reports) == 3  # no piece parsed after the cancel


def test_the_careful_parser_reports_progress_and_can_be_cancelled(tmp_path):
    path = tmp_path / "quoted.csv"  # quotes send the file to the careful (Python) parser
    path.write_text("x,y\n" + "".join(f'"{i}",{2 * i}\n' for i in range(40_000)))
    reports = []
    loaded = read_dataset(path, progress=lambda done, total: reports.append(done))
    assert loaded == Dataset(np.arange(40_000, dtype=np.float32),
                             2 * np.arange(40_000, dtype=np.float32))
    assert len(reports) >= 40_000 // 8192 and reports == sorted(reports)
    with pytest.raises(ReadCancelled):
        read_dataset(path, cancelled=lambda: len(reports) > 5,
                     progress=lambda done, total: reports.append(done))


# --------------------------------------------------------------------------- controller


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    yield c
    c.shutdown(5000)


def test_a_large_import_runs_off_the_gui_thread_and_locks_editing(qtbot, controller, big_csv,
                                                                  held_read):
    path, expected = big_csv
    c = controller
    before, edits = c.dataset, c.model.undo_stack.count()
    progress, statuses = [], []
    c.csv_import.progressed.connect(lambda done, total: progress.append((done, total)))
    c.statusReported.connect(lambda text, _ms: statuses.append(text))
    read = held_read
    ends = []
    c.csv_import.finished.connect(lambda *args: ends.append(args[2:]))
    with qtbot.waitSignal(c.csv_import.settled, timeout=120_000):
        assert c.import_csv(str(path)) is True  # started
        assert c.csv_import.busy and c.dataset is before
        enabled = c.enabled_actions()
        for name in ("import", "generate", "clear", "undo", "train", "step"):
            assert not enabled[name], name
        assert enabled["save"]
        assert c.add_point(1.0, 2.0) is False  # a click on the plot adds nothing
        assert statuses[-1] == IMPORTING_MESSAGE
        assert c.train() is False and c.import_csv(str(path)) is False
        assert c.dataset is before
        # the GUI thread turns while the file is read: it gets the first report, and only
        # then lets the read go on
        qtbot.waitUntil(lambda: read.held.is_set() and bool(progress), timeout=60_000)
        assert c.csv_import.busy and c.dataset is before
        read.go_on()
    assert read.ran_off_the_gui_thread_while_it_turned()
    assert ends == [("", False)]
    assert c.dataset == expected
    assert len(progress) >= 3 and progress[-1][0] == progress[-1][1] == path.stat().st_size
    assert c.model.undo_stack.count() == edits + 1  # one undoable edit
    assert statuses[-1] == f"Imported {ROWS:,} points from {path}."
    assert c.enabled_actions()["import"] and c.enabled_actions()["train"]
    c.undo()
    assert c.dataset == before


def test_cancel_keeps_the_old_data(qtbot, controller, big_csv):
    path, _ = big_csv
    c = controller
    before, edits = c.dataset, c.model.undo_stack.count()
    statuses = []
    c.statusReported.connect(lambda text, _ms: statuses.append(text))
    relay = progress_in_gui_thread(c.csv_import.progressed)
    with qtbot.waitSignal(relay.relayed, timeout=30_000):
        c.import_csv(str(path))
    ends = []
    c.csv_import.finished.connect(lambda *args: ends.append(args[1:]))
    with qtbot.waitSignal(c.csv_import.settled, timeout=30_000):
        c.cancel_import()
    assert ends == [(None, "", True)]
    assert c.dataset is before and c.model.undo_stack.count() == edits
    assert statuses[-1] == "Import cancelled; the data was not changed."
    assert c.enabled_actions()["import"]


def test_an_error_in_a_large_file_keeps_the_data_and_says_where(qtbot, controller, tmp_path):
    path = tmp_path / "late_error.csv"
    rows = READ_AT_ONCE_BYTES // 4 + 1000  # "1,2\n": 4 bytes a row
    path.write_text("x,y\n" + "1,2\n" * rows + "3,abc\n")
    c = controller
    before = c.dataset
    messages = []
    c.messageRaised.connect(lambda title, text, _level: messages.append((title, text)))
    with qtbot.waitSignal(c.csv_import.settled, timeout=60_000):
        assert c.import_csv(str(path)) is True
    assert messages == [("Cannot import the CSV file",
                         f"{path}, line {rows + 2}, column 2: 'abc' is not a number.\n\n"
                         "The data was not changed.")]
    assert c.dataset is before


def test_a_small_file_is_imported_at_once(controller, tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("1,2\n3,4\n")
    assert controller.import_csv(str(path)) is True
    assert not controller.csv_import.busy
    assert controller.dataset == Dataset.from_points([(1, 2), (3, 4)])


# --------------------------------------------------------------------------- window


def test_the_window_stays_live_and_clicks_add_no_point_during_an_import(qtbot, window,
                                                                        big_csv, held_read):
    path, expected = big_csv
    before = window.controller.model.dataset
    bar = window.import_progress
    values = []
    relay = progress_in_gui_thread(window.controller.csv_import.progressed)
    relay.relayed.connect(lambda *_: values.append(bar.bar.value()))  # (in the GUI thread)
    read = held_read
    with qtbot.waitSignal(window.controller.csv_import.settled, timeout=120_000):
        assert window.files.import_csv(str(path))
        assert bar.isVisible() and bar.cancel_button.isVisible()
        assert not window.act_import.isEnabled() and not window.act_undo.isEnabled()
        # the window stays live while the file is read: it shows the progress and takes a
        # click, and only then lets the read go on
        qtbot.waitUntil(lambda: read.held.is_set() and bool(values), timeout=60_000)
        # (2, 20): an empty spot in the view of the tutorial's line, shown until the end
        click(window.plot, data_to_viewport(window.plot, 2.0, 20.0))
        assert window.controller.model.dataset is before
        assert window.statusBar().currentMessage() == IMPORTING_MESSAGE
        assert window.controller.csv_import.busy
        read.go_on()
    assert read.ran_off_the_gui_thread_while_it_turned()
    assert not bar.isVisible()
    assert window.controller.model.dataset == expected  # no stray point, before or after
    assert len(values) >= 2 and values == sorted(values) and values[-1] > 0
    assert window.act_import.isEnabled()


def test_cancel_in_the_window_keeps_the_old_data(qtbot, window, big_csv):
    path, _ = big_csv
    before = window.controller.model.dataset
    relay = progress_in_gui_thread(window.controller.csv_import.progressed)
    with qtbot.waitSignal(relay.relayed, timeout=30_000):
        window.files.import_csv(str(path))
    with qtbot.waitSignal(window.controller.csv_import.settled, timeout=30_000):
        window.import_progress.cancel_button.click()
    assert window.controller.model.dataset is before
    assert not window.import_progress.isVisible()
    assert window.statusBar().currentMessage() == "Import cancelled; the data was not changed."


def test_cancel_after_the_file_was_read_but_before_the_data_is_in_still_cancels(qtbot, window,
                                                                               tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(40_000)))  # > 256 KiB
    before = window.controller.model.dataset
    imports = window.controller.csv_import
    # the worker has read the whole file when Cancel is pressed: its result is on its way
    imports.progressed.connect(lambda done, total: done == total and imports.cancel())
    with qtbot.waitSignal(imports.settled, timeout=30_000):
        assert window.files.import_csv(str(path))
    assert window.controller.model.dataset is before
    assert window.statusBar().currentMessage() == "Import cancelled; the data was not changed."


def test_clicks_queued_while_the_imported_data_is_installed_are_not_replayed(qtbot, window,
                                                                             big_csv):
    """Installing a million points blocks the GUI thread for a moment: clicks made then wait
    in the event queue, and are handled while editing is still locked."""
    path, expected = big_csv
    plot = window.plot

    def click_later(*_):  # queued, as a click made while the GUI thread is busy
        pos = data_to_viewport(plot, *EMPTY_SPOT)
        viewport = plot.viewport()
        for kind, buttons in ((QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
                              (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
            QApplication.postEvent(viewport, QMouseEvent(
                kind, pos, QPointF(viewport.mapToGlobal(pos.toPoint())),
                Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier))

    window.controller.dataChanged.connect(click_later)
    with qtbot.waitSignal(window.controller.csv_import.settled, timeout=120_000):
        assert window.files.import_csv(str(path))
    window.controller.dataChanged.disconnect(click_later)
    QApplication.processEvents()
    assert window.controller.model.dataset == expected
    click(plot, data_to_viewport(plot, *EMPTY_SPOT))  # a click now is an edit again
    assert len(window.controller.model.dataset) == ROWS + 1


def test_read_dataset_refuses_a_cancelled_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("1,2\n")
    with pytest.raises(ReadCancelled):
        read_dataset(path, cancelled=lambda: True)
    assert read_dataset(path) == Dataset.from_points([(1, 2)])
