"""Reading a session file: every value is checked before anything is used.

:func:`read_session` reads at most :data:`~gdstudio.core.files.session.MAX_SESSION_BYTES` of a
regular file (the checks the CSV reader makes: folders, devices, pipes and sockets are
refused), decodes UTF-8 JSON with no NaN, no infinity and no repeated key, and checks every
value's type, range, length and finiteness. The first problem raises one
:class:`~gdstudio.core.files.session.SessionError` naming the file and the place
(``runs[0].history.loss[12]: must be a finite number``). Only JSON is parsed: nothing in a
session is ever executed or imported.

A column of numbers is either a JSON list (format version 1) or a compact column (version 2:
:mod:`gdstudio.core.files.session_columns`, its length, base64 and checksum checked too); the
same checks follow either way. Memory: the file's bytes, then its text, then the parsed
document are each let go as soon as the next is made, and each column's base64 text once its
numbers are decoded, so that opening holds about twice the file's size at its peak.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable

import numpy as np

from gdstudio.core.data.csv_bytes import check_text, read_regular_file
from gdstudio.core.data.csv_read import SMALLEST
from gdstudio.core.data.dataset import DTYPES, first_bad_label, span_problem
from gdstudio.core.errors import ConfigError, DataError
from gdstudio.core.files.lesson_rules import LessonError, lesson_from_json
from gdstudio.core.files.session import (
    FORMAT,
    MAX_SESSION_BYTES,
    VERSION,
    RunRecord,
    Session,
    SessionCancelled,
    SessionError,
)
from gdstudio.core.files.session_columns import is_column, read_column
from gdstudio.core.files.session_values import (
    Bad,
    as_array,
    as_bool,
    as_choice,
    as_float,
    as_int,
    as_object,
    as_text,
    decode,
    note_ignored,
    required,
)
from gdstudio.core.models.line.optimum import Optimum
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import BY_NAME, SETTINGS
from gdstudio.core.settings.view_description import VIEW_BY_NAME, VIEW_DEFAULTS, VIEW_OPTIONS
from gdstudio.core.training.control import EpochProgress
from gdstudio.core.training.results import RunSummary
from gdstudio.core.training.runstate import RunStatus
from gdstudio.core.training.stoprule import RULE_WORDS, Converged

#: The most kept runs, and points of a path, a session may hold.
MAX_RUNS = 10_000
MAX_PATH_POINTS = 1_000_000
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_STATUSES = (RunStatus.DONE.value, RunStatus.STOPPED.value, RunStatus.DIVERGED.value,
             RunStatus.CONVERGED.value)
_RULES = tuple(RULE_WORDS)


#: The shares of an open's progress (out of :data:`PROGRESS_TOTAL`): the file read, its text
#: parsed, then its columns decoded and checked.
PROGRESS_TOTAL = 1000
_READ_SHARE, _PARSE_SHARE = 100, 300

Progress = Callable[[int, int], None] | None
Cancel = Callable[[], bool] | None


def read_session(path: str | os.PathLike, progress: Progress = None,
                 cancelled: Cancel = None) -> Session:
    """Read and check the session file ``path``. ``progress(done, total)`` is told how far
    it is (``total`` is :data:`PROGRESS_TOTAL`); once ``cancelled()`` is true,
    :class:`~gdstudio.core.files.session.SessionCancelled` is raised at the next step.

    Raises
    ------
    SessionError
        One sentence naming the file and what is wrong; nothing is returned half-read.
    """
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not name:
        raise SessionError("No session file given: the file name is empty.")
    _check_cancel(cancelled)
    try:
        raw = read_regular_file(name, MAX_SESSION_BYTES, "session file")
        start = check_text(name, raw)
    except DataError as exc:
        raise SessionError(str(exc).replace("CSV text", "session text")) from None
    if progress is not None:
        progress(_READ_SHARE, PROGRESS_TOTAL)
    _check_cancel(cancelled)
    box = [raw[start:] if start else raw]
    del raw  # (the box holds the only reference: _parse lets it go once decoded)
    return _parse(box, name, progress, cancelled)


def parse_session(raw: bytes | str, name: str = "the session", progress: Progress = None,
                  cancelled: Cancel = None) -> Session:
    """Check the text of a session file (``name`` starts every message)."""
    return _parse([raw], name, progress, cancelled)


def _check_cancel(cancelled: Cancel) -> None:
    if cancelled is not None and cancelled():
        raise SessionCancelled("The open was cancelled.")


def _decode_box(box: list, name: str):
    """The JSON document of the bytes or text in ``box`` (emptied on the way)."""
    try:
        text = box.pop()
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return decode(text)
    except UnicodeDecodeError:
        raise SessionError(f"{name}: is not UTF-8 text.") from None
    except RecursionError:
        raise SessionError(f"{name}: is nested too deeply to be a session.") from None
    except json.JSONDecodeError as exc:
        raise SessionError(f"{name}: is not a complete session file (JSON error at line "
                           f"{exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except (ValueError, OverflowError, MemoryError) as exc:
        why = str(exc)
        if "integer string conversion" in why:  # (Python's words name a Python setting)
            why = f"a number has more than {sys.get_int_max_str_digits():,} digits"
        raise SessionError(f"{name}: is not a valid session file ({why}).") from None


def _parse(box: list, name: str, progress: Progress, cancelled: Cancel) -> Session:
    doc = _decode_box(box, name)
    _check_cancel(cancelled)
    if progress is not None:
        progress(_READ_SHARE + _PARSE_SHARE, PROGRESS_TOTAL)
    try:
        return _session(doc, _Columns(doc, progress, cancelled))
    except Bad as exc:
        raise SessionError(f"{name}: {exc}") from None
    except (ValueError, TypeError, OverflowError, MemoryError, RecursionError) as exc:
        raise SessionError(f"{name}: is not a valid session file ({exc}).") from None


def _weight(value) -> int:
    """About how much work reading a column is (its text's length)."""
    if is_column(value):
        text = value.get("base64")
        return len(text) if isinstance(text, str) else 0
    return 8 * len(value) if isinstance(value, list) else 0


def _column_values(doc) -> list:
    """The columns a document has where the reader looks for them (for the progress)."""
    found = []
    if not isinstance(doc, dict):
        return found
    data = doc.get("data")
    if isinstance(data, dict):
        found += [data.get("x"), data.get("y")]
    runs = doc.get("runs")
    runs = runs if isinstance(runs, list) else []
    for run in [*runs, doc.get("current")]:
        if not isinstance(run, dict):
            continue
        for part, keys in (("history", ("loss", "w", "b")), ("path", ("w", "b"))):
            group = run.get(part)
            if isinstance(group, dict):
                found += [group.get(k) for k in keys]
    return found


class _Columns:
    """Reads the columns of a document (a list or a compact column), telling the progress
    and answering a cancel between two columns."""

    def __init__(self, doc, progress: Progress, cancelled: Cancel):
        self.progress, self.cancelled = progress, cancelled
        self.total = max(1, sum(_weight(v) for v in _column_values(doc))) if progress else 1
        self.done = 0

    def __call__(self, value, where: str, length: int | None = None,
                 limit: int | None = None) -> np.ndarray:
        _check_cancel(self.cancelled)
        weight = _weight(value) if self.progress is not None else 0
        if is_column(value):
            array = read_column(value, where, length, limit)
        else:
            array = as_array(value, where, length, limit)
        if self.progress is not None:
            self.done += weight
            start = _READ_SHARE + _PARSE_SHARE
            share = PROGRESS_TOTAL - start
            self.progress(start + min(share, share * self.done // self.total),
                          PROGRESS_TOTAL)
        return array


def _history_column(array: np.ndarray) -> np.ndarray:
    """A run's column as float64 (a float32 column widens exactly)."""
    return array if array.dtype == np.float64 else array.astype(np.float64)


# --------------------------------------------------------------------------- parts


def _settings(raw, where: str, ignored: list[str]) -> TrainConfig:
    """A TrainConfig from the settings by name: each checked by its description; a setting
    the file does not have takes its default (a file older than the setting)."""
    raw = as_object(raw, where)
    values = {}
    for s in SETTINGS:
        if s.name not in raw:
            continue
        value = raw[s.name]
        here = f"{where}.{s.name}"
        if s.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = as_float(value, here)
        problem = s.problem(value)
        if problem:
            raise Bad(here, problem[0].lower() + problem[1:])
        values[s.name] = value
    note_ignored(raw, BY_NAME, where, ignored)
    config = TrainConfig(**values)
    try:  # (standardizing does not apply without the bias: the studio keeps the box as set)
        (config if config.fit_bias else config.replace(standardize=False)).validate()
    except ConfigError as exc:
        raise Bad(where, str(exc)) from None
    return config


def _optimum(raw, where: str) -> Optimum | None:
    if raw is None:
        return None
    raw = as_object(raw, where)
    loss = as_float(raw.get("loss"), f"{where}.loss", optional=True)
    if loss is not None and loss < 0:
        raise Bad(f"{where}.loss", f"must not be negative, got {loss!r}")
    return Optimum(
        w=as_float(raw.get("w"), f"{where}.w", optional=True),
        b=as_float(raw.get("b"), f"{where}.b", optional=True),
        loss=loss,
        unique=as_bool(raw.get("unique", True), f"{where}.unique"),
        loss_fn=as_choice(raw.get("loss_fn", "mse"), BY_NAME["loss"].keys, f"{where}.loss_fn"),
        description=as_text(raw.get("description", ""), f"{where}.description"),
        note=as_text(raw.get("note", ""), f"{where}.note"),
        method=as_text(raw.get("method", "closed form"), f"{where}.method", 200),
        huber_delta=as_float(raw.get("huber_delta", 1.0), f"{where}.huber_delta",
                             positive=True))


def _summary(raw, where: str, ignored: list[str]) -> RunSummary:
    raw = as_object(raw, where)
    g = lambda key: required(raw, key, where)  # noqa: E731
    partial = raw.get("partial")
    if partial is not None:
        p = as_object(partial, f"{where}.partial")
        here = f"{where}.partial"
        total = as_int(required(p, "total", here), f"{here}.total", 1)
        partial = EpochProgress(
            as_int(required(p, "epoch", here), f"{here}.epoch"),
            as_int(required(p, "done", here), f"{here}.done", 1, total),
            total,
            as_float(required(p, "w", here), f"{here}.w"),
            as_float(required(p, "b", here), f"{here}.b"))
    stop = raw.get("stop")
    if stop is not None:
        here = f"{where}.stop"
        p = as_object(stop, here)
        stop = Converged(as_int(required(p, "epoch", here), f"{here}.epoch"),
                         as_choice(required(p, "rule", here), _RULES, f"{here}.rule"),
                         as_float(required(p, "value", here), f"{here}.value"),
                         as_float(required(p, "tol", here), f"{here}.tol"))
    loss = as_float(g("loss"), f"{where}.loss", optional=True)
    return RunSummary(
        config=_settings(g("settings"), f"{where}.settings", ignored),
        w=as_float(g("w"), f"{where}.w"), b=as_float(g("b"), f"{where}.b"),
        loss="" if loss is None else loss,
        epochs_done=as_int(g("epochs_done"), f"{where}.epochs_done"),
        status=as_choice(g("status"), _STATUSES, f"{where}.status"),
        n_points=as_int(g("n_points"), f"{where}.n_points"),
        dtype=as_choice(g("dtype"), tuple(DTYPES), f"{where}.dtype"),
        init_w=as_float(g("init_w"), f"{where}.init_w"),
        init_b=as_float(g("init_b"), f"{where}.init_b"),
        optimum=_optimum(raw.get("optimum"), f"{where}.optimum"),
        name=as_text(raw.get("name", ""), f"{where}.name", 200),
        lsq=_optimum(raw.get("lsq"), f"{where}.lsq"),
        data_changed=as_bool(raw.get("data_changed", False), f"{where}.data_changed"),
        partial=partial,
        w_std=as_float(raw.get("w_std"), f"{where}.w_std", optional=True),
        b_std=as_float(raw.get("b_std"), f"{where}.b_std", optional=True), stop=stop)


def _run(raw, where: str, current: bool, ignored: list[str], columns: _Columns) -> RunRecord:
    raw = as_object(raw, where)
    summary = raw.get("summary") if current else required(raw, "summary", where)
    summary = None if summary is None else _summary(summary, f"{where}.summary", ignored)
    h = as_object(required(raw, "history", where), f"{where}.history")
    loss = _history_column(columns(required(h, "loss", f"{where}.history"),
                                   f"{where}.history.loss"))
    n = len(loss)
    w = _history_column(columns(required(h, "w", f"{where}.history"), f"{where}.history.w", n))
    b = _history_column(columns(required(h, "b", f"{where}.history"), f"{where}.history.b", n))
    if summary is not None and summary.epochs_done != n:
        raise Bad(f"{where}.summary.epochs_done", f"is {summary.epochs_done:,} but the "
                   f"history has {n:,} epochs")
    path = raw.get("path")
    if path is not None:
        p = as_object(path, f"{where}.path")
        pw = columns(required(p, "w", f"{where}.path"), f"{where}.path.w",
                     limit=MAX_PATH_POINTS)
        pb = columns(required(p, "b", f"{where}.path"), f"{where}.path.b", len(pw))
        path = (np.column_stack([pw, pb]).astype(np.float64, copy=False) if len(pw)
                else np.empty((0, 2)))
    run = RunRecord(summary, loss, w, b, path,
                    stale=as_bool(raw.get("stale", False), f"{where}.stale"))
    if current:
        init = raw.get("init")
        if init is not None:
            if not isinstance(init, list) or len(init) != 2:
                raise Bad(f"{where}.init", "must be a list [w, b]")
            init = (as_float(init[0], f"{where}.init[0]"), as_float(init[1], f"{where}.init[1]"))
        elif n:
            raise Bad(f"{where}.init", "is missing (a run with epochs has a start)")
        run.init = init
        run.samples_per_epoch = as_int(raw.get("samples_per_epoch", 0),
                                     f"{where}.samples_per_epoch")
        run.updates_per_epoch = as_int(raw.get("updates_per_epoch", 0),
                                     f"{where}.updates_per_epoch")
        run.kept = as_bool(raw.get("kept", False), f"{where}.kept")
        if summary is None and (n or run.kept):
            raise Bad(f"{where}.summary", "is missing (the run has a result)")
    else:
        run.key = as_int(required(raw, "key", where), f"{where}.key", 1, 2**31 - 1)
        run.label = as_text(required(raw, "label", where), f"{where}.label", 1000)
        if any(ch in run.label for ch in "<>") or not run.label.isprintable():
            raise Bad(f"{where}.label", "must be plain text (no '<', '>' or control "
                      "characters: it is shown in tooltips)")
        color = as_text(required(raw, "color", where), f"{where}.color", 7)
        if not _COLOR.fullmatch(color):
            raise Bad(f"{where}.color", "must be a colour such as '#1f77b4'")
        run.color = color
        run.visible = as_bool(raw.get("visible", True), f"{where}.visible")
    return run


def _view(raw, ignored: list[str]) -> dict:
    """The view options by name, each checked by its description; an option the file does
    not have takes its default."""
    raw = as_object(raw, "view")
    view = dict(VIEW_DEFAULTS)
    for v in VIEW_OPTIONS:
        if v.name not in raw:
            continue
        value, here = raw[v.name], f"view.{v.name}"
        if v.kind == "bool":
            view[v.name] = as_bool(value, here)
        elif v.kind == "index":
            high = len(v.choices) - 1 if v.file_high is None else v.file_high
            view[v.name] = as_int(value, here, 0, high)
        else:
            view[v.name] = as_choice(value, v.keys, here)
    note_ignored(raw, VIEW_BY_NAME, "view", ignored)
    return view


_KEYS = ("format", "version", "saved_by", "data", "settings", "view", "runs", "next_run",
         "current", "lesson")


def _data(data: dict, dtype: str, columns: _Columns) -> tuple[np.ndarray, np.ndarray]:
    """The points, in ``dtype``: a float32 column is float32 already; a float64 one (or a
    list) of float32 data must hold float32 numbers (none beyond its range, none that would
    read as 0)."""
    x = columns(required(data, "x", "data"), "data.x")
    y = columns(required(data, "y", "data"), "data.y", len(x))
    if dtype == "float64":  # (a float32 column widens exactly)
        x, y = x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    elif x.dtype != np.float32 or y.dtype != np.float32:
        with np.errstate(over="ignore"):
            x32, y32 = x.astype(np.float32), y.astype(np.float32)
        for name, wide, narrow in (("x", x, x32), ("y", y, y32)):
            bad = np.flatnonzero(~np.isfinite(narrow))
            if bad.size:
                raise Bad(f"data.{name}[{int(bad[0])}]",
                           f"{float(wide[bad[0]])!r} is beyond float32's range")
            bad = np.flatnonzero((narrow == 0) & (wide != 0))
            if bad.size:  # (as a CSV file or a paste says it; a nonzero subnormal is kept)
                raise Bad(f"data.{name}[{int(bad[0])}]",
                           f"{float(wide[bad[0]])!r} is too small for float32: it would read "
                           f"as 0 (the smallest nonzero float32 is {SMALLEST['float32']})")
        x, y = x32, y32
    problem = span_problem(x, y)
    if problem:
        raise Bad("data", problem[0].lower() + problem[1:])
    return x, y


def _check_labels(y: np.ndarray) -> None:
    """Logistic regression's data: every y a label 0 or 1."""
    bad = first_bad_label(y)
    if bad is not None:
        raise Bad(f"data.y[{bad}]", f"is {float(y[bad])!r}, but logistic regression (the "
                  "session's model) needs labels 0 or 1")


def _session(doc, columns: _Columns) -> Session:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise Bad("format", "this is not a Gradient Descent Studio session (no "
                   f"\"format\": \"{FORMAT}\")")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Bad("version", "must be a whole number from 1")
    if version > VERSION:
        shown = f"{version:,}" if version < 10**6 else "far above any this studio knows"
        raise Bad("version", f"the file is format version {shown}, written by a newer "
                   f"Gradient Descent Studio; this one reads version {VERSION}. Nothing was "
                   "changed")
    ignored: list[str] = []
    data = as_object(required(doc, "data", ""), "data")
    dtype = as_choice(required(data, "dtype", "data"), tuple(DTYPES), "data.dtype")
    x, y = _data(data, dtype, columns)
    note_ignored(data, ("dtype", "x", "y"), "data", ignored)
    settings = _settings(doc.get("settings", {}), "settings", ignored)
    if settings.model == "logistic":
        _check_labels(y)
    view = _view(doc.get("view", {}), ignored)
    runs_raw = doc.get("runs", [])
    if not isinstance(runs_raw, list) or len(runs_raw) > MAX_RUNS:
        raise Bad("runs", f"must be a list of at most {MAX_RUNS:,} runs")
    runs = [_run(r, f"runs[{i}]", False, ignored, columns) for i, r in enumerate(runs_raw)]
    keys = [r.key for r in runs]
    if len(set(keys)) != len(keys):
        raise Bad("runs", "two kept runs have the same key")
    next_run = as_int(doc.get("next_run", max(keys, default=0) + 1), "next_run", 1, 2**31 - 1)
    if keys and next_run <= max(keys):
        raise Bad("next_run", f"must be above every kept run's key ({max(keys)})")
    current = doc.get("current")
    current = None if current is None else _run(current, "current", True, ignored, columns)
    lesson = doc.get("lesson")
    if lesson is not None:
        try:
            lesson = lesson_from_json(lesson)
        except LessonError as exc:
            raise Bad("lesson", str(exc)) from None
    note_ignored(doc, _KEYS, "", ignored)
    if doc.get("saved_by") is not None:
        as_text(doc["saved_by"], "saved_by", 200)
    return Session(x, y, dtype, settings, view, runs, current, next_run, lesson, ignored)
