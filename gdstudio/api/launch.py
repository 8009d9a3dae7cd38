"""``gdstudio.open(x, y, **settings)``: the studio, in a process of its own, with that data and
those settings, from a notebook or any Python program.

The keywords are ``gdstudio.train``'s (the options of ``gdstudio train`` with underscores:
``lr=0.05``, ``epochs=30``, ``batch_size=10``, ``no_bias=True``, ``model="logistic"``,
``float64=True``...) and are read and checked by the same code
(:mod:`gdstudio.api.run_input`): a bad one raises ``ValueError`` with the command line's
message, before anything starts. The data and settings are written to a
temporary session file, and ``python -m gdstudio --import-session FILE`` is started as a
separate process, in a session of its own (an interrupt of the notebook's kernel does not
reach it), its output going to a log file beside that session file. ``open`` returns at once
with a :class:`StudioProcess`: the kernel is never blocked, and each call opens a window of
its own. The window shows the data and settings as a new session that has never been saved
(the title says "Untitled"; Save asks for a file name); it removes the temporary session file
once it has read it.

Without a display to show a window on, ``open`` raises ``RuntimeError`` with the one line
``gdstudio`` prints (and starts nothing). Without data and settings, ``gdstudio.open()``
opens the studio as ``gdstudio`` does.

Nothing here imports Qt or PyTorch (PyTorch only when no points are given and settings are:
the command line's own data is drawn with it).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

#: The names of the files in the temporary folder of each ``open``.
SESSION_NAME = "from-python.gdstudio"
LOG_NAME = "studio.log"
#: How long :meth:`StudioProcess.close` waits for the studio to end before killing it (s).
CLOSE_GRACE = 5.0


class StudioProcess:
    """A studio started by :func:`open_studio`: its process id (``pid``), whether it still
    runs (``running``), its exit code once it has ended (``returncode``), the file its
    output goes to (``log``); :meth:`wait` for it to end, :meth:`close` to end it."""

    def __init__(self, popen: subprocess.Popen, log: Path, session: Path | None,
                 what: str):
        self._popen = popen
        self.log = log
        self._session = session
        self._what = what

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def running(self) -> bool:
        """Whether the studio's window is still open (its process still runs)."""
        running = self._popen.poll() is None
        if not running:
            self._tidy()
        return running

    @property
    def returncode(self) -> int | None:
        """The studio's exit code (0: closed normally), or None while it runs."""
        return self._popen.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait until the studio ends (its window is closed), at most ``timeout`` seconds
        (None: as long as it takes); its exit code, or None if it still runs."""
        try:
            code = self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._tidy()
        return code

    def close(self) -> int | None:
        """End the studio (its window closes; what was not saved there is lost) and return
        its exit code; nothing happens to a studio already closed."""
        if self._popen.poll() is None:
            self._popen.terminate()
            try:
                self._popen.wait(CLOSE_GRACE)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait()
        self._tidy()
        return self._popen.returncode

    def _tidy(self) -> None:
        """Remove the session file handed over if the studio ended before reading it."""
        if self._session is not None:
            with contextlib.suppress(OSError):
                self._session.unlink()
            self._session = None

    def __repr__(self) -> str:
        code = self._popen.poll()
        state = "running" if code is None else f"closed (exit code {code})"
        return f"<StudioProcess pid {self.pid}, {state}: {self._what}; log {self.log}>"


def open_studio(x=None, y=None, **settings) -> StudioProcess:
    """Open the studio with the points ``x``, ``y`` (sequences of numbers of the same
    length; a numpy array, a list...) and ``settings`` (the keywords of
    :func:`gdstudio.train`) in a process of its own, and return at once.

    Without ``x`` and ``y``, the settings apply to the data ``gdstudio train`` would use
    (the tutorial's noisy line and its keywords, ``data="FILE.csv"``'s points,
    ``session="FILE.gdstudio"``'s data and settings; for ``model="logistic"`` two
    overlapping classes); with neither points nor settings, the studio opens as
    ``gdstudio`` does.

    Raises
    ------
    ValueError
        A bad setting or bad data (the message is the command line's): nothing started.
    RuntimeError
        No display to show a window on (the message says what to set): nothing started.
    """
    session = None
    if x is not None or y is not None or settings:
        dataset, config = session_input(x, y, settings)
        from gdstudio.core.files.session import Session

        session = Session(dataset.x, dataset.y, dataset.dtype, settings=config)
    _check_display()
    folder = Path(tempfile.mkdtemp(prefix="gdstudio-open-"))
    log = folder / LOG_NAME
    args = [sys.executable, "-m", "gdstudio"]
    path = None
    what = "the studio as gdstudio opens it"
    if session is not None:
        from gdstudio.cli.main import IMPORT_OPTION
        from gdstudio.core.files.session import write_session
        from gdstudio.version import __version__

        path = folder / SESSION_NAME
        write_session(path, session, f"gdstudio {__version__} (gdstudio.open)")
        args += [IMPORT_OPTION, str(path)]
        n = len(session.x)
        what = f"{n:,} point{'' if n == 1 else 's'}, {session.settings.describe()}"
    with open(log, "wb") as out:
        popen = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, env=_child_environment(),
                                 **_own_session())
    return StudioProcess(popen, log, path, what)


def session_input(x, y, settings: dict):
    """The (dataset, config) of ``open``'s arguments, made and checked as
    :func:`gdstudio.train` makes them (:func:`gdstudio.api.run_input.prepared`: the command
    line's own parser and checks); ``ValueError`` with the command line's one line."""
    from gdstudio.api.run_input import message, prepared
    from gdstudio.core.errors import StudioError

    dataset, config, _session = prepared(x, y, settings)
    try:
        config.validate(dataset.dtype)  # (as the run checks it: numbers its dtype can hold)
    except StudioError as exc:
        raise ValueError(message(exc)) from None
    return dataset, config


def _check_display() -> None:
    """RuntimeError with ``gdstudio``'s one line when no window can open here."""
    from gdstudio.app import display_problem, release_display_check

    problem = display_problem()
    release_display_check()  # (the check's X connection: this process has no use for it)
    if problem is not None:  # (from Python, the trainer without a window is gdstudio.train)
        raise RuntimeError(problem.replace("use `gdstudio train`", "use gdstudio.train"))


def _child_environment() -> dict[str, str]:
    """This process's environment, with the folder this ``gdstudio`` was imported from
    first on PYTHONPATH (unless it is the interpreter's own site-packages): the studio
    started is this one (a notebook may have found a checkout through ``sys.path``)."""
    import sysconfig

    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    installed = {os.path.realpath(sysconfig.get_path(name)) for name in ("purelib", "platlib")}
    if os.path.realpath(root) in installed:
        return env  # (installed: found there anyway, and never put before the standard library)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([root, *[p for p in paths if p != root]])
    return env


def _own_session() -> dict:
    """Popen's arguments that put the studio in a process session (group) of its own: a
    Ctrl+C or a kernel's interrupt of this process does not reach it."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}
