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

from gdstudio.core.errors import ExportError
from gdstudio.core.outpath import TEMP_NAME_EXTRA, check_output, check_writable, kind_of, name_max

__all__ = [
    "TEMP_NAME_EXTRA", "AtomicFiles", "atomic_write", "atomic_write_all", "check_output",
    "check_writable", "held_signals", "name_max", "write_files",
]
_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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


def _export_error(path, exc: BaseException, kept: Sequence[str] = ()) -> ExportError:
    if isinstance(exc, UnicodeError):
        reason = "the text cannot be encoded as UTF-8"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        reason = str(exc)
    if kept:  # a rollback that itself failed: say where the old content is
        return ExportError(f"Could not write {path}: {reason}. The previous content is kept "
                           f"in {', '.join(kept)}.")
    return ExportError(f"Could not write {path}: {reason}. Nothing was changed.")


class AtomicFiles:
    """Files written to temporary files beside their targets and moved into place together.

    Use it as a context manager: leaving the block without :meth:`commit` (an error, an
    interrupt) removes the temporary files and changes nothing::

        with AtomicFiles([history_path, params_path]) as out:
            out.write(0, "epoch,loss\\n")
            out.commit()

    One thread writes and commits.

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
            if target in self.targets[:i]:
                other = self.names[self.targets.index(target)]
                raise ExportError(f"Cannot write {other} and {self.names[i]}: they are the "
                                  "same file.")
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

    def open(self) -> None:
        """Create the temporary files, empty (SIGINT and SIGTERM wait meanwhile)."""
        if self._opened:
            return
        self._opened = True
        with held_signals():
            for i, target in enumerate(self.targets):
                try:
                    fd, self._temps[i] = tempfile.mkstemp(
                        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
                    self._handles[i] = os.fdopen(fd, "w", encoding="utf-8", newline="",
                                                 buffering=1 << 16)
                except OSError as exc:
                    self._discard()
                    raise _export_error(self.names[i], exc) from exc

    def write(self, index: int, text: str | bytes) -> None:
        """Append ``text`` to file ``index`` (buffered); ``bytes`` are written as they are
        (an image)."""
        try:
            if isinstance(text, bytes):
                handle = self._handles[index]
                handle.flush()
                handle.buffer.write(text)
                return
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

    def commit(self) -> None:
        """Flush every file to disk and move all of them into place, or none.

        SIGINT and SIGTERM wait until this is finished.
        """
        if self.committed:
            return
        self.open()
        with held_signals():
            self._flush_all()
            self._move_all()
        self.committed = True
        for folder in {t.parent for t in self.targets}:
            _fsync_folder(folder)

    def _flush_all(self) -> None:
        umask = None
        for i, handle in enumerate(self._handles):
            try:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
                self._handles[i] = None
                try:  # the new file keeps the old one's permissions
                    mode = stat.S_IMODE(os.stat(self.targets[i]).st_mode)
                except OSError:
                    umask = _umask() if umask is None else umask
                    mode = 0o666 & ~umask
                with contextlib.suppress(OSError):  # (not every file system has modes)
                    os.chmod(self._temps[i], mode)
            except (OSError, UnicodeError) as exc:
                self._discard()
                raise _export_error(self.names[i], exc) from exc

    def _move_all(self) -> None:
        """``os.replace`` each file into place; on any failure put every target back.

        With several files each old file first gets a second name, a hard link (where the
        file system has none, a placeholder name it is moved to just before its
        replacement). Nothing is read or copied.
        """
        n = len(self.targets)
        backups: list[str | None] = [None] * n
        linked = [False] * n  # the backup is a hard link: the target still holds the old file
        aside = [False] * n  # the old file was moved to its backup name
        done, current = 0, 0
        try:
            for i, target in enumerate(self.targets):
                current = i
                self._recheck(i)
                if n > 1 and os.path.lexists(target):
                    backups[i], linked[i] = _backup(target)
            for i, target in enumerate(self.targets):
                current = i
                if backups[i] is not None and not linked[i]:
                    os.replace(target, backups[i])
                    aside[i] = True
                os.replace(self._temps[i], target)
                self._temps[i] = None
                done += 1
        except BaseException as exc:
            kept = []
            for j in reversed(range(n)):
                if j >= done and not aside[j]:
                    continue  # untouched
                try:
                    if backups[j] is not None:
                        os.replace(backups[j], self.targets[j])
                    else:
                        os.unlink(self.targets[j])
                except OSError:
                    if backups[j] is not None:  # keep it: the old content is there now
                        kept.append(backups[j])
                backups[j] = None
            _remove(backups)
            self._discard()
            if isinstance(exc, OSError):
                raise _export_error(self.names[current], exc, kept) from exc
            raise
        _remove(backups)

    def _recheck(self, i: int) -> None:
        """The target is still a regular file or absent (it may have changed meanwhile)."""
        try:
            mode = os.lstat(self.targets[i]).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else kind_of(mode)
            raise ExportError(f"Could not write {self.names[i]}: it became {what} while it "
                              "was being written. Nothing was changed.")

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
        _remove(self._temps)
        self._temps = [None] * len(self._temps)


def _backup(target) -> tuple[str, bool]:
    """A second name for the old file: (name, True) for a hard link; (name, False) for an
    empty placeholder when the file system has no hard links."""
    for _ in range(100):
        name = os.path.join(target.parent, f".{target.name}.{secrets.token_hex(4)}.tmp")
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
    raise FileExistsError(errno.EEXIST, "No free temporary name", str(target))


def _remove(names) -> None:
    for name in names:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _fsync_folder(folder: os.PathLike) -> None:
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
