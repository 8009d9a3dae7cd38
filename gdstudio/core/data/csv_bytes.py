"""Reading a CSV file's bytes safely, for :mod:`gdstudio.core.data.csv_read`.

Only a regular file of at most a given size is read (see
:data:`gdstudio.core.data.csv_read.MAX_CSV_BYTES`): anything else (a folder, a
device such as /dev/zero, a named pipe, a socket) is refused with ``stat`` before opening and
checked again with ``fstat`` on the opened file, which is opened non-blocking so that a pipe
swapped in meanwhile never blocks. The text must be UTF-8 (a byte-order mark is skipped).
"""

from __future__ import annotations

import codecs
import os
import stat

from gdstudio.core.errors import DataError


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "a special file"


def _check_file(path: str, info: os.stat_result, limit: int, what: str = "CSV file") -> None:
    kind = _kind(info.st_mode)
    if kind is not None:
        raise DataError(f"{path}: is {kind}, not a {what}.")
    if info.st_size > limit:
        _too_large(path, info.st_size, limit, what=what)


def _too_large(path: str, size: int, limit: int, more: str = "", what: str = "CSV file"):
    raise DataError(f"{path}: is {size:,} bytes{more}; the largest {what} read is "
                    f"{limit:,} bytes ({limit / 2**30:g} GiB).")


def _os_error(path: str, exc: OSError, what: str = "CSV file") -> DataError:
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return DataError(f"{path}: no such file.")
    if isinstance(exc, IsADirectoryError):
        return DataError(f"{path}: is a folder, not a {what}.")
    return DataError(f"{path}: cannot be read ({exc.strerror or exc}).")


def read_regular_file(path: str, limit: int, what: str = "CSV file") -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes (``what``
    names the kind of file in messages)."""
    try:
        _check_file(path, os.stat(path), limit, what)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _os_error(path, exc, what) from None
    try:
        info = os.fstat(fd)
        _check_file(path, info, limit, what)  # the name may have changed since stat
        parts: list[bytes] = []
        total = 0
        while True:  # read what fstat said, then up to the limit if the file grew meanwhile
            part = os.read(fd, max(info.st_size + 1 - total, 1 << 16))
            if not part:
                break
            parts.append(part)
            total += len(part)
            if total > limit:
                _too_large(path, total, limit, " or more (it grew while being read)", what)
    except OSError as exc:
        raise _os_error(path, exc, what) from None
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _line_at(raw: bytes, offset: int) -> int:
    """The line number of byte ``offset`` (LF, CRLF and CR end lines)."""
    return (raw.count(b"\n", 0, offset) + raw.count(b"\r", 0, offset)
            - raw.count(b"\r\n", 0, offset) + 1)


def check_text(path: str, raw: bytes) -> int:
    """Raise unless ``raw`` is UTF-8 text; return where it starts (after a byte-order mark)."""
    nul = raw.find(b"\0")
    if nul >= 0:
        raise DataError(f"{path}, line {_line_at(raw, nul)}: the file is binary, not CSV text.")
    if not raw.isascii():
        view = memoryview(raw)
        step = 1 << 20
        begin = 0
        while begin < len(raw):  # in pieces that end on a character, so memory stays small
            end = min(begin + step, len(raw))
            while end < len(raw) and end > begin and 0x80 <= raw[end] < 0xC0:
                end -= 1
            try:
                codecs.utf_8_decode(view[begin:end], "strict", True)
            except UnicodeDecodeError as exc:
                bad = begin + exc.start
                raise DataError(f"{path}, line {_line_at(raw, bad)}: the file is not UTF-8 "
                                f"text (byte 0x{raw[bad]:02x}).") from None
            begin = end
    return len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
