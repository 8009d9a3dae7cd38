"""File ▸ Export notebook… (and *Save notebook…* in View ▸ PyTorch code): the run of the
current data and settings as a Jupyter notebook (:mod:`gdstudio.core.models.notebook`), with
its data beside it as ``NAME_data.csv`` for more than 200 points, as the script has.

The notebook (and its CSV) is written on a worker thread, so the window never waits for it:
a million points' CSV takes seconds, and the first notebook of a session loads nbformat and
its schema (about a second on a busy machine). The status bar says "Writing…", then what was
written. The worker touches no Qt object: the GUI thread collects its result.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gdstudio.core.errors import StudioError
from gdstudio.core.models.run_script import needs_data_csv

NOTEBOOK_FILTER = "Jupyter notebooks (*.ipynb);;All files (*)"
SUFFIX = ".ipynb"
#: The title of the export's messages and of its dialog.
TITLE = "Export notebook"


def notebook_problem_of(dataset, config, settings_error: str | None) -> str | None:
    """Why no notebook can be written for these data and settings (None: it can)."""
    if config is None:
        return settings_error or "Check the settings."
    from gdstudio.core.models.notebook import notebook_problem

    return notebook_problem(dataset, config)


def with_suffix(path: str) -> str:
    """``path``, with ``.ipynb`` appended when its name has no suffix."""
    return path if Path(path).suffix else path + SUFFIX


def _write(path: str, dataset, config) -> list[Path]:
    """Write the notebook (any thread: no Qt)."""
    from gdstudio.core.models.notebook import write_notebook

    return write_notebook(path, dataset, config)


class NotebookExport(QObject):
    """File ▸ Export notebook… of ``window`` (its action ``export_notebook``)."""

    #: A notebook was written: the files (the notebook first, then its data CSV, if any).
    written = Signal(list)
    #: A write was refused or failed, or could not start: the message shown.
    refused = Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        #: The notebook's last saved name (None: none yet; it follows the script's name).
        self.name: str | None = None
        #: The write going on on a worker thread (None: none), and its target.
        self._pending: Future | None = None
        self._target = ""
        self._collect_timer = QTimer(self, interval=30)
        self._collect_timer.timeout.connect(self._collect)
        window.actions_by_name["export_notebook"].triggered.connect(
            lambda *_: self.export_notebook())

    def default_name(self) -> str:
        """The name the dialog offers: the last one saved, or the script's with
        ``.ipynb`` (``gdstudio_run.ipynb`` at first)."""
        if self.name:
            return self.name
        return Path(self.window.script_views.name).stem + SUFFIX

    def writing(self) -> bool:
        """A notebook is being written on a worker thread."""
        return self._pending is not None

    # ------------------------------------------------------------------ the request
    def export_notebook(self, path: str | None = None) -> bool:
        """Write the notebook of the current data and settings to ``path`` (asked for when
        None; a cancelled dialog writes nothing). True: it is being written, and
        :attr:`written` or :attr:`refused` tells when it is done. A refused or failed write
        is reported, once, and changes nothing."""
        c = self.controller
        if not c.allowed("export_notebook") or self._busy():
            return False
        problem = notebook_problem_of(c.dataset, c.settings, c.settings_error)
        if problem is not None:
            return self._refuse(f"No notebook can be written: {problem}")
        if path:
            return self._start(path)
        path = self._ask()
        if not path:
            return False
        full = with_suffix(path)
        if full != path and Path(full).exists():  # (the dialog asked about the name typed)
            self.window.messages.ask(  # (not modal: Replace checks everything again)
                "Replace notebook?", f"{Path(full).name} already exists. Replace it?",
                [("Replace", QMessageBox.ButtonRole.AcceptRole,
                  lambda: self.export_notebook(full)),
                 ("Cancel", QMessageBox.ButtonRole.RejectRole, None)], escape=1)
            return False
        return self._start(full)

    def _busy(self) -> bool:
        """A notebook is being written (the status bar says so): wait for it."""
        if self.writing():
            self.controller.status(
                f"{Path(self._target).name} is still being written: wait for it.", 5000)
        return self.writing()

    def _ask(self) -> str:
        c = self.controller
        caption = TITLE
        if needs_data_csv(c.dataset):
            caption += f" (its {len(c.dataset):,} points are saved beside it as NAME_data.csv)"
        path, _ = QFileDialog.getSaveFileName(
            self.window, caption, self.window.files.default_path(self.default_name()),
            NOTEBOOK_FILTER)
        return path

    def _start(self, path: str) -> bool:
        """Start writing the notebook of the current data and settings to ``path``, on a
        worker thread."""
        c = self.controller
        dataset, config = c.dataset, c.settings
        future: Future = Future()

        def work():
            try:
                future.set_result(_write(path, dataset, config))
            except BaseException as exc:  # reported by the GUI thread
                future.set_exception(exc)

        self._pending, self._target = future, path
        c.status(f"Writing {Path(path).name} ({len(dataset):,} points)…")
        # Not a daemon: a window closed meanwhile still leaves the whole notebook behind.
        threading.Thread(target=work, name="gdstudio-notebook").start()
        self._collect_timer.start()
        return True

    @Slot()
    def _collect(self) -> None:
        """Report the write done on the worker thread, once it is done."""
        future = self._pending
        if future is None or not future.done():
            return
        self._pending = None
        self._collect_timer.stop()
        error = future.exception()
        if error is None:
            self._done(self._target, future.result())
            return
        self.controller.status("")  # (no longer "Writing…")
        if isinstance(error, (StudioError, OSError)):
            self._refuse(str(error))
        else:  # (not expected: write_notebook reports what it refuses)
            self._refuse(f"The notebook could not be written: {error}")

    def _done(self, path: str, written) -> None:
        names = " and ".join(Path(p).name for p in written)
        self.controller.status(f"Wrote {names}.", 8000)
        self.name = Path(path).name
        self.written.emit([str(p) for p in written])

    def _refuse(self, text: str) -> bool:
        self.controller.report(TITLE, text)
        self.refused.emit(text)
        return False
