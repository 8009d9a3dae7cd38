"""The compact columns of a session file: a column of numbers as the base64 text of its
little-endian IEEE 754 bytes, with its type, its count and a CRC-32 of the bytes. No Qt here.

In the file (format version 2)::

    "x": {"type": "float32", "count": 1000000, "crc32": 2864434397, "base64": "AACAPw..."}

``type`` is ``float32`` or ``float64`` (the column's own type: data in float32 is kept in
float32, a history in float64), ``count`` the numbers, ``crc32`` the CRC-32 (as zlib computes
it) of the ``count × 4`` or ``count × 8`` bytes, ``base64`` those bytes in standard base64 with
padding. The numbers come back bit for bit, with a fifth of the text and of the time of
writing each number as decimal text. A column cut short, changed or of the wrong length is
refused with one line naming where it is (:func:`read_column`).
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from gdstudio.core.files.session_values import Bad

#: The column types and their little-endian numpy types.
TYPES = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8")}
#: The keys of a compact column, in the order they are written.
KEYS = ("type", "count", "crc32", "base64")
#: Bytes encoded per piece of text written (a multiple of 3: the pieces' base64 joins up).
CHUNK_BYTES = 3 << 18


class Cancelled(Exception):
    """The user cancelled a save or an open: nothing was changed."""


@dataclass(frozen=True)
class Column:
    """A column to write compactly: ``values`` (float32 stays float32; anything else is
    written as float64)."""

    values: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(np.asarray(self.values).size) * (
            4 if np.asarray(self.values).dtype == np.float32 else 8)


def _little_endian(values) -> tuple[str, np.ndarray]:
    values = np.asarray(values)
    kind = "float32" if values.dtype == np.float32 else "float64"
    return kind, np.ascontiguousarray(values.ravel(), dtype=TYPES[kind])


def column_chunks(column: Column, where: str,
                  tick: Callable[[int], None] | None = None) -> Iterator[str]:
    """The JSON text of ``column``, in pieces; ``tick(bytes)`` after each piece of numbers
    (it may raise :class:`Cancelled`). A NaN or an infinity raises ``ValueError`` naming
    its place, before anything of the column is written."""
    kind, values = _little_endian(column.values)
    finite = np.isfinite(values)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"{where}[{i}] is not a finite number")
    del finite
    raw = memoryview(values).cast("B")
    yield (f'{{"type": "{kind}", "count": {values.size}, "crc32": {zlib.crc32(raw)}, '
           '"base64": "')
    for start in range(0, len(raw), CHUNK_BYTES):
        piece = raw[start:start + CHUNK_BYTES]
        yield base64.b64encode(piece).decode("ascii")
        if tick is not None:
            tick(len(piece))
    yield '"}'


def is_column(value) -> bool:
    """``value`` (read from a file) is written as a compact column, not a list."""
    return isinstance(value, dict) and "base64" in value


def _b64_bytes(text: str) -> int:
    """The bytes that base64 ``text`` of this length holds (its padding counted)."""
    pad = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    return len(text) // 4 * 3 - pad if len(text) % 4 == 0 else -1


def _b64decode(text: str) -> bytes:
    """The bytes of base64 ``text``, refusing any other character (read in place: an ASCII
    text is not copied first)."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except TypeError:  # Python 3.10: no strict mode
        return base64.b64decode(text, validate=True)


def read_column(value: dict, where: str, length: int | None = None,
                limit: int | None = None) -> np.ndarray:
    """The numbers of a compact column (float32 or float64, as written; read-only), every
    one checked finite. The base64 text is taken out of ``value`` (its memory is freed as
    soon as the numbers are decoded).

    Raises
    ------
    Bad
        One line: a missing or unknown key, a count unlike ``length`` or above ``limit``,
        base64 cut short or damaged, a wrong checksum, a number that is not finite.
    """
    unknown = [k for k in value if k not in KEYS]
    if unknown:
        shown = "".join(c if c.isprintable() else "?" for c in str(unknown[0])[:40])
        raise Bad(where, f"a compact column has the keys {', '.join(KEYS)}; '{shown}' is "
                  "not one of them (written by a newer Gradient Descent Studio?)")
    for key in KEYS:
        if key not in value:
            raise Bad(f"{where}.{key}", "is missing")
    kind = value["type"]
    if kind not in TYPES:
        raise Bad(f"{where}.type", f"must be one of {', '.join(TYPES)}")
    count = value["count"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise Bad(f"{where}.count", "must be a whole number from 0")
    if length is not None and count != length:
        raise Bad(where, f"has {count:,} numbers; {length:,} expected")
    if limit is not None and count > limit:
        raise Bad(where, f"has {count:,} numbers; at most {limit:,} are read")
    crc = value["crc32"]
    if isinstance(crc, bool) or not isinstance(crc, int) or not 0 <= crc < 2**32:
        raise Bad(f"{where}.crc32", "must be a whole number from 0 to 4294967295")
    text = value.pop("base64")
    if not isinstance(text, str):
        raise Bad(f"{where}.base64", "must be a text")
    size = TYPES[kind].itemsize
    held = _b64_bytes(text)
    if held != count * size:
        del text
        got = "is not whole base64" if held < 0 else f"holds {held:,} bytes"
        raise Bad(f"{where}.base64", f"{got}; {count:,} {kind} numbers are "
                  f"{count * size:,} bytes (the file is cut short or damaged)")
    try:
        raw = _b64decode(text)
    except (binascii.Error, ValueError):
        raise Bad(f"{where}.base64", "is not valid base64 (the file is damaged)") from None
    del text
    if zlib.crc32(raw) != crc:
        raise Bad(where, "the checksum (crc32) does not match its numbers: the file is "
                  "damaged")
    values = np.frombuffer(raw, TYPES[kind])
    finite = np.isfinite(values)
    if not finite.all():
        raise Bad(f"{where}[{int(np.flatnonzero(~finite)[0])}]", "must be a finite number")
    return values.astype(values.dtype.newbyteorder("="), copy=False)
