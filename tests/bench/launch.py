"""``gdstudio.open`` from a notebook: how long the caller (the notebook's kernel) waits for
``open`` to return, against the time until the studio it started has read the data (the
handed-over session file removed: read on the worker thread for a million points), from the
same call. The figure is the ratio of the medians: the share of the studio's start that the
kernel is blocked for (its checks of the points and settings, and writing the session).

Each studio runs offscreen, in a settings store of its own, and is closed (``close()``) once
it has read the data.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import ROOT

SIZES = (4, 1_000_000)


def _one(x, y) -> tuple[float, float]:
    """(seconds until ``open`` returned, seconds until the studio had read the data)."""
    from gdstudio.api.launch import SESSION_NAME, open_studio

    t0 = time.perf_counter()
    h = open_studio(x, y, lr=0.05)
    returned = time.perf_counter() - t0
    handed = Path(h.log).parent / SESSION_NAME
    try:
        while handed.exists():
            if not h.running or time.perf_counter() - t0 > 300:
                raise RuntimeError(f"the studio did not read the data:\n{h.log.read_text()}")
            time.sleep(0.002)
        read = time.perf_counter() - t0
    finally:
        h.close()
    return returned, read


def bench_launch(quick: bool) -> dict:
    repeats = 3 if quick else 7
    saved = {k: os.environ.get(k) for k in ("QT_QPA_PLATFORM", "HOME", "XDG_CONFIG_HOME",
                                            "XDG_DATA_HOME", "GDSTUDIO_STARTUP_CHECK",
                                            "PYTHONPATH")}
    result = {"repeats": repeats}
    with tempfile.TemporaryDirectory() as home:
        os.environ.update({"QT_QPA_PLATFORM": "offscreen", "HOME": home,
                           "XDG_CONFIG_HOME": os.path.join(home, "config"),
                           "XDG_DATA_HOME": os.path.join(home, "data"),
                           "PYTHONPATH": str(ROOT)})
        os.environ.pop("GDSTUDIO_STARTUP_CHECK", None)
        try:
            _one([0.0, 1.0], [1.0, 3.0])  # (the first start writes the settings store)
            for n in SIZES:
                x = np.linspace(-1.0, 1.0, n)
                y = 3.0 * x + 0.1 * np.sin(40.0 * x)
                times = [_one(x, y) for _ in range(repeats)]
                returned = statistics.median(t[0] for t in times)
                read = statistics.median(t[1] for t in times)
                result[str(n)] = {"returned_s": returned, "read_s": read,
                                  "ratio": returned / read,
                                  "all_s": [list(t) for t in times]}
                print(f"open  {n:>9,} points: returned {returned:.3f} s, the studio had read "
                      f"them {read:.3f} s, ratio {returned / read:.3f}", flush=True)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return result


def rows(results: dict) -> list[str]:
    r = results["launch"]
    out = []
    for n in SIZES:
        f = r[str(n)]
        out.append(
            f"| gdstudio.open, {n:,} points: the caller waits (median of {r['repeats']}) | "
            f"{f['returned_s']:.3f} s | the studio has read the data {f['read_s']:.2f} s | "
            f"**{f['ratio']:.3f}×** | ≤ 0.2× |")
    return out
