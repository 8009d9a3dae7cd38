"""Reading a data set from a CSV file.

What is read
------------
Two numeric columns x and y, with an optional header, in UTF-8 text (a byte-order mark is
ignored) with LF, CRLF or CR line ends. A header names the columns ``x`` and ``y``, or ``x``
and ``label``; without one (or with other names) the first two columns are x and y. The
separator is found on the first non-blank line: a semicolon if it has one, else a tab, else
a comma. Files separated by semicolons or tabs
may write decimal commas (``1,5;2,25``, as European spreadsheets do), but one file uses one
decimal mark. Blank lines are skipped.

What is refused
---------------
Each with one :class:`DataError` naming the file (and the line and column where they apply):
an empty path; anything that is not a regular file (a folder, a device such as /dev/zero, a
named pipe, a socket), found with ``stat`` before opening and checked again with ``fstat``
on the opened file, which is opened non-blocking so that a pipe swapped in meanwhile never
blocks; a file larger than :data:`MAX_CSV_BYTES`; text that is not UTF-8, or binary; a row
with fewer cells than x and y need; a row with more non-blank cells than the header names
(without a header: more than two), so that ``2,1,000`` is never read as (2, 1); a cell that
is not a plain decimal number; NaN or infinity; a value too large for the data type; and a
value that underflows it (see :func:`_check_value`).

Labels (logistic regression)
----------------------------
``read_dataset(path, labels=True)`` reads y as class labels: every y must be a number equal to
0 or 1 (``0``, ``1``, ``0.0``, ``1.0``, ``1e0``, ``-0`` read as 0), and anything else, words such as
``true``, ``false`` or ``yes`` included, is refused naming its line and value:
``data.csv, line 7, column 2: the label must be 0 or 1, got 0.5.`` With both a ``y`` and a
``label`` column in the header, the ``label`` column is read. The data set's y are then 0.0 and
1.0 (:func:`gdstudio.core.data.csv_io.write_dataset` writes them under the header ``x,y``, which
reads back the same either way).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import re
from array import array
from collections.abc import Callable

import numpy as np

from gdstudio.core.data.csv_bytes import check_text, read_regular_file
from gdstudio.core.data.dataset import DTYPES, Dataset, _dtype_name
from gdstudio.core.errors import DataError

#: The largest CSV file read: 1 GiB. The studio generates up to 10 million points, which
#: write_dataset saves in about 0.4 GB (at most 50 bytes a row at full float64 precision,
#: 0.5 GB); 1 GiB leaves room for padded or wider files (about 20 million such rows). Reading
#: one takes the file's size in memory plus 16 bytes a row.
MAX_CSV_BYTES = 1 << 30

FLOAT32_MAX = float(np.finfo(np.float32).max)
# Numbers below this round to a finite float32 (FLOAT32_MAX plus half an ulp rounds to inf),
# so that float32's own text for its largest value, '3.4028235e+38', still reads.
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103
# Numbers up to this in size round to 0 in float32 (half the smallest subnormal, a tie to 0).
FLOAT32_ZERO = 2.0**-150
SMALLEST = {"float32": "1.4e-45", "float64": "4.9e-324"}
FLOAT64_HINT = "; read it as float64 (gdstudio train --float64)"

SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# A plain decimal number, with a point or (when the file allows it) a comma as decimal mark.
_NUMBER = re.compile(r"([+-]?(?:[0-9]+(?:([.,])[0-9]*)?|([.,])[0-9]+))(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE | re.ASCII)
# Only text with an exponent of -100 or below, or a run of 100 zeros, can underflow float64
# (that needs 10^-323): the fast reader sends such files with a zero to the careful one.
_TINY = re.compile(rb"[eE]-0*[1-9][0-9]{2}|0{100}")
_NOT_SPACE = re.compile(rb"\S")
_COMMA_TO_POINT = bytes.maketrans(b",", b".")
#: Bytes parsed between two progress reports (and numpy parser calls): about 7,000 rows,
#: 10 ms of holding the interpreter lock.
CHUNK_BYTES = 1 << 18
#: Rows of the careful (pure Python) parser between two progress reports.
CAREFUL_ROWS = 8192


class ReadCancelled(Exception):
    """The read was cancelled (``cancelled()`` returned True); nothing was returned."""


class _Progress:
    """Reports progress and checks for cancelling; does nothing without callbacks."""

    def __init__(self, progress, cancelled):
        self.progress, self.cancelled, self.total = progress, cancelled, 0

    def __call__(self, done: int) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ReadCancelled
        if self.progress is not None:
            self.progress(min(done, self.total), self.total)


def read_dataset(path: str | os.PathLike, dtype: str = "float32",
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None,
                 labels: bool = False) -> Dataset:
    """Read two numeric columns x, y (header optional) into a :class:`Dataset`.

    If a header names columns ``x`` and ``y`` (or ``x`` and ``label``) those are used,
    otherwise the first two; further columns need a header of their own. ``labels``: y holds
    class labels for logistic regression, each 0 or 1 (the data set's y are 0.0 and 1.0). See
    the module's docstring for what is read and what is refused.

    For a reader on a worker thread: ``progress(done, total)`` is called with the bytes
    parsed so far and the file's size, every :data:`CHUNK_BYTES` or so and at the end;
    ``cancelled()`` is checked as often, and when it returns True :class:`ReadCancelled` is
    raised. numpy's parser holds the interpreter lock, so the file is parsed in pieces of
    :data:`CHUNK_BYTES` (about 10 ms each): other threads run in between.

    Raises
    ------
    DataError
        One line naming the file, and the line and column where it applies. Nothing is
        returned half-loaded.
    ReadCancelled
        ``cancelled()`` returned True.
    """
    name = _dtype_name(dtype)
    text_path = os.fspath(path)
    if isinstance(text_path, bytes):
        text_path = os.fsdecode(text_path)
    if text_path == "":
        raise DataError("No data file given: the file name is empty.")
    watch = _Progress(progress, cancelled)
    raw = read_regular_file(text_path, MAX_CSV_BYTES)
    watch.total = len(raw)
    watch(0)
    start = check_text(text_path, raw)
    result = _parse_fast(raw, start, name, watch, labels)
    if result is None:
        watch(0)
        result = _parse_careful(text_path, raw, name, watch, labels)
    watch(len(raw))
    del raw  # before the copies below
    return points_dataset(*result, name, labels)


def points_dataset(xs, ys, dtype: str, labels: bool = False) -> Dataset:
    """The :class:`Dataset` of the parsed columns (labels: a -0 label is stored as 0)."""
    y = np.asarray(ys, dtype=DTYPES[dtype])
    return Dataset(np.asarray(xs, dtype=DTYPES[dtype]), np.abs(y) if labels else y)


# --------------------------------------------------------------------------- cells


#: What a header may call the y column: ``y`` first, then ``label`` (labels: the other way round).
Y_NAMES = ("y", "label")


def _columns(names: list[str], labels: bool) -> tuple[int, int] | None:
    """The (x, y) columns a header names, or None (then the first two are used)."""
    if "x" not in names:
        return None
    for name in (Y_NAMES[::-1] if labels else Y_NAMES):
        if name in names:
            return names.index("x"), names.index(name)
    return None


def label_problem(cell: str, value: float | None) -> str | None:
    """Why a y cell is not a class label (``value``: its number, None if it is not one)."""
    if value is not None and value in (0.0, 1.0):
        return None
    shown = cell if value is not None else repr(cell[:40])
    return f"the label must be 0 or 1, got {shown}."


def _find_separator(line: str) -> str | None:
    """The separator a first line uses: semicolon, else tab, else comma; None if none."""
    bare = re.sub(r'"[^"]*"', "", line)
    for sep in (";", "\t", ","):
        if sep in bare:
            return sep
    return None


def _number(cell: str, decimal_comma: bool):
    """``(value, mark)`` for a plain number (mark is '.', ',' or None); None otherwise."""
    text = cell.strip()
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    mark = match.group(2) or match.group(3)
    if mark == "," and not decimal_comma:
        return None
    return float(text.replace(",", ".")), mark


def _is_number(cell: str, decimal_comma: bool) -> bool:
    return _NON_FINITE.fullmatch(cell.strip()) is not None or (
        _number(cell, decimal_comma) is not None)


def _check_value(value: float, text: str, dtype: str) -> str | None:
    """Why a number cannot be stored in ``dtype`` (without the place), or None.

    Too large: it rounds to infinity. Too small: the text is not zero but the value rounds to
    zero. A nonzero value that rounds to a nonzero subnormal (float32 down to 1.4e-45) is kept:
    it is the nearest value the type has, as for any other rounding.
    """
    mantissa = re.split("[eE]", text, maxsplit=1)[0]
    nonzero = any(c in "123456789" for c in mantissa)
    hint = FLOAT64_HINT if dtype == "float32" else ""
    if math.isinf(value) or (dtype == "float32" and abs(value) >= FLOAT32_OVERFLOW):
        largest = f"{FLOAT32_MAX:.6g}" if dtype == "float32" else "1.79769e+308"
        return f"{text} is too large for {dtype} (largest {largest}){hint}."
    stored = value if dtype == "float64" else float(np.float32(value))
    if nonzero and stored == 0.0:
        return (f"{text} is too small for {dtype}: it would read as 0 (the smallest nonzero "
                f"{dtype} is {SMALLEST[dtype]}){hint}.")
    return None


# --------------------------------------------------------------------------- fast path


def _load_chunks(data: bytes, body: int, sep: str, watch: _Progress) -> np.ndarray | None:
    """numpy's reader on ``data[body:]``, :data:`CHUNK_BYTES` of whole lines at a time, into
    one (rows, 2) float64 array; None if a piece is not two columns of numbers."""
    out = np.empty((data.count(b"\n", body) + 1, 2))
    filled, pos, size = 0, body, len(data)
    while pos < size:
        watch(pos)
        end = data.find(b"\n", min(pos + CHUNK_BYTES, size))
        end = size if end < 0 else end + 1
        if _NOT_SPACE.search(data, pos, end) is not None:
            try:
                part = np.loadtxt(io.BytesIO(data[pos:end]), delimiter=sep, dtype=np.float64,
                                  ndmin=2, comments=None, encoding="utf-8")
            except (ValueError, IndexError, UnicodeError):
                return None
            if part.shape[1] != 2:
                return None
            out[filled:filled + len(part)] = part
            filled += len(part)
        pos = end
    return out[:filled]


def _parse_fast(raw: bytes, start: int, dtype: str, watch: _Progress, labels: bool = False):
    """numpy's C reader for plain two-column files; None means use the careful parser.

    It takes no quotes, no underscores and no lone CR, and sends anything it cannot read, or
    any value to be refused, to the careful parser, which says why.
    """
    if raw.find(b'"', start) >= 0 or raw.find(b"_", start) >= 0:
        return None
    if raw.count(b"\r", start) != raw.count(b"\r\n", start):
        return None
    newline = raw.find(b"\n", start)
    end = len(raw) if newline < 0 else newline
    first = raw[start:end].decode("utf-8")
    sep = _find_separator(first)
    if sep is None or not first.strip():
        return None
    cells = first.split(sep)
    if len(cells) != 2:
        return None
    decimal_comma = sep != ","
    numeric = [_is_number(c, decimal_comma) for c in cells]
    cols = (0, 1)
    body = start
    if not any(numeric):
        cols = _columns([c.strip().lower() for c in cells], labels) or (0, 1)
        body = end + 1
    elif not all(numeric):
        return None
    if body >= len(raw) or _NOT_SPACE.search(raw, body) is None:
        return None
    data = raw
    if decimal_comma and raw.find(b",", body) >= 0:
        if raw.find(b".", body) >= 0:
            return None  # mixed decimal marks: the careful parser names the cell
        data = raw.translate(_COMMA_TO_POINT)
    arr = _load_chunks(data, body, sep, watch)
    del data
    if arr is None or not _all_kept(arr, raw, body, dtype):
        return None
    if labels and not ((arr[:, cols[1]] == 0) | (arr[:, cols[1]] == 1)).all():
        return None  # the careful parser names the first bad label
    return arr[:, cols[0]], arr[:, cols[1]]


def _all_kept(arr: np.ndarray, raw: bytes, body: int, dtype: str) -> bool:
    """Whether the fast reader's numbers are all to be kept as read (else the careful
    parser says what is wrong): some rows, all finite, none beyond ``dtype``'s range, none
    that would read as 0."""
    if arr.shape[0] == 0 or not np.isfinite(arr).all():
        return False
    if dtype == "float32":  # (no temporary the size of the data: 10M rows are 160 MB)
        if arr.max() >= FLOAT32_OVERFLOW or arr.min() <= -FLOAT32_OVERFLOW:
            return False
        if ((arr >= -FLOAT32_ZERO) & (arr <= FLOAT32_ZERO) & (arr != 0)).any():
            return False
    return not ((arr == 0).any() and _TINY.search(raw, body) is not None)


# --------------------------------------------------------------------------- careful path


class _Reader:
    """Rows of a file one at a time, with the separator found on its first non-blank line."""

    def __init__(self, path: str, raw: bytes):
        self.path = path
        self.stream = io.BytesIO(raw)  # (its position: the bytes read so far)
        lines = io.TextIOWrapper(self.stream, encoding="utf-8-sig", newline="")
        self.skipped = 0
        first = ""
        for first in lines:
            if first.strip():
                break
            self.skipped += 1
        self.sep = _find_separator(first)
        self.rows = csv.reader(itertools.chain([first], lines), delimiter=self.sep or ",")

    def __iter__(self):
        try:
            for row in self.rows:
                yield self.skipped + self.rows.line_num, row
        except csv.Error as exc:
            raise DataError(f"{self.path}: not readable as CSV ({exc}).") from None

    def split_at(self) -> str:
        return f"split at {SEPARATOR_NAMES[self.sep or ',']}s"


# One pass over the rows that names the first bad one exactly: its branches are the rules.
def _parse_careful(path: str, raw: bytes, dtype: str,  # noqa: C901
                   watch: _Progress, labels: bool = False) -> tuple[array, array]:
    reader = _Reader(path, raw)
    decimal_comma = reader.sep in (";", "\t")
    xs, ys = array("d"), array("d")
    cols, width, header, mark_seen, mark = (0, 1), 2, False, "", None
    first = True
    for lineno, row in reader:
        if lineno % CAREFUL_ROWS == 0:
            watch(reader.stream.tell())
        if not any(cell.strip() for cell in row):
            continue
        shown = (reader.sep or ",").join(row)
        shown = repr(shown if len(shown) <= 60 else shown[:57] + "...")
        if reader.sep is None:
            raise DataError(f"{path}, line {lineno}: {shown} has no comma, semicolon or tab "
                            "to separate x and y.")
        if first:
            first = False
            if len(row) >= 2 and not any(_is_number(c, decimal_comma) for c in row[:2]):
                names = [c.strip().lower() for c in row]
                cols = _columns(names, labels) or cols
                while names and not names[-1]:
                    names.pop()
                width, header = max(len(names), 2), True
                continue
        cells = len(row)
        if cells < max(cols) + 1:
            raise DataError(
                f"{path}, line {lineno}: {shown} has {cells} cell(s) {reader.split_at()} (the "
                f"separator found on line {reader.skipped + 1}); x and y need {max(cols) + 1}.")
        if any(cell.strip() for cell in row[width:]):
            columns = f"the header names {width}" if header else "x and y are 2"
            raise DataError(
                f"{path}, line {lineno}: {shown} has {cells} cells {reader.split_at()}, but "
                f"{columns} columns; a number may not contain the separator (no thousands "
                "separators), and each further column needs a header.")
        values = []
        for col in cols:
            cell = row[col].strip()
            where = f"{path}, line {lineno}, column {col + 1}"
            parsed = _number(cell, decimal_comma)
            if labels and col == cols[1]:
                problem = label_problem(cell, None if parsed is None else parsed[0])
                if problem is not None:
                    raise DataError(f"{where}: {problem}")
            if parsed is None:
                word = _NON_FINITE.fullmatch(cell)
                if word is not None:
                    what = "NaN" if word.group(1).lower() == "nan" else "infinite"
                    raise DataError(f"{where}: {cell!r} is {what}; only finite numbers are "
                                    "allowed.")
                note = ""
                if any(c in cell for c in ",;\t"):
                    note = f" (cells are {reader.split_at()}, found on line {reader.skipped + 1})"
                raise DataError(f"{where}: {cell[:40]!r} is not a number{note}.")
            value, cell_mark = parsed
            if decimal_comma and cell_mark is not None:
                if mark is None:
                    mark, mark_seen = cell_mark, f"{cell!r} on line {lineno}"
                elif cell_mark != mark:
                    words = {",": "a decimal comma", ".": "a decimal point"}
                    raise DataError(f"{where}: {cell!r} has {words[cell_mark]} but {mark_seen} "
                                    f"has {words[mark]}; use one decimal mark.")
            problem = _check_value(value, cell, dtype)
            if problem is not None:
                raise DataError(f"{where}: {problem}")
            values.append(value)
        xs.append(values[0])
        ys.append(values[1])
    if not xs:
        raise DataError(f"{path}: no data rows (expected two numeric columns x,y).")
    return xs, ys


__all__ = ["FLOAT32_MAX", "FLOAT32_OVERFLOW", "MAX_CSV_BYTES", "Y_NAMES", "ReadCancelled",
           "label_problem", "points_dataset", "read_dataset"]
