"""What a run of the Python API trains on: the points ``x``, ``y`` and the keywords of
``gdstudio.train`` (and ``gdstudio.open``), turned into the data set and settings that
``gdstudio train`` would make of them.

The keywords are ``gdstudio train``'s options with underscores (``lr=0.05``,
``batch_size=10``, ``no_bias=True``, ``slope=2.0``...). They are written out as that
command's arguments and read by its own parser and preparation
(:func:`gdstudio.cli.main.build_parser`, :func:`gdstudio.cli.main.prepare`), so the defaults,
the checks and the messages are the command line's: a bad value raises :class:`ValueError`
with the message ``gdstudio train`` prints, without its ``gdstudio train: `` prefix and its
``(see 'gdstudio train --help')`` tail. The output options (``history``, ``params``,
``figure``, ``script``, ``notebook``, ``quiet``) are refused, each saying what to use instead.

``x`` and ``y`` (any 1-D sequences of numbers of the same length: lists, numpy arrays,
pandas Series, torch tensors) become float64 numbers and then the data type of the run,
float32 (float64 with ``float64=True``), as the command line's CSV reader turns the text of a
cell into a number; NaN, infinity, a number the data type cannot hold and (for logistic
regression) a label other than 0 or 1 are refused, each with one line naming the point.
"""

from __future__ import annotations

import decimal
import difflib
import numbers
import os

import numpy as np

#: The options of ``gdstudio train`` that name output files or printing, and what to use in
#: their place from Python.
OUTPUT_KEYWORDS = {
    "history": "gdstudio.train returns the history: run.epoch, run.loss, run.w, run.b, and "
               "run.table() for the epoch,loss,w,b text",
    "params": "gdstudio.train returns the parameters file's columns as run.summary",
    "figure": "plot run.loss and the data with matplotlib, or see the run in the studio "
              "with gdstudio.open(x, y, ...)",
    "script": "write the run's script with the command line, gdstudio train ... --script "
              "FILE.py",
    "notebook": "write the run's notebook with the command line, gdstudio train ... "
                "--notebook FILE.ipynb",
    "quiet": "gdstudio.train prints nothing",
}
#: The options that give the data: none of them goes with ``x`` and ``y``, and what each is
#: for in words.
DATA_KEYWORDS = {
    "data": "a CSV file's points", "session": "a session's data and settings",
    "generate": "the tutorial's noisy line", "slope": "the tutorial's noisy line",
    "intercept": "the tutorial's noisy line", "noise": "the tutorial's noisy line",
    "x_min": "the tutorial's noisy line", "x_max": "the tutorial's noisy line",
    "x_step": "the tutorial's noisy line", "n_points": "the tutorial's noisy line",
}


def _actions() -> dict:
    """``gdstudio train``'s options by keyword (their ``dest``), in the parser's order."""
    from gdstudio.cli.main import build_parser

    return {a.dest: a for a in build_parser()._actions if a.option_strings and a.dest != "help"}


def keywords() -> tuple[str, ...]:
    """The keywords ``gdstudio.train`` takes: ``gdstudio train``'s options with
    underscores, but the outputs."""
    return tuple(name for name in _actions() if name not in OUTPUT_KEYWORDS)


def _unknown(name: str, actions: dict) -> str:
    """The message for a keyword ``gdstudio train`` has no option for: the closest one."""
    from gdstudio.core.settings.description import SETTINGS

    aliases = {s.name: s.dest for s in SETTINGS if s.dest is not None and s.dest != s.name}
    candidates = [*actions, *aliases]
    best = difflib.get_close_matches(name, candidates, n=1, cutoff=0.0)[0]
    best = aliases.get(best, best)
    return (f"unknown setting {name!r}; the closest is {best!r} (the settings are "
            "gdstudio train's options with underscores: see help(gdstudio.train))")


def _text(action, value) -> str:
    """The command-line text of a keyword's value (the parser says what is wrong with it)."""
    from gdstudio.cli.main import _float, _int

    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fsdecode(os.fspath(value))
    if not isinstance(value, (bool, np.bool_)):
        try:
            if action.type is _float and isinstance(value, numbers.Real):
                return repr(float(value))  # (the exact value: repr reads back as it)
            if action.type is _int and isinstance(value, numbers.Integral):
                return str(int(value))
        except (OverflowError, ValueError):
            pass
    return str(value)


def train_argv(settings: dict) -> list[str]:
    """The arguments of ``gdstudio train`` that ``settings`` (``gdstudio.train``'s keywords)
    stand for; a keyword of ``None`` is not given. Raises :class:`ValueError` for a keyword
    that is no option, an output option, or a flag that is not ``True`` or ``False``."""
    actions = _actions()
    argv = []
    for name, value in settings.items():
        if name in OUTPUT_KEYWORDS:
            raise ValueError(f"{name} is an output of the command line; {OUTPUT_KEYWORDS[name]}")
        if name not in actions:
            raise ValueError(_unknown(name, actions))
        if value is None:
            continue
        action = actions[name]
        if action.nargs == 0:  # a flag: --shuffle, --no-bias, --float64...
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {value!r}")
            if value:
                argv.append(action.option_strings[0])
            continue
        argv.append(f"{action.option_strings[0]}={_text(action, value)}")
    return argv


def message(exc: BaseException) -> str:
    """The command line's message for ``exc``, without ``gdstudio train: `` and the
    ``(see 'gdstudio train --help')`` tail."""
    text = str(exc)
    prefix, tail = "gdstudio train: ", " (see 'gdstudio train --help')"
    text = text.removeprefix(prefix)
    return text.removesuffix(tail)


# --------------------------------------------------------------------------- the points


def _shown(value: float) -> str:
    """A number as short as it reads back: ``2`` rather than ``2.0``, else its repr."""
    text = f"{value:g}"
    return text if float(text) == value else repr(value)


def _elements(values, name: str) -> np.ndarray:
    """A 1-D numpy array of ``values`` as given (a torch tensor is detached and moved to the
    CPU, without importing torch here)."""
    if callable(getattr(values, "to_numpy", None)) and not hasattr(values, "__array__"):
        values = values.to_numpy()  # (a data frame's column that numpy cannot read as such)
    if callable(getattr(values, "detach", None)) and callable(getattr(values, "cpu", None)):
        values = values.detach().cpu()
        if not callable(getattr(values, "numpy", None)) or str(values.dtype) in (
                "torch.bfloat16", "torch.complex32"):
            values = values.double()
    elif (not hasattr(values, "__len__") and hasattr(values, "__iter__")
          and not isinstance(values, (str, bytes))):
        values = list(values)  # (a generator)
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):  # lists of different lengths
        raise ValueError(f"{name} must be one-dimensional: a sequence of numbers, one per "
                         "point") from None
    if arr.ndim != 1:
        got = f"{values!r}"[:40] if arr.ndim == 0 else f"an array of shape {arr.shape}"
        hint = "" if arr.ndim == 0 or 1 not in arr.shape[:2] or arr.ndim > 2 else (
            f" (a column: pass {name}.ravel(), or {name}.view(-1) for a tensor)")
        raise ValueError(f"{name} must be one-dimensional: a sequence of numbers, one per "
                         f"point; got {got}{hint}")
    return arr


def _float64(values, name: str) -> np.ndarray:
    """``values`` as float64 numbers (each one the nearest float64, as ``float()`` of its
    text would give); :class:`ValueError` naming the first that is not a number."""
    arr = _elements(values, name)
    kind = arr.dtype.kind
    if kind in "fiub" or not len(arr):  # floats, integers, unsigned integers, booleans
        return arr.astype(np.float64)
    if kind == "c":
        raise ValueError(f"{name} holds complex numbers; give real numbers")
    # (a list of numbers and text is an array of text: look at the values as given)
    given = values if isinstance(values, (list, tuple)) else arr.tolist()
    for i, value in enumerate(given):
        if not isinstance(value, (numbers.Real, decimal.Decimal, np.bool_)):
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise ValueError(f"{name}[{i}] is {shown}, not a number")
    out = np.empty(len(given), dtype=np.float64)
    for i, value in enumerate(given):
        try:
            out[i] = float(value)
        except OverflowError:  # (an integer beyond float64: 2**1100)
            shown = f"{decimal.Decimal(value):.6g}" if isinstance(value, numbers.Integral) \
                else repr(value)
            raise ValueError(f"{name}[{i}] = {shown} is too large for float64 (largest "
                             "1.79769e+308).") from None
    return out


def _check(values: np.ndarray, name: str, dtype: str) -> None:
    """Refuse what the CSV reader refuses in a cell: NaN, infinity, and a number ``dtype``
    cannot hold (too large, or so small it would read as 0)."""
    from gdstudio.core.data.csv_read import FLOAT32_MAX

    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        what = "NaN" if np.isnan(values[i]) else "infinite"
        raise ValueError(f"{name}[{i}] is {what}; only finite numbers are allowed.")
    if dtype != "float32":
        return
    with np.errstate(over="ignore", under="ignore"):
        stored = values.astype(np.float32)
    hint = "; read it as float64 (float64=True)"
    bad = np.flatnonzero(np.isinf(stored))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = {float(values[i])!r} is too large for float32 (largest "
                         f"{FLOAT32_MAX:.6g}){hint}.")
    bad = np.flatnonzero((stored == 0) & (values != 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = {float(values[i])!r} is too small for float32: it would "
                         f"read as 0 (the smallest nonzero float32 is 1.4e-45){hint}.")


def points(x, y, dtype: str, labels: bool = False):
    """The :class:`~gdstudio.core.data.dataset.Dataset` of the points ``x``, ``y`` in
    ``dtype``, made as the CSV reader makes it (``labels``: y are logistic regression's
    labels, 0 or 1); :class:`ValueError` with one line for points it would refuse."""
    from gdstudio.core.data.csv_read import label_problem, points_dataset

    xs, ys = _float64(x, "x"), _float64(y, "y")
    if len(xs) != len(ys):
        raise ValueError(f"x and y must have the same length, a y for each x; got {len(xs)} "
                         f"x and {len(ys)} y")
    _check(xs, "x", dtype)
    if labels:
        bad = np.flatnonzero((ys != 0) & (ys != 1))
        if bad.size:
            i = int(bad[0])
            shown = _shown(float(ys[i])) if np.isfinite(ys[i]) else repr(float(ys[i]))
            raise ValueError(f"y[{i}]: {label_problem(shown, float(ys[i]))}")
    _check(ys, "y", dtype)
    return points_dataset(xs, ys, dtype, labels)


# --------------------------------------------------------------------------- together


def prepared(x, y, settings: dict):
    """``(dataset, config, session)`` of a run of the Python API on ``x``, ``y`` (both None:
    the command line's own data, or ``data``'s file or ``session``'s) with ``settings``,
    made and checked by ``gdstudio train``'s own code; ``session`` is the session read, or
    None. Raises :class:`ValueError` with the command line's message (see the module's
    docstring)."""
    from gdstudio.cli.main import UsageError, build_parser, given_options, prepare
    from gdstudio.core.errors import StudioError

    if (x is None) != (y is None):
        raise ValueError("give both x and y (the points), or neither (the tutorial's noisy "
                         "line, or data=FILE.csv, or session=FILE.gdstudio)")
    argv = train_argv(settings)
    if x is not None:
        for name in DATA_KEYWORDS:
            value = settings.get(name)
            if value is not None and value is not False and value is not np.False_:
                raise ValueError(f"{name} cannot be given with x and y: x and y are the data "
                                 f"(leave them out to train on {DATA_KEYWORDS[name]})")
    try:
        args = build_parser().parse_args(argv)
        made = None if x is None else (lambda dtype, labels: points(x, y, dtype, labels))
        return prepare(args, given_options(argv), made)
    except (UsageError, StudioError) as exc:
        raise ValueError(message(exc)) from None
