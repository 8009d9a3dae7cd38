"""Reading a session file: every value is checked before anything is used.

:func:`read_session` reads at most :data:`~gdstudio.core.files.session.MAX_SESSION_BYTES` of a
regular file (the checks the CSV reader makes: folders, devices, pipes and sockets are
refused), decodes UTF-8 JSON with no NaN, no infinity and no repeated key, and checks every
value's type, range, length and finiteness. The first problem raises one
:class:`~gdstudio.core.files.session.SessionError` naming the file and the place
(``runs[0].history.loss[12]: must be a finite number``). Only JSON is parsed: nothing in a
session is ever executed or imported.
"""

from __future__ import annotations

import json
import os
import re
import sys

import numpy as np

from gdstudio.core.data.csv_bytes import check_text, read_regular_file
from gdstudio.core.data.csv_read import SMALLEST
from gdstudio.core.data.dataset import DTYPES, span_problem
from gdstudio.core.errors import ConfigError, DataError
from gdstudio.core.files.lesson_rules import LessonError, lesson_from_json
from gdstudio.core.files.session import (
    FORMAT,
    MAX_SESSION_BYTES,
    VERSION,
    RunRecord,
    Session,
    SessionError,
)
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
        why = str(exc)
        if "integer string conversion" in why:  # (Python's words name a Python setting)
            why = f"a number has more than {sys.get_int_max_str_digits():,} digits"
        raise SessionError(f"{name}: is not a valid session file ({why}).") from None
    try:
        return _session(doc)
    except Bad as exc:
        raise SessionError(f"{name}: {exc}") from None
    except (ValueError, TypeError, OverflowError, MemoryError, RecursionError) as exc:
        raise SessionError(f"{name}: is not a valid session file ({exc}).") from None


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


def _run(raw, where: str, current: bool, ignored: list[str]) -> RunRecord:
    raw = as_object(raw, where)
    summary = raw.get("summary") if current else required(raw, "summary", where)
    summary = None if summary is None else _summary(summary, f"{where}.summary", ignored)
    h = as_object(required(raw, "history", where), f"{where}.history")
    loss = as_array(required(h, "loss", f"{where}.history"), f"{where}.history.loss")
    n = len(loss)
    w = as_array(required(h, "w", f"{where}.history"), f"{where}.history.w", n)
    b = as_array(required(h, "b", f"{where}.history"), f"{where}.history.b", n)
    if summary is not None and summary.epochs_done != n:
        raise Bad(f"{where}.summary.epochs_done", f"is {summary.epochs_done:,} but the "
                   f"history has {n:,} epochs")
    path = raw.get("path")
    if path is not None:
        p = as_object(path, f"{where}.path")
        pw = as_array(required(p, "w", f"{where}.path"), f"{where}.path.w", limit=MAX_PATH_POINTS)
        pb = as_array(required(p, "b", f"{where}.path"), f"{where}.path.b", len(pw))
        path = np.column_stack([pw, pb]) if len(pw) else np.empty((0, 2))
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


def _session(doc) -> Session:
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
    x = as_array(required(data, "x", "data"), "data.x")
    y = as_array(required(data, "y", "data"), "data.y", len(x))
    if dtype == "float32":
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
    note_ignored(data, ("dtype", "x", "y"), "data", ignored)
    settings = _settings(doc.get("settings", {}), "settings", ignored)
    view = _view(doc.get("view", {}), ignored)
    runs_raw = doc.get("runs", [])
    if not isinstance(runs_raw, list) or len(runs_raw) > MAX_RUNS:
        raise Bad("runs", f"must be a list of at most {MAX_RUNS:,} runs")
    runs = [_run(r, f"runs[{i}]", False, ignored) for i, r in enumerate(runs_raw)]
    keys = [r.key for r in runs]
    if len(set(keys)) != len(keys):
        raise Bad("runs", "two kept runs have the same key")
    next_run = as_int(doc.get("next_run", max(keys, default=0) + 1), "next_run", 1, 2**31 - 1)
    if keys and next_run <= max(keys):
        raise Bad("next_run", f"must be above every kept run's key ({max(keys)})")
    current = doc.get("current")
    current = None if current is None else _run(current, "current", True, ignored)
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
