"""Compile the analytic implementation's loops into numba's on-disk cache, then exit.

``python -m gdstudio.core.models.line.compiled.warm`` — run in the background by
:mod:`gdstudio.core.models.line.compiled` (never in a process with a window: compiling holds
the interpreter lock for seconds). It runs at low priority, and one at a time per user (a
second one waits for the first, then finds the loops cached). Exit status 0: compiled.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile


def _lock_file():
    name = f"gdstudio-compile-{os.getuid() if hasattr(os, 'getuid') else 'user'}.lock"
    return open(os.path.join(tempfile.gettempdir(), name), "a+b")


def main() -> int:
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    try:
        lock = _lock_file()
    except OSError:
        lock = None
    try:
        if lock is not None:
            with contextlib.suppress(ImportError, OSError):
                import fcntl

                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        return compile_all()
    finally:
        if lock is not None:
            lock.close()


def compile_all() -> int:
    from gdstudio.core.models.line.compiled import kernels

    blas = kernels.link_blas()
    for dispatcher, signatures in kernels.signatures(blas).items():
        for sig in signatures:
            dispatcher.compile(sig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
