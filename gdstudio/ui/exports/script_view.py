"""The code behind a run in the window: View ▸ PyTorch code and File ▸ Export script….

View ▸ PyTorch code opens a window of its own (not modal: the studio stays usable) with the
plain PyTorch script of the current data and settings (:mod:`gdstudio.core.models.line.script`), in
a
monospaced font, with *Copy* (to the clipboard), *Save…* and *Save notebook…* (File ▸ Export
notebook…, :mod:`gdstudio.ui.exports.notebook_export`); it follows the data and the
settings while it is open. File ▸ Export script… (and *Save…*) ask for a file and write the
script there; a data set of more than 200 points is written beside it as ``NAME_data.csv``,
which the script reads (the dialog says so).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gdstudio.core.errors import StudioError
from gdstudio.core.models.run_script import (
    INLINE_POINTS,
    data_csv_name,
    needs_data_csv,
    script_problem,
    script_text,
    write_script,
)

PY_FILTER = "Python files (*.py);;All files (*)"
#: The script's name until it is saved under another (its data CSV is named after it).
DEFAULT_NAME = "gdstudio_run.py"
#: Quiet time after a change of the data or the settings before the open view is rewritten
#: (a dragged point changes the data many times a second).
REFRESH_MS = 150
#: Above this many points the open view's script is written on a worker thread: the
#: standardization and the divergence rule's reference losses read every point (0.1 to
#: 0.4 s at a million points), which would hold the window.
BACKGROUND_POINTS = 50_000


def current_script(controller, name: str = DEFAULT_NAME) -> tuple[str, str | None]:
    """``(script, None)`` for the controller's current data and settings, or ``("", why
    not)``; ``name`` is the script's file name (a large data set's CSV is named after it)."""
    return script_of(controller.dataset, controller.settings, controller.settings_error, name)


def script_of(dataset, config, settings_error: str | None,
              name: str = DEFAULT_NAME) -> tuple[str, str | None]:
    """:func:`current_script` of these data and settings (any thread: no Qt, no torch)."""
    if config is None:
        return "", settings_error or "Check the settings."
    problem = script_problem(dataset, config)
    if problem is not None:
        return "", problem
    try:
        return script_text(dataset, config, data_csv_name(name).name), None
    except StudioError as exc:  # (checked above; the data cannot change in between)
        return "", str(exc)


def _text_and_note(dataset, config, settings_error, name) -> tuple[str, str]:
    text, problem = script_of(dataset, config, settings_error, name)
    return text, problem if problem is not None else data_note(dataset, name)


def data_note(dataset, name: str = DEFAULT_NAME) -> str:
    """What the script reads its data from, in words."""
    points = len(dataset)
    if needs_data_csv(dataset):
        return (f"The {points:,} points are more than {INLINE_POINTS}: the script reads them "
                f"from {data_csv_name(name).name} beside it, which Save… writes with it.")
    if dataset.recipe is not None:
        return ("The script draws the generator's points as the studio drew them (the same "
                "seed, the same numbers). Run it with python; it prints the run's history.")
    return "The data is in the script. Run it with python; it prints the run's history."


class ScriptWindow(QWidget):
    """The script in a window of its own, with Copy and Save…."""

    def __init__(self, parent: QWidget):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("scriptWindow")
        self.setWindowTitle("PyTorch code — Gradient Descent Studio")
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setFixedPitch(True)
        self.text.setFont(font)
        self.note = QLabel(wordWrap=True)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy the script to the clipboard")
        self.save_button = QPushButton("&Save…")
        self.save_button.setToolTip("Write the script to a file (and its data beside it)")
        self.notebook_button = QPushButton("Save &notebook…")
        self.notebook_button.setToolTip("Write the same run as a Jupyter notebook, each step "
                                        "explained (and its data beside it)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.notebook_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.resize(760, 620)

    def show_script(self, text: str, note: str) -> None:
        """Show ``text`` (keeping the scroll position) and ``note``; empty ``text``: no
        script can be written, and ``note`` says why."""
        if text != self.text.toPlainText():
            bar = self.text.verticalScrollBar()
            position = bar.value()
            self.text.setPlainText(text)
            bar.setValue(min(position, bar.maximum()))
        self.note.setText(note)
        self.copy_button.setEnabled(bool(text))
        self.save_button.setEnabled(bool(text))
        self.notebook_button.setEnabled(bool(text))  # (the notebook's problems are the script's)


class ScriptViews(QObject):
    """View ▸ PyTorch code and File ▸ Export script… of ``window`` (its actions
    ``pytorch_code`` and ``export_script``)."""

    def __init__(self, window):
        super().__init__(window)
        #: The script being written on a worker thread for the view (None: none). The
        #: worker touches no Qt object: the GUI thread collects the result.
        self._pending: Future | None = None
        self._collect_timer = QTimer(self, interval=30)
        self._collect_timer.timeout.connect(self._collect)
        self.window = window
        self.controller = window.controller
        self.view: ScriptWindow | None = None
        #: The script's file name: the last one it was saved as (its data CSV follows it).
        self.name = DEFAULT_NAME
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        actions = window.actions_by_name
        actions["pytorch_code"].triggered.connect(lambda *_: self.show_view())
        actions["export_script"].triggered.connect(lambda *_: self.export_script())
        self.controller.dataChanged.connect(self._on_changed)
        window.panel.settingsChanged.connect(self._on_changed)

    # ------------------------------------------------------------------ the view
    def show_view(self) -> ScriptWindow | None:
        """Open (or bring forward) the script's window, up to date (None, and nothing
        opens, when the controller's gate refuses it: a lesson locks the view)."""
        if not self.controller.allowed("pytorch_code"):
            return None
        if self.view is None:
            self.view = ScriptWindow(self.window)
            self.view.copy_button.clicked.connect(self.copy)
            self.view.save_button.clicked.connect(self._on_save_clicked)
            self.view.notebook_button.clicked.connect(self._on_notebook_clicked)
            for name in ("export_script", "export_notebook"):  # (a lesson may lock them)
                self.window.actions_by_name[name].changed.connect(self._sync_save)
        self.refresh()
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        return self.view

    @Slot()
    def _on_changed(self, *_) -> None:
        if self.view is not None and self.view.isVisible():
            self._timer.start()

    @Slot()
    def refresh(self) -> None:
        """Write the script of the current data and settings into the open view."""
        self._timer.stop()
        if self.view is None:
            return
        c = self.controller
        args = (c.dataset, c.settings, c.settings_error, self.name)
        self._pending = None  # (a script still being written is out of date)
        if len(c.dataset) <= BACKGROUND_POINTS:
            self._collect_timer.stop()
            self.view.show_script(*_text_and_note(*args))
            self._sync_save()
            return
        self.view.note.setText("Writing the script…")
        future: Future = Future()

        def work():
            try:
                future.set_result(_text_and_note(*args))
            except BaseException as exc:  # shown by the GUI thread
                future.set_exception(exc)

        self._pending = future
        threading.Thread(target=work, name="gdstudio-script", daemon=True).start()
        self._collect_timer.start()

    @Slot()
    def _collect(self) -> None:
        """Show the script written on the worker thread, once it is done."""
        future = self._pending
        if future is None or not future.done():
            return
        self._pending = None
        self._collect_timer.stop()
        if self.view is None:
            return
        try:
            text, note = future.result()
        except Exception as exc:  # (not expected: script_of reports every known problem)
            text, note = "", f"The script could not be written: {exc}"
        self.view.show_script(text, note)
        self._sync_save()

    @Slot()
    def _on_save_clicked(self) -> None:
        if self.window.actions_by_name["export_script"].isEnabled():
            self.export_script()

    @Slot()
    def _on_notebook_clicked(self) -> None:
        if self.window.actions_by_name["export_notebook"].isEnabled():
            self.window.notebook_export.export_notebook()

    @Slot()
    def _sync_save(self) -> None:
        """Save… (Save notebook…) is greyed while there is no script or Export script
        (Export notebook) is (locked)."""
        if self.view is not None:
            shown = bool(self.view.text.toPlainText())
            actions = self.window.actions_by_name
            self.view.save_button.setEnabled(shown and actions["export_script"].isEnabled())
            self.view.notebook_button.setEnabled(
                shown and actions["export_notebook"].isEnabled())

    def writing(self) -> bool:
        """A script for the view is being written on a worker thread."""
        return self._pending is not None

    def copy(self) -> bool:
        """Put the script of the current data and settings on the clipboard."""
        text, problem = current_script(self.controller, self.name)
        if problem is not None:
            self.controller.status(f"No script: {problem}", 8000)
            return False
        QGuiApplication.clipboard().setText(text)
        words = f"Copied the PyTorch script ({text.count(chr(10))} lines)."
        if needs_data_csv(self.controller.dataset):
            words += (f" It reads its data from {data_csv_name(self.name).name} beside it: "
                      "Save… writes both.")
        self.controller.status(words, 8000)
        return True

    # ------------------------------------------------------------------ export
    def export_script(self, path: str | None = None) -> bool:
        """Write the script of the current data and settings to ``path`` (asked for when
        None; a cancelled dialog writes nothing); for more than 200 points, also its data
        CSV beside it. A refused or failed write is reported and changes nothing."""
        c = self.controller
        if not c.allowed("export_script"):
            return False
        _, problem = current_script(c)
        if problem is not None:
            c.report("Export script", f"No script can be written: {problem}")
            return False
        if not path:
            caption = "Export script"
            if needs_data_csv(c.dataset):
                caption += (f" (its {len(c.dataset):,} points are saved beside it as "
                            "NAME_data.csv)")
            path, _ = QFileDialog.getSaveFileName(self.window, caption,
                                                  self.window.files.default_path(self.name),
                                                  PY_FILTER)
            if not path:
                return False
        try:
            written = write_script(path, c.dataset, c.settings)
        except StudioError as exc:
            c.report("Export script", str(exc))
            return False
        names = " and ".join(Path(p).name for p in written)
        c.status(f"Wrote {names}.", 8000)
        self.name = Path(path).name
        self.refresh()
        return True
