"""CSV reading and writing for data sets, histories and parameters.

Every file the studio writes goes through :mod:`gdstudio.core.atomic`: only to a regular file
or a new name, through a temporary file in the same folder, flushed to disk, then
``os.replace``. A failed or interrupted write leaves any previous file exactly as it was.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence

from gdstudio.core.atomic import (  # noqa: F401  (the writer's names, still importable from here)
    AtomicFiles,
    atomic_write,
    atomic_write_all,
    check_output,
    check_writable,
    write_files,
)
from gdstudio.core.data.csv_read import (  # noqa: F401  (re-exported)
    FLOAT32_MAX,
    FLOAT32_OVERFLOW,
    read_dataset,
)
from gdstudio.core.data.dataset import Dataset


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

