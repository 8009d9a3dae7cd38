"""Hardening: exports that are refused or interrupted leave the old file intact and say so.

Every file the studio writes goes through :mod:`gdstudio.core.atomic`. Here the
disk misbehaves: a read-only folder, a disk that fills up in the middle of a write or at the
final flush, and a process killed (SIGKILL) while writing a large file. Afterwards the target
is byte for byte its old content or the complete new content, never a mix; a handled failure
leaves no temporary file behind, and the user is told in one clear sentence naming the file:
by :class:`ExportError` in the core, one stderr line and exit code 2 from ``gdstudio train``,
a message and ``False`` from the window.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from gdstudio.cli.main import main
from gdstudio.core import atomic
from gdstudio.core.data import csv_io as csvio
from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.errors import ExportError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.core.training.results import (
    history_text,
    params_text,
    summarize,
    write_history,
    write_params,
)

OLD = b"old,content\n1.5,2.5\n"  # what the user had before: must survive every failure
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class Proxy:
    """A module stand-in for the writer's ``os`` / ``tempfile``: some functions replaced, the
    rest forwarded. Faults are injected into the studio's writer only, not the test run."""

    def __init__(self, module, **overrides):
        self._module = module
        self._overrides = overrides

    def __getattr__(self, name):
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._module, name)


class _FillingHandle:
    """A text file whose disk fills up: part of the text reaches the disk, then ENOSPC."""

    def __init__(self, handle, fail_in):
        self._handle = handle
        self._fail_in = fail_in

    def write(self, text):
        if self._fail_in == "write":
            self._handle.write(text[: len(text) // 2])
            self._handle.flush()  # a real partial temporary file
            raise OSError(28, "No space left on device")
        return self._handle.write(text)

    def flush(self):
        if self._fail_in == "flush":
            raise OSError(28, "No space left on device")
        return self._handle.flush()

    def fileno(self):
        return self._handle.fileno()

    def close(self):
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()
        return False


def inject(monkeypatch, fault: str, folder: Path) -> None:
    """Make the writer's next writes fail the way ``fault`` says."""
    if fault == "read-only folder":
        if IS_ROOT:  # chmod does not stop root: refuse the temporary file as the OS would
            def refuse(*args, **kwargs):
                raise PermissionError(13, "Permission denied")

            monkeypatch.setattr(atomic, "tempfile", Proxy(tempfile, mkstemp=refuse))
        else:
            folder.chmod(0o555)
        return

    def fdopen(fd, *args, **kwargs):
        return _FillingHandle(os.fdopen(fd, *args, **kwargs), fault.split()[-1])

    def fsync(fd):
        raise OSError(28, "No space left on device")

    if fault == "disk full at fsync":
        monkeypatch.setattr(atomic, "os", Proxy(os, fsync=fsync))
    else:
        monkeypatch.setattr(atomic, "os", Proxy(os, fdopen=fdopen))


def restore(monkeypatch, folder: Path) -> None:
    monkeypatch.undo()
    if not IS_ROOT:
        folder.chmod(0o755)


FAULTS = ["read-only folder", "disk full at write", "disk full at flush", "disk full at fsync"]


def check_told(message: str, path: Path, fault: str) -> None:
    assert str(path) in message, message
    if fault == "read-only folder":
        assert "Permission denied" in message or "not writable" in message, message
    else:
        assert "No space left on device" in message, message
    assert "\n" not in message


# --------------------------------------------------------------------------- content


def sample_records(n=5):
    return list(train(noisy_line(), TrainConfig(epochs=n)))


def sample_summary():
    data = noisy_line()
    config = TrainConfig(epochs=5)
    records = sample_records()
    return summarize(data, config, records[-1], "done", (-10.0, -20.0))


WRITERS = {
    "write_dataset": lambda path: csvio.write_dataset(path, noisy_line()),
    "write_history": lambda path: write_history(path, sample_records()),
    "write_params": lambda path: write_params(path, [sample_summary()]),
}


# --------------------------------------------------------------------------- core writers


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("existing", [True, False], ids=["old-file", "new-file"])
def test_core_writer_failure_changes_nothing(tmp_path, monkeypatch, writer, fault, existing):
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "result.csv"
    if existing:
        path.write_bytes(OLD)
    before = listing(folder)
    inject(monkeypatch, fault, folder)
    try:
        with pytest.raises(ExportError) as info:
            WRITERS[writer](path)
    finally:
        restore(monkeypatch, folder)
    check_told(str(info.value), path, fault)
    assert listing(folder) == before, "a temporary file was left behind"
    if existing:
        assert path.read_bytes() == OLD
    else:
        assert not path.exists()
    # and once the disk is fine again, the same call works
    WRITERS[writer](path)
    assert path.read_bytes() != OLD and listing(folder) == ["result.csv"]


KILL_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from gdstudio.core import atomic
    from gdstudio.core.data import csv_io as csvio
    from gdstudio.core.training.results import write_history, write_params
    sys.path.insert(0, sys.argv[3])
    from kill_content import build

    which, path, size, slow = sys.argv[1], sys.argv[2], sys.argv[4], sys.argv[5] == "slow"
    payload = build(which, size)

    if slow:  # a slow disk (USB stick, network share): the text goes out in small pieces
        real_fdopen = os.fdopen

        class Slow:
            def __init__(self, handle):
                self.handle = handle
            def write(self, text):
                for i in range(0, len(text), 32768):
                    self.handle.write(text[i:i + 32768])
                    self.handle.flush()
                    time.sleep(0.01)
            def __getattr__(self, name):
                return getattr(self.handle, name)
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                self.handle.close()

        class OsProxy:
            def __getattr__(self, name):
                return getattr(os, name)
            def fdopen(self, *args, **kwargs):
                return Slow(real_fdopen(*args, **kwargs))

        atomic.os = OsProxy()

    write = {
        "atomic_write": lambda: csvio.atomic_write(path, payload),
        "write_dataset": lambda: csvio.write_dataset(path, payload),
        "write_history": lambda: write_history(path, payload),
        "write_params": lambda: write_params(path, payload),
    }[which]
    print("ready", flush=True)
    while True:
        write()
    """
)

KILL_CONTENT = textwrap.dedent(
    """
    from gdstudio.core.data.dataset import noisy_line
    from gdstudio.core.settings.config import EpochRecord, TrainConfig
    from gdstudio.core.training.results import RunSummary

    SIZES = {"huge": 1_500_000, "large": 200_000}


    def build(which, size):
        n = SIZES[size]
        if which == "atomic_write":  # about 25 MB when huge
            return "".join(f"{i},{i * 0.25!r}\\n" for i in range(n))
        if which == "write_dataset":
            return noisy_line(x_min=0.0, x_max=n / 10_000, x_step=0.0001)
        if which == "write_history":
            return [EpochRecord(i, i / 3, -i / 7, i / 11, 100 * (i + 1), i + 1)
                    for i in range(n // 4)]
        summary = RunSummary(TrainConfig(), -5.0, 0.1, 0.16, 20, "done", 100, "float32",
                             -10.0, -20.0)
        return [summary] * (n // 10)
    """
)


def expected_text(which: str, size: str) -> bytes:
    """The complete new content the killed process was writing."""
    namespace: dict = {}
    exec(KILL_CONTENT, namespace)
    payload = namespace["build"](which, size)
    if which == "atomic_write":
        return payload.encode("utf-8")
    if which == "write_dataset":
        return csvio.dataset_text(payload).encode("utf-8")
    if which == "write_history":
        return history_text(payload).encode("utf-8")
    return params_text(payload).encode("utf-8")


# what is written, how big, at what speed, and when the process is killed (s after ready)
KILLS = [
    ("atomic_write", "huge", "fast", 0.3),
    ("atomic_write", "large", "slow", 0.3),    # in the first write
    ("write_dataset", "large", "slow", 0.8),   # in the first write, after building the text
    ("write_history", "large", "slow", 0.7),
    ("write_params", "large", "slow", 1.2),    # in the second write, after a complete one
]


@pytest.mark.slow
def test_killed_writes_leave_old_or_complete_new_file(tmp_path):
    """SIGKILL processes that keep rewriting a large file: it is never left partial."""
    (tmp_path / "kill_content.py").write_text(KILL_CONTENT)
    procs = []
    for i, (kind, size, speed, delay) in enumerate(KILLS):
        folder = tmp_path / f"{i}-{kind}-{size}-{speed}"
        folder.mkdir()
        (folder / "out.csv").write_bytes(OLD)
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, kind, str(folder / "out.csv"), str(tmp_path),
             size, speed],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append((proc, folder, kind, size, delay))
    try:
        kill_at = []
        for proc, _, kind, _, delay in procs:
            line = proc.stdout.readline()
            assert line == "ready\n", (kind, line, proc.stderr.read())
            kill_at.append(time.monotonic() + delay)
        for (proc, *_), when in sorted(zip(procs, kill_at, strict=True), key=lambda p: p[1]):
            time.sleep(max(0.0, when - time.monotonic()))
            proc.send_signal(signal.SIGKILL)
    finally:
        for proc, *_ in procs:
            proc.kill()
            proc.wait(30)
            proc.stdout.close()
            proc.stderr.close()
    interrupted = 0
    for proc, folder, kind, size, _ in procs:
        assert proc.returncode == -signal.SIGKILL
        content = (folder / "out.csv").read_bytes()
        new = expected_text(kind, size)
        assert content in (OLD, new), (
            f"{folder.name}: the kill left a partial file of {len(content):,} bytes "
            f"(old {len(OLD)}, new {len(new):,})")
        leftovers = [n for n in listing(folder) if n != "out.csv"]
        # a kill cannot clean up; what it leaves is a hidden temporary file, never the target
        assert all(n.startswith(".out.csv.") and n.endswith(".tmp") for n in leftovers)
        interrupted += bool(leftovers)
    # (slow writes take about a second, so those kills land in the middle of one)
    assert interrupted >= 3, "the kills did not land in the middle of writes"


# --------------------------------------------------------------------------- CLI

CLI_ARGS = ["train", "--quiet", "--epochs", "5", "--lr", "0.05"]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("option", ["--history", "--params"])
def test_cli_failed_output_exits_2_and_keeps_old_file(tmp_path, monkeypatch, capsys,
                                                      option, fault):
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "result.csv"
    path.write_bytes(OLD)
    inject(monkeypatch, fault, folder)
    try:
        code = main([*CLI_ARGS, option, str(path)])
    finally:
        restore(monkeypatch, folder)
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gdstudio train: ")
    check_told(lines[0], path, fault)
    assert path.read_bytes() == OLD
    assert listing(folder) == ["result.csv"], "a temporary file was left behind"
    assert "Traceback" not in out + err


def test_cli_failed_params_leaves_history_unchanged_too(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    history, params = folder / "history.csv", folder / "params.csv"
    history.write_bytes(OLD)
    params.write_bytes(OLD)
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, prefix="", **kwargs):
        if prefix.startswith(".params.csv"):  # only the second file's disk is full
            raise OSError(28, "No space left on device")
        return real_mkstemp(*args, prefix=prefix, **kwargs)

    monkeypatch.setattr(atomic, "tempfile", Proxy(tempfile, mkstemp=mkstemp))
    code = main([*CLI_ARGS, "--history", str(history), "--params", str(params)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert params.read_bytes() == OLD
    assert history.read_bytes() == OLD, "exit code 2, yet the history file was replaced"


# --------------------------------------------------------------------------- window


@pytest.fixture
def trained_window(window, qtbot):
    win = window
    win.panel.epochs.setValue(5)
    assert win.controller.train()
    qtbot.waitUntil(lambda: win.controller.session.state == "idle", timeout=10_000)
    assert win.controller.session.status == "done"
    return win


WINDOW_EXPORTS = {
    "export_parameters": "Export failed",
    "export_history": "Export failed",
    "save_data": "Cannot save the data",
}


def window_export(win, qtbot, method: str, path: Path) -> bool:
    """Run one of the window's exports to its end; True if it wrote the file. The history
    is written off the GUI thread: wait for the end it reports."""
    if method != "export_history":
        return getattr(win.files, method)(str(path))
    with qtbot.waitSignal(win.controller.exports.historyExported, timeout=10_000) as done:
        win.files.export_history(str(path))
    return done.args[0]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("method", list(WINDOW_EXPORTS))
def test_window_failed_export_says_so_and_keeps_old_file(trained_window, qtbot, tmp_path,
                                                         monkeypatch, method, fault):
    win = trained_window
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "result.csv"
    path.write_bytes(OLD)
    win.messages.last = None
    data_before = win.controller.model.dataset
    inject(monkeypatch, fault, folder)
    try:
        ok = window_export(win, qtbot, method, path)
    finally:
        restore(monkeypatch, folder)
    assert ok is False
    title, text = win.messages.last
    assert title == WINDOW_EXPORTS[method]
    check_told(text, path, fault)
    if fault != "read-only folder" or IS_ROOT:  # (a refused folder is caught up front)
        assert "Nothing was changed" in text
    assert not win.statusBar().currentMessage().startswith(("Exported", "Saved"))
    assert path.read_bytes() == OLD
    assert listing(folder) == ["result.csv"], "a temporary file was left behind"
    assert win.controller.model.dataset is data_before
    # the window is still usable: the same export works once the disk is fine
    assert window_export(win, qtbot, method, path) is True
    assert path.read_bytes() != OLD and listing(folder) == ["result.csv"]
