"""The window's exports: parameters (a few rows, written at once) and the history (written on
a worker thread, so that millions of epochs never freeze the window).

The history file is the one ``gdstudio train --history`` writes, byte for byte: the same
header and ``repr(float)`` for every number, so it reads back exactly.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from gdstudio.core.atomic import check_output, write_files
from gdstudio.core.errors import StudioError
from gdstudio.core.training.results import HISTORY_HEADER, write_params

#: Rows formatted in one go. Formatting holds the interpreter lock without a break, so a
#: block is kept to a few milliseconds: the GUI thread gets the lock back within that.
ROWS_PER_BLOCK = 1_000
#: Rows between progress reports.
ROWS_PER_REPORT = 50_000


class ExportCancelled(Exception):
    """The export was cancelled (the window is closing); nothing was written."""


@dataclass(frozen=True)
class HistoryColumns:
    """A snapshot of a run's history: views of its arrays, which are never written again."""

    loss: np.ndarray
    w: np.ndarray
    b: np.ndarray
    samples_per_epoch: int
    updates_per_epoch: int

    @classmethod
    def of(cls, history) -> HistoryColumns:
        return cls(history.loss, history.w, history.b, history.samples_per_epoch,
                   history.updates_per_epoch)

    def __len__(self) -> int:
        return len(self.loss)


def history_chunks(columns: HistoryColumns, progress: Callable[[int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> Iterator[str]:
    """The history CSV as text chunks of :data:`ROWS_PER_BLOCK` rows, header first.

    Each row is ``epoch,loss,w,b,samples_seen,updates`` with ``repr`` of each float, as
    :func:`gdstudio.core.training.results.history_text` writes it. ``progress`` gets the rows done
    every
    :data:`ROWS_PER_REPORT` rows and at the end; ``cancelled`` is checked before each block
    (then :class:`ExportCancelled` is raised).
    """
    yield ",".join(HISTORY_HEADER) + "\n"
    row = "{},{!r},{!r},{!r},{},{}\n".format
    n = len(columns)
    s, u = columns.samples_per_epoch, columns.updates_per_epoch
    for start in range(0, n, ROWS_PER_BLOCK):
        if cancelled is not None and cancelled():
            raise ExportCancelled
        stop = min(n, start + ROWS_PER_BLOCK)
        yield "".join(map(
            row, range(start, stop), columns.loss[start:stop].tolist(),
            columns.w[start:stop].tolist(), columns.b[start:stop].tolist(),
            range((start + 1) * s, (stop + 1) * s, s) if s else [0] * (stop - start),
            range((start + 1) * u, (stop + 1) * u, u) if u else [0] * (stop - start)))
        if progress is not None and (stop % ROWS_PER_REPORT == 0 or stop == n):
            progress(stop)


def write_history_columns(path, columns: HistoryColumns, progress=None, cancelled=None) -> None:
    """Write the history atomically, streamed to its temporary file as it is formatted
    (raises ExportError, or ExportCancelled; either way nothing is changed)."""
    write_files([(path, history_chunks(columns, progress, cancelled))])


class HistoryExporter(QObject):
    """Writes one history at a time on a worker thread.

    Thread safety: :meth:`start`, :meth:`cancel` and :meth:`wait` are called from the GUI
    thread; the signals are emitted from the worker thread and reach GUI-thread slots queued.
    """

    #: Rows formatted so far and the total.
    progressed = Signal(int, int)
    #: The export ended: the path, the epochs written (0 if it failed) and the error ("" if
    #: it succeeded).
    finished = Signal(str, int, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, path: str, columns: HistoryColumns) -> None:
        if self.busy:
            raise RuntimeError("An export is already being written.")
        self._cancel.clear()
        self._thread = threading.Thread(target=self._run, args=(path, columns),
                                        name="gdstudio-export", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread; True if none is left running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.busy

    def _run(self, path: str, columns: HistoryColumns) -> None:
        total = len(columns)
        try:
            write_history_columns(path, columns, lambda done: self.progressed.emit(done, total),
                                  self._cancel.is_set)
        except ExportCancelled:
            self.finished.emit(path, 0, "The export was cancelled; nothing was written.")
        except StudioError as exc:
            self.finished.emit(path, 0, str(exc))
        except Exception as exc:  # reported on the GUI thread, never lost in this one
            self.finished.emit(path, 0, f"Could not write {path}: {exc}. Nothing was changed.")
        else:
            self.finished.emit(path, total, "")


class RunExports(QObject):
    """The studio's exports, for a :class:`~gdstudio.ui.studio.controller.StudioController`:
    parameters of the kept and current runs, and the current run's history.

    The user is told through the controller's messages and status lines; the file dialogs
    are the window's (:mod:`gdstudio.ui.window.file_requests`).
    """

    #: An export of the history ended (True: the file was written); every request of a
    #: history export ends with exactly one, after the user has been told.
    historyExported = Signal(bool)

    def __init__(self, controller):
        super().__init__(controller)
        self.controller = controller
        self.exporter = HistoryExporter(self)
        self.exporter.progressed.connect(self._on_exporter_progressed)
        self.exporter.finished.connect(self._on_exporter_finished)

    @property
    def busy(self) -> bool:
        return self.exporter.busy

    def rows(self):
        """The kept runs, then the current one under the name it would be kept as."""
        c = self.controller
        rows = [dataclasses.replace(k.summary, data_changed=k.stale) for k in c.kept_runs]
        if c.current_summary is not None and not c.result_kept:
            rows.append(dataclasses.replace(c.current_summary, name=f"run {c.next_run_number}",
                                            data_changed=c.stale))
        return rows

    def can_export_parameters(self) -> bool:
        """True if there is a run to export; the user is told when there is none."""
        if not self.rows():
            self.controller.report("Nothing to export", "Train a run first (F5).")
            return False
        return True

    def export_parameters(self, path: str) -> bool:
        if not self.can_export_parameters():
            return False
        rows = self.rows()
        try:
            write_params(path, rows)
        except StudioError as exc:
            self.controller.report("Export failed", str(exc))
            return False
        self.controller.status(f"Exported {len(rows)} run(s) to {path}.", 5000)
        return True

    def can_export_history(self) -> bool:
        """True if the run's history can be exported now; otherwise the user is told, and
        :attr:`historyExported` says False."""
        c = self.controller
        if self.busy:
            c.status("A history export is still being written; wait for it to finish.", 5000)
            return self.refused()
        if not c.history.count or c.session.active:
            c.report("Nothing to export", "Train a run (and let it finish or stop it) first.")
            return self.refused()
        return True

    def export_history(self, path: str) -> bool:
        """Start writing the current run's history to ``path`` ("": the user cancelled);
        True once the writing has started. The studio stays live meanwhile;
        :attr:`historyExported` reports the end."""
        if not self.can_export_history():
            return False
        if not path:
            return self.refused()
        c = self.controller
        try:
            check_output(path)
        except StudioError as exc:
            c.report("Export failed", str(exc))
            return self.refused()
        history = c.history
        self.exporter.start(path, HistoryColumns.of(history))
        c.status(f"Exporting {history.count:,} epochs to {path}…")
        c.announce_actions()
        return True

    def refused(self) -> bool:
        """A history export that does not start (said already): :attr:`historyExported`
        False."""
        self.historyExported.emit(False)
        return False

    def shutdown(self, timeout: float = 30.0) -> None:
        """Cancel a running export (the studio is closing) and wait for its thread."""
        self.exporter.cancel()
        self.exporter.wait(timeout)

    @Slot(int, int)
    def _on_exporter_progressed(self, done: int, total: int) -> None:
        if self.busy:
            self.controller.status(f"Exporting the history: {done:,} of {total:,} epochs…")

    @Slot(str, int, str)
    def _on_exporter_finished(self, path: str, epochs: int, error: str) -> None:
        self.exporter.wait()
        c = self.controller
        if error:
            c.status("The history export failed.", 5000)
            c.report("Export failed", error)
        else:
            c.status(f"Exported {epochs:,} epochs to {path}.", 5000)
        c.announce_actions()
        self.historyExported.emit(not error)
