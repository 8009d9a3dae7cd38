"""Import PyTorch in the background, so that the window opens before it has loaded.

Importing torch takes one to two seconds. The window imports only the torch-free parts of
core (see :mod:`gdstudio.core`), calls :func:`start` once it is shown, and starts a run once
:func:`loaded` is true. Thread-safe: any thread may call these functions.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

_lock = threading.Lock()
_done = threading.Event()
_thread: threading.Thread | None = None
_error: str | None = None
_callbacks: list[Callable[[str | None], None]] = []


def _imported() -> bool:
    """torch is in ``sys.modules`` and has finished importing (whoever imported it)."""
    module = sys.modules.get("torch")
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


def loaded() -> bool:
    """True once torch can be used without waiting for its import."""
    return (_done.is_set() and _error is None) or _imported()


def error() -> str | None:
    """Why torch could not be imported, or None."""
    return _error


def start(on_done: Callable[[str | None], None] | None = None) -> None:
    """Import torch on a background thread (once), then call ``on_done(error)``.

    ``on_done`` is called on the loading thread (or here, at once, when torch is already
    loaded or has failed), with None or the reason the import failed.
    """
    global _thread
    with _lock:
        finished = _done.is_set() or (_thread is None and _imported())
        if not finished:
            if on_done is not None:
                _callbacks.append(on_done)
            if _thread is None:
                _thread = threading.Thread(target=_load, name="gdstudio-torch-import",
                                           daemon=True)
                _thread.start()
            return
    if on_done is not None:
        on_done(_error)


def wait(timeout: float | None = None) -> bool:
    """Block until the import has finished (started if needed); True if torch loaded."""
    start()
    if not _imported():
        _done.wait(timeout)
    return loaded()


def _load() -> None:
    global _error
    try:
        import torch  # noqa: F401
    except Exception as exc:  # reported to whoever waits for it
        _error = f"PyTorch could not be loaded: {exc}"
    with _lock:
        _done.set()
        callbacks = list(_callbacks)
        _callbacks.clear()
    for callback in callbacks:
        callback(_error)
