"""CSV reading and writing for data sets, histories and parameters.

Every file the studio writes goes through :func:`atomic_write`: a temporary file in the same
folder, flushed to disk, then ``os.replace``. A failed or interrupted write leaves any previous
file exactly as it was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .csvread import FLOAT32_MAX, FLOAT32_OVERFLOW, read_dataset  # noqa: F401  (re-exported)
from .data import Dataset
from .errors import ExportError


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

