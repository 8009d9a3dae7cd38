"""Output files that are written whole or not at all, and only where a file belongs.

An output must be a regular file or a new name in a writable folder (:func:`check_output`).
A symbolic link is written through: its target gets the new content and the link stays.
Devices, pipes, sockets and folders are refused before anything is written.

:class:`AtomicFiles` writes one or several files together. Each text goes to a temporary file
``.NAME.XXXXXXXX.tmp`` beside its target, as it is produced (a long history is streamed, never
held in memory); :meth:`AtomicFiles.commit` then moves all of them into place with
``os.replace``. With several files, every old file is first given a second name (a hard link:
nothing is read or copied), so that when a later move fails the earlier ones are put back:
either every file changes or none does. The old content is never read back into memory.

No temporary file is left after an error, Ctrl+C or SIGTERM: SIGINT and SIGTERM are held
while files are created, moved into place or removed, and delivered once that is finished.
Only a process killed outright (SIGKILL, power loss) can leave a hidden ``.tmp`` file; the
target is then its old or its complete new content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .errors import ExportError

#: Characters a temporary name adds to the target's: ``.`` + name + ``.XXXXXXXX.tmp``.
TEMP_NAME_EXTRA = len(".") + len(".") + 8 + len(".tmp")
_DEFAULT_NAME_MAX = 255
_HELD_SIGNALS = tuple(
    sig for sig in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if sig
)


# --------------------------------------------------------------------------- checks


def _kind(mode: int) -> str:
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
                f"Cannot write {where}: it is {_kind(st.st_mode)}, not a regular file. "
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


# --------------------------------------------------------------------------- signals


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is finished, then deliver them.

    Only the main thread receives signals in Python; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum, frame):
        if signum not in received:
            received.append(signum)

    previous = {}
    try:
        for sig in _HELD_SIGNALS:
            previous[sig] = signal.signal(sig, hold)
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for sig in received:  # the program's own handler runs now, as if it came just now
            signal.raise_signal(sig)


# --------------------------------------------------------------------------- writing


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _export_error(path, exc: BaseException) -> ExportError:
    if isinstance(exc, UnicodeError):
        reason = "the text cannot be encoded as UTF-8"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        reason = str(exc)
    return ExportError(f"Could not write {path}: {reason}. Nothing was changed.")


class AtomicFiles:
    """Files written to temporary files beside their targets and moved into place together.

    Use it as a context manager: leaving the block without :meth:`commit` (an error, an
    interrupt) removes the temporary files and changes nothing::

        with AtomicFiles([history_path, params_path]) as out:
            out.write(0, "epoch,loss\\n")
            ...
            out.commit()

    Not thread-safe: one thread writes and commits.

    Raises
    ------
    ExportError
        From the constructor when a path may not be written (:func:`check_output`), and from
        :meth:`open`, :meth:`write` and :meth:`commit` when the disk refuses; the message
        names the file, and nothing has been changed.
    """

    def __init__(self, paths: Sequence[str | os.PathLike]):
        self.names = [os.fspath(p) for p in paths]
        self.targets = [check_output(p) for p in paths]
        for i, target in enumerate(self.targets):
            for j in range(i):
                if self.targets[j] == target:
                    raise ExportError(f"Cannot write {self.names[j]} and {self.names[i]}: "
                                      "they are the same file.")
        self._temps: list[str | None] = [None] * len(paths)
        self._handles: list = [None] * len(paths)
        self._opened = False
        self.committed = False

    def __enter__(self) -> AtomicFiles:
        self.open()
        return self

    def __exit__(self, *exc) -> bool:
        self.discard()
        return False

    # ------------------------------------------------------------------ writing
    def open(self) -> None:
        """Create the temporary files (empty)."""
        if self._opened:
            return
        self._opened = True
        with held_signals():
            for i, target in enumerate(self.targets):
                try:
                    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                                dir=target.parent)
                except OSError as exc:
                    self._discard()
                    raise _export_error(self.names[i], exc) from exc
                self._temps[i] = name
                try:
                    self._handles[i] = os.fdopen(fd, "w", encoding="utf-8", newline="",
                                                 buffering=1 << 16)
                except BaseException as exc:
                    os.close(fd)
                    self._discard()
                    if isinstance(exc, OSError):
                        raise _export_error(self.names[i], exc) from exc
                    raise

    def write(self, index: int, text: str) -> None:
        """Append ``text`` to file ``index`` (buffered)."""
        try:
            self._handles[index].write(text)
        except (OSError, UnicodeError) as exc:
            raise _export_error(self.names[index], exc) from exc

    def write_all(self, index: int, chunks: Iterable[str]) -> None:
        """Append every piece of ``chunks`` to file ``index``."""
        handle = self._handles[index]
        try:
            for chunk in chunks:
                handle.write(chunk)
        except (OSError, UnicodeError) as exc:
            raise _export_error(self.names[index], exc) from exc

    # ------------------------------------------------------------------ commit
    def commit(self) -> None:
        """Flush every file to disk and move all of them into place, or none.

        SIGINT and SIGTERM wait until this is finished.
        """
        if self.committed:
            return
        self.open()
        with held_signals():
            self._commit()

    def _commit(self) -> None:
        n = len(self.targets)
        current = 0
        try:
            umask = None
            for i, handle in enumerate(self._handles):
                current = i
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
                self._handles[i] = None
                try:
                    mode = stat.S_IMODE(os.stat(self.targets[i]).st_mode)
                except OSError:
                    if umask is None:
                        umask = _umask()
                    mode = 0o666 & ~umask
                with contextlib.suppress(OSError):
                    os.chmod(self._temps[i], mode)
        except (OSError, UnicodeError) as exc:
            self._discard()
            raise _export_error(self.names[current], exc) from exc
        backups: list[tuple[str, bool] | None] = [None] * n
        done = 0
        try:
            for i, target in enumerate(self.targets):
                current = i
                self._recheck(i)
                if n > 1 and target.exists():
                    backups[i] = self._backup(target)
            for i, target in enumerate(self.targets):
                current = i
                backup = backups[i]
                if backup is not None and not backup[1]:  # no hard link here: move it aside
                    os.replace(target, backup[0])
                try:
                    os.replace(self._temps[i], target)
                except BaseException:
                    if backup is not None and not backup[1]:
                        os.replace(backup[0], target)
                        backups[i] = None
                    raise
                self._temps[i] = None
                done += 1
        except BaseException as exc:
            for j in reversed(range(done)):  # put back what was already moved
                with contextlib.suppress(OSError):
                    if backups[j] is not None:
                        os.replace(backups[j][0], self.targets[j])
                        backups[j] = None
                    else:
                        os.unlink(self.targets[j])
            self._drop(backups)
            self._discard()
            if isinstance(exc, OSError):
                raise _export_error(self.names[current], exc) from exc
            raise
        self._drop(backups)
        self.committed = True
        for folder in {t.parent for t in self.targets}:
            _fsync_folder(folder)

    def _recheck(self, i: int) -> None:
        """The target is still a regular file or absent (it may have changed meanwhile)."""
        try:
            st = os.lstat(self.targets[i])
        except FileNotFoundError:
            return
        if not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else _kind(st.st_mode)
            raise ExportError(f"Could not write {self.names[i]}: it became {what} while it "
                              "was being written. Nothing was changed.")

    @staticmethod
    def _backup(target: Path) -> tuple[str, bool]:
        """A second name for the old file: (name, True) for a hard link; (name, False) when
        the file system has no hard links and the file must be moved aside at commit."""
        for _ in range(100):
            name = str(target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp")
            try:
                os.link(target, name, follow_symlinks=False)
            except FileExistsError:
                continue
            except OSError:
                fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                            dir=target.parent)
                os.close(fd)
                return name, False
            return name, True
        raise FileExistsError(errno.EEXIST, "No free temporary name")

    @staticmethod
    def _drop(backups) -> None:
        for backup in backups:
            if backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(backup[0])

    # ------------------------------------------------------------------ discard
    def discard(self) -> None:
        """Remove the temporary files (unless committed); the targets stay as they were."""
        if self.committed:
            return
        with held_signals():
            self._discard()

    def _discard(self) -> None:
        for i, handle in enumerate(self._handles):
            if handle is not None:
                with contextlib.suppress(Exception):
                    handle.close()
                self._handles[i] = None
        for i, name in enumerate(self._temps):
            if name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(name)
                self._temps[i] = None


def _fsync_folder(folder: Path) -> None:
    """Make the renames themselves durable (best effort: not every system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_files(files: Sequence[tuple[str | os.PathLike, Iterable[str]]]) -> None:
    """Write several files from pieces of text, all-or-nothing (see :class:`AtomicFiles`)."""
    with AtomicFiles([path for path, _ in files]) as out:
        for i, (_, chunks) in enumerate(files):
            out.write_all(i, chunks)
        out.commit()


def atomic_write(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, line ends as given).

    Raises
    ------
    ExportError
        If anything fails; the previous content of ``path``, if any, is untouched and no
        temporary file is left behind.
    """
    write_files([(path, (text,))])


def atomic_write_all(files: Sequence[tuple[str | os.PathLike, str]]) -> None:
    """Write several texts so that either all of the files change or none does.

    Raises
    ------
    ExportError
        Naming the file that failed; no target is changed and no temporary file is left.
    """
    write_files([(path, (text,)) for path, text in files])
