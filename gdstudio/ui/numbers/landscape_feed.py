"""The controller's landscape: the data, the loss, the start and the run's path go to a
:class:`LandscapeModel` and a :class:`PreviewModel` (no widgets).

Part of :class:`gdstudio.ui.studio.controller.StudioController` (a mixin of it). An edit of one
point (add, move, delete) updates the landscape in O(1) from the data's moments; every other
change of the data (generate, import, clear, undo, redo, a deletion of several points)
replaces it. The loss, Huber's delta and whether a bias is fitted come from the settings,
and so do the start and the preview's settings.
"""

from __future__ import annotations

from PySide6.QtCore import Slot

from gdstudio.core.data.commands import Append, Delete, Move
from gdstudio.ui.numbers.landscape_model import LandscapeModel
from gdstudio.ui.numbers.preview_model import PreviewModel


class LandscapeFeed:
    """Owns :attr:`landscape_model` and :attr:`preview_model` and keeps them current."""

    def _init_landscape(self) -> None:
        #: The loss of the current data over (w, b), for the run's loss.
        self.landscape_model = LandscapeModel(self)
        #: The preview of the first updates from the start, with the current settings.
        self.preview_model = PreviewModel(self.landscape_model, self)
        #: The start (w, b) of the next run as the settings give it (None: none yet).
        self.start_point: tuple[float, float] | None = None
        self._edit_hint = None  # (command, data before) of the edit being pushed
        self.landscape_model.set_loss(self.loss, self.huber_delta, self.fit_bias)
        self.landscape_model.data_replaced(self.model.dataset)
        self.torch_loading.torchLoaded.connect(self._on_torch_loaded_for_landscape)

    def _hint_edit(self, command) -> None:
        """The next data change comes from ``command`` (None: forget it)."""
        self._edit_hint = None if command is None else (command, self.model.dataset)

    def _feed_data(self) -> None:
        """The data changed: tell the landscape how (one point, or all of it)."""
        hint, self._edit_hint = self._edit_hint, None
        d, lm = self.model.dataset, self.landscape_model
        if hint is not None and not self._replacing:
            command, before = hint
            if isinstance(command, Append) and command.index is None and len(d) == len(
                    before) + 1:
                lm.point_added(d.x[-1], d.y[-1], dataset=d)
                return
            if isinstance(command, Move) and len(d) == len(before):
                i = command.index
                lm.point_moved((before.x[i], before.y[i]), (d.x[i], d.y[i]), dataset=d)
                return
            if isinstance(command, Delete) and len(set(command.indices)) == 1:
                i = command.indices[0]
                lm.point_removed(before.x[i], before.y[i], dataset=d)
                return
        lm.data_replaced(d, fit=self._replacing)

    def _feed_settings(self) -> None:
        """The settings changed: the loss, the start and the preview follow."""
        self.landscape_model.set_loss(self.loss, self.huber_delta, self.fit_bias)
        start = self.start_parameters()
        self.start_point = start
        preview = self.preview_model
        if start is not None:
            self.landscape_model.set_start(*start)
            preview.start = start
        else:
            preview.start = None
        preview.set_config(self.settings)
        self.startChanged.emit(start)

    @Slot(object)
    def _on_torch_loaded_for_landscape(self, *_) -> None:
        self._feed_settings()  # a start drawn from the seed can be drawn now

    def _shutdown_landscape(self) -> None:
        self.landscape_model.shutdown()
        self.preview_model.shutdown()
