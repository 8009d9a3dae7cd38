"""The session's file and whether it has unsaved changes, the recent files, and the words of
the window title and of the question asked before quitting (no widgets; tested without a
window).

A session has unsaved changes when its *fingerprint* differs from the one it had when it was
last opened or saved: the data (the data set object: edits make new ones), the settings, the
kept runs (which, shown or not, their colours and labels), the view options (but the speed
and presentation mode) and the lesson. A run trained and not kept is no change to save (it is
saved with the session, but losing it costs only a new run).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from gdstudio.core.data.dataset import Dataset

APP_TITLE = "Gradient Descent Studio"
#: The recent session files kept in the settings store (newest first).
MAX_RECENT = 8
RECENT_KEY = "recentSessions"


def _same(a, b) -> bool:
    """Whether fingerprint ``a`` is surely ``b`` again: equal parts, the data sets among them
    the same objects (comparing a million points after every edit of one point takes
    milliseconds; once per new data set is enough)."""
    if a is b:
        return True
    if isinstance(a, Dataset) or isinstance(b, Dataset):
        return False
    if type(a) is tuple and type(b) is tuple:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an == that gives no single answer
        return False


class SessionState(QObject):
    """The session's file (None: not saved yet) and its unsaved changes.

    ``fingerprint`` returns a value that changes whenever something worth saving changes
    (compared with ``==``); :meth:`refresh` compares it with the saved one.
    """

    #: The file or the unsaved-changes mark changed.
    changed = Signal()

    def __init__(self, fingerprint: Callable[[], object], parent=None):
        super().__init__(parent)
        self._fingerprint = fingerprint
        self.path: str | None = None
        self._clean = fingerprint()
        self._last = None  # (fingerprint, dirty) of the last refresh
        self.dirty = False

    def refresh(self, *_) -> bool:
        """Compare the state with the saved one; True if there are unsaved changes."""
        fingerprint = self._fingerprint()
        last = self._last
        if last is not None and _same(fingerprint, last[0]):
            dirty = last[1]  # nothing changed since: the data is not compared again
        else:
            dirty = fingerprint != self._clean
            self._last = (fingerprint, dirty)
        if dirty != self.dirty:
            self.dirty = dirty
            self.changed.emit()
        return dirty

    def mark_clean(self, path: str | None = ..., clean=...) -> None:
        """The state now is saved (in ``path``, when given). ``clean``: the fingerprint of
        what was saved, when it was taken before now (a save on a worker thread: a change
        made meanwhile is still unsaved)."""
        if path is not ...:
            self.path = None if path is None else str(path)
        self._clean = self._fingerprint() if clean is ... else clean
        self._last = None
        self.dirty = False
        self.changed.emit()
        if clean is not ...:
            self.refresh()

    def mark_dirty(self) -> None:
        """The state is not saved anywhere (a recovered session)."""
        self._clean = object()
        self._last = None
        self.refresh()

    @property
    def name(self) -> str:
        """The file's name, or "Untitled"."""
        return Path(self.path).name if self.path else "Untitled"

    def title(self) -> str:
        """The window title: ``lesson.gdstudio* — Gradient Descent Studio`` (``*``: unsaved
        changes); just the studio's name for an unchanged session never saved."""
        if self.path is None and not self.dirty:
            return APP_TITLE
        return f"{self.name}{'*' if self.dirty else ''} — {APP_TITLE}"

    def close_question(self, kept_runs: int, action: str = "quitting",
                       lesson: bool = False) -> str | None:
        """What to ask before ``action`` (quitting, opening another session) discards the
        unsaved changes, or None when there are none. ``lesson``: the file is a lesson this
        window opened, which it never writes (the work would go to a new file)."""
        if not self.dirty:
            return None
        if lesson:
            return (f"Save your work to a new file before {action}? The lesson {self.name} "
                    "stays as it is; unsaved changes are lost otherwise.")
        where = f"the changes to {self.name}" if self.path else "this session"
        runs = ""
        if kept_runs:
            runs = (" (with 1 kept run)" if kept_runs == 1
                    else f" (with {kept_runs} kept runs)")
        return f"Save {where}{runs} before {action}? Unsaved changes are lost otherwise."


# --------------------------------------------------------------------------- recent files


def recent_files(store) -> list[str]:
    """The recent session files in ``store`` (a QSettings), newest first; a damaged entry
    gives none."""
    try:
        raw = json.loads(store.value(RECENT_KEY, "[]"))
    except Exception:  # damaged, or not text
        return []
    if not isinstance(raw, list):
        return []
    return [p for p in raw if isinstance(p, str) and p and len(p) < 4096][:MAX_RECENT]


def _store(store, paths: list[str]) -> None:
    store.setValue(RECENT_KEY, json.dumps(paths[:MAX_RECENT]))


def add_recent(store, path: str) -> list[str]:
    """Put ``path`` first in the recent files (at most :data:`MAX_RECENT`)."""
    path = os.path.abspath(path)
    paths = [path, *(p for p in recent_files(store) if p != path)]
    _store(store, paths)
    return paths[:MAX_RECENT]


def drop_missing(store) -> tuple[list[str], list[str]]:
    """Drop the recent files that are no longer there: (kept, dropped)."""
    kept, dropped = [], []
    for p in recent_files(store):
        (kept if os.path.isfile(p) else dropped).append(p)
    if dropped:
        _store(store, kept)
    return kept, dropped
