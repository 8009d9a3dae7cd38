"""Sessions in the window: save and open with kept runs, the title's mark, the question
before unsaved changes are lost, recent files, and bad files that change nothing."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from gdstudio.core.files.session import SessionError
from gdstudio.core.files.session_read import read_session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.view_description import VIEW_OPTIONS
from tests.described import OTHER_CONFIGS, OTHER_VIEW
from tests.qt_helpers import answer, in_gui_thread, open_question


def new_window(qtbot, tmp_path, name="other"):
    from gdstudio.ui.window.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / f"{name}.ini"),
                                        QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.speed.setCurrentIndex(0)
    win.show()
    qtbot.waitExposed(win)
    return win


def close(win):
    win.close()
    if win.isVisible():
        answer(win, "Quit")
    assert not win.isVisible()


def train(window, qtbot, config: TrainConfig, keep: bool):
    c = window.controller
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        assert c.train(config)
    if keep:
        assert c.keep_run()


def make_session(window, qtbot):
    """Edited data, two kept runs (batch and stochastic, one hidden), a current run not kept,
    non-default settings and view options."""
    c = window.controller
    c.add_point(0.1 + 0.2, -1e-7)
    window.panel.set_config(TrainConfig(learning_rate=0.0123, epochs=7, init_w=3.0,
                                        init_b=4.0, method="minibatch", batch_size=7))
    train(window, qtbot, TrainConfig(epochs=5, init_w=3.0, init_b=4.0, learning_rate=0.02),
          keep=True)
    train(window, qtbot, TrainConfig(method="sgd", epochs=3, init_w=3.0, init_b=4.0,
                                     learning_rate=0.002, impl="analytic"), keep=True)
    c.set_run_visible(c.kept_runs[1].key, False)
    train(window, qtbot, TrainConfig(method="sgd", epochs=2, learning_rate=0.001,
                                     impl="analytic", init_w=None, init_b=None), keep=False)
    window.act_log.setChecked(True)
    window.line_views.set_residuals("squares")
    window.act_curvature.setChecked(True)


def test_round_trip_with_kept_runs_in_the_window(window, qtbot, tmp_path):
    make_session(window, qtbot)
    assert window.windowTitle() == "Untitled* — Gradient Descent Studio"
    path = str(tmp_path / "class.gdstudio")
    assert window.session_files.save(path)
    assert window.windowTitle() == "class.gdstudio — Gradient Descent Studio"
    assert window.session_files.recent() == [path]
    params = tmp_path / "a.csv"
    assert window.files.export_parameters(str(params))

    other = new_window(qtbot, tmp_path)
    assert other.session_files.open_path(path)
    a, b = window.controller, other.controller
    assert b.dataset.x.tobytes() == a.dataset.x.tobytes()
    assert b.dataset.y.tobytes() == a.dataset.y.tobytes() and b.dataset.dtype == "float32"
    assert other.panel.config() == window.panel.config()
    assert [(k.key, k.label, k.color, k.visible, k.stale) for k in b.kept_runs] == [
        (k.key, k.label, k.color, k.visible, k.stale) for k in a.kept_runs]
    for ka, kb in zip(a.kept_runs, b.kept_runs, strict=True):
        for name in ("loss", "w", "b", "path"):
            assert getattr(kb, name).tobytes() == getattr(ka, name).tobytes()
        assert kb.summary == ka.summary
    path_b = other.landscape_view.kept_path(b.kept_runs[1].key)
    assert len(path_b) > 3 and path_b.tobytes() == a.kept_runs[1].path.tobytes()
    h_a, h_b = a.session.history, b.session.history
    assert h_b.count == h_a.count == 2
    assert h_b.records() == h_a.records()  # epoch, loss, w, b, samples, updates
    assert b.session.path.tobytes() == a.session.path.tobytes()
    assert b.current_summary == a.current_summary and not b.result_kept
    assert b.next_run_number == a.next_run_number
    assert other.act_log.isChecked() and other.act_curvature.isChecked()
    assert other.line_views.overlay.mode == "squares"
    assert other.windowTitle() == "class.gdstudio — Gradient Descent Studio"
    assert not other.session_files.state.dirty
    params_b = tmp_path / "b.csv"
    assert other.files.export_parameters(str(params_b))
    assert params_b.read_bytes() == params.read_bytes()  # every run's numbers, exactly
    history_a, history_b = tmp_path / "ha.csv", tmp_path / "hb.csv"
    for win, out in ((window, history_a), (other, history_b)):
        with qtbot.waitSignal(win.controller.exports.historyExported, timeout=10_000):
            assert win.files.export_history(str(out))
    assert history_b.read_bytes() == history_a.read_bytes()
    close(other)


@pytest.mark.parametrize("config", OTHER_CONFIGS)
def test_every_setting_and_view_option_round_trips_through_the_models(window, qtbot, tmp_path,
                                                                      config):
    """The session is written from the controller's models and read back into them; the
    window's controls show what was read."""
    c = window.controller
    assert c.switch_model(config.model)  # (its data: labels for logistic regression)
    c.settings_model.set_config(config)
    c.view_options.update(OTHER_VIEW)
    assert window.panel.config() == config
    path = str(tmp_path / "models.gdstudio")
    assert window.session_files.save(path)
    other = new_window(qtbot, tmp_path)
    assert other.session_files.open_path(path)
    b = other.controller
    assert b.settings_model.config() == config and other.panel.config() == config
    assert b.view_options.values() == OTHER_VIEW
    assert other.speed.currentIndex() == OTHER_VIEW["speed"]
    assert other.line_views.overlay.mode == OTHER_VIEW["residuals"]
    assert other.presentation.active is OTHER_VIEW["presentation"]
    for option in VIEW_OPTIONS:
        action = other.actions_by_name.get(option.control)
        if option.kind == "bool" and action is not None:
            assert action.isChecked() is OTHER_VIEW[option.name], option.name
    assert not other.session_files.state.dirty
    close(other)


def test_changes_mark_the_title_and_quitting_asks_once(window, qtbot, tmp_path):
    files = window.session_files
    assert window.windowTitle() == "Gradient Descent Studio" and not files.state.dirty
    window.controller.add_point(1.0, 2.0)
    assert files.state.dirty and window.windowTitle().startswith("Untitled*")
    path = str(tmp_path / "s.gdstudio")
    assert files.save(path)
    window.act_log.setChecked(True)  # a view option is a change
    assert window.windowTitle() == "s.gdstudio* — Gradient Descent Studio"
    window.act_log.setChecked(False)  # back as saved
    assert window.windowTitle() == "s.gdstudio — Gradient Descent Studio"
    window.speed.setCurrentIndex(3)  # the speed is not
    window.panel.learning_rate.setText("0.5")  # the settings are
    assert files.state.dirty
    window.close()
    assert window.isVisible()
    box = open_question(window)
    assert "Save the changes to s.gdstudio before quitting" in box.text()
    window.act_quit.trigger()
    assert [b for b in window.messages.boxes if b.windowTitle() == "Quit?"] == [box]
    answer(window, "Cancel")
    assert window.isVisible()
    window.close()
    answer(window, "Save")
    assert not window.isVisible()
    assert read_session(path).settings.learning_rate == 0.5


def test_keeping_and_removing_runs_are_changes(window, qtbot, tmp_path):
    files = window.session_files
    train(window, qtbot, TrainConfig(epochs=2), keep=False)
    assert not files.state.dirty  # a run not kept is no change to save
    assert window.controller.keep_run()
    assert files.state.dirty
    window.close()
    assert "with 1 kept run" in open_question(window).text()
    answer(window, "Cancel")
    assert files.save(str(tmp_path / "k.gdstudio"))
    window.controller.remove_runs([window.controller.kept_runs[0].key])
    assert files.state.dirty


def test_opening_another_session_with_unsaved_changes_asks(window, qtbot, tmp_path):
    first = str(tmp_path / "first.gdstudio")
    window.controller.add_point(5.0, 5.0)
    assert window.session_files.save(first)
    window.controller.add_point(6.0, 6.0)
    n = len(window.controller.dataset)
    assert not window.session_files.open_session(first)
    assert len(window.controller.dataset) == n  # nothing yet: asked first
    answer(window, "Discard", "Open session?")
    assert len(window.controller.dataset) == n - 1
    assert not window.session_files.state.dirty


BAD_FILES = {
    "truncated": lambda text: text[: len(text) // 2],
    "future": lambda text: text.replace('"version": 2', '"version": 7', 1),
    "nan": lambda text: text.replace('"x": {', '"x": [NaN], "old_x": {', 1),
    "lesson": lambda text: text.replace('"lesson": null',
                                        '"lesson": {"locked": ["everything"]}', 1),
}


@pytest.mark.parametrize("damage", sorted(BAD_FILES))
def test_a_bad_session_changes_nothing(window, qtbot, tmp_path, damage):
    c = window.controller
    train(window, qtbot, TrainConfig(epochs=2), keep=True)
    good = str(tmp_path / "good.gdstudio")
    assert window.session_files.save(good)
    bad = tmp_path / "bad.gdstudio"
    bad.write_text(BAD_FILES[damage](open(good).read()))
    c.add_point(9.0, 9.0)
    before = (c.dataset, list(c.kept_runs), c.current_summary, window.panel.config(),
              window.windowTitle(), c.session.history.count)
    window.messages.close_all()
    assert not window.session_files.open_path(str(bad))
    after = (c.dataset, list(c.kept_runs), c.current_summary, window.panel.config(),
             window.windowTitle(), c.session.history.count)
    assert after == before
    title, text = window.messages.last
    assert title == "Cannot open the session" and str(bad) in text
    assert "Nothing was changed" in text


def test_recent_files_drop_missing_ones_with_a_message(window, qtbot, tmp_path):
    files = window.session_files
    paths = [str(tmp_path / f"s{i}.gdstudio") for i in range(10)]
    for p in paths:
        assert files.save(p)
    assert files.recent() == paths[::-1][:8]
    os.unlink(paths[9])
    files.recent_menu.aboutToShow.emit()
    assert [a.text() for a in files.recent_menu.actions()] == [
        os.path.basename(p) for p in paths[8:1:-1]]
    assert "s9.gdstudio" in window.statusBar().currentMessage()
    os.unlink(paths[8])
    window.messages.close_all()
    assert not files.open_recent(paths[8])
    assert "no longer there" in window.messages.last[1]
    assert paths[8] not in files.recent()


def test_saving_refuses_a_folder_and_keeps_the_changes(window, tmp_path):
    window.controller.add_point(1.0, 1.0)
    folder = tmp_path / "folder.gdstudio"
    folder.mkdir()
    assert not window.session_files.save(str(folder))
    assert window.session_files.state.dirty and window.session_files.state.path is None
    assert window.messages.last[0] == "Cannot save the session"


def test_an_invalid_field_is_saved_as_its_last_valid_value(window, tmp_path):
    window.panel.learning_rate.setText("0.25")
    window.panel.learning_rate.setText("-3")  # invalid
    assert window.controller.settings is None
    path = tmp_path / "s.gdstudio"
    assert window.session_files.save(str(path))
    assert json.loads(path.read_text())["settings"]["learning_rate"] == 0.25


def test_float64_data_round_trips_in_the_window(window, qtbot, tmp_path):
    from gdstudio.core.data.dataset import Dataset

    x = np.array([0.1, 1 / 3, -2.5e-300, 12345.678901234567])
    window.controller.replace_data(Dataset(x, x * 3), "test")
    path = str(tmp_path / "s.gdstudio")
    assert window.session_files.save(path)
    other = new_window(qtbot, tmp_path)
    assert other.session_files.open_path(path)
    assert other.controller.dataset.dtype == "float64"
    assert other.controller.dataset.x.tobytes() == x.tobytes()
    assert not other.controller.model.undo_stack.canUndo()  # a new document
    QApplication.processEvents()
    close(other)


def test_the_recovery_file_follows_the_unsaved_changes(window, qtbot, tmp_path):
    files = window.session_files
    recovery = files.recovery
    recovery.tick()
    assert not recovery.busy and not recovery.path.exists()  # nothing unsaved
    window.controller.add_point(3.0, 3.0)
    relay = in_gui_thread(recovery.written, str, str)
    with qtbot.waitSignal(relay.relayed, timeout=10_000) as written:
        recovery.tick()
    assert written.args == [str(recovery.path), ""]
    assert len(read_session(recovery.path).x) == len(window.controller.dataset)
    mtime = recovery.path.stat().st_mtime_ns
    recovery.tick()  # nothing changed since: not written again
    assert not recovery.busy and recovery.path.stat().st_mtime_ns == mtime
    assert files.save(str(tmp_path / "s.gdstudio"))
    assert not recovery.path.exists()  # saved: nothing to recover
    window.controller.add_point(4.0, 4.0)
    with qtbot.waitSignal(relay.relayed, timeout=10_000):
        recovery.tick()
    assert recovery.path.exists()
    window.close()
    answer(window, "Quit")
    assert not window.isVisible() and not recovery.path.exists()  # a normal quit


def _dead_pid() -> int:
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return dead.pid


def test_a_restored_recovery_file_is_never_removed_before_its_replacement_exists(
        window, qtbot, monkeypatch):
    """Restoring hands the crashed studio's recovery file over to this one at once: a crash
    in the seconds after restoring (before any tick of this studio) still leaves the
    restored work to recover."""
    from gdstudio.core.files.session import Session, write_session
    from gdstudio.ui.sessions.recovery import left_behind, recovery_dir

    files = window.session_files
    folder = recovery_dir()
    folder.mkdir(parents=True, exist_ok=True)
    theirs = folder / f"recovery-{_dead_pid()}.gdstudio"
    x = np.array([0.5, 1.5, 2.5], np.float32)
    write_session(theirs, Session(x, 2 * x, settings=TrainConfig(learning_rate=0.0625)))
    monkeypatch.setenv("GDSTUDIO_RECOVERY_ANSWER", "restore")
    files.start()  # (no event is processed, no recovery tick runs, until this returns)
    assert window.controller.dataset.x.tobytes() == x.tobytes() and files.state.dirty
    mine = files.recovery.path
    assert mine.exists() and not theirs.exists()
    kept = read_session(mine)
    assert kept.x.tobytes() == x.tobytes() and kept.settings.learning_rate == 0.0625
    assert left_behind() == []  # (this studio's own: not offered while it runs)
    window.controller.add_point(4.0, 4.0)  # the next change is written over it, as ever
    relay = in_gui_thread(files.recovery.written, str, str)
    with qtbot.waitSignal(relay.relayed, timeout=10_000) as written:
        files.recovery.tick()
    assert written.args == [str(mine), ""] and len(read_session(mine).x) == 4


def test_a_recovery_folder_that_is_a_file_is_said_in_one_short_line(window, qtbot, tmp_path):
    files = window.session_files
    blocker = tmp_path / "recovery"
    blocker.write_text("not a folder")
    for folder in (blocker, blocker / "inner"):
        files.recovery.path = folder / "recovery-1.gdstudio"
        window.controller.add_point(float(len(window.controller.dataset)), 1.0)
        relay = in_gui_thread(files.recovery.written, str, str)
        with qtbot.waitSignal(relay.relayed, timeout=10_000) as written:
            files.recovery.tick()
        message = (f"the recovery folder {folder} cannot be made: {blocker} is a file, not a "
                   "folder")
        assert written.args[1] == message
        assert window.statusBar().currentMessage() == (
            f"Could not write the recovery file: {message}")
        assert blocker.read_text() == "not a folder"


def test_standardize_kept_while_the_bias_is_off_saves_and_opens_in_the_window(window, qtbot,
                                                                           tmp_path):
    """A file the studio writes always opens: Standardize stays checked while the bias is
    off (it does not apply then), in the saved session and in the recovery file."""
    files = window.session_files
    model = window.controller.settings_model
    assert model.set_value("standardize", True) and model.set_value("fit_bias", False)
    saved = model.last_valid
    assert saved.standardize and not saved.fit_bias
    path = str(tmp_path / "s.gdstudio")
    assert files.save(path)
    relay = in_gui_thread(files.recovery.written, str, str)
    window.controller.add_point(9.0, 9.0)
    with qtbot.waitSignal(relay.relayed, timeout=10_000) as written:
        files.recovery.tick()
    assert written.args[1] == ""
    recovered = tmp_path / "recovered.gdstudio"  # (another window of this process shares
    recovered.write_bytes(files.recovery.path.read_bytes())  # its recovery file's name)
    for name in (path, str(recovered)):
        other = new_window(qtbot, tmp_path)
        assert other.session_files.open_path(name), [b.text() for b in other.messages.boxes]
        m = other.controller.settings_model
        assert m.value("standardize") and not m.value("fit_bias")
        assert m.last_valid == saved
        close(other)


def _valid_session_bytes() -> bytes:
    from gdstudio.core.files.session import session_chunks
    from tests.core.files.test_session_file import full_session

    session = full_session()
    session.lesson = None
    return "".join(session_chunks(session)).encode()


VALID = _valid_session_bytes()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_sessions_open_whole_or_change_nothing(window, tmp_path, data):
    """A damaged file opens only if the reader takes it whole; otherwise the window keeps its
    data, runs, settings and title, and says why."""
    raw = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 3))):
        if not raw:
            break  # damaged down to nothing: an empty file
        i = data.draw(st.integers(0, len(raw) - 1))
        kind = data.draw(st.sampled_from(["truncate", "flip", "delete"]))
        if kind == "truncate":
            raw = raw[: i + 1]
        elif kind == "flip":
            raw[i] = data.draw(st.integers(0, 255))
        else:
            del raw[i:i + data.draw(st.integers(1, 30))]
    path = tmp_path / "fuzz.gdstudio"
    path.write_bytes(bytes(raw))
    try:
        expected = read_session(path)
    except SessionError:
        expected = None
    c = window.controller
    before = (c.dataset, list(c.kept_runs), c.current_summary, window.windowTitle(),
              window.panel.config())
    window.messages.last = None
    ok = window.session_files.open_path(str(path))
    if expected is None:
        assert not ok and window.messages.last[0] == "Cannot open the session"
        assert (c.dataset, list(c.kept_runs), c.current_summary, window.windowTitle(),
                window.panel.config()) == before
    else:
        assert ok and c.dataset.x.tobytes() == expected.x.tobytes()
        assert len(c.kept_runs) == len(expected.runs)
    window.messages.close_all()
