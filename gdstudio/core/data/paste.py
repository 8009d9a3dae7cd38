"""Points pasted as text, as a spreadsheet copies them: read by the CSV reader's rules.

Two columns x and y separated by tabs (a spreadsheet's copy), commas or semicolons, with or
without a header row; decimal commas with tabs or semicolons; blank lines skipped. Every
problem is one :class:`DataError` naming the line (and column) of the pasted text, exactly
as :func:`gdstudio.core.data.csv_read.read_dataset` words it for a file. For logistic
regression (``labels=True``) y must be a label 0 or 1, as the file reader's labels mode reads
it: ``The pasted text, line 3, column 2: the label must be 0 or 1, got 0.5.``
"""

from __future__ import annotations

from gdstudio.core.data.csv_bytes import check_text
from gdstudio.core.data.csv_read import (
    FLOAT64_HINT,
    _parse_careful,
    _parse_fast,
    _Progress,
    points_dataset,
)
from gdstudio.core.data.dataset import Dataset, _dtype_name
from gdstudio.core.errors import DataError

__all__ = ["MAX_PASTE_CHARS", "PASTED", "parse_points"]

#: The name the messages give the text.
PASTED = "The pasted text"
#: The longest text read from the clipboard (characters): about a million rows.
MAX_PASTE_CHARS = 32 << 20


def parse_points(text: str, dtype: str = "float32", labels: bool = False) -> Dataset:
    """The points of ``text`` (see the module docstring) as a :class:`Dataset` of ``dtype``
    (``labels``: y are labels 0 or 1, for logistic regression).

    Raises
    ------
    DataError
        One sentence naming the line and column of ``text`` where it applies.
    """
    name = _dtype_name(dtype)
    if not isinstance(text, str) or not text.strip():
        raise DataError("The clipboard holds no text: copy two columns x and y (from a "
                        "spreadsheet or a CSV file) first.")
    if len(text) > MAX_PASTE_CHARS:
        raise DataError(f"{PASTED} is too long ({len(text):,} characters; at most "
                        f"{MAX_PASTE_CHARS:,}): import it as a CSV file instead.")
    try:
        raw = text.encode("utf-8")
    except UnicodeError:
        raise DataError(f"{PASTED} is not readable as text.") from None
    try:
        start = check_text(PASTED, raw)
    except DataError as exc:  # (the file reader's words)
        raise DataError(str(exc).replace("the file is binary, not CSV text",
                                         "is binary data, not text")) from None
    # numpy's reader first, as a file is read (the careful parser is 10-15x slower on a
    # million rows); it leaves anything to refuse to the careful parser, which says why
    result = _parse_fast(raw, start, name, _Progress(None, None), labels)
    try:
        xs, ys = result or _parse_careful(PASTED, raw[start:], name, _Progress(None, None),
                                          labels)
    except DataError as exc:  # (the file reader's hint is for the command line)
        raise DataError(str(exc).replace(FLOAT64_HINT, "")) from None
    return points_dataset(xs, ys, name, labels)
