"""Importing a CSV file on a worker thread, so that the window stays live.

A file of millions of rows takes seconds to read. :class:`CsvImport` reads it with
:func:`gdstudio.core.data.csv_read.read_dataset` on a worker thread, reports progress, and can be
cancelled; the controller (:mod:`gdstudio.ui.studio.editing`) locks editing meanwhile and replaces
the data, as one undoable edit, only when the whole file has been read.

Thread safety: :meth:`CsvImport.start`, :meth:`~CsvImport.cancel` and
:meth:`~CsvImport.shutdown` are called from the GUI thread; the worker emits
:attr:`~CsvImport.progressed` and :attr:`~CsvImport._read` from its thread, and they reach
GUI-thread slots queued.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal, Slot

from gdstudio.core.data.csv_read import ReadCancelled, read_dataset
from gdstudio.core.errors import DataError
from gdstudio.ui.threads.file_job import FileJob


class CsvImport(FileJob):
    """Reads one CSV file at a time on a worker thread."""

    #: An import started: the path.
    started = Signal(str)
    # progressed(bytes read so far, the file's size): see FileJob
    #: The import ended: the path, the data set read (None if it failed or was cancelled),
    #: the error message ("" if none) and whether it was cancelled. Emitted in the GUI
    #: thread; :attr:`busy` is still True (the receiver installs the data).
    finished = Signal(str, object, str, bool)
    #: Editing may start again: :attr:`busy` turned False, after :attr:`finished`.
    settled = Signal()
    # from the worker: the same, queued to the GUI thread
    _read = Signal(str, object, str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._read.connect(self._on_read)

    def start(self, path: str, dtype: str = "float32", prepare=None,
              labels: bool = False) -> None:
        """Read ``path`` on a worker thread (``labels``: y as labels 0 or 1, for logistic
        regression); then, still there, ``prepare(dataset)`` (whose result :attr:`prepared`
        holds when :attr:`finished` is emitted)."""
        if self._busy:
            raise RuntimeError("A CSV file is already being imported.")
        self.prepared = None
        self._begin(self._run, (path, dtype, prepare, labels), "gdstudio-import")
        self.started.emit(path)
        self._thread.start()

    def cancel(self) -> None:
        """Stop reading; :attr:`finished` follows with ``cancelled`` True, also when the
        file had been read but its data was not yet handed over (the user's Cancel wins)."""
        self._cancel.set()

    def shutdown(self, timeout: float = 2.0) -> bool:
        """Cancel and wait for the worker thread; True if none is left running."""
        self.cancel()
        return self.join(timeout)

    def _run(self, path: str, dtype: str, prepare, labels: bool) -> None:  # worker thread
        dataset, error, cancelled = None, "", False
        try:
            dataset = read_dataset(path, dtype, progress=self._progress,
                                   cancelled=self._cancel.is_set, labels=labels)
            if prepare is not None:
                self.prepared = prepare(dataset)  # read in the GUI thread after _read
        except ReadCancelled:
            cancelled = True
        except DataError as exc:
            error = str(exc)
        except MemoryError:
            error = f"{path}: too large to read into the memory available."
        except Exception as exc:  # reported to the user, never lost in the thread
            error = f"{path}: cannot be read ({type(exc).__name__}: {exc})."
        try:
            self._read.emit(path, dataset, error, cancelled)
        except RuntimeError:  # the window was closed meanwhile
            pass

    @Slot(str, object, str, bool)
    def _on_read(self, path: str, dataset, error: str, cancelled: bool) -> None:
        self._thread = None
        if self._cancel.is_set() and not error:  # Cancel pressed before the data was in
            dataset, cancelled = None, True
        self.finished.emit(path, dataset, error, cancelled)
        # Installing a million points keeps the GUI thread busy for a moment; the clicks
        # made meanwhile wait in the event queue. Handle them now, while editing is still
        # locked, so that they are refused rather than replayed as edits on the new data.
        QCoreApplication.processEvents()
        self._busy = False
        self.settled.emit()
