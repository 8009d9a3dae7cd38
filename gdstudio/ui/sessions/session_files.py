"""File ▸ Open session, Save session, Save session as, the recent sessions, the lesson menu
entries, the window title, the question before unsaved changes are lost, and the recovery
file: the main window builds one :class:`SessionFiles`.

What a session holds is the controller's: its data and runs, its settings model and its view
options (:mod:`gdstudio.ui.sessions.session_apply`). The window gives the menu entries, the
title, the dialogs and the store of recent files.

Opening reads and checks the whole file first
(:func:`gdstudio.core.files.session_read.read_session`);
a file that cannot be used gives one message and changes nothing.

A large session (more than :data:`BACKGROUND_BYTES` of numbers, or a file that large) is
saved or opened on a worker thread (:mod:`gdstudio.ui.threads.session_worker`), with its
progress and a Cancel button in the status bar: the window stays live. A cancelled save
leaves the file as it was; a cancelled open changes nothing. Closing the window while a save
runs waits for it (and closes once it is saved); closing during an open cancels the open.
What follows a save (closing, opening another session after "Save") waits for the save to
succeed.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMenu

from gdstudio import __version__
from gdstudio.core.files.session import SUFFIX, SessionError, write_session
from gdstudio.core.files.session_read import read_session
from gdstudio.ui.sessions import session_dialogs as dialogs
from gdstudio.ui.sessions.lesson_window import LessonView
from gdstudio.ui.sessions.recovery import ANSWER_ENV, Recovery, left_behind
from gdstudio.ui.sessions.session_apply import apply, beyond_limits, capture, preparer
from gdstudio.ui.sessions.session_progress import SessionProgress
from gdstudio.ui.sessions.session_state import SessionState, add_recent, drop_missing, recent_files
from gdstudio.ui.threads.session_worker import OPEN, SAVE, SessionJob

#: A session holding more bytes of numbers than this (or a session file this large) is
#: saved or opened on a worker thread; a smaller one at once (a few milliseconds).
BACKGROUND_BYTES = 4 << 20
SAVED_BY = f"gdstudio {__version__}"


def numbers_bytes(session) -> int:
    """The bytes of the numbers ``session`` holds (its data, histories and paths)."""
    total = session.x.nbytes + session.y.nbytes
    for run in [*session.runs, session.current]:
        if run is not None:
            total += run.loss.nbytes + run.w.nbytes + run.b.nbytes
            total += 0 if run.path is None else run.path.nbytes
    return total


class SessionFiles(QObject):
    """The session file of ``window``, its unsaved changes and its recovery file."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.controller = c = window.controller
        self.lesson_view = LessonView(window)
        self._closing_ok = False
        #: The lesson file this window opened (None: none): never written from here.
        self.lesson_file: str | None = None
        #: The last lesson saved from here (File ▸ Save as lesson starts from it).
        self.last_lesson = None
        self.state = SessionState(self.fingerprint, self)
        self.recovery = Recovery(self, self)
        #: Saves and opens large sessions on a worker thread.
        self.job = SessionJob(self)
        self.job.finished.connect(self._on_job_finished)
        self.progress = SessionProgress(self.job, window)
        window.statusBar().addPermanentWidget(self.progress)
        self._pending = None  # what follows the job under way
        self._close_when_done = False
        self.state.changed.connect(self._show_title)
        for signal in (c.actionsChanged, c.keptRunsChanged, c.dataChanged,
                       c.settings_model.settingsChanged, c.view_options.changed):
            signal.connect(self.refresh)
        a = window.actions_by_name
        for name, slot in (("open_session", self.open_session),
                           ("save_session", self.save), ("save_session_as", self.save_as),
                           ("save_lesson", self.save_lesson),
                           ("clear_lesson", self.clear_lesson)):
            a[name].triggered.connect(lambda *_, slot=slot: slot())
        self.recent_menu = QMenu("Open &recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu = window.menuBar().actions()[0].menu()
        actions = file_menu.actions()
        after = actions.index(a["open_session"]) + 1
        file_menu.insertMenu(actions[after] if after < len(actions) else None,
                             self.recent_menu)
        self._show_title()

    # ------------------------------------------------------------------ state
    def fingerprint(self):
        """What a save keeps and a user would miss (see :mod:`session_state`)."""
        c = self.controller
        view = c.view_options.changes()
        kept = tuple((k.key, k.visible, k.color, k.label) for k in c.kept_runs)
        return (c.dataset, c.settings_model.settings, kept, tuple(view.items()),
                self.lesson_view.lesson)

    def recovery_fingerprint(self):
        c = self.controller
        return (self.fingerprint(), c.current_summary, c.session.active)

    def refresh(self, *_) -> None:
        """Something that a session keeps may have changed: the title's mark follows (any
        signal may be connected here; its arguments are ignored)."""
        self.state.refresh()

    def _show_title(self) -> None:
        self.window.setWindowTitle(self.state.title())

    def capture(self, with_current: bool = True):
        """The studio's state as a :class:`Session` (while a settings field is invalid:
        the settings when they were last valid)."""
        return capture(self.controller, self.controller.settings_model.last_valid,
                       self.lesson_view.lesson, with_current)

    def _folder(self) -> str:
        if self.state.path:
            return str(Path(self.state.path).parent)
        return self.controller.last_dir or str(Path.home())

    # ------------------------------------------------------------------ saving
    def save(self, path: str | None = None, then=None) -> bool:
        """Save the session (to its file; asks for one when it has none, or when its file is
        a lesson this window opened: a learner's work goes to a new file). ``then()`` runs
        once it is saved (a large session: after its worker thread). False if nothing was
        saved or started."""
        path = path or (None if self.lesson_file else self.state.path)
        if not path:
            return self.save_as(then=then)
        return self._write(path, self.capture(), then)

    def save_as(self, path: str | None = None, then=None) -> bool:
        if not path:
            if self.lesson_file:  # a new file beside the lesson's, never the lesson's
                suggested = Path(self.lesson_file)
                suggested = suggested.with_name(f"{suggested.stem}-my-work{SUFFIX}")
            else:
                suggested = Path(self._folder()) / (self.state.name if self.state.path
                                                    else f"session{SUFFIX}")
            path = dialogs.ask_save_path(self.window, str(suggested))
        return bool(path) and self.save(path, then)

    def save_lesson(self, path: str | None = None, lesson=None) -> bool:
        """Save the session with a lesson (asked in a dialog when ``lesson`` is None). The
        lesson is for the class: this window keeps every control (open the file to see it as
        the class will), and its own file and unsaved changes stay as they were."""
        if lesson is None:
            from gdstudio.ui.sessions.lesson_dialog import ask_lesson

            lesson = ask_lesson(self.window, self.lesson_view.lesson or self.last_lesson)
            if lesson is None:
                return False
        path = path or dialogs.ask_save_path(self.window, str(Path(self._folder()) /
                                                              f"lesson{SUFFIX}"),
                                             "Save as lesson")
        if not path:
            return False
        session = self.capture()
        session.lesson = lesson
        return self._store(path, session, lambda: self._lesson_saved(path, lesson),
                           "Cannot save the lesson")

    def _lesson_saved(self, path: str, lesson) -> None:
        self.last_lesson = lesson
        add_recent(self.window.settings, path)
        self.controller.status(f"Saved the lesson to {path}. This window stays unlocked: "
                               "open the file to see it as the class will.", 8000)

    def _write(self, path: str, session, then=None) -> bool:
        c = self.controller
        if self.lesson_file and _same_file(path, self.lesson_file):
            c.report("Cannot save the session", f"{path} is the lesson this window opened: "
                     "save your work to a new file (File ▸ Save session as).")
            return False
        clean = self.fingerprint()  # (what is saved: a change made meanwhile is not)
        return self._store(path, session, lambda: self._saved(path, clean),
                           "Cannot save the session", then)

    def _busy(self) -> bool:
        if self.job.busy:
            what = "saved" if self.job.kind == SAVE else "opened"
            self.controller.status(f"A session file is being {what}: wait for it, or "
                                   "cancel it.", 5000)
        return self.job.busy

    def _store(self, path: str, session, saved, title: str, then=None) -> bool:
        """Write ``session`` to ``path``: at once, or on the worker thread when it is large;
        then ``saved()`` and ``then()``. False if nothing was written or started."""
        if self._busy():
            return False
        if numbers_bytes(session) > BACKGROUND_BYTES:
            self._pending = (saved, then, title)
            self.job.save(path, session, SAVED_BY)
            self.controller.status(f"Saving {path}…")
            return True
        try:
            write_session(path, session, SAVED_BY)
        except SessionError as exc:
            self.controller.report(title, f"{exc}")
            return False
        saved()
        if then is not None:
            then()
        return True

    def _saved(self, path: str, clean) -> None:
        self.state.mark_clean(path, clean)
        self.lesson_file = None  # (this window's work now has a file of its own)
        add_recent(self.window.settings, path)
        if not self.state.dirty:
            self.recovery.remove()
        self.controller.status(f"Saved the session to {path}.", 5000)

    # ------------------------------------------------------------------ opening
    def open_session(self, path: str | None = None) -> bool:
        """Open a session (asks for the file when ``path`` is None); unsaved changes are
        asked about first. False if nothing was opened (yet)."""
        if not self.controller.edit_allowed("open_session") or self._busy():
            return False  # (a run or an import locks the data: said in the status bar)
        question = self.state.close_question(len(self.controller.kept_runs),
                                             "opening another session",
                                             lesson=self.lesson_file is not None)
        if question:
            dialogs.ask_save(self.window.messages, "Open session?", question, "Discard",
                             lambda: self.save(then=lambda: self._open(path)),
                             lambda: self._open(path),
                             "Save as…" if self.lesson_file else "Save")
            return False
        return self._open(path)

    def _open(self, path: str | None) -> bool:
        if not path:
            path = dialogs.ask_open_path(self.window, self._folder())
            if not path:
                return False
        return self.open_path(path)

    def open_path(self, path: str, recovered: bool = False, then=None,
                  imported: bool = False) -> bool:
        """Open the session file ``path`` now (no question); False, with a message and
        nothing changed, if it cannot be used. A large file is read on the worker thread:
        True once it has started. ``then(opened)`` follows once the file has been read and
        put in, or refused (not after a cancel).

        ``recovered``: a recovery file, opened as unsaved changes of a session never saved.
        ``imported``: a file handed over by another program (``gdstudio.open`` from
        Python): its content opens as a new session never saved, like a recovered one, and
        the file is removed once read (or refused, or the open cancelled)."""
        c = self.controller
        if not c.edit_allowed("open_session") or self._busy():
            if imported:
                _remove(path)
            return False  # (a run or an import locks the data: said in the status bar)
        try:
            size = os.stat(path).st_size
        except (OSError, ValueError):
            size = 0  # read_session says what is wrong
        if size > BACKGROUND_BYTES:
            self._pending = (recovered, then, imported)
            self.job.open(path, preparer(c))
            c.status(f"Opening {path}…")
            return True
        try:
            session = read_session(path)
        except SessionError as exc:
            c.report(_OPEN_TITLE[imported], f"{exc}\n\nNothing was changed.")
            opened = False
        else:
            opened = self._opened(path, session, recovered, imported=imported)
        finally:
            if imported:
                _remove(path)
        if then is not None:
            then(opened)
        return opened

    def _opened(self, path: str, session, recovered: bool, prepared=None,
                imported: bool = False) -> bool:
        """Put ``session``, read from ``path``, into the studio (False: refused, said);
        ``prepared``: see :func:`~gdstudio.ui.sessions.session_apply.apply`; ``recovered``,
        ``imported``: see :meth:`open_path`."""
        c = self.controller
        if not c.edit_allowed("open_session"):
            return False  # (a run or an import started meanwhile: said in the status bar)
        problem = beyond_limits(c.settings_model, session)
        if problem:
            where = "the data from Python" if imported else path
            c.report(_OPEN_TITLE[imported], f"{where}: {problem}\n\nNothing was changed.")
            return False
        self.lesson_view.set_lesson(None)
        apply(c, session, prepared)
        self.lesson_view.set_lesson(session.lesson)
        if session.lesson is not None and session.lesson.presentation:
            c.view_options.restore({"presentation": True})  # (even if the lesson locks it)
        if not imported:  # (a handed-over file's folder is a temporary one)
            c.last_dir = str(Path(path).parent)
        self.lesson_file = None
        if recovered or imported:
            self.state.mark_clean(None)
            self.state.mark_dirty()
        else:
            self.state.mark_clean(path)
            add_recent(self.window.settings, path)
            if session.lesson is not None:
                self.lesson_file = os.path.abspath(path)
        note = ""
        if session.ignored:
            shown = ", ".join(session.ignored[:5])
            note = f" Ignored what this version does not know: {shown}."
        n, k = len(session.x), len(session.runs)
        if imported:
            c.status(f"Opened from Python: {n:,} point{'' if n == 1 else 's'}; "
                     f"{session.settings.describe()}.{note}", 15_000)
            return True
        what = "Restored the unsaved session" if recovered else f"Opened {path}"
        c.status(f"{what}: {n:,} point{'' if n == 1 else 's'}, {k:,} kept "
                 f"run{'' if k == 1 else 's'}.{note}", 15_000)
        return True

    @Slot(str, str, object, str, bool)
    def _on_job_finished(self, kind: str, path: str, result, error: str,
                         cancelled: bool) -> None:
        pending, self._pending = self._pending, None
        c = self.controller
        done = False
        if kind == SAVE:
            saved, then, title = pending
            if cancelled:
                c.status(f"Saving cancelled; {path} was not changed.", 8000)
            elif error:
                c.report(title, error)
            else:
                done = True
                saved()
                if then is not None:
                    then()
        else:
            recovered, then, imported = pending
            if imported:
                _remove(path)  # (read or not, it was this window's alone)
            if cancelled:
                c.status("Opening cancelled; nothing was changed.", 8000)
            else:
                if error:
                    c.report(_OPEN_TITLE[imported], f"{error}\n\nNothing was changed.")
                opened = not error and self._opened(path, result, recovered,
                                                    self.job.prepared, imported)
                if then is not None:
                    then(opened)
        if self._close_when_done:  # the window was asked to close meanwhile
            self._close_when_done = False
            if (kind == OPEN or done) and self.window.isVisible():
                self.window.close()  # (unless what followed the save closed it already)

    def clear_lesson(self) -> None:
        """Give every control back (File ▸ Clear lesson locks)."""
        if self.lesson_view.lesson is not None:
            self.lesson_view.set_lesson(None)
            self.state.refresh()
            self.controller.status("The lesson's locks were cleared.", 5000)

    # ------------------------------------------------------------------ recent files
    @Slot()
    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths, dropped = drop_missing(self.window.settings)
        if dropped:
            names = ", ".join(Path(p).name for p in dropped)
            self.controller.status(f"No longer there, removed from the recent "
                                   f"sessions: {names}.", 8000)
        for path in paths:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda *_, p=path: self.open_recent(p))
        if not paths:
            menu.addAction("No recent sessions").setEnabled(False)

    def open_recent(self, path: str) -> bool:
        if not os.path.isfile(path):
            drop_missing(self.window.settings)
            self.controller.report(
                "Cannot open the session", f"{path} is no longer there; it was removed from "
                "the recent sessions.")
            return False
        return self.open_session(path)

    def recent(self) -> list[str]:
        return recent_files(self.window.settings)

    # ------------------------------------------------------------------ quitting
    def may_close(self) -> bool:
        """True if the window may close now; otherwise the user is asked (Save, Quit,
        Cancel) and the window closes again once answered."""
        if self.job.busy:  # a save finishes first (then the window closes); an open stops
            self._close_when_done = True
            if self.job.kind == OPEN:
                self.job.cancel()
            else:
                self.controller.status("Closing once the session is saved…")
            return False
        question = self.state.close_question(len(self.controller.kept_runs),
                                             lesson=self.lesson_file is not None)
        if question and not self._closing_ok:
            dialogs.ask_save(self.window.messages, "Quit?", question, "Quit",
                             lambda: self.save(then=self.window.close), self._quit,
                             "Save as…" if self.lesson_file else "Save")
            return False
        self.recovery.stop()
        return True

    def _quit(self) -> None:
        self._closing_ok = True
        self.window.close()

    def close_discarding(self) -> None:
        """Close the window without asking, its unsaved changes discarded (as "Quit" in the
        question does): the start-up check's close, and a studio ended from outside."""
        self._quit()

    # ------------------------------------------------------------------ start-up
    def start(self, path: str | None = None, imported: str | None = None) -> None:
        """At launch: open ``path`` (a session), offer a recovered session, then keep the
        recovery file while there are unsaved changes. ``imported``: a session file handed
        over by another program (``gdstudio.open``), opened as a new unsaved session and
        removed (see :meth:`open_path`); no recovered session is offered over it (one left
        behind is offered at the next launch)."""
        if path is not None:
            self.open_path(path)
        if imported is not None:
            self.open_path(imported, imported=True)
            self.recovery.start()
            return
        found = left_behind()
        if found:
            self._offer(found[0])
        self.recovery.start()

    def _offer(self, path) -> None:
        def restored(opened: bool) -> None:
            if opened:
                self.recovery.adopt(path)  # (never removed before its replacement exists)
            else:  # kept aside: never offered again, still there for the user
                with contextlib.suppress(OSError):
                    os.replace(path, f"{path}.damaged")

        def restore():
            self.open_path(str(path), recovered=True, then=restored)

        answer = os.environ.get(ANSWER_ENV, "")
        if answer == "restore":
            restore()
        elif answer == "discard":
            _remove(path)
        else:
            dialogs.offer_restore(
                self.window.messages,
                "Gradient Descent Studio did not quit normally last time. Restore the "
                "session it had not saved?", restore, lambda: _remove(path))


#: The title of the message when a session cannot be opened (by whether it was handed over).
_OPEN_TITLE = {False: "Cannot open the session", True: "Cannot open the data from Python"}


def _same_file(a: str, b: str) -> bool:
    """``a`` and ``b`` name the same file (through links too; a path not there is not)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _remove(path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
