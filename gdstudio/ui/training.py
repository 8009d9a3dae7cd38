"""Training in a QThread: the worker runs the core engine; the session lives in the GUI thread.

Wiring (as superqt and the Qt for Python examples do it): ``thread.started -> worker.run``,
``worker.finished -> thread.quit``, ``worker.finished -> worker.deleteLater``,
``thread.finished -> thread.deleteLater``. Worker signals are connected to ``@Slot`` methods
of :class:`TrainingSession`, a GUI-thread QObject, so its slots run in the GUI thread.
"""

from __future__ import annotations

import time
import traceback

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

# The engine (torch) is imported when a run starts, not with the window; see torch_loader.
from ..core import (
    Dataset,
    EpochRecord,
    TrainConfig,
    TrainingControl,
    TrainingDiverged,
    closed_form,
    initial_parameters,
    summarize,
)
from ..core.runstate import RunState, RunStatus
from .gui_gc import collect_garbage_on_gui_thread

#: Every training QThread that has started and not yet been waited for (tests check it).
LIVE_THREADS: set = set()

#: Coalescing interval: the worker emits collected epochs at most this often (seconds); the
#: window redraws once per batch, so this is also its frame rate while training.
EMIT_INTERVAL = 1 / 30


class TrainingWorker(QObject):
    """Runs :func:`gdstudio.core.train` in its thread and reports batches of epochs."""

    #: Run id and a list of :class:`EpochRecord`, in order; every epoch arrives exactly once.
    epochsCompleted = Signal(int, object)
    #: Run id; the run ended: its :class:`RunStatus`, detail (the TrainingDiverged error,
    #: an error message, or None) and its RunSummary (or None).
    finished = Signal(int, object, object, object)

    def __init__(self, run_id: int, dataset: Dataset, config: TrainConfig,
                 control: TrainingControl):
        super().__init__()
        self._run_id = run_id
        self._dataset = dataset
        self._config = config
        self._control = control
        self._pending: list[EpochRecord] = []
        self._last_emit = 0.0
        #: Seconds between epochs (0 = as fast as possible). Written by the GUI thread,
        #: read by the worker; a float assignment is atomic.
        self.min_interval = 0.0
        #: Epochs left before pausing by itself (None = no limit); used by Step.
        self.steps_left: int | None = None

    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self.epochsCompleted.emit(self._run_id, batch)
        self._last_emit = time.monotonic()

    @Slot()
    def run(self) -> None:
        from ..core.engine import train

        control = self._control
        control.before_wait = self._flush
        status, detail, last = RunStatus.DONE, None, None
        try:
            for record in train(self._dataset, self._config, control):
                last = record
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
            if control.stopped:
                status = RunStatus.STOPPED
        except TrainingDiverged as exc:
            status, detail = RunStatus.DIVERGED, exc
        except Exception as exc:  # reported to the user, never lost in the thread
            status = RunStatus.FAILED
            detail = f"{exc}\n\n{traceback.format_exc(limit=5)}"
        finally:
            control.before_wait = None
            self._flush()
            summary = self._summary(status, detail, last)
            self.finished.emit(self._run_id, status, detail, summary)

    def _summary(self, status, detail, last):
        """The run's :class:`RunSummary`, computed here: its full-data loss is a torch
        computation, and the GUI thread never runs torch on the data (on a secondary
        thread's OpenMP pool that would slow every later run)."""
        written = RunStatus.STOPPED if status is RunStatus.FAILED else status
        try:
            return summarize(
                self._dataset, self._config, last, written.value,
                initial_parameters(self._config, self._dataset.dtype),
                closed_form(self._dataset, self._config.fit_bias),
                diverged=detail if status is RunStatus.DIVERGED else None)
        except Exception:  # the run's own error is reported; no summary to export
            return None


class History:
    """Per-epoch results of the current run, in numpy arrays (GUI thread only).

    Loss, w and b are kept as float64, whatever the data's dtype, so every number the engine
    reported is kept exactly (24 bytes an epoch); samples seen and updates are the same every
    epoch and are derived. ``capacity`` (the run's epochs) is reserved up front: memory
    the operating system only commits as epochs arrive, and the arrays never need copying.
    Filled slots are never written again, so views of :attr:`loss`, :attr:`w` and :attr:`b`
    stay valid (an export reads them while a new run fills a new History).
    """

    def __init__(self, capacity: int = 1024):
        self._capacity = max(int(capacity), 1)
        self.clear()

    def clear(self) -> None:
        try:
            self._data = np.empty((3, self._capacity), np.float64)  # rows: loss, w, b
        except MemoryError:  # grown as epochs arrive instead
            self._data = np.empty((3, 1024), np.float64)
        self.count = 0
        self._samples = self._updates = 0  # per epoch

    @classmethod
    def from_columns(cls, loss, w, b, samples_per_epoch: int, updates_per_epoch: int):
        """A history holding these columns (for tests and benchmarks)."""
        loss = np.asarray(loss, np.float64)
        history = cls(len(loss))
        history._data[:, : len(loss)] = [loss, w, b]
        history.count = len(loss)
        history._samples, history._updates = samples_per_epoch, updates_per_epoch
        return history

    def extend(self, records: list[EpochRecord]) -> None:
        n = len(records)
        if not n:
            return
        if not self.count:
            self._samples, self._updates = records[0].samples_seen, records[0].updates
        need = self.count + n
        if need > self._data.shape[1]:
            grown = np.empty((3, max(need, self._data.shape[1] * 3 // 2)), np.float64)
            grown[:, : self.count] = self._data[:, : self.count]
            self._data = grown
        self._data[:, self.count:need] = [[r.loss for r in records], [r.w for r in records],
                                          [r.b for r in records]]
        self.count = need

    @property
    def loss(self) -> np.ndarray:
        return self._data[0, : self.count]

    @property
    def w(self) -> np.ndarray:
        return self._data[1, : self.count]

    @property
    def b(self) -> np.ndarray:
        return self._data[2, : self.count]

    @property
    def samples_per_epoch(self) -> int:
        return self._samples

    @property
    def updates_per_epoch(self) -> int:
        return self._updates

    def record(self, i: int) -> EpochRecord:
        loss, w, b = self._data[:, i].tolist()
        return EpochRecord(i, loss, w, b, (i + 1) * self._samples, (i + 1) * self._updates)

    def records(self) -> list[EpochRecord]:
        return [self.record(i) for i in range(self.count)]

    def last(self) -> EpochRecord | None:
        return self.record(self.count - 1) if self.count else None


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

    def __init__(self, parent=None):
        super().__init__(parent)
        collect_garbage_on_gui_thread()  # no training thread may destroy a Qt object
        self.state = RunState.IDLE
        self.history = History()
        self.dataset: Dataset | None = None
        self.config: TrainConfig | None = None
        self.init: tuple[float, float] | None = None
        self.status: RunStatus | None = None
        self.detail = None
        self.summary = None
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

    def start(self, dataset: Dataset, config: TrainConfig, paused_steps: int | None = None):
        """Start a new run on a snapshot of ``dataset`` and ``config``.

        Raises StudioError for invalid settings or empty data (nothing starts).
        """
        if self.active:
            raise RuntimeError("A run is already active.")
        from ..core.engine import train

        # Validate here, in the GUI thread, so bad settings are reported before any thread.
        train(dataset, config)
        self.dataset, self.config = dataset, config
        self.init = initial_parameters(config, dataset.dtype)
        self.history = History(config.epochs)
        self.status, self.detail, self.summary = None, None, None
        control = TrainingControl()
        self._run_id += 1
        worker = TrainingWorker(self._run_id, dataset, config, control)
        worker.min_interval = self._min_interval
        if paused_steps is not None:
            worker.steps_left = paused_steps
        thread = QThread()
        thread.setObjectName("gdstudio-training")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.epochsCompleted.connect(self._on_worker_epochsCompleted)
        worker.finished.connect(self._on_worker_finished)
        worker.finished.connect(thread.quit)
        worker.finished.connect(worker.deleteLater)
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
        self.dataset = self.config = self.init = None
        self.status = self.detail = self.summary = None
        self._set_state(RunState.IDLE)

    # ------------------------------------------------------------------ slots
    @Slot(int, object)
    def _on_worker_epochsCompleted(self, run_id: int, records) -> None:
        if run_id != self._run_id or self._worker is None:
            return
        self.history.extend(records)
        self.epochsAppended.emit(len(records))
        if self._worker is not None and self._worker.steps_left is None and (
            self._control is not None and self._control.paused
            and self.state is RunState.RUNNING
        ):
            self._set_state(RunState.PAUSED)

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
