"""Large sessions are saved and opened on a worker thread, with progress and Cancel in the
status bar: the window turns meanwhile, a cancelled save leaves the file as it was, a
cancelled open changes nothing, and the quit question's Save (and a close during a save)
waits for the save before the window closes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.files.session import Session, write_session
from gdstudio.core.files.session_read import read_session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.sessions import session_files
from gdstudio.ui.threads import session_worker
from tests.qt_helpers import HeldWork, answer, open_question, progress_in_gui_thread


@pytest.fixture
def in_thread(monkeypatch):
    """Every save and open goes to the worker thread (whatever its size)."""
    monkeypatch.setattr(session_files, "BACKGROUND_BYTES", -1)


def _points(window, n: int = 200_000) -> Dataset:
    x = np.linspace(-1, 1, n, dtype=np.float32)
    dataset = Dataset(x, (3 * x + 0.5).astype(np.float32))
    assert window.controller.replace_data(dataset, "test data")
    return dataset


def _gone_or_kept(tmp_path) -> list[str]:
    return sorted(os.listdir(tmp_path))


def test_a_large_save_runs_off_the_gui_thread_with_progress(window, qtbot, tmp_path,
                                                           in_thread, monkeypatch):
    files = window.session_files
    dataset = _points(window)
    held = HeldWork(monkeypatch, session_worker, "write_session", 3)
    relay = progress_in_gui_thread(files.job.progressed)
    path = tmp_path / "big.gdstudio"
    assert files.save(str(path))
    assert held.held.wait(30)  # the worker is mid-way: the window still answers
    qtbot.waitUntil(lambda: files.progress.isVisible() and bool(relay.seen), timeout=10_000)
    assert files.progress.bar.text().startswith("Saving")
    assert files.state.dirty and not path.exists()
    with qtbot.waitSignal(files.job.finished, timeout=30_000) as ended:
        held.go_on()
    assert ended.args[3:] == ["", False]
    assert held.ran_off_the_gui_thread_while_it_turned()
    assert not files.state.dirty and not files.progress.isVisible()
    assert read_session(path).x.tobytes() == dataset.x.tobytes()
    done, total = relay.seen[-1]
    assert done == total == 2 * dataset.x.nbytes
    assert "Saved the session to" in window.statusBar().currentMessage()


def test_a_cancelled_save_leaves_the_old_file(window, qtbot, tmp_path, in_thread,
                                              monkeypatch):
    files = window.session_files
    path = tmp_path / "s.gdstudio"
    write_session(path, Session(np.array([1.0, 2.0], np.float32),
                                np.array([3.0, 4.0], np.float32)))
    before = path.read_bytes()
    _points(window, 1_000_000)
    held = HeldWork(monkeypatch, session_worker, "write_session", 3)
    assert files.save(str(path))
    assert held.held.wait(30)
    files.progress.cancel_button.click()
    with qtbot.waitSignal(files.job.finished, timeout=30_000) as ended:
        held.go_on()
    assert ended.args[4] is True  # cancelled
    assert path.read_bytes() == before and _gone_or_kept(tmp_path) == ["s.gdstudio"]
    assert files.state.dirty and files.state.path is None
    assert "Saving cancelled" in window.statusBar().currentMessage()


def test_an_edit_made_during_a_save_stays_unsaved(window, qtbot, tmp_path, in_thread,
                                                  monkeypatch):
    files = window.session_files
    _points(window)
    held = HeldWork(monkeypatch, session_worker, "write_session", 3)
    path = tmp_path / "s.gdstudio"
    assert files.save(str(path))
    assert held.held.wait(30)
    window.controller.add_point(5.0, 5.0)  # the window is live: this is after the capture
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        held.go_on()
    assert len(read_session(path).x) == 200_000
    assert files.state.dirty and files.state.path == str(path)


def test_a_cancelled_open_leaves_the_studio_as_it_was(window, qtbot, tmp_path, in_thread,
                                                      monkeypatch):
    files = window.session_files
    c = window.controller
    x = np.linspace(0, 1, 300_000, dtype=np.float32)
    path = tmp_path / "other.gdstudio"
    write_session(path, Session(x, x, settings=TrainConfig(learning_rate=0.0625)))
    c.add_point(9.0, 9.0)
    before = (c.dataset, list(c.kept_runs), window.panel.config(), window.windowTitle())
    held = HeldWork(monkeypatch, session_worker, "read_session", 1)
    assert files.open_path(str(path))
    assert held.held.wait(30)
    qtbot.waitUntil(files.progress.isVisible, timeout=10_000)
    assert files.progress.bar.text().startswith("Opening")
    files.progress.cancel_button.click()
    with qtbot.waitSignal(files.job.finished, timeout=30_000) as ended:
        held.go_on()
    assert ended.args[4] is True
    assert held.ran_off_the_gui_thread_while_it_turned()
    after = (c.dataset, list(c.kept_runs), window.panel.config(), window.windowTitle())
    assert after == before and "Opening cancelled" in window.statusBar().currentMessage()


def test_a_large_open_puts_the_session_in_once_read(window, qtbot, tmp_path, in_thread):
    files = window.session_files
    x = np.linspace(0, 1, 300_000, dtype=np.float32)
    path = tmp_path / "other.gdstudio"
    write_session(path, Session(x, 2 * x, settings=TrainConfig(learning_rate=0.0625)))
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        assert files.open_path(str(path))
    c = window.controller
    assert c.dataset.x.tobytes() == x.tobytes() and window.panel.config().learning_rate == 0.0625
    assert files.state.path == str(path) and not files.state.dirty


def test_a_damaged_large_file_is_refused_in_one_line(window, qtbot, tmp_path, in_thread):
    files = window.session_files
    c = window.controller
    x = np.linspace(0, 1, 1000, dtype=np.float32)
    path = tmp_path / "bad.gdstudio"
    write_session(path, Session(x, x))
    text = path.read_text()
    at = text.index('"base64": "') + len('"base64": "') + 10
    path.write_text(text[:at] + ("B" if text[at] != "B" else "C") + text[at + 1:])
    before = c.dataset
    window.messages.close_all()
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        assert files.open_path(str(path))
    title, message = window.messages.last
    assert title == "Cannot open the session" and c.dataset is before
    first = message.split("\n")[0]
    assert first == (f"{path}: data.x: the checksum (crc32) does not match its numbers: the "
                     "file is damaged")


def test_quitting_with_save_waits_for_the_save(window, qtbot, tmp_path, in_thread,
                                               monkeypatch):
    files = window.session_files
    path = tmp_path / "s.gdstudio"
    assert files.save_as(str(path)) and files.job.busy
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        pass
    dataset = _points(window)
    held = HeldWork(monkeypatch, session_worker, "write_session", 3)
    window.close()
    assert window.isVisible() and open_question(window) is not None
    answer(window, "Save")  # (the save starts; the window waits for it)
    assert held.held.wait(30)
    assert window.isVisible() and files.job.busy
    window.close()  # closing again while it saves: still waits, asks nothing more
    assert window.isVisible() and open_question(window) is None
    assert "Closing once the session is saved" in window.statusBar().currentMessage()
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        held.go_on()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert read_session(path).x.tobytes() == dataset.x.tobytes()


def test_a_close_during_an_open_cancels_it(window, qtbot, tmp_path, in_thread, monkeypatch):
    files = window.session_files
    x = np.linspace(0, 1, 1000, dtype=np.float32)
    path = tmp_path / "other.gdstudio"
    write_session(path, Session(x, x))
    before = window.controller.dataset
    held = HeldWork(monkeypatch, session_worker, "read_session", 1)
    assert files.open_path(str(path))
    assert held.held.wait(30)
    window.close()
    assert window.isVisible()
    with qtbot.waitSignal(files.job.finished, timeout=30_000) as ended:
        held.go_on()
    assert ended.args[4] is True and window.controller.dataset is before
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)


def test_a_large_lesson_is_saved_by_the_worker_and_reads_back(window, qtbot, tmp_path,
                                                              in_thread):
    from gdstudio.core.files.lesson_rules import Lesson

    files = window.session_files
    dataset = _points(window, 1000)
    path = tmp_path / "lesson.gdstudio"
    lesson = Lesson("Rates", ("method",), (), False)
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        assert files.save_lesson(str(path), lesson)
    back = read_session(path)
    assert back.lesson == lesson and back.x.tobytes() == dataset.x.tobytes()
    assert files.last_lesson == lesson and files.state.dirty  # (the window's own: unsaved)


def test_the_exact_line_of_a_large_open_is_computed_off_the_gui_thread(
        window, qtbot, tmp_path, in_thread, monkeypatch):
    """As for a CSV import: the optimum and step guide of the points opened are computed on
    the worker thread that read them, and the GUI thread takes them as they are."""
    import threading

    from gdstudio.ui.numbers import numbers_feed

    files = window.session_files
    c = window.controller
    x = np.linspace(0, 1, 5000, dtype=np.float32)
    path = tmp_path / "other.gdstudio"
    write_session(path, Session(x, (2 * x + 1).astype(np.float32)))
    where: list[tuple[int, int]] = []
    compute = numbers_feed.data_numbers

    def recorded(dataset, *args, **kwargs):
        where.append((len(dataset), threading.get_ident()))
        return compute(dataset, *args, **kwargs)

    monkeypatch.setattr(numbers_feed, "data_numbers", recorded)
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        assert files.open_path(str(path))
    ours = [ident for n, ident in where if n == 5000]
    assert ours and threading.get_ident() not in ours
    assert c.numbers_feed.numbers.optimum.w == pytest.approx(2.0, abs=1e-5)


def test_an_open_is_refused_if_a_run_started_while_it_was_read(window, qtbot, tmp_path,
                                                              in_thread, monkeypatch):
    files = window.session_files
    c = window.controller
    x = np.linspace(0, 1, 1000, dtype=np.float32)
    path = tmp_path / "other.gdstudio"
    write_session(path, Session(x, x))
    before = c.dataset
    held = HeldWork(monkeypatch, session_worker, "read_session", 1)
    assert files.open_path(str(path))
    assert held.held.wait(30)
    assert c.train(TrainConfig(epochs=10**6))  # the window is live: a run starts
    with qtbot.waitSignal(files.job.finished, timeout=30_000) as ended:
        held.go_on()
    assert ended.args[3:] == ["", False]  # read whole, then refused
    assert c.dataset is before and files.state.path is None
    assert "locked while training runs" in window.statusBar().currentMessage()
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        c.stop()


def test_the_status_message_is_whole_beside_the_session_progress(window, qtbot, tmp_path,
                                                                 in_thread, monkeypatch):
    """The status bar leaves the message the room the Saving bar and its Cancel button do
    not take (or, wider, its tooltip says it all), as beside a CSV import's bar."""
    from PySide6.QtWidgets import QApplication

    files = window.session_files
    c = window.controller
    window.resize(900, 700)
    _points(window, 1000)
    held = HeldWork(monkeypatch, session_worker, "write_session", 3)
    assert files.save(str(tmp_path / "s.gdstudio"))
    assert held.held.wait(30)
    qtbot.waitUntil(files.progress.isVisible, timeout=10_000)
    bar = window.statusBar()
    for words in ("Saving the session: 1,000 points of data and nothing else to say, "
                  "so that this line is about as wide as the room left for it here",
                  "x " * 400):
        c.status(words.strip())
        QApplication.processEvents()
        qtbot.waitUntil(lambda: files.progress.geometry().left() > 0, timeout=10_000)
        beside = [x for x in (window.progress, window.import_progress, window.epoch_progress,
                              files.progress, window.classroom.tally_label,
                              files.lesson_view.indicator) if x.isVisible()]
        assert files.progress in beside
        right = min([x.geometry().left() for x in beside], default=bar.width()) - 2
        message = bar.currentMessage()
        if bar.fontMetrics().horizontalAdvance(message) > right - 6:
            assert bar.toolTip() == message
    with qtbot.waitSignal(files.job.finished, timeout=30_000):
        held.go_on()
