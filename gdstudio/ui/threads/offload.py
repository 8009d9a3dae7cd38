"""Run torch work away from the GUI thread.

PyTorch's CPU kernels run in parallel on an OpenMP pool kept per calling thread. Once the
GUI thread has run one parallel kernel (any op on more than about 32k numbers), its idle pool
makes the pool of every training thread fall back to short spinning, and training in the
window runs three to four times slower (measured: ``X * 2.0`` on 100k floats, 29 us vs 85
us). So large torch work started from the GUI runs on a short-lived thread whose pool ends
with it.
"""

from __future__ import annotations

import threading


def call_off_gui_thread(function, *args, **kwargs):
    """Call ``function`` on a new thread and wait for it; return its result or re-raise."""
    result: list = []
    error: list = []

    def target():
        try:
            result.append(function(*args, **kwargs))
        except BaseException as exc:  # re-raised in the caller
            error.append(exc)

    thread = threading.Thread(target=target, name="gdstudio-torch")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
