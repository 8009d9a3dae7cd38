"""Kept runs (no Qt widgets): what is kept of a run, its label, and the question asked before
quitting with runs kept."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdstudio.core.training.results import RunSummary

#: Said wherever a run trained on data that has changed since is shown or written.
STALE_NOTE = "previous data"


@dataclass
class KeptRun:
    """A run kept for comparison: its summary and loss curve, its label and colour, and
    whether it is shown."""

    key: int
    summary: RunSummary
    loss: np.ndarray
    label: str
    #: It was trained on data that has changed since.
    stale: bool = False
    #: Its colour (one of :data:`gdstudio.ui.studio.palette.RUN_COLORS`), kept for its lifetime.
    color: str = ""
    #: Its curve and line are drawn (the compare list's check box).
    visible: bool = True
    #: Its history's w and b after each epoch (the timeline scrubs through them).
    w: np.ndarray | None = None
    b: np.ndarray | None = None
    #: Its path over (w, b), rows (see :func:`run_path`; None: none recorded).
    path: np.ndarray | None = None

    @property
    def title(self) -> str:
        """The label, and whether the data has changed since."""
        return f"{self.label} ({STALE_NOTE})" if self.stale else self.label


def run_path(session) -> np.ndarray:
    """The path of ``session``'s run (a :class:`TrainingSession`), rows (w, b): the recorded
    updates of a stochastic or mini-batch run; the start and every epoch's end of a
    full-batch run."""
    if session.path is not None:
        return session.path
    if session.init is None:
        return np.empty((0, 2))
    h = session.history
    return np.column_stack([np.r_[session.init[0], h.w], np.r_[session.init[1], h.b]])


def quit_question(kept: int) -> str | None:
    """What to ask before quitting with ``kept`` runs kept, or None to quit at once."""
    if kept <= 0:
        return None
    runs = "1 kept run" if kept == 1 else f"{kept} kept runs"
    return (f"Quit and discard {runs}? Kept runs are not saved: File ▸ Export parameters "
            "writes their results.")
