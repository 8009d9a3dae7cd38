"""How many threads torch's kernels use for a run: chosen for the data's size and the machine.

torch splits an operation on more than about 32k numbers among its intra-op threads
(``torch.set_num_threads``), and each thread waits for the others at the end. On a machine
whose cores are busy with other work, a thread that loses its core makes the others wait:
batch descent through the engine on a busy 2-core machine ran 25 epochs/s at 100,000 points
with torch's default 2 threads and 728 with 1; 4.0 against 37 at 1,000,000
(``tests/bench/threads.py`` measures it; tests/bench/results/README.md). One core is also
the window's, which paints while the training thread runs.

So a run uses one thread, and more only where the data is large enough for a thread's share
to outweigh the wait, leaving a core to the window and the rest of the machine:
:func:`threads_for`. The engine (:func:`gdstudio.core.training.engine.run_epochs`) trains
with it, and the exported script sets the same count: a sum's rounding depends on how many
threads share it, and the script prints the studio's history bit for bit.

Importable without torch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

#: A thread's share of the data below which a further thread costs more than it gains
#: (numbers per thread; batch descent is memory-bound, a few passes over the data).
POINTS_PER_THREAD = 250_000
#: The most threads a run uses (memory-bound passes scale no further).
MAX_THREADS = 4


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def threads_for(n: int, cores: int | None = None) -> int:
    """torch's intra-op threads for a run on ``n`` points on a machine with ``cores`` usable
    cores (default: this process's, :func:`usable_cores`): one per
    :data:`POINTS_PER_THREAD` points, at most one fewer than the cores and
    :data:`MAX_THREADS`, at least one. On 2 cores: always 1."""
    cores = usable_cores() if cores is None else cores
    return max(1, min(cores - 1, n // POINTS_PER_THREAD, MAX_THREADS))


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """torch's intra-op threads set to ``count`` in this thread (and threads started from
    now on) for the ``with`` block, then as they were."""
    import torch

    before = torch.get_num_threads()
    if before != count:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
