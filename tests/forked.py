"""``python FILE.py``, ``python -c CODE`` and ``python -m MODULE`` in a process of their own,
without paying for ``import torch`` (and, if asked, PySide6 and pyqtgraph) each time.

A test that checks what a script, ``gdstudio train`` or the studio prints, writes or exits
with (and not how an interpreter starts) calls :func:`run` (``subprocess.run``) or
:class:`Popen` in place of ``subprocess.run/Popen([sys.executable, ...])``. One helper process
per test process and ``preload`` imports those modules once; each call forks it, and the fork (a
process of its own: its own pid, standard streams, current folder, environment and signal
handling; nothing else has run in it) runs the program as the interpreter would, then exits
with the interpreter's exit code. Tests about start-up itself (which modules a run loads is
fine: the preloaded ones are numpy and torch, plus PySide6/pyqtgraph only where asked) keep
starting a real interpreter.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import threading

from tests.paths import ROOT

#: The modules a helper imports once, before any fork.
PRELOADED = ("numpy", "torch")
#: ... and for the studio itself.
STUDIO = (*PRELOADED, "PySide6.QtWidgets", "pyqtgraph")

_SERVER = r"""
import atexit, json, os, runpy, socket, sys, traceback
channel = socket.socket(fileno=int(sys.argv[1]))
for name in sys.argv[2:]:
    __import__(name)


def run_child(job, fds):
    for fd, target in zip((0, 1, 2), fds):
        os.dup2(target, fd)
    for target in fds:
        os.close(target)
    channel.close()
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    code = 0
    try:
        mode, target, *args = job["argv"]
        if mode == "-c":
            sys.argv = ["-c", *args]
            sys.path[0] = ""
            exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
        elif mode == "-m":
            sys.argv = [target, *args]
            sys.path[0] = os.getcwd()
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.argv = [target, *args]
            sys.path[0] = os.path.dirname(os.path.abspath(target))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as stop:
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(code & 0xFF)


while True:
    message, fds, _flags, _address = socket.recv_fds(channel, 1 << 20, 3)
    if not message:
        break
    job = json.loads(message)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            run_child(job, fds)
        finally:
            os._exit(70)
    for fd in fds:
        os.close(fd)
    channel.send(json.dumps({"pid": pid}).encode())
    _, status = os.waitpid(pid, 0)
    channel.send(json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode())
"""

_lock = threading.Lock()
_servers: dict[tuple[str, ...], tuple[subprocess.Popen, socket.socket]] = {}


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONWARNINGS", None)
    return env


def _helper(preload: tuple[str, ...]) -> socket.socket:
    server, channel = _servers.get(preload, (None, None))
    if server is None or server.poll() is not None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with open(os.devnull, "rb") as nothing:
            server = subprocess.Popen([sys.executable, "-c", _SERVER, str(theirs.fileno()),
                                       *preload], pass_fds=[theirs.fileno()], stdin=nothing,
                                      env=_env(), cwd=str(ROOT))
        theirs.close()
        channel = mine
        _servers[preload] = server, channel
        atexit.register(_stop, server, channel)
    return channel


def _stop(server: subprocess.Popen, channel: socket.socket) -> None:
    if server.poll() is None:
        channel.close()  # (the helper reads an end of file and exits)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Popen:
    """``subprocess.Popen([sys.executable, *argv], cwd=cwd, env=env, stdin=DEVNULL,
    stdout=PIPE, stderr=PIPE, text=True)``, forked (``argv``: ``FILE.py ARGS``,
    ``-c CODE ARGS`` or ``-m MODULE ARGS``; ``env`` defaults to this process's, with the
    checkout importable). One at a time per test process: call :meth:`wait` or
    :meth:`communicate` before the next."""

    def __init__(self, *argv: str, cwd, env: dict | None = None, preload=PRELOADED):
        self.args = ["python", *argv]
        self.returncode: int | None = None
        head = list(argv[:2]) if argv[0] in ("-c", "-m") else ["file", str(argv[0])]
        rest = list(argv[2:]) if argv[0] in ("-c", "-m") else list(argv[1:])
        job = {"argv": [*head, *map(str, rest)], "cwd": str(cwd),
               "env": _env() if env is None else {k: str(v) for k, v in env.items()}}
        if not _lock.acquire(timeout=600):
            raise RuntimeError("tests.forked: the previous child was never waited for")
        try:
            self._channel = _helper(tuple(preload))
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            null = os.open(os.devnull, os.O_RDONLY)
            try:
                socket.send_fds(self._channel, [json.dumps(job).encode()], [null, out_w, err_w])
            finally:
                for fd in (null, out_w, err_w):
                    os.close(fd)
            self.stdout = open(out_r)
            self.stderr = open(err_r)
            self.pid = json.loads(self._channel.recv(1 << 16))["pid"]
        except BaseException:
            _lock.release()
            raise
        self._status: list[bytes] = []
        self._reader = threading.Thread(target=lambda: self._status.append(
            self._channel.recv(1 << 16)), daemon=True)
        self._reader.start()

    def poll(self) -> int | None:
        if self.returncode is None and not self._reader.is_alive():
            self.returncode = json.loads(self._status[0])["status"]
            _lock.release()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._reader.join(timeout)
        if self._reader.is_alive():
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.poll()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(9)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """What it wrote to stdout and stderr until it ended (killed after ``timeout``:
        ``subprocess.TimeoutExpired``, as subprocess.run raises it)."""
        texts: dict[str, str] = {}
        readers = [threading.Thread(target=lambda s=stream, k=key: texts.__setitem__(
            k, s.read()), daemon=True) for key, stream in (("out", self.stdout),
                                                            ("err", self.stderr))]
        for reader in readers:
            reader.start()
        try:
            self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.wait()
            for reader in readers:
                reader.join()
            self._close()
            raise subprocess.TimeoutExpired(self.args, timeout, texts.get("out"),
                                            texts.get("err")) from None
        for reader in readers:
            reader.join()
        self._close()
        return texts["out"], texts["err"]

    def _close(self) -> None:
        self.stdout.close()
        self.stderr.close()


def run(*argv: str, cwd, env: dict | None = None, timeout: float = 120, preload=PRELOADED,
        ) -> subprocess.CompletedProcess:
    """What ``subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True,
    text=True, timeout=timeout)`` returns (see :class:`Popen`)."""
    if not hasattr(os, "fork"):  # (Windows: a fresh interpreter each time)
        return subprocess.run([sys.executable, *map(str, argv)], cwd=cwd,
                              env=_env() if env is None else env, capture_output=True,
                              text=True, timeout=timeout)
    proc = Popen(*argv, cwd=cwd, env=env, preload=preload)
    out, err = proc.communicate(timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
