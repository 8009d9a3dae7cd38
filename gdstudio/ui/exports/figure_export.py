"""File ▸ Export figure: what the window shows, as PNG or SVG, one view or all three.

:func:`studio_figure` gathers what the window shows (the current run, or the one kept run
selected in the compare list, with the other shown kept runs' paths on the landscape, each
path as its start and epoch ends);
:class:`FigureExport` draws it with the views of ``gdstudio train --figure``
(:func:`gdstudio.ui.exports.figure_views.figure_plots`) and writes it atomically;
:class:`FigureDialog`
asks for the view, the size and the file.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from gdstudio.core.atomic import AtomicFiles
from gdstudio.core.drawing.figure_data import FIGURE_SIZE, FigureData, figure_format, figure_size
from gdstudio.core.errors import StudioError
from gdstudio.core.settings.description import LOSS_LABELS
from gdstudio.ui.numbers.line_loss import exact_loss
from gdstudio.ui.studio.palette import RUN_COLORS

#: The views one can export, by key: its name in the dialog.
VIEWS = {"all": "All three views side by side", "data": "Data and line",
         "landscape": "Loss landscape", "loss": "Loss curve"}
#: The order of the views in the figure of all three.
VIEW_ORDER = ("data", "landscape", "loss")
#: The size each view is first offered at (width, height).
DEFAULT_SIZES = {"all": FIGURE_SIZE, "data": (800, 600), "landscape": (800, 600),
                 "loss": (800, 600)}
FIGURE_FILTER = "PNG image (*.png);;SVG image (*.svg)"


def _epoch_path(init, w, b, end=None) -> np.ndarray:
    """The start, each epoch's end and (for a run stopped inside an epoch) where it stopped,
    rows (w, b), as ``gdstudio train --figure`` draws a run."""
    rows = [np.array([init], dtype=np.float64).reshape(-1, 2),
            np.column_stack([np.asarray(w, np.float64), np.asarray(b, np.float64)])]
    if end is not None:
        rows.append(np.array([end], dtype=np.float64))
    return np.vstack(rows)


def studio_figure(controller):
    """``(data, dataset, config, optimum, kept)`` for :func:`figure_plots`: the current run
    (or, before a run, the data and the start line), or the one kept run selected in the
    compare list; ``kept`` the other shown kept runs' paths. A path is drawn as the start and
    each epoch's end (as ``gdstudio train --figure`` draws it). Under logistic regression the
    data view draws the labels, the sigmoid and its boundary, the landscape the exact
    cross-entropy (or squared error on σ) with the maximum-likelihood optimum when finite."""
    c = controller
    dataset = c.model.dataset
    model = c.current_model
    config = SimpleNamespace(model=model, loss=c.loss, fit_bias=c.fit_bias,
                             huber_delta=c.huber_delta)
    if model == "logistic":  # the maximum-likelihood optimum, if finite (a star)
        optimum = _logistic_optimum(c, dataset)
    else:
        optima = c.optima
        optimum = optima[0] if optima else None
    selected = [k for k in c.kept_runs if k.key in c.selected_runs]
    main_key = None
    if len(selected) == 1:
        run = selected[0]
        main_key, s = run.key, run.summary
        path = _epoch_path((s.init_w, s.init_b), run.w, run.b,
                           None if s.partial is None else (s.w, s.b))
        w, b, losses, end_loss = s.w, s.b, run.loss, s.loss
        title = f"gdstudio: {run.title}"
    else:
        h, s, init = c.history, c.current_summary, c.session.init
        losses = h.loss
        if init is not None and (h.count or s is not None):
            end = None if s is None or s.partial is None else (s.w, s.b)
            path = _epoch_path(init, h.w, h.b, end)
            w, b = (s.w, s.b) if s is not None else path[-1]
            # (paused: the loss after the last epoch, where the timeline stands)
            end_loss = s.loss if s is not None else exact_loss(c, float(w), float(b))
            title = "gdstudio: the current run"
        else:
            start = c.start_parameters()
            w, b = start if start is not None else (0.0, 0.0)
            path = np.array([[w, b]], dtype=np.float64)
            losses, title = np.empty(0), "gdstudio: the data and the start line"
            end_loss = None if start is None else exact_loss(c, w, b)  # after 0 epochs
    kept = []
    for k in c.kept_runs:
        if k.visible and k.key != main_key and k.w is not None and len(k.w):
            s = k.summary
            index = RUN_COLORS.index(k.color) if k.color in RUN_COLORS else k.key
            kept.append((k.key, _epoch_path((s.init_w, s.init_b), k.w, k.b), index, k.title))
    data = FigureData.of_run(dataset, losses, path, w, b, LOSS_LABELS[c.loss], title,
                             end=end_loss, model=model)
    return data, dataset, config, optimum, kept


def _logistic_optimum(c, dataset):
    """The data's maximum-likelihood optimum (the landscape's, or computed now: Newton's
    method in float64), or None without points."""
    if not len(dataset):
        return None
    optimum = getattr(c.landscape_model, "logistic_optimum", None)
    if optimum is None:
        from gdstudio.core.models.logistic.optimum import logistic_optimum

        optimum = logistic_optimum(dataset.x, dataset.y, c.fit_bias)
    return optimum


class FigureExport:
    """Exports the figure of ``window`` (its controller and landscape view); the user is
    told through the controller's messages and status line."""

    def __init__(self, window):
        self.window = window

    def export(self, path: str, view: str = "all", width=None, height=None) -> bool:
        """Write ``view`` (a key of :data:`VIEWS`) at ``width`` × ``height`` pixels (its
        default size when None) to ``path`` (.png or .svg); False, with one message, and
        nothing written when something is wrong."""
        c = self.window.controller
        if not c.allowed("export_figure"):
            return False
        try:
            fmt, size = self.check(path, view, width, height)
            # (drawn and rendered by modules loaded on the first export, not with the window)
            from gdstudio.ui.exports.figure_views import figure_plots
            from gdstudio.ui.plots.figure_render import render_plots

            data, dataset, config, optimum, kept = studio_figure(c)
            plots = figure_plots(data, dataset, config, optimum, kept)
            if view != "all":
                keep = plots[VIEW_ORDER.index(view)]
                for plot in plots:
                    if plot is not keep:
                        plot.deleteLater()
                plots = [keep]
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # (a second or two)
            try:
                payload = render_plots(plots, size, fmt, data.title)
            finally:
                QApplication.restoreOverrideCursor()
            with AtomicFiles([path]) as out:
                out.write(0, payload)
                out.commit()
        except (ValueError, StudioError) as exc:
            c.report("Cannot export the figure", f"{exc}\n\nNothing was written.")
            return False
        c.status(f"Exported the figure ({VIEWS[view].lower()}, {size[0]}×{size[1]}) to "
                 f"{path}.", 5000)
        return True

    @staticmethod
    def check(path: str, view: str, width=None, height=None):
        """``(format, (width, height))``, or ValueError saying what is wrong."""
        if view not in VIEWS:
            raise ValueError(f"There is no view {view!r}; choose one of {', '.join(VIEWS)}.")
        fmt = figure_format(path)
        if fmt is None:
            raise ValueError(f"The file name must end in .png or .svg, got "
                             f"{os.path.basename(os.fspath(path)) or path!r}.")
        default = DEFAULT_SIZES[view]
        size = figure_size(default[0] if width is None else width,
                           default[1] if height is None else height,
                           len(VIEW_ORDER) if view == "all" else 1)
        return fmt, size

    def ask(self) -> bool:
        """File ▸ Export figure…: the dialog, then the export."""
        if not self.window.controller.allowed("export_figure"):
            return False
        dialog = FigureDialog(self.window, self.check, self.window.files.default_path(
            "figure.png"))
        if not dialog.exec():
            return False
        return self.export(*dialog.values())


class FigureDialog(QDialog):
    """The view, the size in pixels and the file; OK only once they are valid."""

    def __init__(self, parent: QWidget, check, path: str):
        super().__init__(parent)
        self.setWindowTitle("Export figure")
        self._check = check
        form = QFormLayout(self)
        self.view = QComboBox()
        for key, text in VIEWS.items():
            self.view.addItem(text, key)
        form.addRow("View", self.view)
        self.width_edit, self.height_edit = QLineEdit(), QLineEdit()
        size = QHBoxLayout()
        size.addWidget(self.width_edit)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height_edit)
        size.addWidget(QLabel("pixels"))
        form.addRow("Size", size)
        self.path_edit = QLineEdit(path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("File (.png or .svg)", row)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.view.currentIndexChanged.connect(self._on_view_currentIndexChanged)
        for edit in (self.width_edit, self.height_edit, self.path_edit):
            edit.textChanged.connect(self._validate)
        self._on_view_currentIndexChanged()

    def values(self) -> tuple[str, str, str, str]:
        """``(path, view, width, height)`` as typed."""
        return (self.path_edit.text(), self.view.currentData(), self.width_edit.text(),
                self.height_edit.text())

    def _on_view_currentIndexChanged(self, *_) -> None:
        width, height = DEFAULT_SIZES[self.view.currentData()]
        self.width_edit.setText(str(width))
        self.height_edit.setText(str(height))
        self._validate()

    def _validate(self, *_) -> str:
        path, view, width, height = self.values()
        try:
            self._check(path, view, width, height)
            problem = ""
        except ValueError as exc:
            problem = str(exc)
        self.error.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return problem

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export figure", self.path_edit.text(),
                                              FIGURE_FILTER)
        if path:
            self.path_edit.setText(path)

    def accept(self) -> None:
        if not self._validate():
            super().accept()
