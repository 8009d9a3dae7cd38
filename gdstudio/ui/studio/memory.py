"""How many epochs the window can keep: its history is bounded by the memory available.

A run keeps 24 bytes an epoch (loss, w and b in float64, so that exports are exact), and a
run kept for comparison 8 more (its loss curve): :data:`BYTES_PER_EPOCH`. The epochs field
is capped so that this stays within half of the memory available when the window opens, and
a run is checked again against the memory available when it starts.
"""

from __future__ import annotations

import os

BYTES_PER_EPOCH = 32
#: The epochs field's own limit, whatever the memory.
MAX_EPOCHS = 100_000_000
#: The smallest cap, however little memory is reported.
MIN_EPOCHS = 1_000


def available_memory() -> int | None:
    """Bytes of memory available to new allocations now (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def epoch_cap(available: int | None) -> int:
    """The most epochs a run may have with ``available`` bytes of memory."""
    if available is None:
        return MAX_EPOCHS
    return max(MIN_EPOCHS, min(MAX_EPOCHS, available // 2 // BYTES_PER_EPOCH))


def apply_epoch_cap(spin) -> int:
    """Cap the epochs ``spin`` box by the memory available and say why in its tooltip."""
    available = available_memory()
    cap = epoch_cap(available)
    spin.setMaximum(cap)
    why = (f"At most {cap:,} epochs. The window keeps {BYTES_PER_EPOCH} bytes an epoch (loss, "
           "w and b in float64 for exact export, and the loss curve of a kept run)")
    if available is not None and cap < MAX_EPOCHS:
        why += f", and uses at most half of the {_mb(available)} of memory available."
    else:
        why += "."
    spin.setToolTip(why)
    return cap


def run_memory_problem(epochs: int) -> str | None:
    """A message if a run of ``epochs`` would not fit in the memory available now."""
    available = available_memory()
    need = epochs * BYTES_PER_EPOCH
    if available is None or need <= available // 2:
        return None
    return (f"Not enough memory for {epochs:,} epochs: their history needs {_mb(need)}, and "
            f"{_mb(available)} of memory is available (a run may use half). Lower the epochs "
            f"to {epoch_cap(available):,} or fewer.")
