"""``python FILE.py``, ``python -c CODE`` and ``python -m MODULE`` in a process of their own,
without paying for ``import torch`` each time.

A test that checks what a script or ``gdstudio train`` prints, writes or exits with (and not
how a process starts) calls :func:`run` in place of ``subprocess.run([sys.executable, ...])``.
One helper process per test process imports torch and numpy once; each call forks it, and the
fork (a process of its own: its own pid, descriptors, current folder, environment and signal
handling, nothing else run in it before) runs the program as the interpreter would, then exits
with the interpreter's exit code. Tests about start-up itself (which modules a run loads, a
process killed or signalled mid-run) keep starting a real interpreter.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.paths import ROOT

#: The modules the helper imports once, before any fork.
PRELOADED = ("numpy", "torch")

_SERVER = r"""
import atexit, json, os, runpy, sys, traceback
for name in sys.argv[1:]:
    __import__(name)
requests, replies = sys.stdin, sys.stdout


def run_child(job):
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    for fd, name in ((0, os.devnull), (1, job["out"]), (2, job["err"])):
        target = os.open(name, os.O_RDONLY if fd == 0 else os.O_WRONLY)
        os.dup2(target, fd)
        os.close(target)
    sys.stdin = open(0, closefd=False)
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


for line in requests:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            run_child(job)
        finally:
            os._exit(70)
    replies.write(json.dumps({"pid": pid}) + "\n")
    replies.flush()
    _, status = os.waitpid(pid, 0)
    replies.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
    replies.flush()
"""

_lock = threading.Lock()
_server: subprocess.Popen | None = None


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONWARNINGS", None)
    return env


def _helper() -> subprocess.Popen:
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen([sys.executable, "-c", _SERVER, *PRELOADED],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                   env=_env(), cwd=str(ROOT))
        atexit.register(_stop, _server)
    return _server


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run(*argv: str, cwd, env: dict | None = None, timeout: float = 120,
        ) -> subprocess.CompletedProcess:
    """What ``subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True,
    text=True, timeout=timeout)`` returns (``argv``: ``FILE.py ARGS``, ``-c CODE ARGS`` or
    ``-m MODULE ARGS``); ``env`` defaults to this process's, with the checkout importable."""
    if not hasattr(os, "fork"):  # (Windows: a fresh interpreter each time)
        return subprocess.run([sys.executable, *map(str, argv)], cwd=cwd,
                              env=_env() if env is None else env, capture_output=True,
                              text=True, timeout=timeout)
    head = list(argv[:2]) if argv[0] in ("-c", "-m") else ["file", str(argv[0])]
    rest = list(argv[2:]) if argv[0] in ("-c", "-m") else list(argv[1:])
    with _lock, tempfile.TemporaryDirectory(prefix="gdstudio-forked-") as folder:
        out, err = Path(folder, "out"), Path(folder, "err")
        out.touch()
        err.touch()
        job = {"argv": [*head, *map(str, rest)], "cwd": str(cwd),
               "env": _env() if env is None else {k: str(v) for k, v in env.items()},
               "out": str(out), "err": str(err)}
        server = _helper()
        server.stdin.write(json.dumps(job) + "\n")
        server.stdin.flush()
        pid = json.loads(server.stdout.readline())["pid"]
        reply: list[str] = []
        reader = threading.Thread(target=lambda: reply.append(server.stdout.readline()))
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            os.kill(pid, 9)
            reader.join()
            raise subprocess.TimeoutExpired(["python", *argv], timeout,
                                            out.read_text(), err.read_text())
        code = json.loads(reply[0])["status"]
        return subprocess.CompletedProcess(["python", *argv], code, out.read_text(),
                                           err.read_text())
