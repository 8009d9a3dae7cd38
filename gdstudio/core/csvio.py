"""CSV reading and writing for data sets, histories and parameters.

Every file the studio writes goes through :func:`atomic_write`: a temporary file in the same
folder, flushed to disk, then ``os.replace``. A failed or interrupted write leaves any previous
file exactly as it was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .data import DTYPES, Dataset, _dtype_name
from .errors import DataError, ExportError

FLOAT32_MAX = float(np.finfo(np.float32).max)
# Numbers below this round to a finite float32 (FLOAT32_MAX plus half an ulp rounds to inf),
# so that float32's own text for its largest value, '3.4028235e+38', still reads.
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


def format_float(value: float) -> str:
    """Shortest text that reads back as exactly the same number."""
    return repr(float(value))


# --------------------------------------------------------------------------- writing


def check_writable(path: str | os.PathLike) -> Path:
    """Raise :class:`ExportError` if ``path`` cannot be written; return it as a Path.

    Called before long work so that a bad output path fails before anything starts.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and path.is_dir():
        raise ExportError(f"Cannot write {path}: it is a folder.")
    if not folder.is_dir():
        raise ExportError(f"Cannot write {path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"Cannot write {path}: the folder {folder} is not writable.")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"Cannot write {path}: the file is read-only.")
    return path


def _stage(path: Path, text: str) -> str:
    """Write ``text`` to a flushed temporary file beside ``path``; return its name."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        else:
            with contextlib.suppress(OSError):
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp_name, 0o666 & ~umask)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return tmp_name


def atomic_write(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, ``\\n`` line ends).

    Raises
    ------
    ExportError
        If anything fails; the previous content of ``path``, if any, is untouched and no
        temporary file is left behind.
    """
    atomic_write_all([(path, text)])


def atomic_write_all(files: Sequence[tuple[str | os.PathLike, str]]) -> None:
    """Write several files so that either all of them change or none does.

    Every text is first written to a temporary file beside its target; only when all are on
    disk are they moved into place. If a move fails, the files already moved are put back.

    Raises
    ------
    ExportError
        Naming the file that failed; no target is changed and no temporary file is left.
    """
    targets = [check_writable(path) for path, _ in files]
    staged: list[str] = []
    current = targets[0] if targets else None
    try:
        for path, (_, text) in zip(targets, files, strict=True):
            current = path
            staged.append(_stage(path, text))
    except (OSError, UnicodeError) as exc:
        for name in staged:
            with contextlib.suppress(OSError):
                os.unlink(name)
        raise _export_error(current, exc) from exc
    old = [path.read_bytes() if path.exists() else None for path in targets]
    done = 0
    try:
        for path, name in zip(targets, staged, strict=True):
            current = path
            os.replace(name, path)
            done += 1
    except OSError as exc:
        for path, content in zip(targets[:done], old[:done], strict=True):
            with contextlib.suppress(OSError):
                if content is None:
                    os.unlink(path)
                else:
                    os.replace(_stage_bytes(path, content), path)
        for name in staged[done:]:
            with contextlib.suppress(OSError):
                os.unlink(name)
        raise _export_error(current, exc) from exc


def _stage_bytes(path: Path, content: bytes) -> str:
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return tmp_name


def _export_error(path, exc) -> ExportError:
    if isinstance(exc, UnicodeError):
        reason = "the text cannot be encoded as UTF-8"
    else:
        reason = exc.strerror or str(exc)
    return ExportError(f"Could not write {path}: {reason}. Nothing was changed.")


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


def dataset_text(dataset: Dataset) -> str:
    lines = ["x,y"]
    lines.extend(
        f"{a!r},{b!r}" for a, b in zip(dataset.x.tolist(), dataset.y.tolist(), strict=True)
    )
    return "\n".join(lines) + "\n"


def write_dataset(path: str | os.PathLike, dataset: Dataset) -> None:
    """Save the points as ``x,y`` CSV with full round-trip precision, atomically."""
    atomic_write(path, dataset_text(dataset))


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
