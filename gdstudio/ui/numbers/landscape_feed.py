"""The controller's landscape: the data, the loss, the start and the run's path go to a
:class:`LandscapeModel` and a :class:`PreviewModel` (no widgets).

A part of :class:`gdstudio.ui.studio.controller.StudioController`, which owns one
:class:`LandscapeFeed`. An edit of one point (add, move, delete) updates the landscape in
O(1) from the data's moments, as the data's change says (a
:class:`~gdstudio.ui.studio.data_model.DataEdit`); every other change of the data (generate,
import, clear, undo, redo, a deletion of several points) replaces it. The loss, Huber's delta
and whether a bias is fitted come from the settings, and so do the start and the preview's
settings.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from gdstudio.ui.numbers.landscape_model import LandscapeModel
from gdstudio.ui.numbers.preview_model import PreviewModel


def model_of(studio) -> str:
    """The model the studio's numbers are for (``"line"`` or ``"logistic"``): the valid
    settings' model, else the controller's ``current_model`` (the settings panel's choice,
    while another field is invalid)."""
    config = studio.settings
    if config is not None:
        return getattr(config, "model", "line")
    model = getattr(studio, "current_model", None)
    if model in ("line", "logistic"):
        return model
    return "logistic" if studio.loss in ("bce", "bce-logits") else "line"


class LandscapeFeed(QObject):
    """Owns :attr:`landscape_model` and :attr:`preview_model` and keeps them current.

    ``studio`` is the controller it belongs to: its ``model`` (the data), ``loss``,
    ``huber_delta``, ``fit_bias``, ``settings`` and ``start_parameters()`` are read, and its
    ``startChanged`` is emitted when the start changes.
    """

    def __init__(self, studio, torch_loaded):
        super().__init__(studio)
        self._studio = studio
        #: The loss of the current data over (w, b), for the run's loss.
        self.landscape_model = LandscapeModel(self)
        #: The preview of the first updates from the start, with the current settings.
        self.preview_model = PreviewModel(self.landscape_model, self)
        #: The start (w, b) of the next run as the settings give it (None: none yet).
        self.start_point: tuple[float, float] | None = None
        self.landscape_model.set_loss(studio.loss, studio.huber_delta, studio.fit_bias,
                                      model_of(studio))
        self.landscape_model.data_replaced(studio.model.dataset)
        torch_loaded.connect(self._on_torch_loaded)

    def data_changed(self, edit) -> None:
        """The data changed by ``edit`` (a :class:`~gdstudio.ui.studio.data_model.DataEdit`):
        tell the landscape how (one point, or all of it)."""
        d, lm = edit.after, self.landscape_model
        if edit.point == "add":
            lm.point_added(*edit.new, dataset=d)
        elif edit.point == "move":
            lm.point_moved(edit.old, edit.new, dataset=d)
        elif edit.point == "delete":
            lm.point_removed(*edit.old, dataset=d)
        else:
            lm.data_replaced(d, fit=edit.replaced)

    def settings_changed(self) -> None:
        """The settings changed: the loss, the start and the preview follow."""
        s = self._studio
        self.landscape_model.set_loss(s.loss, s.huber_delta, s.fit_bias, model_of(s))
        start = s.start_parameters()
        self.start_point = start
        preview = self.preview_model
        if start is not None:
            self.landscape_model.set_start(*start)
            preview.start = start
        else:
            preview.start = None
        preview.set_config(s.settings)
        s.startChanged.emit(start)

    @Slot(object)
    def _on_torch_loaded(self, *_) -> None:
        self.settings_changed()  # a start drawn from the seed can be drawn now

    def shutdown(self) -> None:
        self.landscape_model.shutdown()
        self.preview_model.shutdown()
