"""Which names may be written: a regular file, or a new name in a writable folder.

A symbolic link is followed to its target. Devices, named pipes, sockets and folders are
refused, and so is a name too long for the temporary file that is written first beside it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from gdstudio.core.errors import ExportError

#: Characters a temporary name adds to the target's: ``.`` + name + ``.XXXXXXXX.tmp``.
TEMP_NAME_EXTRA = len(".") + len(".") + 8 + len(".tmp")
_DEFAULT_NAME_MAX = 255


def kind_of(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def name_max(folder: str | os.PathLike) -> int:
    """The longest file name (in bytes) the folder's file system takes."""
    try:
        value = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return _DEFAULT_NAME_MAX
    return value if value and value > 0 else _DEFAULT_NAME_MAX


def check_output(path: str | os.PathLike) -> Path:
    """Check that ``path`` may be written; return the file to write (links resolved).

    An output is a regular file, or a new name in an existing, writable folder, with a name
    short enough that its temporary file fits beside it. A symbolic link is followed to its
    target. Nothing is created, opened or read.

    Raises
    ------
    ExportError
        One sentence naming ``path`` and saying what is wrong with it.
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise ExportError("Cannot write a file with an empty name; give a file name.")
    shown = text
    if text.endswith(("/", os.sep)):
        raise ExportError(f"Cannot write {shown}: the name ends with '/', so it names a folder.")
    linked = os.path.islink(text)
    target = Path(os.path.realpath(text))
    where = f"{shown} (a link to {target})" if linked else shown
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise ExportError(f"Cannot write {where}: the folder {target.parent} does not "
                          "exist.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ExportError(f"Cannot write {shown}: it is a symbolic link that loops.") from None
        raise ExportError(f"Cannot write {where}: {exc.strerror or exc}.") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise ExportError(f"Cannot write {where}: it is a folder.")
        if not stat.S_ISREG(st.st_mode):
            raise ExportError(
                f"Cannot write {where}: it is {kind_of(st.st_mode)}, not a regular file. "
                "Choose a regular file or a new name.")
        if not os.access(target, os.W_OK):
            raise ExportError(f"Cannot write {where}: the file is read-only.")
    folder = target.parent
    if not folder.is_dir():
        shown_folder = folder if linked else (os.path.dirname(text) or ".")
        raise ExportError(f"Cannot write {where}: the folder {shown_folder} does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"Cannot write {where}: the folder {folder} is not writable.")
    size, limit = len(os.fsencode(target.name)), name_max(folder)
    if size + TEMP_NAME_EXTRA > limit:
        raise ExportError(
            f"Cannot write {where}: the name is too long ({size} bytes; this folder takes "
            f"names of at most {limit - TEMP_NAME_EXTRA} bytes here, so that the temporary "
            "file written first fits beside it).")
    return target


#: The former name, kept for callers that check outputs before long work.
check_writable = check_output
