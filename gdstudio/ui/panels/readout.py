"""The readout under the plots: the run's epoch, w, b and loss, where it started, and the
optimum of the data (see :mod:`gdstudio.ui.numbers.shown_numbers`).

The layout is fixed: a monospaced font, and every number in a field of its own width
(:data:`NUMBER_WIDTH` characters, the epoch as wide as the run's total), so nothing moves
while the numbers change length during a run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QLabel, QSizePolicy

from gdstudio.ui.numbers.line_loss import (
    accuracy,
    boundary,
    boundary_text,
    logistic_loss,
    model_of,
)
from gdstudio.ui.numbers.shown_numbers import readout_tail

#: Characters of a number's field: the longest ``.6g`` text of a float but for exponents of
#: three digits ("-1.23457e-05").
NUMBER_WIDTH = 12
#: The readout's font size in points (times the scale of :meth:`ReadoutPanel.set_scale`).
FONT_POINTS = 10.0
NBSP = "\u00a0"


def number(value: float) -> str:
    """``value`` as ``.6g``, in a field of :data:`NUMBER_WIDTH` characters."""
    return f"{value:.6g}".ljust(NUMBER_WIDTH, NBSP)


def pair(name: str, value: str) -> str:
    """A label and its value, which never wrap apart."""
    return f"{name}{NBSP}{value}"


def epoch_field(done: int, total: int | None) -> str:
    """'done/total', ``done`` padded to the width of ``total`` (so the field never grows)."""
    if not total:
        return f"{done:,}"
    return f"{done:,}".rjust(len(f"{total:,}"), NBSP) + f"/{total:,}"


def next_start(controller) -> bool:
    """Whether the start now set is the next run's, not the one of the run on screen: there
    is no run, or it has ended and another start was set since (a click on the landscape,
    typed, or drawn from another seed)."""
    session = controller.session
    if session.config is None or session.init is None:
        return True
    if session.active or controller.settings is None:
        return False
    start = controller.start_parameters()
    return start is not None and (float(start[0]), float(start[1])) != (
        float(session.init[0]), float(session.init[1]))


def start_of(controller) -> tuple[tuple[float, float] | None, int | None]:
    """The start now set (w, b): the current run's, or the next run's if there is no run or
    another start was set after it ended (:func:`next_start`); and the seed it was drawn
    from (None when Initial w and b are given).

    The one place that asks the controller for the next run's start."""
    session = controller.session
    if not next_start(controller):
        config, start = session.config, session.init
    else:
        config = controller.settings
        start = controller.start_parameters() if config is not None else None
    if start is None:
        return None, None
    drawn = config.init_w is None or config.init_b is None
    return start, (config.seed if drawn else None)


def start_text(controller) -> str:
    """'start (drawn from seed N): w … b …' ('next start …' when a run on screen started
    elsewhere), or '' if the settings are invalid."""
    start, seed = start_of(controller)
    if start is None:
        return ""
    head = "start" if seed is None else f"start{NBSP}(drawn{NBSP}from{NBSP}seed{NBSP}{seed}):"
    if controller.session.init is not None and next_start(controller):
        head = f"next{NBSP}{head}"
    return " ".join([head, pair("w", f"{start[0]:.6g}"), pair("b", f"{start[1]:.6g}")])


def standardized_pairs(controller, w: float, b: float, exact=None) -> list[str]:
    """For a run on standardized data, its line in the standardized units too (``w_std``,
    ``b_std``, as the parameters file names them): ``exact`` (the run's own, from its
    summary) or converted from ``w``, ``b``; nothing for any other run."""
    std = controller.session.standardization
    if exact is None and std is None:
        return []
    ws, bs = exact if exact is not None else std.to_standardized(w, b)
    return [pair("w_std", number(ws)), pair("b_std", number(bs))]


def logistic_pairs(controller, w: float, b: float) -> list[str]:
    """For logistic regression, the sigmoid σ(w·x + b)'s accuracy on the data, its
    cross-entropy (when the run trains with another loss: the squared error on the sigmoid)
    and its decision boundary; nothing for the line."""
    if model_of(controller) != "logistic":
        return []
    d = controller.dataset
    acc = accuracy(d.x, d.y, w, b)
    parts = [pair("accuracy", f"{acc:.1%}" if acc is not None else "—")]
    if controller.loss == "mse":
        bce = logistic_loss(d.x, d.y, w, b, "bce")
        parts.append(pair("BCE", number(bce) if bce is not None else "—"))
    edge = boundary(w, b)
    parts.append(pair("boundary", f"x{NBSP}={NBSP}{boundary_text(edge)}" if edge is not None else
                      f"none{NBSP}(w{NBSP}={NBSP}0)" if w == 0 else "beyond float64"))
    return parts


def _loss_pair(shown, controller) -> str:
    """The loss of the moment's line (of its sigmoid, for logistic regression): '—' while
    it is not computed (a live run's MAE or Huber on large data), 'overflows' beyond
    float64."""
    loss = shown.last.loss
    text = number(loss) if loss is not None else (
        "overflows" if shown.loss_known else "—").ljust(NUMBER_WIDTH, NBSP)
    shape = "sigmoid" if model_of(controller) == "logistic" else "line"
    return pair(f"(loss{NBSP}of{NBSP}this{NBSP}{shape})", text)


def run_line(controller) -> str:
    """The first line: the run's state, epoch, w, b and loss (or 'not trained yet'), at the
    moment every view shows (the controller's ``shown_moment``)."""
    return "   ".join(run_parts(controller))


def run_parts(controller) -> list[str]:
    """The first line's parts (see :func:`run_line`): where the run is, then w, b, its
    loss and the standardized units' pairs."""
    c = controller
    shown = c.shown_moment
    last = shown.last
    if last is None:
        return [f"not{NBSP}trained{NBSP}yet"]
    total = shown.total or None
    summary = shown.summary
    if summary is not None:  # ended
        loss = "overflows".ljust(NUMBER_WIDTH, NBSP) if summary.loss == "" else number(
            summary.loss)
        detail = c.session.detail
        if summary.status == "diverged" and detail is not None:
            head = f"diverged in {detail.where}; kept:".replace(" ", NBSP)
        elif summary.partial is not None:  # stopped inside an epoch: the w, b reached
            p = summary.partial
            head = (f"stopped in epoch {p.epoch + 1:,} after {p.done:,} of {p.total:,} "
                    "updates:").replace(" ", NBSP)
        else:
            head = f"{summary.status}{NBSP}after{NBSP}{summary.epochs_done:,}{NBSP}epochs:"
        if c.stale:
            head = "previous data, " + head
        exact = None if summary.w_std is None else (summary.w_std, summary.b_std)
        return [head, pair("w", number(summary.w)), pair("b", number(summary.b)),
                pair("loss", loss), *logistic_pairs(c, summary.w, summary.b),
                *standardized_pairs(c, summary.w, summary.b, exact)]
    if shown.position is not None:  # inside an epoch (a long one, or paused there)
        p = shown.position
        return [pair("epoch", epoch_field(p.epoch + 1, total)),
                pair("update", f"{p.done:,}/{p.total:,}"),
                pair("w", number(p.w)), pair("b", number(p.b)),
                *logistic_pairs(c, p.w, p.b), *standardized_pairs(c, p.w, p.b)]
    # a moment "after N epochs": w, b then and that line's loss (core.linefit)
    return [pair("after", epoch_field(shown.epochs, total)),
            pair("w", number(last.w)), pair("b", number(last.b)),
            _loss_pair(shown, c), *logistic_pairs(c, last.w, last.b),
            *standardized_pairs(c, last.w, last.b)]


class ReadoutPanel(QLabel):
    """Two selectable lines of numbers, drawn from a :class:`StudioController`: the run,
    then its start and the data's optimum."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.set_scale(1.0)

    _controller = None  # (the one last shown, to show again when stacked or not)

    #: Each part of the second line on a line of its own (presentation mode), so the lines
    #: stay short enough for large text beside a lesson's settings.
    stacked = False

    def set_scale(self, scale: float, stacked: bool = False) -> None:
        """Draw the text ``scale`` times its normal size (presentation mode), ``stacked``:
        the start and the optima each on a line of their own."""
        restack = stacked != self.stacked and self._controller is not None
        self.stacked = stacked
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        font.setFixedPitch(True)
        font.setPointSizeF(FONT_POINTS * scale)
        self.setFont(font)
        self.setContentsMargins(4, 2, 4, 2)
        # its lines always reserved, so the plots above do not jump when a line comes or goes
        lines = 4 if stacked else 2
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * lines + 8)
        if restack:
            self.update_readout(self._controller)

    #: The timeline's moment, shown instead of the run's shown moment (None: that one).
    moment_line: str | None = None

    def update_readout(self, controller) -> None:
        """Show the state of ``controller``'s run (or the timeline's moment), its start and
        the data's optimum."""
        self._controller = controller
        if self.moment_line is not None:
            first = self.moment_line
        elif self.stacked:  # where the run is, w and b; then its loss on a line of its own
            parts = run_parts(controller)
            cut = next((i + 1 for i, part in enumerate(parts) if part.startswith("b" + NBSP)),
                       len(parts))
            first = "\n".join(x for x in ("   ".join(parts[:cut]), "   ".join(parts[cut:]))
                              if x)
        else:
            first = run_line(controller)
        second = [part for part in (start_text(controller),
                                    readout_tail(controller).removeprefix("   |   ")) if part]
        if self.stacked:
            second = [piece for part in second for piece in part.split("   |   ")]
            self.setText("\n".join([first, *second]))
        else:
            self.setText(first + "\n" + "   |   ".join(second))
