"""The readout under the plots: the run's epoch, w, b and loss, and the optimum of the data
(see :mod:`gdstudio.ui.numbers_view`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from ..numbers_view import readout_tail


class ReadoutPanel(QLabel):
    """One selectable line of numbers, drawn from a :class:`StudioController`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet("font-family: monospace; font-size: 10pt; padding: 4px;")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setWordWrap(True)

    def update_readout(self, controller) -> None:
        """Show the state of ``controller``'s run and data."""
        def pair(name, value):  # a label and its value never wrap apart
            return f"{name}\u00a0{value}"

        c = controller
        h = c.session.history
        total = c.session.config.epochs if c.session.config else None
        summary = c.current_summary
        if summary is not None and not c.session.active:
            loss = "overflows" if summary.loss == "" else f"{summary.loss:.6g}"
            detail = c.session.detail
            if summary.status == "diverged" and detail is not None:
                head = f"diverged in {detail.where}; kept:".replace(" ", "\u00a0")
            elif summary.partial is not None:  # stopped inside an epoch: the w, b reached
                p = summary.partial
                head = (f"stopped in epoch {p.epoch + 1:,} after {p.done:,} of {p.total:,} "
                        "updates:").replace(" ", "\u00a0")
            else:
                head = f"{summary.status}\u00a0after\u00a0{summary.epochs_done:,}\u00a0epochs:"
            if c.stale:
                head = "previous data, " + head
            text = "   ".join([head, pair("w", f"{summary.w:.6g}"), pair("b", f"{summary.b:.6g}"),
                               pair("loss", loss)])
        elif c.session.position is not None:  # inside an epoch (a long one, or paused there)
            p = c.session.position
            epoch = f"{p.epoch + 1:,}" + (f"/{total:,}" if total else "")
            text = "   ".join([pair("epoch", epoch), pair("update", f"{p.done:,}/{p.total:,}"),
                               pair("w", f"{p.w:.6g}"), pair("b", f"{p.b:.6g}")])
        elif h.count:
            last = h.last()
            epoch = f"{last.epoch + 1:,}" + (f"/{total:,}" if total else "")
            text = "   ".join([pair("epoch", epoch), pair("w", f"{last.w:.6g}"),
                               pair("b", f"{last.b:.6g}"),
                               pair("(loss\u00a0at\u00a0its\u00a0start", f"{last.loss:.6g})")])
        else:
            text = "not\u00a0trained\u00a0yet"
        self.setText(text + readout_tail(c))
