"""``gdstudio.open(x, y, **settings)``: the studio, in a process of its own, with that data and
those settings, from a notebook or any Python program.

The keywords are ``gdstudio.train``'s (the options of ``gdstudio train`` with underscores:
``lr=0.05``, ``epochs=30``, ``batch_size=10``, ``no_bias=True``, ``model="logistic"``,
``float64=True``...) and are checked as it checks them: a bad one raises ``ValueError`` with
the command line's message, before anything starts. The data and settings are written to a
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

Nothing here imports Qt or PyTorch (PyTorch only to draw a data set when none is given and
the settings ask for one other than the tutorial's stored line).
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
    (the tutorial's noisy line; for ``model="logistic"`` two overlapping classes); without
    either, the studio opens as ``gdstudio`` does.

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
        from gdstudio import __version__
        from gdstudio.cli.main import IMPORT_OPTION
        from gdstudio.core.files.session import write_session

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
    """The (dataset, config) of ``open``'s arguments, checked; ``ValueError`` with one line
    saying what is wrong."""
    from gdstudio.core.errors import StudioError

    try:
        return _session_input(x, y, settings)
    except StudioError as exc:
        raise ValueError(f"gdstudio train: {exc}") from None


def _session_input(x, y, settings: dict):
    import numpy as np

    from gdstudio.core.data.dataset import Dataset
    from gdstudio.core.errors import DataError

    config, float64 = _config_of(settings)
    dtype = "float64" if float64 else "float32"
    config.validate(dtype)
    if (x is None) != (y is None):
        raise DataError("give both x and y (the points' coordinates), or neither")
    if x is None:
        dataset = _default_data(config, dtype)
    else:
        columns = []
        for name, values in (("x", x), ("y", y)):
            try:
                column = np.asarray(values, dtype=np.float64)
            except (TypeError, ValueError):
                raise DataError(f"{name} must be a sequence of numbers") from None
            if column.ndim != 1:
                raise DataError(f"{name} must be a flat sequence of numbers, got an array of "
                                f"shape {column.shape}")
            columns.append(column)
        if columns[0].shape != columns[1].shape:
            raise DataError(f"x and y must have the same length, got {columns[0].size} and "
                            f"{columns[1].size}")
        for name, column in zip("xy", columns, strict=True):
            with np.errstate(over="ignore"):
                bad = np.flatnonzero(~np.isfinite(column.astype(dtype)))
            if bad.size:
                i = int(bad[0])
                raise DataError(f"{name}[{i}] = {float(column[i])!r} is not a finite {dtype} "
                                "number")
        dataset = Dataset(columns[0].astype(dtype), columns[1].astype(dtype))
    if config.model == "logistic":
        from gdstudio.core.models.logistic.labels import check_labels

        check_labels(dataset.y)
    return dataset, config


def _config_of(settings: dict):
    """(TrainConfig, float64) of ``gdstudio train``'s keywords, each as its option gives it
    (the defaults are the command line's: a drawn start, the model's loss)."""
    from gdstudio.core.errors import ConfigError
    from gdstudio.core.settings.config import TrainConfig
    from gdstudio.core.settings.description import SETTINGS, default_loss

    by_dest = {s.dest: s for s in SETTINGS if s.flag is not None}
    values = {s.name: (s.default if s.cli_default is ... else s.cli_default)
              for s in SETTINGS}
    float64 = False
    for key, value in settings.items():
        if key == "float64":
            float64 = _flag(key, value)
            continue
        s = by_dest.get(key)
        if s is None:
            raise ConfigError(f"unknown setting {key}={value!r} (the settings are "
                              "gdstudio train's options, with underscores: lr, epochs, "
                              "batch_size...)")
        if s.kind == "bool":
            value = _flag(key, value)
            values[s.name] = (not value) if s.cli_inverted else value
        else:
            values[s.name] = value
    if values["loss"] is None:
        values["loss"] = default_loss(values["model"])
    return TrainConfig(**values), float64


def _flag(key: str, value) -> bool:
    from gdstudio.core.errors import ConfigError

    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be True or False, got {value!r}")
    return value


def _default_data(config, dtype: str):
    """The data ``gdstudio train`` trains without ``--data``: the tutorial's noisy line (its
    stored points when the seed and type are the tutorial's: no PyTorch needed), or two
    overlapping classes for logistic regression."""
    if config.model == "logistic":
        from gdstudio.core.data.two_classes import two_classes

        return two_classes(seed=config.seed, dtype=dtype)
    if config.seed == 0 and dtype == "float32":
        from gdstudio.core.data.tutorial import tutorial_line

        return tutorial_line()
    from gdstudio.core.data.dataset import noisy_line

    return noisy_line(seed=config.seed, dtype=dtype)


def _check_display() -> None:
    """RuntimeError with ``gdstudio``'s one line when no window can open here."""
    from gdstudio.app import display_problem, release_display_check

    problem = display_problem()
    release_display_check()  # (the check's X connection: this process has no use for it)
    if problem is not None:
        raise RuntimeError(problem)


def _child_environment() -> dict[str, str]:
    """This process's environment, with the folder this ``gdstudio`` was imported from
    first on PYTHONPATH: the studio started is this one (a notebook may have found it
    through ``sys.path``)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([root, *[p for p in paths if p != root]])
    return env


def _own_session() -> dict:
    """Popen's arguments that put the studio in a process session (group) of its own: a
    Ctrl+C or a kernel's interrupt of this process does not reach it."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}
