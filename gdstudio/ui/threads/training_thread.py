"""Training in a QThread: the worker runs the core engine; the session lives in the GUI thread.

Wiring: ``thread.started -> worker.run``, ``worker.finished -> thread.quit``,
``thread.finished -> thread.deleteLater``. Worker signals are connected to ``@Slot`` methods
of :class:`TrainingSession`, a GUI-thread QObject, so its slots run in the GUI thread.

The worker is not deleted in its own thread (``worker.finished -> worker.deleteLater``):
there its C++ destructor asks Python about overrides while it holds Qt's connection lock,
and a GUI thread holding the interpreter lock while it connects or disconnects anything
waits for that lock: both threads hang. The session drops its last reference to the worker
in the GUI thread once the thread has ended, so the worker is destroyed there.
"""

from __future__ import annotations

import sys
import time
import traceback
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot

# The engine (torch) is imported when a run starts, not with the window; see torch_loader.
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.optimum import closed_form
from gdstudio.core.settings.config import EpochRecord, TrainConfig
from gdstudio.core.training.control import EpochProgress, TrainingControl
from gdstudio.core.training.path import PathBuffer
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.threads.gui_gc import collect_garbage_on_gui_thread
from gdstudio.ui.threads.history import History

if TYPE_CHECKING:
    from gdstudio.core.training.lifecycle import TrainingRun

#: The interpreter's thread switch interval while the studio trains (seconds). Each Python
#: call the GUI thread makes while it paints (every pyqtgraph item's paint) waits up to this
#: long for the lock a pure-Python training loop holds: on a quiet machine a stochastic run
#: with the three views live made the 10 ms timer late by p95 63 ms at 1 ms, 24 ms at
#: 0.5 ms, 12 ms at 0.2 ms and 9–10 ms at 0.1 ms, with as many epochs trained
#: (``tests/bench/landscape.py``; tests/bench/results/README.md).
GUI_SWITCH_INTERVAL = 0.0001

#: Every training QThread that has started and not yet been waited for (tests check it).
LIVE_THREADS: set = set()

#: Coalescing interval: the worker emits collected epochs at most this often (seconds); the
#: window redraws once per batch, so this is also its frame rate while training.
EMIT_INTERVAL = 1 / 30
#: The most points of a run's path the worker keeps and sends (thinned evenly beyond).
PATH_CAPACITY = 20_000


class TrainingWorker(QObject):
    """Runs a :class:`TrainingRun` in its thread and reports batches of epochs, and where a
    long epoch is."""

    #: Run id and a list of :class:`EpochRecord`, in order; every epoch arrives exactly once.
    epochsCompleted = Signal(int, object)
    #: Run id and an :class:`EpochProgress`: where the epoch under way is (epochs that last
    #: longer than ``PROGRESS_INTERVAL``; the epochs before it have arrived first).
    epochProgressed = Signal(int, object)
    #: Run id and where the run has paused: an :class:`EpochProgress` inside an epoch, or
    #: None between epochs (every epoch before it has arrived first).
    pauseReached = Signal(int, object)
    #: Run id and the path of a stochastic or mini-batch run so far: rows (w, b), the start
    #: first and the latest update last, thinned (see :class:`PathBuffer`); sent before the
    #: epochs or the progress it goes with.
    pathRecorded = Signal(int, object)
    #: Run id; the run ended: its :class:`RunStatus`, detail (the TrainingDiverged error,
    #: an error message, or None) and its RunSummary (or None).
    finished = Signal(int, object, object, object)

    def __init__(self, run_id: int, run: TrainingRun, control: TrainingControl, path=None):
        super().__init__()
        self._run_id = run_id
        self._run = run
        self._control = control
        self._pending: list[EpochRecord] = []
        self._last_emit = 0.0
        self._position: EpochProgress | None = None  # in the epoch under way
        # the path of a stochastic or mini-batch run (a full-batch run's is its history)
        # (``path``: the buffer of the run continued, which the path goes on in)
        self._path = path if path is not None or run.config.method == "batch" else (
            PathBuffer(PATH_CAPACITY))
        self._path_sent = 0  # updates recorded when the path was last sent
        #: Seconds between epochs (0 = as fast as possible). Written by the GUI thread,
        #: read by the worker; a float assignment is atomic.
        self.min_interval = 0.0
        #: Epochs left before pausing by itself (None = no limit); used by Step.
        self.steps_left: int | None = None

    def _send_path(self) -> None:
        path = self._path
        if path is not None and path.updates != self._path_sent:
            self._path_sent = path.updates
            self.pathRecorded.emit(self._run_id, path.points())

    def _flush(self) -> None:
        self._send_path()
        if self._pending:
            batch, self._pending = self._pending, []
            self.epochsCompleted.emit(self._run_id, batch)
        self._last_emit = time.monotonic()

    def _on_progress(self, position: EpochProgress) -> None:
        """(In this thread, from the engine.) The epochs before it go first."""
        self._position = position
        self._flush()  # (the path first)
        self.epochProgressed.emit(self._run_id, position)

    def _on_wait(self) -> None:
        """(In this thread.) The run pauses here: deliver everything, then say where."""
        self._flush()
        self.pauseReached.emit(self._run_id, self._position)

    @Slot()
    def run(self) -> None:
        control, run = self._control, self._run
        control.before_wait = self._on_wait
        status, detail = RunStatus.DONE, None
        try:
            for record in run.records(control, self._on_progress, self._path):
                self._position = None
                self._pending.append(record)
                if self.steps_left is not None:
                    self.steps_left -= 1
                    if self.steps_left <= 0:
                        self.steps_left = None
                        if not control.stopped:
                            control.pause()
                interval = self.min_interval
                if interval >= EMIT_INTERVAL or control.paused or (
                    time.monotonic() - self._last_emit >= EMIT_INTERVAL
                ):
                    self._flush()
                if interval > 0:
                    control.sleep(interval)
            status, detail = run.status, run.diverged
        except Exception as exc:  # reported to the user, never lost in the thread
            status = RunStatus.FAILED
            detail = f"{exc}\n\n{traceback.format_exc(limit=5)}"
        finally:
            control.before_wait = None
            self._flush()
            summary = self._summary(status)
            self.finished.emit(self._run_id, status, detail, summary)

    def _summary(self, status: RunStatus):
        """The run's :class:`RunSummary`, computed here: its full-data loss is a torch
        computation, and the GUI thread never runs torch on the data (on a secondary
        thread's OpenMP pool that would slow every later run)."""
        written = RunStatus.STOPPED if status is RunStatus.FAILED else status
        run = self._run
        try:
            return run.summarize(run_optimum(run.dataset, run.config), written)
        except Exception:  # the run's own error is reported; no summary to export
            return None


def run_optimum(dataset, config):
    """The optimum a run's summary is given: the least-squares line for the line,
    logistic regression's maximum-likelihood optimum (or why there is none) for it."""
    if getattr(config, "model", "line") == "logistic":
        from gdstudio.core.models.logistic.optimum import logistic_optimum

        return logistic_optimum(dataset.x, dataset.y, config.fit_bias)
    return closed_form(dataset, config.fit_bias)


class TrainingSession(QObject):
    """Owns the current run: its thread, worker, control flags and history (GUI thread).

    Its :class:`RunState`: idle (no run, or finished), running, paused.
    """

    #: The state changed (a :class:`RunState`).
    stateChanged = Signal(object)
    #: New epochs were appended to :attr:`history` (count of new epochs).
    epochsAppended = Signal(int)
    #: The run ended: its :class:`RunStatus` and detail, as :attr:`TrainingWorker.finished`.
    trainingFinished = Signal(object, object)
    #: The epoch under way got this far (an :class:`EpochProgress`; see :attr:`position`).
    epochProgressed = Signal(object)
    #: The current run's :attr:`path` changed.
    pathChanged = Signal()
    #: The paused run has stopped moving, here: an :class:`EpochProgress`, or None between
    #: epochs (after :attr:`history`'s last epoch).
    pauseReached = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        collect_garbage_on_gui_thread()  # no training thread may destroy a Qt object
        # A training thread running pure-Python loops (analytic stochastic descent) keeps the
        # interpreter lock for up to the switch interval each time the GUI thread asks for
        # it; at Python's 5 ms the window's frames took hundreds of ms (tests/bench/results)
        sys.setswitchinterval(min(sys.getswitchinterval(), GUI_SWITCH_INTERVAL))
        self.state = RunState.IDLE
        self.history = History()
        self.dataset: Dataset | None = None
        self.config: TrainConfig | None = None
        #: The current run's start (w, b), drawn or given; computed once when it starts.
        self.init: tuple[float, float] | None = None
        #: The current run's Standardization when it trains on standardized data, else None.
        self.standardization = None
        #: Where the epoch under way is (an :class:`EpochProgress`), while an epoch lasts
        #: long enough to report it or the run is paused inside it; None between epochs.
        self.position: EpochProgress | None = None
        #: The path of the current stochastic or mini-batch run so far: rows (w, b), the
        #: start first, thinned; None for a full-batch run (its path is the start and the
        #: history's w, b) and before the first points arrive.
        self.path = None
        self.status: RunStatus | None = None
        self.detail = None
        self.summary = None
        #: The current run (a :class:`TrainingRun`; kept once it ends, to continue it).
        self.run: TrainingRun | None = None
        self._path_buffer = None  # the current run's PathBuffer (it goes on when continued)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control: TrainingControl | None = None
        self._min_interval = 0.0
        self._run_id = 0

    # ------------------------------------------------------------------ commands
    @property
    def active(self) -> bool:
        """True while a run is going or paused (the data must not change)."""
        return self.state.active

    @property
    def has_thread(self) -> bool:
        """True from a run's start until its thread has ended and been released."""
        return self._thread is not None

    def start(self, dataset: Dataset, config: TrainConfig, paused_steps: int | None = None,
              run: TrainingRun | None = None):
        """Start a new run on a snapshot of ``dataset`` and ``config`` (or ``run``, made of
        them already: then nothing is validated or drawn again).

        Raises StudioError for invalid settings or empty data (nothing starts).
        """
        if self.active:
            raise RuntimeError("A run is already active.")
        from gdstudio.core.training.lifecycle import (  # (torch)
            TrainingRun,
        )

        if run is None:  # validated here, in the GUI thread, before any thread starts
            run = TrainingRun(dataset, config)
        self.dataset, self.config = run.dataset, run.config
        self.init = run.init
        std = run.standardized
        self.standardization = None if std is None else std.standardization
        self.path = None
        self.history = History(config.epochs)
        self._path_buffer = None
        self._launch(run, paused_steps)

    @property
    def can_continue(self) -> bool:
        """The run has ended in a way that :meth:`continue_run` can go on from."""
        return (not self.active and self.run is not None and self.status in (
            RunStatus.DONE, RunStatus.STOPPED, RunStatus.CONVERGED))

    def continue_run(self, epochs: int, tol: float | None = None,
                     paused_steps: int | None = None) -> None:
        """Train ``epochs`` more epochs of the ended run from where it stopped, its history,
        path, optimizer state and schedule going on (see ``TrainingRun.extend``); ``tol``:
        the stop rule's tolerance from now on. Raises StudioError (nothing starts) if it
        cannot continue."""
        if not self.can_continue:
            raise RuntimeError("No ended run to continue.")
        self.run.extend(epochs, tol)
        self.config = self.run.config
        self._launch(self.run, paused_steps)

    def _launch(self, run: TrainingRun, paused_steps: int | None) -> None:
        self.run = run
        self.position = None
        self.status, self.detail, self.summary = None, None, None
        control = TrainingControl()
        self._run_id += 1
        worker = TrainingWorker(self._run_id, run, control, self._path_buffer)
        self._path_buffer = worker._path
        worker.min_interval = self._min_interval
        if paused_steps is not None:
            worker.steps_left = paused_steps
        thread = QThread()
        thread.setObjectName("gdstudio-training")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.epochsCompleted.connect(self._on_worker_epochsCompleted)
        worker.epochProgressed.connect(self._on_worker_epochProgressed)
        worker.pathRecorded.connect(self._on_worker_pathRecorded)
        worker.pauseReached.connect(self._on_worker_pauseReached)
        worker.finished.connect(self._on_worker_finished)
        worker.finished.connect(thread.quit)
        thread.finished.connect(thread.deleteLater)
        self._thread, self._worker, self._control = thread, worker, control
        self._set_state(RunState.RUNNING)
        LIVE_THREADS.add(thread)
        thread.start()

    def pause(self) -> None:
        if self.state is RunState.RUNNING and self._control is not None:
            self._control.pause()
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self.state is RunState.PAUSED and self._control is not None:
            self._control.resume()
            self._set_state(RunState.RUNNING)

    def step(self, epochs: int = 1) -> None:
        """Run ``epochs`` more epochs, then pause (only while paused)."""
        if self.state is RunState.PAUSED and self._worker is not None:
            self._worker.steps_left = epochs
            self._control.resume()
            self._set_state(RunState.RUNNING)

    def stop(self) -> None:
        if self._control is not None:
            self._control.stop()

    def set_min_interval(self, seconds: float) -> None:
        self._min_interval = seconds
        if self._worker is not None:
            self._worker.min_interval = seconds

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop any run and wait for its thread; True if no thread is left running."""
        thread = self._thread
        self.stop()
        if thread is None:
            return True
        thread.quit()
        done = bool(thread.wait(timeout_ms))
        if done:
            self._release_thread()
        return done

    def _release_thread(self) -> None:
        thread = self._thread
        if thread is not None:
            thread.quit()
            thread.wait()  # run() has returned; this only waits for the event loop to end
            LIVE_THREADS.discard(thread)
        self._thread = self._worker = self._control = None

    def wait(self, timeout_ms: int = 5000) -> bool:
        thread = self._thread
        return True if thread is None else bool(thread.wait(timeout_ms))

    def reset(self) -> None:
        """Forget the current run's results (stopping it first)."""
        self.shutdown()
        self.history = History()
        self.dataset = self.config = self.init = self.position = self.path = None
        self.run = self._path_buffer = None
        self.standardization = None
        self.status = self.detail = self.summary = None
        self._set_state(RunState.IDLE)

    # ------------------------------------------------------------------ slots
    @Slot(int, object)
    def _on_worker_epochsCompleted(self, run_id: int, records) -> None:
        if run_id != self._run_id or self._worker is None:
            return
        self.history.extend(records)
        if self.position is not None and records[-1].epoch >= self.position.epoch:
            self.position = None
        self.epochsAppended.emit(len(records))
        if self._worker is not None and self._worker.steps_left is None and (
            self._control is not None and self._control.paused
            and self.state is RunState.RUNNING
        ):
            self._set_state(RunState.PAUSED)

    @Slot(int, object)
    def _on_worker_pathRecorded(self, run_id: int, points) -> None:
        if run_id != self._run_id or self._worker is None:
            return
        self.path = points
        self.pathChanged.emit()

    @Slot(int, object)
    def _on_worker_epochProgressed(self, run_id: int, position: EpochProgress) -> None:
        if run_id != self._run_id or self._worker is None:
            return
        self.position = position
        self.epochProgressed.emit(position)

    @Slot(int, object)
    def _on_worker_pauseReached(self, run_id: int, position: EpochProgress | None) -> None:
        if run_id != self._run_id or self._worker is None or self.state is not RunState.PAUSED:
            return
        self.position = position
        self.pauseReached.emit(position)

    @Slot(int, object, object, object)
    def _on_worker_finished(self, run_id: int, status: RunStatus, detail, summary) -> None:
        if run_id != self._run_id or self._worker is None:
            return
        self.status, self.detail, self.summary = status, detail, summary
        self._release_thread()
        self._set_state(RunState.IDLE)
        self.trainingFinished.emit(status, detail)

    def _set_state(self, state: RunState) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
