"""Reading a session file: every value is checked before anything is used.

:func:`read_session` reads at most :data:`~gdstudio.core.session.MAX_SESSION_BYTES` of a
regular file (the checks the CSV reader makes: folders, devices, pipes and sockets are
refused), decodes UTF-8 JSON with no NaN, no infinity and no repeated key, and checks every
value's type, range, length and finiteness. The first problem raises one
:class:`~gdstudio.core.session.SessionError` naming the file and the place
(``runs[0].history.loss[12]: must be a finite number``). Only JSON is parsed: nothing in a
session is ever executed or imported.
"""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np

from .config import TrainConfig
from .csvfile import check_text, read_regular_file
from .data import DTYPES
from .errors import ConfigError, DataError
from .export import RunSummary
from .lesson import LessonError, lesson_from_json
from .optimum import Optimum
from .progress import EpochProgress
from .runstate import RunStatus
from .session import (
    FORMAT,
    MAX_SESSION_BYTES,
    VERSION,
    VIEW_DEFAULTS,
    VIEW_OPTIONS,
    RunRecord,
    Session,
    SessionError,
)
from .settings import BY_NAME, SETTINGS

#: The most kept runs, and points of a path, a session may hold.
MAX_RUNS = 10_000
MAX_PATH_POINTS = 1_000_000
#: The longest text (a label, a note) a session may hold.
MAX_TEXT = 10_000
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_STATUSES = (RunStatus.DONE.value, RunStatus.STOPPED.value, RunStatus.DIVERGED.value)


class _Bad(Exception):
    """A problem at a place in the document (turned into a SessionError)."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a finite number")


def _no_repeats(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key[:40]!r} appears twice in one object")
        out[key] = value
    return out


def decode(text: str):
    """The JSON value of ``text`` (no NaN or infinities, no repeated keys)."""
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_repeats)


def read_session(path: str | os.PathLike) -> Session:
    """Read and check the session file ``path``.

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
    try:
        raw = read_regular_file(name, MAX_SESSION_BYTES, "session file")
        start = check_text(name, raw)
    except DataError as exc:
        raise SessionError(str(exc).replace("CSV text", "session text")) from None
    return parse_session(raw[start:], name)


def parse_session(raw: bytes | str, name: str = "the session") -> Session:
    """Check the text of a session file (``name`` starts every message)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        doc = decode(text)
    except UnicodeDecodeError:
        raise SessionError(f"{name}: is not UTF-8 text.") from None
    except RecursionError:
        raise SessionError(f"{name}: is nested too deeply to be a session.") from None
    except json.JSONDecodeError as exc:
        raise SessionError(f"{name}: is not a complete session file (JSON error at line "
                           f"{exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except (ValueError, OverflowError, MemoryError) as exc:
        raise SessionError(f"{name}: is not a valid session file ({exc}).") from None
    try:
        return _session(doc)
    except _Bad as exc:
        raise SessionError(f"{name}: {exc}") from None
    except (ValueError, TypeError, OverflowError, MemoryError, RecursionError) as exc:
        raise SessionError(f"{name}: is not a valid session file ({exc}).") from None


# --------------------------------------------------------------------------- values


def _obj(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Bad(where, "must be an object")
    return value


def _get(obj: dict, key: str, where: str):
    if key not in obj:
        raise _Bad(f"{where}.{key}" if where else key, "is missing")
    return obj[key]


def _bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad(where, "must be true or false")
    return value


def _int(value, where: str, low: int = 0, high: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Bad(where, f"must be a whole number from {low} to {high}")
    return value


def _float(value, where: str, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(where, "must be a number")
    try:
        value = float(value)
    except OverflowError:
        raise _Bad(where, "must be a finite number") from None
    if not math.isfinite(value):
        raise _Bad(where, "must be a finite number")
    return value


def _text(value, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise _Bad(where, f"must be a text of at most {limit:,} characters")
    return value


def _array(value, where: str, length: int | None = None, limit: int | None = None):
    """A list of finite numbers as float64 (exact: JSON numbers read as float64)."""
    if not isinstance(value, list):
        raise _Bad(where, "must be a list of numbers")
    if length is not None and len(value) != length:
        raise _Bad(where, f"has {len(value):,} numbers; {length:,} expected")
    if limit is not None and len(value) > limit:
        raise _Bad(where, f"has {len(value):,} numbers; at most {limit:,} are read")
    kinds = set(map(type, value))
    if not kinds <= {float, int}:
        bad = next(i for i, v in enumerate(value) if type(v) not in (float, int))
        raise _Bad(f"{where}[{bad}]", "must be a number")
    try:
        array = np.array(value, dtype=np.float64)
    except OverflowError:
        array = np.array([_float(v, f"{where}[{i}]") for i, v in enumerate(value)],
                         dtype=np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        raise _Bad(f"{where}[{int(np.flatnonzero(~finite)[0])}]", "must be a finite number")
    return array


def _ignored(obj: dict, known, where: str, ignored: list[str]) -> None:
    for key in obj:
        if key not in known:
            ignored.append(f"{where}.{key}" if where else key)


# --------------------------------------------------------------------------- parts


def _settings(raw, where: str, ignored: list[str]) -> TrainConfig:
    """A TrainConfig from the settings by name: each checked by its description; a setting
    the file does not have takes its default (a file older than the setting)."""
    raw = _obj(raw, where)
    values = {}
    for s in SETTINGS:
        if s.name not in raw:
            continue
        value = raw[s.name]
        here = f"{where}.{s.name}"
        if s.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = _float(value, here)
        problem = s.problem(value)
        if problem:
            raise _Bad(here, problem[0].lower() + problem[1:])
        values[s.name] = value
    _ignored(raw, BY_NAME, where, ignored)
    config = TrainConfig(**values)
    try:
        config.validate()
    except ConfigError as exc:
        raise _Bad(where, str(exc)) from None
    return config


def _optimum(raw, where: str) -> Optimum | None:
    if raw is None:
        return None
    raw = _obj(raw, where)
    return Optimum(
        w=_float(raw.get("w"), f"{where}.w", optional=True),
        b=_float(raw.get("b"), f"{where}.b", optional=True),
        loss=_float(raw.get("loss"), f"{where}.loss", optional=True),
        unique=_bool(raw.get("unique", True), f"{where}.unique"),
        loss_fn=_choice(raw.get("loss_fn", "mse"), BY_NAME["loss"].keys, f"{where}.loss_fn"),
        description=_text(raw.get("description", ""), f"{where}.description"),
        note=_text(raw.get("note", ""), f"{where}.note"),
        method=_text(raw.get("method", "closed form"), f"{where}.method", 200),
        huber_delta=_float(raw.get("huber_delta", 1.0), f"{where}.huber_delta"))


def _choice(value, allowed, where: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise _Bad(where, f"must be one of {', '.join(map(str, allowed))}")
    return value


def _summary(raw, where: str, ignored: list[str]) -> RunSummary:
    raw = _obj(raw, where)
    g = lambda key: _get(raw, key, where)  # noqa: E731
    partial = raw.get("partial")
    if partial is not None:
        p = _obj(partial, f"{where}.partial")
        here = f"{where}.partial"
        partial = EpochProgress(
            _int(_get(p, "epoch", here), f"{here}.epoch"),
            _int(_get(p, "done", here), f"{here}.done"),
            _int(_get(p, "total", here), f"{here}.total"),
            _float(_get(p, "w", here), f"{here}.w"), _float(_get(p, "b", here), f"{here}.b"))
    loss = _float(g("loss"), f"{where}.loss", optional=True)
    return RunSummary(
        config=_settings(g("settings"), f"{where}.settings", ignored),
        w=_float(g("w"), f"{where}.w"), b=_float(g("b"), f"{where}.b"),
        loss="" if loss is None else loss,
        epochs_done=_int(g("epochs_done"), f"{where}.epochs_done"),
        status=_choice(g("status"), _STATUSES, f"{where}.status"),
        n_points=_int(g("n_points"), f"{where}.n_points"),
        dtype=_choice(g("dtype"), tuple(DTYPES), f"{where}.dtype"),
        init_w=_float(g("init_w"), f"{where}.init_w"),
        init_b=_float(g("init_b"), f"{where}.init_b"),
        optimum=_optimum(raw.get("optimum"), f"{where}.optimum"),
        name=_text(raw.get("name", ""), f"{where}.name", 200),
        lsq=_optimum(raw.get("lsq"), f"{where}.lsq"),
        data_changed=_bool(raw.get("data_changed", False), f"{where}.data_changed"),
        partial=partial,
        w_std=_float(raw.get("w_std"), f"{where}.w_std", optional=True),
        b_std=_float(raw.get("b_std"), f"{where}.b_std", optional=True))


def _run(raw, where: str, current: bool, ignored: list[str]) -> RunRecord:
    raw = _obj(raw, where)
    summary = raw.get("summary") if current else _get(raw, "summary", where)
    summary = None if summary is None else _summary(summary, f"{where}.summary", ignored)
    h = _obj(_get(raw, "history", where), f"{where}.history")
    loss = _array(_get(h, "loss", f"{where}.history"), f"{where}.history.loss")
    n = len(loss)
    w = _array(_get(h, "w", f"{where}.history"), f"{where}.history.w", n)
    b = _array(_get(h, "b", f"{where}.history"), f"{where}.history.b", n)
    if summary is not None and summary.epochs_done != n:
        raise _Bad(f"{where}.summary.epochs_done", f"is {summary.epochs_done:,} but the "
                   f"history has {n:,} epochs")
    path = raw.get("path")
    if path is not None:
        p = _obj(path, f"{where}.path")
        pw = _array(_get(p, "w", f"{where}.path"), f"{where}.path.w", limit=MAX_PATH_POINTS)
        pb = _array(_get(p, "b", f"{where}.path"), f"{where}.path.b", len(pw))
        path = np.column_stack([pw, pb]) if len(pw) else np.empty((0, 2))
    run = RunRecord(summary, loss, w, b, path,
                    stale=_bool(raw.get("stale", False), f"{where}.stale"))
    if current:
        init = raw.get("init")
        if init is not None:
            if not isinstance(init, list) or len(init) != 2:
                raise _Bad(f"{where}.init", "must be a list [w, b]")
            init = (_float(init[0], f"{where}.init[0]"), _float(init[1], f"{where}.init[1]"))
        elif n:
            raise _Bad(f"{where}.init", "is missing (a run with epochs has a start)")
        run.init = init
        run.samples_per_epoch = _int(raw.get("samples_per_epoch", 0),
                                     f"{where}.samples_per_epoch")
        run.updates_per_epoch = _int(raw.get("updates_per_epoch", 0),
                                     f"{where}.updates_per_epoch")
        run.kept = _bool(raw.get("kept", False), f"{where}.kept")
        if summary is None and (n or run.kept):
            raise _Bad(f"{where}.summary", "is missing (the run has a result)")
    else:
        run.key = _int(_get(raw, "key", where), f"{where}.key", 1, 2**31 - 1)
        run.label = _text(_get(raw, "label", where), f"{where}.label", 1000)
        color = _text(_get(raw, "color", where), f"{where}.color", 7)
        if not _COLOR.fullmatch(color):
            raise _Bad(f"{where}.color", "must be a colour such as '#1f77b4'")
        run.color = color
        run.visible = _bool(raw.get("visible", True), f"{where}.visible")
    return run


def _view(raw, ignored: list[str]) -> dict:
    raw = _obj(raw, "view")
    view = dict(VIEW_DEFAULTS)
    for name, (_default, allowed) in VIEW_OPTIONS.items():
        if name not in raw:
            continue
        value = raw[name]
        if allowed is bool:
            view[name] = _bool(value, f"view.{name}")
        elif isinstance(allowed, range):
            view[name] = _int(value, f"view.{name}", allowed.start, allowed.stop - 1)
        else:
            view[name] = _choice(value, allowed, f"view.{name}")
    _ignored(raw, VIEW_OPTIONS, "view", ignored)
    return view


_KEYS = ("format", "version", "saved_by", "data", "settings", "view", "runs", "next_run",
         "current", "lesson")


def _session(doc) -> Session:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _Bad("format", "this is not a Gradient Descent Studio session (no "
                   f"\"format\": \"{FORMAT}\")")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _Bad("version", "must be a whole number from 1")
    if version > VERSION:
        raise _Bad("version", f"the file is format version {version:,}, written by a newer "
                   f"Gradient Descent Studio; this one reads version {VERSION}. Nothing was "
                   "changed")
    ignored: list[str] = []
    data = _obj(_get(doc, "data", ""), "data")
    dtype = _choice(_get(data, "dtype", "data"), tuple(DTYPES), "data.dtype")
    x = _array(_get(data, "x", "data"), "data.x")
    y = _array(_get(data, "y", "data"), "data.y", len(x))
    if dtype == "float32":
        with np.errstate(over="ignore"):
            x32, y32 = x.astype(np.float32), y.astype(np.float32)
        for name, wide, narrow in (("x", x, x32), ("y", y, y32)):
            bad = np.flatnonzero(~np.isfinite(narrow))
            if bad.size:
                raise _Bad(f"data.{name}[{int(bad[0])}]",
                           f"{float(wide[bad[0]])!r} is beyond float32's range")
        x, y = x32, y32
    _ignored(data, ("dtype", "x", "y"), "data", ignored)
    settings = _settings(doc.get("settings", {}), "settings", ignored)
    view = _view(doc.get("view", {}), ignored)
    runs_raw = doc.get("runs", [])
    if not isinstance(runs_raw, list) or len(runs_raw) > MAX_RUNS:
        raise _Bad("runs", f"must be a list of at most {MAX_RUNS:,} runs")
    runs = [_run(r, f"runs[{i}]", False, ignored) for i, r in enumerate(runs_raw)]
    keys = [r.key for r in runs]
    if len(set(keys)) != len(keys):
        raise _Bad("runs", "two kept runs have the same key")
    next_run = _int(doc.get("next_run", max(keys, default=0) + 1), "next_run", 1, 2**31 - 1)
    if keys and next_run <= max(keys):
        raise _Bad("next_run", f"must be above every kept run's key ({max(keys)})")
    current = doc.get("current")
    current = None if current is None else _run(current, "current", True, ignored)
    lesson = doc.get("lesson")
    if lesson is not None:
        try:
            lesson = lesson_from_json(lesson)
        except LessonError as exc:
            raise _Bad("lesson", str(exc)) from None
    _ignored(doc, _KEYS, "", ignored)
    if doc.get("saved_by") is not None:
        _text(doc["saved_by"], "saved_by", 200)
    return Session(x, y, dtype, settings, view, runs, current, next_run, lesson, ignored)
