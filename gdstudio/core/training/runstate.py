"""Where a run is (:class:`RunState`) and how it ended (:class:`RunStatus`).

Both are enums whose members are also their text ("idle", "done", ...): the text is what the
parameters file and the messages show, and ``RunStatus.DONE == "done"`` holds.
"""

from __future__ import annotations

from enum import Enum


class _TextEnum(str, Enum):
    """An enum whose members print and format as their value, on every Python version."""

    __str__ = str.__str__
    __format__ = str.__format__


class RunState(_TextEnum):
    """The state of the studio's current run."""

    IDLE = "idle"  #: no run, or the run has ended
    RUNNING = "running"
    PAUSED = "paused"

    @property
    def active(self) -> bool:
        """True while a run is going or paused (its data must not change)."""
        return self is not RunState.IDLE


class RunStatus(_TextEnum):
    """How a run ended."""

    DONE = "done"  #: every epoch ran
    STOPPED = "stopped"  #: stopped by the user (or by closing the window)
    DIVERGED = "diverged"  #: the loss or a parameter left the finite numbers
    FAILED = "failed"  #: an unexpected error ended the run
    CONVERGED = "converged"  #: the stop rule fired (see gdstudio.core.training.stoprule)
