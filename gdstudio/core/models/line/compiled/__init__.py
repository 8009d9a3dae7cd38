"""The analytic implementation's loops, compiled, once numba's on-disk cache holds them.

The Python loops of :class:`~gdstudio.core.models.line.implementations._Analytic` are the
reference and the fallback: the compiled loops (:mod:`.kernels`) make the same numbers bit for
bit, so a run may switch to them at any point, even inside an epoch, without changing any
number. Compiling them takes seconds and holds the interpreter lock, so it never happens in a
process with a window, nor makes anyone wait:

- :func:`prepare` (called when a stochastic or mini-batch epoch starts) starts, once per
  process, a background thread that loads the loops from numba's cache (importing numba, about
  half a second; no compiling: :func:`_load` takes only what the cache holds);
- if the cache lacks them, that thread runs ``python -m
  gdstudio.core.models.line.compiled.warm`` (a separate process, at low priority, one at a
  time per user) which compiles them into the cache, then loads them;
- until then :func:`ready` is None and the Python loops run.

Where the cache cannot be written (a read-only install without a writable
``NUMBA_CACHE_DIR`` or user cache), the loops stay Python. ``GDSTUDIO_COMPILED=0`` turns the
compiled loops off. Importing this module does not import numba.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading

__all__ = ["ENV", "prepare", "ready", "wait"]

#: Set to "0" to run the Python loops only.
ENV = "GDSTUDIO_COMPILED"

_lock = threading.Lock()
_loaded = None  # the kernels module, its loops loaded
_thread: threading.Thread | None = None
_building = False  # the compiling process was started
#: why the loops are not in use, once known (for the benchmark and the curious)
status = "not started"


def ready():
    """The :mod:`.kernels` module if its loops are loaded (and not turned off), else None.
    Never waits."""
    return _loaded if os.environ.get(ENV, "1") != "0" else None


def prepare() -> None:
    """Start loading (or building, then loading) the compiled loops in the background, once
    per process; does nothing when they are off (:data:`ENV`)."""
    global _thread, status
    if _thread is not None or os.environ.get(ENV, "1") == "0":
        return
    with _lock:
        if _thread is None:
            status = "loading"
            _thread = threading.Thread(target=_load_or_build, name="gdstudio-compiled-loops",
                                       daemon=True)
            _thread.start()
            atexit.register(_compile_after_exit)


def wait(timeout: float | None = None):
    """:func:`prepare`, then wait up to ``timeout`` seconds for the outcome: :func:`ready`."""
    prepare()
    if _thread is not None:
        _thread.join(timeout)
    return _loaded


def _load_or_build() -> None:
    global _loaded, status
    try:
        kernels = _load()
        if kernels is None and _build():
            kernels = _load()
        status = "ready" if kernels is not None else "not cached: the Python loops run"
        _loaded = kernels
    except Exception as exc:
        status = f"unavailable ({type(exc).__name__}: {exc}): the Python loops run"


def _load():
    """The kernels module with every loop loaded from numba's cache, or None if one is not
    cached (nothing is compiled here)."""
    from gdstudio.core.models.line.compiled import kernels

    blas = kernels.link_blas()
    wanted = kernels.signatures(blas)
    for dispatcher, signatures in wanted.items():
        for sig in signatures:
            if sig in dispatcher.overloads:
                continue
            if dispatcher._cache.load_overload(sig, dispatcher.targetctx) is None:
                return None
    for dispatcher, signatures in wanted.items():
        for sig in signatures:
            dispatcher.compile(sig)  # found in the cache just now: loads it
        dispatcher.disable_compile()  # another signature raises TypeError, never compiles
    kernels.BLAS = blas
    return kernels


def _compile_after_exit() -> None:
    """At exit, a process that ends before it learned whether the cache holds the loops (a
    short ``gdstudio train``) leaves the compiling process running on its own, so that a later
    run finds them (it does nothing when they are cached already)."""
    if _loaded is not None or _building or _thread is None or not _thread.is_alive():
        return
    if getattr(sys, "frozen", False) or os.environ.get(ENV, "1") == "0":
        return
    try:
        subprocess.Popen(_WARM, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        pass


_WARM = [sys.executable, "-m", "gdstudio.core.models.line.compiled.warm"]


def _build() -> bool:
    """Compile the loops into the cache in a separate process; True if it succeeded."""
    global _building
    if getattr(sys, "frozen", False):
        return False
    _building = True
    try:
        done = subprocess.run(_WARM, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False)
    except OSError:
        return False
    return done.returncode == 0
