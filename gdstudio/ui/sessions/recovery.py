"""Recovery files: while a session has unsaved changes, it is written every
:data:`INTERVAL_MS` to a per-user folder, and offered back at the next launch after a crash.

The file is ``recovery-<process id>.gdstudio`` in the folder named by the environment
variable ``GDSTUDIO_RECOVERY_DIR``, or else in ``recovery/`` under Qt's AppDataLocation
(``~/.local/share/gdstudio/Gradient Descent Studio/recovery`` on Linux). It is written only
when something changed since the last write, by a worker thread (the state is taken on the
GUI thread, its arrays shared: none of them is ever written again), atomically. It is
removed when the session is saved or the studio quits normally. At launch, the recovery
files of processes that are no longer running are offered, newest first; a restored one
becomes the new studio's recovery file (:meth:`Recovery.adopt`: never removed before its
replacement exists):
``GDSTUDIO_RECOVERY_ANSWER=restore`` or ``discard`` answers the offer at once (for tests and
scripted use). ``GDSTUDIO_RECOVERY_INTERVAL_MS`` sets the interval (tests).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal, Slot

from gdstudio.core.files.session import SessionError, write_session

DIR_ENV = "GDSTUDIO_RECOVERY_DIR"
ANSWER_ENV = "GDSTUDIO_RECOVERY_ANSWER"
INTERVAL_ENV = "GDSTUDIO_RECOVERY_INTERVAL_MS"
#: How often unsaved changes are written to the recovery file (milliseconds).
INTERVAL_MS = 5000
PREFIX = "recovery-"


SAVED_BY = "gdstudio (recovery)"


def make_folder(folder: Path) -> None:
    """Make the recovery folder (and its parents); OSError with one short line naming the
    problem (a file where the folder should be, say) if it cannot be made."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        for part in (folder, *folder.parents):
            if part.exists() or part.is_symlink():
                if not part.is_dir():
                    raise OSError(f"the recovery folder {folder} cannot be made: {part} is "
                                  "a file, not a folder") from None
                break
        raise OSError(f"the recovery folder {folder} cannot be made "
                      f"({exc.strerror or exc})") from None


def recovery_dir() -> Path:
    """The folder of recovery files (see the module's docstring)."""
    folder = os.environ.get(DIR_ENV)
    if folder:
        return Path(folder)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".gdstudio") / "recovery"


def _pid_of(path: Path) -> int | None:
    stem = path.name[len(PREFIX):-len(".gdstudio")]
    return int(stem) if stem.isdigit() and len(stem) < 12 else None


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


def left_behind(folder: Path | None = None) -> list[Path]:
    """Recovery files of processes that are no longer running, newest first (the temporary
    files of their writes killed midway are removed)."""
    folder = recovery_dir() if folder is None else folder
    try:
        files = [p for p in folder.glob(f"{PREFIX}*.gdstudio") if p.is_file()]
    except OSError:
        return []
    for temp in folder.glob(f".{PREFIX}*.gdstudio.*.tmp"):  # a write killed midway
        pid = _pid_of(Path(temp.name[1:].split(".gdstudio.", 1)[0] + ".gdstudio"))
        if pid is not None and not _running(pid):
            with contextlib.suppress(OSError):
                temp.unlink()
    found = []
    for p in files:
        pid = _pid_of(p)
        if pid is not None and not _running(pid):
            with contextlib.suppress(OSError):
                found.append((p.stat().st_mtime, p))
    return [p for _, p in sorted(found, reverse=True)]


class Recovery(QObject):
    """Writes the recovery file of ``files`` (the window's :class:`SessionFiles`) while it
    has unsaved changes."""

    #: A recovery file was written (its path) or could not be (the message, with "").
    written = Signal(str, str)

    def __init__(self, files, parent=None):
        super().__init__(parent)
        self.files = files
        self.path = recovery_dir() / f"{PREFIX}{os.getpid()}.gdstudio"
        self._timer = QTimer(self)
        self._timer.setInterval(int(os.environ.get(INTERVAL_ENV) or INTERVAL_MS))
        self._timer.timeout.connect(self.tick)
        self._thread: threading.Thread | None = None
        self._written = None  # the fingerprint last written
        self._generation = 0  # bumped by remove(): a write under way is then thrown away
        self.written.connect(self._on_written)

    def start(self) -> None:
        self._timer.start()

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @Slot()
    def tick(self) -> None:
        """Write the recovery file if there are unsaved changes not written yet."""
        if not self.files.state.dirty:
            if self._written is not None:
                self.remove()
            return
        fingerprint = self.files.recovery_fingerprint()
        if fingerprint == self._written or self.busy:
            return
        session = self.files.capture()
        self._written = fingerprint
        generation = self._generation
        path = self.path

        def write():
            try:
                make_folder(path.parent)
                write_session(path, session, SAVED_BY)
                error = ""
            except (SessionError, OSError) as exc:
                error = str(exc)
            if generation != self._generation:  # saved or quit meanwhile
                with contextlib.suppress(OSError):
                    os.unlink(path)
                return
            self.written.emit(str(path), error)

        self._thread = threading.Thread(target=write, name="gdstudio-recovery", daemon=True)
        self._thread.start()

    @Slot(str, str)
    def _on_written(self, path: str, error: str) -> None:
        if error:
            self._written = None  # try again next time
            self.files.controller.status(f"Could not write the recovery file: {error}", 5000)

    def adopt(self, path) -> bool:
        """Make ``path``, the recovery file of a studio that did not quit normally and whose
        session this one has just restored, this studio's own recovery file: renamed, so that
        there is a recovery file at every moment (a crash right after restoring loses
        nothing). Where it cannot be renamed, this studio's file is written first and only
        then is ``path`` removed. False (``path`` left where it is) if neither could be done;
        the next write tries again."""
        self._wait()
        self._written = None  # written again at the next tick, from this studio's state
        try:
            make_folder(self.path.parent)
            os.replace(path, self.path)
            return True
        except OSError:
            pass
        try:
            write_session(self.path, self.files.capture(), SAVED_BY)
        except (SessionError, OSError):
            return False
        with contextlib.suppress(OSError):
            os.unlink(path)
        return True

    def _wait(self) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(10)
        self._thread = None

    def remove(self) -> None:
        """Remove the recovery file (saved, or quitting normally), waiting for a write under
        way."""
        self._generation += 1
        self._wait()
        self._written = None
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    def stop(self) -> None:
        self._timer.stop()
        self.remove()
