"""Outputs may only be regular files or new names; links are written through; the old file is
never read back; nothing is left behind.

Device nodes are only ever created inside ``tmp_path`` (``os.mknod``, as root) or reached
through a symbolic link in ``tmp_path``; every such test checks that the code refuses them
before anything is written, and that ``/dev/null`` is still a character device afterwards.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from gdstudio.cli.main import main
from gdstudio.core.data import csv_io as csvio
from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.errors import ExportError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.core.training.results import summarize, write_history, write_params
from tests import forked

OLD = b"old,content\n1.5,2.5\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ARGS = ["train", "--epochs", "5", "--lr", "0.05", "--init-w", "-10", "--init-b", "-20"]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def node_kind(path) -> str:
    mode = os.lstat(path).st_mode
    for kind, test in (("link", stat.S_ISLNK), ("char", stat.S_ISCHR), ("fifo", stat.S_ISFIFO),
                       ("socket", stat.S_ISSOCK), ("dir", stat.S_ISDIR), ("file", stat.S_ISREG)):
        if test(mode):
            return kind
    return "other"


@pytest.fixture(autouse=True)
def _dev_null_stays_a_device():
    yield
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null is no longer a device!"


def make_special(folder: Path, kind: str) -> Path:
    """A non-regular output candidate inside ``folder``."""
    path = folder / (kind.replace(" ", "-").replace("/", "") + ".csv")
    if kind == "device":
        if not IS_ROOT:
            pytest.skip("creating a device node needs root")
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a null device, in tmp_path
    elif kind == "link to /dev/null":
        os.symlink("/dev/null", path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.bind(str(path))
        except OSError:
            pytest.skip("no Unix sockets here")
        finally:
            sock.close()
    elif kind == "folder":
        path.mkdir()
    elif kind == "link loop":
        os.symlink(path.name, path)
    else:
        raise AssertionError(kind)
    return path


SPECIAL = ["device", "link to /dev/null", "socket", "folder", "link loop"]
SAYS = {"device": "device", "link to /dev/null": "device", "socket": "socket",
        "folder": "folder", "link loop": "loops"}


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("option", ["--history", "--params"])
def test_cli_refuses_a_non_regular_output_before_training(tmp_path, capsys, option, kind):
    path = make_special(tmp_path, kind)
    before_kind, before = node_kind(path), listing(tmp_path)
    code = main([*ARGS, option, str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == "", "training started before the output was refused"
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdstudio train: Cannot write "), err
    assert str(path) in lines[0] and SAYS[kind] in lines[0]
    assert node_kind(path) == before_kind
    assert listing(tmp_path) == before


def run_cli(*args, cwd, timeout=120):
    """``python -m gdstudio train ARGS`` in a process of its own (forked from one that has
    imported torch: see tests/forked.py)."""
    return forked.run("-m", "gdstudio", "train", *args, cwd=cwd, timeout=timeout)


def test_cli_refuses_a_fifo_at_once(tmp_path):
    """Today's writer blocked forever on a FIFO (and left its .tmp); now it is refused."""
    fifo = tmp_path / "history.csv"
    os.mkfifo(fifo)
    try:
        result = run_cli(*ARGS[1:], "--history", fifo.name, cwd=tmp_path, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("gdstudio train blocked on a FIFO")
    finally:
        # (if an old writer is still blocked in open(), a non-blocking writer releases it)
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "named pipe" in result.stderr and "Traceback" not in result.stderr
    assert node_kind(fifo) == "fifo"
    assert listing(tmp_path) == ["history.csv"]


@pytest.mark.parametrize("option", ["--history", "--params"])
def test_cli_empty_output_name_is_refused(tmp_path, capsys, option):
    code = main([*ARGS, option, ""])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.splitlines() == [f"gdstudio train: {option} needs a file name, got ''"]


def test_cli_writes_through_a_symbolic_link(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "history.csv"
    target.write_bytes(OLD)
    links = tmp_path / "links"
    links.mkdir()
    link = links / "h.csv"
    os.symlink(target, link)
    new_link = links / "p.csv"  # a dangling link: its target is created
    os.symlink(real / "params.csv", new_link)
    assert main([*ARGS, "--quiet", "--history", str(link), "--params", str(new_link)]) == 0
    capsys.readouterr()
    assert node_kind(link) == "link" and os.readlink(link) == str(target)
    assert node_kind(new_link) == "link"
    rows = list(csv.reader(target.read_text().splitlines()))
    assert rows[0][:4] == ["epoch", "loss", "w", "b"] and len(rows) == 6
    assert (real / "params.csv").read_text().startswith("run,w,b,")
    assert listing(real) == ["history.csv", "params.csv"]
    assert listing(links) == ["h.csv", "p.csv"]


def test_cli_refuses_two_names_for_the_same_file(tmp_path, capsys):
    (tmp_path / "h.csv").write_bytes(OLD)
    os.symlink("h.csv", tmp_path / "alias.csv")
    code = main([*ARGS, "--history", str(tmp_path / "h.csv"),
                 "--params", str(tmp_path / "alias.csv")])
    assert code == 2 and "different files" in capsys.readouterr().err
    assert (tmp_path / "h.csv").read_bytes() == OLD


TEMP_NAME_EXTRA = 14  # ".NAME.XXXXXXXX.tmp": the temporary file's name is 14 bytes longer


def test_cli_refuses_a_name_too_long_for_its_temporary_file(tmp_path, capsys):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    fits = "h" * (limit - TEMP_NAME_EXTRA - 4) + ".csv"
    too_long = "h" * (limit - TEMP_NAME_EXTRA - 3) + ".csv"
    assert len(too_long) < limit  # a legal file name, but its temporary name would not be
    code = main([*ARGS, "--history", str(tmp_path / too_long)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == "", "training started before the name was refused"
    assert len(err.splitlines()) == 1 and "too long" in err
    assert listing(tmp_path) == []
    assert main([*ARGS, "--quiet", "--history", str(tmp_path / fits)]) == 0
    capsys.readouterr()
    assert listing(tmp_path) == [fits]


# --------------------------------------------------------------------------- the writer

WRITERS = {
    "write_dataset": lambda path: csvio.write_dataset(path, noisy_line()),
    "write_history": lambda path: write_history(path, list(train(noisy_line(),
                                                                 TrainConfig(epochs=3)))),
    "write_params": lambda path: write_params(path, [summarize(
        noisy_line(), TrainConfig(epochs=3), None, "stopped", (-10.0, -20.0))]),
    "atomic_write": lambda path: csvio.atomic_write(path, "x,y\n1,2\n"),
}


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_writer_refuses_a_non_regular_file(tmp_path, writer, kind):
    """The window's exports use these writers: they refuse the same outputs."""
    path = make_special(tmp_path, kind)
    before_kind, before = node_kind(path), listing(tmp_path)
    with pytest.raises(ExportError) as info:
        WRITERS[writer](path)
    assert str(path) in str(info.value) and SAYS[kind] in str(info.value)
    assert node_kind(path) == before_kind
    assert listing(tmp_path) == before


@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_writer_writes_through_a_link(tmp_path, writer):
    target = tmp_path / "target.csv"
    target.write_bytes(OLD)
    os.symlink("target.csv", tmp_path / "link.csv")
    WRITERS[writer](tmp_path / "link.csv")
    assert node_kind(tmp_path / "link.csv") == "link"
    assert target.read_bytes() != OLD
    assert listing(tmp_path) == ["link.csv", "target.csv"]


class _Reads:
    """Audit hook: records every open() of the watched paths (hooks cannot be removed, so
    this one stays installed and only watches while ``paths`` is set)."""

    paths: ClassVar[set[str]] = set()
    seen: ClassVar[list] = []
    installed = False

    @classmethod
    def hook(cls, event, args):
        if event == "open" and cls.paths and isinstance(args[0], (str, bytes, os.PathLike)):
            with contextlib.suppress(Exception):
                if os.path.realpath(os.fsdecode(args[0])) in cls.paths:
                    cls.seen.append(args)

    @classmethod
    def watch(cls, paths):
        if not cls.installed:
            sys.addaudithook(cls.hook)
            cls.installed = True
        cls.seen = []
        cls.paths = {os.path.realpath(p) for p in paths}


def test_old_files_are_never_opened_or_read(tmp_path):
    """Rolling back used to read each old file back into memory (a never-ending device
    there meant unbounded memory); now the old files are only linked and renamed."""
    history, params = tmp_path / "history.csv", tmp_path / "params.csv"
    history.write_bytes(OLD)
    params.write_bytes(OLD)
    _Reads.watch([history, params])
    try:
        csvio.atomic_write_all([(history, "a\n"), (params, "b\n")])
    finally:
        _Reads.paths = set()
    assert _Reads.seen == []
    assert history.read_text() == "a\n" and params.read_text() == "b\n"
    assert listing(tmp_path) == ["history.csv", "params.csv"]


class _Proxy:
    def __init__(self, module, **overrides):
        self._module, self._overrides = module, overrides

    def __getattr__(self, name):
        return self._overrides.get(name) or getattr(self._module, name)


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "no-hard-links"])
@pytest.mark.parametrize("existing", [True, False], ids=["old-files", "new-files"])
def test_a_failed_second_move_puts_the_first_file_back(tmp_path, monkeypatch, links,
                                                       existing):
    history, params = tmp_path / "history.csv", tmp_path / "params.csv"
    if existing:
        history.write_bytes(OLD)
        params.write_bytes(OLD)
    before = listing(tmp_path)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):  # the new params cannot be moved into place
        if str(dst) == str(params) and Path(src).read_bytes() == b"new params\n":
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst, *args, **kwargs)

    def no_link(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    from gdstudio.core import atomic

    overrides = {"replace": replace} if links else {"replace": replace, "link": no_link}
    monkeypatch.setattr(atomic, "os", _Proxy(os, **overrides))
    with pytest.raises(ExportError) as info:
        csvio.atomic_write_all([(history, "new history\n"), (params, "new params\n")])
    monkeypatch.undo()
    assert str(params) in str(info.value) and "Input/output error" in str(info.value)
    assert listing(tmp_path) == before, "a temporary or backup file was left behind"
    if existing:
        assert history.read_bytes() == OLD and params.read_bytes() == OLD
        assert os.stat(history).st_nlink == 1
    # and the same call works once the disk is fine
    csvio.atomic_write_all([(history, "new history\n"), (params, "new params\n")])
    assert history.read_text() == "new history\n" and params.read_text() == "new params\n"
    assert listing(tmp_path) == ["history.csv", "params.csv"]


def test_a_writer_interrupted_mid_stream_leaves_nothing(tmp_path):
    path = tmp_path / "out.csv"
    path.write_bytes(OLD)

    def chunks():
        yield "a,b\n"
        raise KeyboardInterrupt

    from gdstudio.core import atomic

    with pytest.raises(KeyboardInterrupt):
        atomic.write_files([(path, chunks())])
    assert path.read_bytes() == OLD
    assert listing(tmp_path) == ["out.csv"]


def test_a_failed_rollback_keeps_the_old_content_and_says_where(tmp_path, monkeypatch):
    """Without hard links the old file is moved aside; if it cannot be moved back either,
    it is kept (never deleted) and the message names it."""
    from gdstudio.core import atomic

    history, params = tmp_path / "history.csv", tmp_path / "params.csv"
    history.write_bytes(OLD)
    params.write_bytes(OLD)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):  # nothing can be moved onto params any more
        if str(dst) == str(params):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst, *args, **kwargs)

    def no_link(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(atomic, "os", _Proxy(os, replace=replace, link=no_link))
    with pytest.raises(ExportError) as info:
        csvio.atomic_write_all([(history, "new history\n"), (params, "new params\n")])
    monkeypatch.undo()
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(".params.csv.")]
    assert len(kept) == 1 and kept[0].read_bytes() == OLD
    assert kept[0].name in str(info.value) and "Nothing was changed" not in str(info.value)
    assert history.read_bytes() == OLD
    assert listing(tmp_path) == sorted(["history.csv", kept[0].name])


# --------------------------------------------------------------------------- window


@pytest.mark.parametrize("kind", ["device", "link to /dev/null", "socket"])
def test_window_exports_refuse_a_non_regular_file(window, qtbot, tmp_path, kind):
    win = window
    win.panel.epochs.setValue(3)
    assert win.controller.train()
    qtbot.waitUntil(lambda: win.controller.session.state == "idle", timeout=10_000)
    path = make_special(tmp_path, kind)
    before_kind, before = node_kind(path), listing(tmp_path)
    for method in ("export_parameters", "export_history", "save_data"):
        win.messages.last = None
        assert getattr(win.files, method)(str(path)) is False, method
        _title, text = win.messages.last
        assert str(path) in text and SAYS[kind] in text and "not a regular file" in text
        assert node_kind(path) == before_kind
        assert listing(tmp_path) == before


@pytest.mark.parametrize("start", [["--init-w", "1.7e308"],
                                   ["--init-w", "-1.7e308", "--init-b", "-1.7e308"]])
def test_a_figure_of_a_start_at_the_ends_of_float64_is_drawn_quietly(tmp_path, start):
    """A start of ±1.7e308: the landscape's ranges overflowed (an empty landscape, NaN axes)
    and numpy's RuntimeWarnings and pyqtgraph's tracebacks were printed; now the figure
    frames what a view can (the optimum) and the one line said is why training stopped."""
    result = run_cli("--float64", *start, "--figure", "f.png", "--quiet", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("gdstudio train: Training diverged in epoch 0")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
