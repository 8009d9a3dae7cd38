"""Hardening: the training thread's life cycle under stress.

A user may close the window at any moment of a run, or hammer Train/Pause/Step/Stop/Reset in
any order. The studio must never crash, hang, warn about a destroyed running QThread or leave
a thread behind, and the buttons must always match what the run is doing. However a run was
paused, stepped and resumed, its numbers are the engine's numbers.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import textwrap
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QApplication

from gdstudio.core.training.control import TrainingControl
from gdstudio.core.training.engine import train
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.threads import training_thread as training_module
from gdstudio.ui.threads.training_thread import LIVE_THREADS
from gdstudio.ui.window.main_window import MainWindow
from tests import forked
from tests.qt_helpers import answer


def _stop_survives_a_later_pause() -> bool:
    """True once TrainingControl.stop() can no longer be undone by a later pause().

    Step makes the worker pause itself after the stepped epoch; if Stop (or closing the
    window, or Reset) came in between, that pause un-does the stop and the training thread
    blocks for ever in checkpoint(). See test_stop_is_not_undone_by_a_later_pause.
    """
    control = TrainingControl()
    control.stop()
    control.pause()
    waiter = threading.Thread(target=control.checkpoint, daemon=True)
    waiter.start()
    waiter.join(10)  # (returns at once unless the bug blocks it)
    blocked = waiter.is_alive()
    control.resume()  # free the probe thread either way
    waiter.join(1)
    return not blocked


STOP_IS_STICKY = _stop_survives_a_later_pause()


class StopUndoneByPause(AssertionError):
    """A failure whose cause is that bug: a run was stopped and then paused again."""


@contextlib.contextmanager
def blame_stop_after_step(controls):
    """Re-raise a failure as StopUndoneByPause when a recorded run shows the bug's signature
    (stopped, yet paused: only a pause() after stop() does that); other failures stay as
    they are."""
    try:
        yield
    except Exception as exc:
        stuck = [c for c in controls if c.stopped and c.paused]
        if stuck:
            raise StopUndoneByPause(f"{len(stuck)} run(s) stopped, then paused again: "
                                    f"{exc}") from exc
        raise


#: Qt messages that mean a thread was mishandled.
THREAD_TROUBLE = ("QThread", "Destroyed while thread", "thread is still running",
                  "Cannot create children", "different thread", "Timers cannot")


def thread_warnings(qtlog) -> list[str]:
    return [r.message for r in qtlog.records
            if any(t.lower() in r.message.lower() for t in THREAD_TROUBLE)]


def running_threads() -> list:
    alive = []
    for thread in list(LIVE_THREADS):
        try:
            if thread.isRunning():
                alive.append(thread)
        except RuntimeError:  # already deleted by Qt
            pass
    return alive


def flush_deletes() -> None:
    """Run pending deleteLater()s now, as returning to the event loop would."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()


@pytest.fixture(scope="module", autouse=True)
def warm_torch_optim():
    """Warm torch.optim up as the studio does at start-up (gdstudio.app.run_app): the first
    optimizer step of a process takes about a second to set up, which no stop flag can cut
    short, and closing waits at most 0.7 s."""
    from gdstudio.app import warm_up

    warm_up()


def history_tuples(records):
    return [(r.epoch, r.loss, r.w, r.b, r.samples_seen, r.updates) for r in records]


class EngineHistory:
    """The engine's records of a run, computed as far as they are asked for."""

    def __init__(self, dataset, config):
        self._records = train(dataset, config)
        self._tuples: list = []

    def first(self, count: int) -> list:
        """The first ``count`` records, as history_tuples."""
        while len(self._tuples) < count:
            self._tuples.extend(history_tuples([next(self._records)]))
        return self._tuples[:count]


@pytest.fixture
def unstick(monkeypatch):
    """Record every TrainingControl the window makes; afterwards, free any training thread
    that a bug left blocked, so that one failure cannot abort the whole test process with
    'QThread: Destroyed while thread is still running'. Runs after the test's asserts."""
    controls: list[TrainingControl] = []

    class RecordingControl(TrainingControl):
        def __init__(self):
            super().__init__()
            #: Checkpoints the engine reached after stop() (it must end at the first).
            self.after_stop = 0
            controls.append(self)

        def checkpoint(self) -> bool:
            if self.stopped:
                self.after_stop += 1
            return super().checkpoint()

    monkeypatch.setattr(training_module, "TrainingControl", RecordingControl)
    yield controls
    deadline = time.monotonic() + 10
    while running_threads() and time.monotonic() < deadline:
        for control in controls:
            control.stop()
            control.resume()
        for thread in running_threads():
            thread.quit()  # the worker's own quit is queued to this (blocked) thread
            thread.wait(50)
        QApplication.processEvents()


def stopped_at_once(controls) -> list[int]:
    """Checkpoints reached after a stop by each recorded run that went on past the first:
    [] when every stopped run ended at its first checkpoint (no update made after the stop),
    which is what makes Stop, Reset and closing prompt."""
    return [c.after_stop for c in controls if c.after_stop > 1]


def free(session) -> None:
    """Release a session whose thread a bug left blocked (after the asserts were made); the
    ``unstick`` fixture frees a thread that a paused-after-stop bug left waiting."""
    session.shutdown(5000)


# --------------------------------------------------------------------------- open/close


CLOSE_CYCLES, CLOSE_PARTS = 100, 4


@pytest.mark.slow
@pytest.mark.parametrize("part", range(CLOSE_PARTS))
def test_closing_during_a_run_stops_and_releases_its_thread(unstick, qtbot, qtlog, tmp_path,
                                                            part):
    """Closing the window at any moment of a run, 100 times (in four parts, which can run at
    the same time): running (with or without the event loop turning), paused, just resumed,
    or right after Step. Each close stops the run, joins and releases its thread (closing
    waits for it at most 0.7 s), and is prompt: the run ends at its first checkpoint after
    the stop."""
    rng = random.Random(1234)
    methods = ["batch", "sgd", "minibatch"]
    cycles = range(part * CLOSE_CYCLES // CLOSE_PARTS, (part + 1) * CLOSE_CYCLES // CLOSE_PARTS)
    for _ in range(cycles.start):  # the same 100 cycles, whichever parts run
        rng.randint(0, 20)
    with qtbot.captureExceptions() as exceptions:
        for cycle in cycles:
            settings = QSettings(str(tmp_path / f"settings{cycle % 3}.ini"),
                                 QSettings.Format.IniFormat)
            win = MainWindow(settings=settings)
            win.speed.setCurrentIndex(0)  # as fast as possible
            win.show()
            p = win.panel
            p.method.setCurrentIndex(p.method.findData(methods[cycle % 3]))
            p.impl.setCurrentIndex(p.impl.findData("module" if cycle % 2 else "manual"))
            p.learning_rate.setText("0.001")
            p.epochs.setValue(1000 if cycle % 5 != 3 else 100_000)
            assert win.controller.train(), win.messages.last
            assert win.controller.session.state == RunState.RUNNING
            assert len(running_threads()) <= 1
            # let it run a little: with or without the event loop turning, sometimes paused
            run_ms = rng.randint(0, 20)
            if cycle % 4 == 0:
                time.sleep(run_ms / 1000)  # GUI thread busy: results pile up in the queue
            else:
                qtbot.wait(run_ms)
            if cycle % 5 == 1:
                win.controller.pause()  # close while paused
            elif cycle % 5 == 2:
                win.controller.pause()
                win.controller.train()  # close right after resuming
            elif cycle % 5 == 3:
                if not win.controller.session.history.count:  # Step needs a run that has begun
                    with qtbot.waitSignal(win.controller.epochsAppended, timeout=5000):
                        pass
                win.act_pause.trigger()
                win.act_step.trigger()  # close while the stepped epoch runs
                assert win.controller.session.state == RunState.RUNNING
            try:
                win.close()
                if win.isVisible():  # the settings changed: Save, Quit or Cancel first
                    answer(win, "Quit")
                # closing stopped and joined the thread before the window went away
                assert not win.controller.session.has_thread, f"cycle {cycle}: thread kept"
                assert not running_threads(), f"cycle {cycle}: a training thread still runs"
                assert not LIVE_THREADS, f"cycle {cycle}: a thread was not released"
                assert not stopped_at_once(unstick), f"cycle {cycle}: went on after the stop"
            finally:
                free(win.controller.session)
                win.deleteLater()
                flush_deletes()
    assert not exceptions, exceptions
    assert not thread_warnings(qtlog), thread_warnings(qtlog)


# --------------------------------------------------------------------------- button mashing


def wait_idle(qtbot, win, timeout_ms: int) -> bool:
    """Turn the event loop until the run is idle; False after ``timeout_ms``."""
    deadline = time.monotonic() + timeout_ms / 1000
    while win.controller.session.state != "idle" and time.monotonic() < deadline:
        qtbot.wait(10)
    return win.controller.session.state == "idle"


def check_consistent(win: MainWindow) -> None:
    """What the toolbar shows matches the state of the run."""
    state = win.controller.session.state
    assert state in ("idle", "running", "paused")
    assert win.act_pause.isEnabled() == (state == "running")
    assert win.act_stop.isEnabled() == (state in ("running", "paused"))
    assert win.act_train.isEnabled() == (state in ("idle", "paused"))
    assert win.act_step.isEnabled() == (state in ("idle", "paused"))
    assert win.act_train.text() == ("&Resume" if state == "paused" else "&Train")
    assert win.panel.isEnabled() == (state == "idle")
    assert win.act_import.isEnabled() == (state == "idle")
    if state == "idle":
        assert not win.controller.session.has_thread
    else:
        assert win.controller.session.has_thread
    assert len(running_threads()) <= 1


@pytest.mark.slow
def test_rapid_random_presses_keep_the_state_machine_consistent(unstick, window, qtbot, qtlog):
    with blame_stop_after_step(unstick):
        win = window
        win.panel.learning_rate.setText("0.001")
        win.panel.method.setCurrentIndex(win.panel.method.findData("minibatch"))
        win.panel.epochs.setValue(3000)
        config = win.panel.config()
        expected = EngineHistory(win.controller.model.dataset, config)
        actions = {"train": win.act_train, "pause": win.act_pause, "step": win.act_step,
                   "stop": win.act_stop, "reset": win.act_reset}
        rng = random.Random(2024)
        pressed = dict.fromkeys(actions, 0)
        with qtbot.captureExceptions() as exceptions:
            for _ in range(200):
                name = rng.choice(list(actions))
                if actions[name].isEnabled():
                    pressed[name] += 1
                actions[name].trigger()
                check_consistent(win)
                qtbot.wait(rng.choice([0, 0, 1, 2, 5]))
                check_consistent(win)
                # whatever happened, the history so far is the engine's history
                h = win.controller.session.history
                assert history_tuples(h.records()) == expected.first(h.count)
            win.act_stop.trigger()
            assert wait_idle(qtbot, win, 5000), "Stop did not end the run"
            qtbot.wait(50)  # late signals of the last run must change nothing
        assert not exceptions, exceptions
        assert all(pressed[name] > 5 for name in ("train", "pause", "step", "stop")), pressed
        check_consistent(win)
        assert win.controller.session.state == "idle"
        assert not win.controller.session.has_thread and not running_threads()
        h = win.controller.session.history
        assert np.isfinite(h.loss).all() and np.isfinite(h.w).all() and np.isfinite(h.b).all()
        assert history_tuples(h.records()) == expected.first(h.count)
        assert win.progress.value() == h.count
        summary = win.controller.current_summary
        if summary is not None:  # the line of the parameters reached (inside an epoch too)
            assert win.controller.session.status in ("stopped", "done")
            if summary.partial is None and h.count:
                assert (summary.w, summary.b) == (float(h.w[-1]), float(h.b[-1]))
            assert win.plot.fit == (summary.w, summary.b)
            fit_x, fit_y = win.plot.fit_line.getData()
            assert np.allclose(fit_y, summary.w * fit_x + summary.b, rtol=1e-9, atol=1e-6)

        # a final, untouched run still gives exactly the engine's history
        win.act_reset.trigger()
        win.panel.epochs.setValue(200)
        with qtbot.captureExceptions() as exceptions:
            win.act_train.trigger()
            qtbot.waitUntil(lambda: win.controller.session.state == "idle", timeout=30_000)
        assert not exceptions, exceptions
        assert win.controller.session.status == "done"
        assert history_tuples(win.controller.session.history.records()) == history_tuples(
            list(train(win.controller.model.dataset, win.panel.config())))
        assert len(win.loss_plot.current.getData()[1]) == 201  # 200 epochs, then the end
        assert not thread_warnings(qtlog), thread_warnings(qtlog)


def test_reset_and_restart_while_running_never_mixes_runs(unstick, window, qtbot):
    """Stale results of a reset run must not leak into the next one."""
    win = window
    win.panel.learning_rate.setText("0.001")
    win.panel.epochs.setValue(2000)
    expected = EngineHistory(win.controller.model.dataset, win.panel.config())
    with qtbot.captureExceptions() as exceptions:
        for i in range(30):
            win.act_train.trigger()
            qtbot.wait(i % 4)
            win.act_reset.trigger()
            assert win.controller.session.history.count == 0
            check_consistent(win)
        win.act_train.trigger()
        qtbot.wait(30)
        win.act_stop.trigger()
        qtbot.waitUntil(lambda: win.controller.session.state == "idle", timeout=10_000)
        qtbot.wait(50)
    assert not exceptions, exceptions
    h = win.controller.session.history
    assert history_tuples(h.records()) == expected.first(h.count)
    assert all(math.isfinite(v) for v in h.loss)


# --------------------------------------------------------------------------- stop after step


def test_stop_is_not_undone_by_a_later_pause():
    """Core reproduction: once stopped, a checkpoint must return at once, whatever follows."""
    assert STOP_IS_STICKY


def start_and_step(win, qtbot):
    """Train, pause, then press Step: one more epoch is running when this returns."""
    win.panel.learning_rate.setText("0.001")
    win.panel.epochs.setValue(100_000)
    assert win.controller.train()
    qtbot.waitUntil(lambda: win.controller.session.history.count >= 1, timeout=5000)
    win.act_pause.trigger()
    assert win.controller.session.state == "paused"
    win.act_step.trigger()
    assert win.controller.session.state == "running"


def test_stop_right_after_step_stops_the_run(unstick, window, qtbot):
    start_and_step(window, qtbot)
    window.act_stop.trigger()  # the user changes their mind at once
    try:
        assert wait_idle(qtbot, window, 2000), (
            f"Stop did not end the run: state {window.controller.session.state!r}, "
            f"Stop enabled {window.act_stop.isEnabled()}")
        assert window.controller.session.status == "stopped"
    finally:
        free(window.controller.session)


def test_reset_right_after_step_leaves_no_thread(unstick, window, qtbot):
    start_and_step(window, qtbot)
    window.act_reset.trigger()
    try:
        assert window.controller.session.state == "idle"
        assert not running_threads(), "Reset left the training thread running"
        assert [c.stopped for c in unstick] == [True]
        assert not stopped_at_once(unstick), "the run went on after Reset's stop"
    finally:
        free(window.controller.session)


# --------------------------------------------------------------------------- real process

CLOSE_IN_A_REAL_PROCESS = textwrap.dedent(
    """
    import atexit, os, sys, time
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from gdstudio.app import run_app
    from gdstudio.ui.window.main_window import MainWindow
    from gdstudio.ui.threads.training_thread import LIVE_THREADS

    cycles = int(sys.argv[2])
    done = 0

    def cycle():
        # open a second window, train, close it within a few ms (the app's own window stays)
        global done
        win = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
        win.show()
        win.panel.epochs.setValue(100_000)
        win.panel.learning_rate.setText("0.0001")
        win.panel.method.setCurrentIndex(win.panel.method.findData(
            ("batch", "sgd", "minibatch")[done % 3]))
        assert win.controller.train()
        deadline = time.monotonic() + (done % 7) / 1000
        while time.monotonic() < deadline:
            app.processEvents()
        quit_now(win)
        win.deleteLater()
        done += 1
        QTimer.singleShot(done % 3, cycle if done < cycles else train_the_app_window)

    def train_the_app_window():
        running = sum(1 for t in LIVE_THREADS if t.isRunning())
        print(f"cycles={done} running={running}", flush=True)
        win = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
               and w.isVisible()][0]
        win.panel.epochs.setValue(1_000_000)
        win.panel.learning_rate.setText("0.0001")
        win.panel.method.setCurrentIndex(win.panel.method.findData("sgd"))
        assert win.controller.train()
        QTimer.singleShot(1000, lambda: close(win))

    def close(win):
        print(f"epochs={win.controller.session.history.count}", flush=True)
        quit_now(win)  # the last window: the app saves its settings and exits at once

    def exiting(code, exit=os._exit):  # the app skips the interpreter's slow teardown
        running = sum(1 for t in LIVE_THREADS if t.isRunning())
        print(f"exit_running={running}", flush=True)
        exit(code)

    os._exit = exiting
    atexit.register(lambda: print("teardown=1", flush=True))  # (never, after os._exit)

    def quit_now(win):
        win.close()
        if win.isVisible():  # the settings changed: asked Save, Quit or Cancel first
            (box,) = [b for b in win.messages.boxes if b.windowTitle() == "Quit?"]
            (quit_button,) = [b for b in box.buttons() if b.text() == "Quit"]
            quit_button.click()

    QTimer.singleShot(300, cycle)
    run_app(None)
    """
)


@pytest.mark.slow
def test_closing_mid_run_in_a_real_process(tmp_path):
    """The app as users start it: 50 more windows open, train and close within a few ms,
    then the app's window is closed a second into a stochastic run. The process exits at once
    after the close (os._exit, skipping the interpreter's teardown) with code 0, no thread
    left running and nothing on stderr about threads, and the settings were saved first."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = forked.Popen("-c", CLOSE_IN_A_REAL_PROCESS, str(tmp_path / "s.ini"), "50",
                        cwd=tmp_path, env=env, preload=forked.STUDIO)  # (see tests/forked.py)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-3000:]
    assert "QThread: Destroyed" not in err and "Traceback" not in err, err[-3000:]
    values = dict(line.split("=") for line in out.split())
    assert (values["cycles"], values["running"]) == ("50", "0"), (out, err[-3000:])
    assert int(values["epochs"]) > 0
    assert values["exit_running"] == "0" and "teardown" not in values, (out, err[-3000:])
    assert list((tmp_path / "config").rglob("*.conf"))  # saved before the fast exit


def test_a_finished_runs_worker_is_destroyed_in_the_gui_thread(qtbot):
    """The training worker is destroyed in the GUI thread after its thread has ended, never
    in the training thread: there its destructor waits for the interpreter lock while it
    holds Qt's connection lock, and the GUI thread, holding the interpreter lock while it
    connected or disconnected anything (a plot's label, say), hung with it (seen: a session
    test trained a second run as the first one's worker was being deleted)."""
    import gc
    import weakref

    import shiboken6

    from gdstudio.core.data.dataset import Dataset
    from gdstudio.core.settings.config import TrainConfig
    from gdstudio.ui.threads.training_thread import TrainingSession

    session = TrainingSession()
    data = Dataset(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.1, 5.9]))
    for _ in range(3):
        with qtbot.waitSignal(session.trainingFinished, timeout=30_000):
            session.start(data, TrainConfig(epochs=5, impl="manual"))
            worker = session._worker
        qtbot.wait(200)  # the ended thread's events (a deferred delete there) have run
        assert session._thread is None and shiboken6.isValid(worker)  # not deleted there
        gone = weakref.ref(worker)
        del worker  # the last reference: the worker is destroyed here, in the GUI thread
        gc.collect()
        assert gone() is None
    session.shutdown()
