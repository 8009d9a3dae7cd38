"""CSV reading and writing for data sets, histories and parameters.

Every file the studio writes goes through :mod:`gdstudio.core.atomic`: only to a regular file
or a new name, through a temporary file in the same folder, flushed to disk, then
``os.replace``. A failed or interrupted write leaves any previous file exactly as it was.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .atomic import (  # noqa: F401  (the writer's names, still importable from here)
    AtomicFiles,
    atomic_write,
    atomic_write_all,
    check_output,
    check_writable,
    write_files,
)
from .data import DTYPES, Dataset, _dtype_name
from .errors import DataError

FLOAT32_MAX = float(np.finfo(np.float32).max)
# Numbers below this round to a finite float32 (FLOAT32_MAX plus half an ulp rounds to inf),
# so that float32's own text for its largest value, '3.4028235e+38', still reads.
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


def format_float(value: float) -> str:
    """Shortest text that reads back as exactly the same number."""
    return repr(float(value))


# --------------------------------------------------------------------------- writing


def table_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """CSV text: numbers at full round-trip precision, other values as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [format_float(v) if isinstance(v, float) else v for v in row]
        )
    return out.getvalue()


ROWS_PER_CHUNK = 10_000


def dataset_chunks(dataset: Dataset) -> Iterator[str]:
    """The ``x,y`` CSV text of ``dataset`` in pieces of a few thousand rows."""
    yield "x,y\n"
    x, y = dataset.x, dataset.y
    for start in range(0, len(x), ROWS_PER_CHUNK):
        xs = x[start:start + ROWS_PER_CHUNK].tolist()
        ys = y[start:start + ROWS_PER_CHUNK].tolist()
        yield "".join(f"{a!r},{b!r}\n" for a, b in zip(xs, ys, strict=True))


def dataset_text(dataset: Dataset) -> str:
    return "".join(dataset_chunks(dataset))


def write_dataset(path: str | os.PathLike, dataset: Dataset) -> None:
    """Save the points as ``x,y`` CSV with full round-trip precision, atomically."""
    write_files([(path, dataset_chunks(dataset))])


# --------------------------------------------------------------------------- reading


def _parse_number(cell: str) -> float:
    text = cell.strip()
    if not text or "_" in text:
        raise ValueError(text)
    return float(text)


def _is_number(cell: str) -> bool:
    try:
        _parse_number(cell)
    except ValueError:
        return False
    return True


def read_dataset(path: str | os.PathLike, dtype: str = "float32") -> Dataset:
    """Read two numeric columns ``x,y`` (header optional) into a :class:`Dataset`.

    Blank lines are skipped. If a header names columns ``x`` and ``y`` those are used,
    otherwise the first two columns.

    Raises
    ------
    DataError
        With one message naming the file, and the line and column where it applies, for: a
        missing or unreadable file, text that is not UTF-8, a non-numeric cell, NaN or inf, a
        value too large for float32, a row with fewer than two columns, or no data rows.
        Nothing is returned half-loaded.
    """
    name = _dtype_name(dtype)
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a CSV file.") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})."
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError(f"{path}, line {line}: the file is binary, not CSV text.")
    xs, ys = _parse_rows(path, text, name)
    return Dataset(np.array(xs, dtype=DTYPES[name]), np.array(ys, dtype=DTYPES[name]))


def _parse_rows(path: Path, text: str, dtype: str) -> tuple[list[float], list[float]]:
    fast = _parse_fast(text, dtype)
    if fast is not None:
        return fast
    limit = FLOAT32_OVERFLOW if dtype == "float32" else math.inf
    xs: list[float] = []
    ys: list[float] = []
    cols = (0, 1)
    seen_first = False
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataError(f"{path}: not readable as CSV ({exc}).") from None
    for lineno, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if not seen_first:
            seen_first = True
            if len(row) >= 2 and not any(_is_number(c) for c in row[:2]):
                names = [c.strip().lower() for c in row]
                if "x" in names and "y" in names:
                    cols = (names.index("x"), names.index("y"))
                continue
        needed = max(cols) + 1
        if len(row) < needed:
            raise DataError(
                f"{path}, line {lineno}: found {len(row)} column(s), need {needed} "
                f"(x and y)."
            )
        values = []
        for col in cols:
            cell = row[col]
            try:
                value = _parse_number(cell)
            except ValueError:
                shown = cell.strip()[:40]
                raise DataError(
                    f"{path}, line {lineno}, column {col + 1}: {shown!r} is not a number."
                ) from None
            if math.isnan(value) or math.isinf(value):
                what = "NaN" if math.isnan(value) else "infinite"
                raise DataError(
                    f"{path}, line {lineno}, column {col + 1}: {cell.strip()!r} is {what}; "
                    "only finite numbers are allowed."
                )
            if abs(value) >= limit:
                raise DataError(
                    f"{path}, line {lineno}, column {col + 1}: {cell.strip()} is too large for "
                    f"float32 (largest {FLOAT32_MAX:.6g})."
                )
            values.append(value)
        xs.append(values[0])
        ys.append(values[1])
    if not xs:
        raise DataError(f"{path}: no data rows (expected two numeric columns x,y).")
    return xs, ys


def _parse_fast(text: str, dtype: str):
    """numpy's C reader for the common clean case; None means use the careful parser."""
    body = text
    first_nl = text.find("\n")
    first = text if first_nl < 0 else text[:first_nl]
    cells = first.split(",")
    if len(cells) != 2:
        return None
    if not all(_is_number(c) for c in cells):
        if [c.strip().lower() for c in cells] != ["x", "y"]:
            return None
        body = "" if first_nl < 0 else text[first_nl + 1 :]
    if not body.strip() or "\n\n" in body or '"' in body or "_" in body or "\r" in body:
        return None
    try:
        arr = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2, comments=None)
    except (ValueError, IndexError):
        return None
    if arr.shape[0] == 0 or arr.shape[1] != 2:
        return None
    if not np.isfinite(arr).all():
        return None
    if dtype == "float32" and (np.abs(arr) >= FLOAT32_OVERFLOW).any():
        return None
    return arr[:, 0], arr[:, 1]
