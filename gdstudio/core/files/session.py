"""Session files (``.gdstudio``): the data, the settings, the kept runs, the current run, the
view options and a lesson, in one versioned JSON document. No Qt here.

The format is described key by key in the user guide (resources/guide/sessions-and-lessons.md).
In short::

    {"format": "gdstudio-session", "version": 2, "saved_by": "gdstudio 0.1.0",
     "data": {"dtype": "float32", "x": {column}, "y": {column}},
     "settings": {"model": "line", "method": "batch", "learning_rate": 0.1, ...},
     "view": {"log_scale": false, ...},
     "runs": [{"key": 1, "label": ..., "color": "#1f77b4", "visible": true, "stale": false,
               "summary": {...}, "history": {"loss": {column}, "w": {column}, "b": {column}},
               "path": {"w": {column}, "b": {column}}}],
     "next_run": 2, "current": null or {...}, "lesson": null or {...}}

Every column of numbers (x, y, and each run's loss, w, b and path) is written compactly
(:mod:`gdstudio.core.files.session_columns`): the base64 text of its little-endian bytes, with
its type, count and CRC-32, so every number comes back bit for bit. Format version 1 wrote
the numbers as JSON lists (Python's ``repr`` of each float64); such files still open, and
``compact=False`` still writes them. NaN and infinities are never written
(:class:`SessionError`). The settings are written from the settings description
(:data:`gdstudio.core.settings.description.SETTINGS`), so a setting added there is saved and read
with no change here; so are the view options, from theirs
(:data:`gdstudio.core.settings.view_description.VIEW_OPTIONS`).
The settings' ``model`` (``"line"``, or ``"logistic"`` for logistic regression, whose data's y
must all be labels 0 or 1) is one of them: a file without it opens as the line.

Version rule: ``version`` changes only when an older studio would misread a file. Adding a
key does not change it: a reader ignores keys it does not know (and says which), and takes
the default of a setting or view option the file does not have. A file of a higher version
is refused as a whole. The reader is :mod:`gdstudio.core.files.session_read`; writing goes through
the atomic writer (:mod:`gdstudio.core.atomic`): a session file is whole or untouched.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from gdstudio.core.atomic import write_files
from gdstudio.core.errors import StudioError
from gdstudio.core.files.lesson_rules import Lesson
from gdstudio.core.files.session_columns import Cancelled, Column, column_chunks
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import settings_values
from gdstudio.core.settings.view_description import VIEW_DEFAULTS, VIEW_OPTIONS
from gdstudio.core.training.results import RunSummary

FORMAT = "gdstudio-session"
#: 3: a model other than the line (a studio that reads version 2 knows only the line, and would
#: open such a file as a line); 2: the columns of numbers are compact (base64 of their bytes);
#: 1: JSON lists. A line's session is still written as version 2, which every studio since
#: compact columns reads.
VERSION = 3
#: The version of a compact file of the line.
LINE_VERSION = 2
#: The file name ending of a session.
SUFFIX = ".gdstudio"
#: The largest session file read (the largest CSV file read, too).
MAX_SESSION_BYTES = 1 << 30


class SessionError(StudioError):
    """A session file that cannot be read or written; the message names the file and what
    is wrong. Nothing in the studio has changed."""


#: The user cancelled a save (the file is as it was) or an open (nothing changed).
SessionCancelled = Cancelled

@dataclass
class RunRecord:
    """A run as a session keeps it: its summary and per-epoch history (float64), its path
    over (w, b) (rows, thinned as the studio draws it; None: none recorded) and, for a kept
    run, its list entry (key, label, colour, shown, stale)."""

    summary: RunSummary
    loss: np.ndarray
    w: np.ndarray
    b: np.ndarray
    path: np.ndarray | None = None
    key: int = 0
    label: str = ""
    color: str = ""
    visible: bool = True
    stale: bool = False
    #: The current run only: the start (w, b) and the samples and updates of an epoch.
    init: tuple[float, float] | None = None
    samples_per_epoch: int = 0
    updates_per_epoch: int = 0
    #: The current run only: it is among the kept runs.
    kept: bool = False


@dataclass
class Session:
    """Everything a session file holds."""

    x: np.ndarray
    y: np.ndarray
    dtype: str = "float32"
    settings: TrainConfig = field(default_factory=TrainConfig)
    view: dict = field(default_factory=lambda: dict(VIEW_DEFAULTS))
    runs: list[RunRecord] = field(default_factory=list)
    current: RunRecord | None = None
    next_run: int = 1
    lesson: Lesson | None = None
    #: Keys of the file this reader did not know and ignored (read only), e.g.
    #: ``settings.tolerance``.
    ignored: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- writing


#: Every setting of a config by its name in the settings description.
settings_json = settings_values


def _optimum_json(opt) -> dict | None:
    return None if opt is None else dataclasses.asdict(opt)


def summary_json(s: RunSummary) -> dict:
    """A :class:`RunSummary` as JSON values (its settings as :func:`settings_json`)."""
    return {
        "name": s.name, "w": float(s.w), "b": float(s.b),
        "loss": None if s.loss == "" else float(s.loss), "epochs_done": int(s.epochs_done),
        "status": str(s.status), "n_points": int(s.n_points), "dtype": s.dtype,
        "init_w": float(s.init_w), "init_b": float(s.init_b),
        "data_changed": bool(s.data_changed),
        "w_std": None if s.w_std is None else float(s.w_std),
        "b_std": None if s.b_std is None else float(s.b_std),
        "partial": None if s.partial is None else {
            "epoch": int(s.partial.epoch), "done": int(s.partial.done),
            "total": int(s.partial.total), "w": float(s.partial.w), "b": float(s.partial.b)},
        "optimum": _optimum_json(s.optimum), "lsq": _optimum_json(s.lsq),
        "stop": None if s.stop is None else {
            "epoch": int(s.stop.epoch), "rule": str(s.stop.rule), "value": float(s.stop.value),
            "tol": float(s.stop.tol)},
        "settings": settings_json(s.config),
    }


def _path_json(path, col) -> dict | None:
    if path is None:
        return None
    path = np.asarray(path, np.float64).reshape(-1, 2)
    return {"w": col(path[:, 0]), "b": col(path[:, 1])}


def _plain(array):
    return array


def run_json(run: RunRecord, current: bool, compact: bool = True) -> dict:
    col = Column if compact else _plain
    out = {"summary": None if run.summary is None else summary_json(run.summary),
           "history": {"loss": col(run.loss), "w": col(run.w), "b": col(run.b)},
           "path": _path_json(run.path, col)}
    if current:
        out.update(init=None if run.init is None else [float(v) for v in run.init],
                   samples_per_epoch=int(run.samples_per_epoch),
                   updates_per_epoch=int(run.updates_per_epoch), stale=bool(run.stale),
                   kept=bool(run.kept))
    else:
        out.update(key=int(run.key), label=run.label, color=run.color,
                   visible=bool(run.visible), stale=bool(run.stale))
    return out


def session_json(session: Session, saved_by: str = "", compact: bool = True) -> dict:
    """The session as a JSON object whose columns are still numpy arrays (see
    :func:`session_chunks`): :class:`Column` objects, or (``compact=False``, format version
    1) plain arrays written as lists."""
    col = Column if compact else _plain
    x, y = np.asarray(session.x), np.asarray(session.y)
    if session.settings.model != "line":
        version = VERSION  # (compact or not: an older studio must refuse it, not misread it)
    else:
        version = LINE_VERSION if compact else 1
    return {
        "format": FORMAT, "version": version, "saved_by": saved_by,
        "data": {"dtype": session.dtype, "x": col(x), "y": col(y)},
        "settings": settings_json(session.settings),
        "view": {v.name: session.view.get(v.name, v.default) for v in VIEW_OPTIONS},
        "runs": [run_json(run, False, compact) for run in session.runs],
        "next_run": int(session.next_run),
        "current": None if session.current is None else run_json(session.current, True,
                                                                 compact),
        "lesson": None if session.lesson is None else session.lesson.to_json(),
    }


#: Numbers per piece of text when an array is written as a list (format version 1).
CHUNK_NUMBERS = 65_536


def _array_chunks(array: np.ndarray, where: str) -> Iterator[str]:
    values = np.asarray(array, np.float64).ravel()
    if not np.isfinite(values).all():
        i = int(np.flatnonzero(~np.isfinite(values))[0])
        raise SessionError(f"Cannot save the session: {where}[{i}] is not a finite number.")
    yield "["
    for start in range(0, values.size, CHUNK_NUMBERS):
        piece = values[start:start + CHUNK_NUMBERS].tolist()
        yield ("," if start else "") + ",".join(map(float.__repr__, piece))
    yield "]"


def _column_chunks(column: Column, where: str, tick) -> Iterator[str]:
    try:
        yield from column_chunks(column, where, tick)
    except ValueError as exc:
        raise SessionError(f"Cannot save the session: {exc}.") from None


def json_chunks(value, where: str = "session", indent: str = "",
                tick: Callable[[int], None] | None = None) -> Iterator[str]:
    """JSON text of ``value`` in pieces: a :class:`Column` compactly, a numpy array number
    by number (never one huge string); NaN and infinities raise :class:`SessionError`
    naming where. ``tick(bytes)`` follows each piece of a column's numbers."""
    if isinstance(value, Column):
        yield from _column_chunks(value, where, tick)
    elif isinstance(value, np.ndarray):
        yield from _array_chunks(value, where)
    elif isinstance(value, dict):
        inner = indent + " "
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield f"{',' if i else ''}\n{inner}{json.dumps(key)}: "
            yield from json_chunks(item, f"{where}.{key}", inner, tick)
        yield f"\n{indent}}}" if value else "}"
    elif isinstance(value, (list, tuple)) and any(
            isinstance(v, (dict, list, tuple, np.ndarray, Column)) for v in value):
        yield "["
        for i, item in enumerate(value):
            yield "," if i else ""
            yield from json_chunks(item, f"{where}[{i}]", indent, tick)
        yield "]"
    else:
        try:
            yield json.dumps(value, allow_nan=False, ensure_ascii=False)
        except (ValueError, TypeError):
            raise SessionError(f"Cannot save the session: {where} is not a finite number "
                               "or a plain value.") from None


def _columns(value) -> Iterator[Column]:
    if isinstance(value, Column):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _columns(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _columns(item)


class _Ticker:
    """Counts the bytes of numbers written, reports them to ``progress(done, total)`` and
    raises :class:`SessionCancelled` once ``cancelled()`` says so."""

    def __init__(self, total: int, progress, cancelled):
        self.done, self.total = 0, total
        self.progress, self.cancelled = progress, cancelled

    def __call__(self, nbytes: int) -> None:
        self.done += nbytes
        if self.cancelled is not None and self.cancelled():
            raise SessionCancelled("The save was cancelled.")
        if self.progress is not None:
            self.progress(self.done, self.total)


def session_chunks(session: Session, saved_by: str = "", compact: bool = True,
                   progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> Iterator[str]:
    """The session file's text, in pieces (``compact=False``: format version 1, the
    columns as JSON lists). ``progress(done, total)`` is told the bytes of numbers written;
    once ``cancelled()`` is true, :class:`SessionCancelled` is raised."""
    doc = session_json(session, saved_by, compact)
    tick = None
    if progress is not None or cancelled is not None:
        tick = _Ticker(sum(c.nbytes for c in _columns(doc)), progress, cancelled)
        if cancelled is not None and cancelled():
            raise SessionCancelled("The save was cancelled.")
    yield from json_chunks(doc, tick=tick)
    yield "\n"


def write_session(path: str | os.PathLike, session: Session, saved_by: str = "",
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> None:
    """Write ``session`` to ``path`` atomically: the file is the whole new session or, after
    any error or a cancel, what it was (:mod:`gdstudio.core.atomic`: devices, pipes and
    folders are refused, a symbolic link is written through). ``progress`` and
    ``cancelled``: see :func:`session_chunks`.

    Raises
    ------
    SessionError
        A number is not finite (nothing is written), or the file cannot be written.
    SessionCancelled
        ``cancelled()`` became true before the file was complete (it is as it was).
    """
    from gdstudio.core.errors import ExportError

    try:  # (a NaN met while streaming leaves the file as it was, like any error)
        write_files([(path, session_chunks(session, saved_by, True, progress, cancelled))])
    except ExportError as exc:
        raise SessionError(str(exc)) from None
