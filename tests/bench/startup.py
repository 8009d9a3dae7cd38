"""8. Start-up: time until the window is shown, against the time of ``import torch``.

Both are measured from process start, in fresh processes, alternating (window, torch,
window, torch, ...) so that a busy moment of the machine hits both alike. The window's time
ends when it prints its start-up line (``GDSTUDIO_STARTUP_CHECK=1``, printed from the first
turn of the event loop after ``show()``); torch's is the whole run of
``python -c "import torch"``. The figure is the ratio of the medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from .common import ROOT


def _env(home: str) -> dict:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, "config"), "GDSTUDIO_STARTUP_CHECK": "1",
            "PYTHONPATH": str(ROOT)}


def time_window_shown(env: dict) -> tuple[float, bool]:
    """Seconds from process start to the window shown, and whether torch was imported then."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gdstudio"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    shown = None
    torch_at_show = None
    for line in proc.stdout:
        if line.startswith("started: ") and shown is None:
            shown = time.perf_counter() - t0
        elif line.startswith("torch imported when shown: "):
            torch_at_show = line.split(": ", 1)[1].strip() == "yes"
    proc.wait(timeout=120)
    if proc.returncode != 0 or shown is None:
        raise RuntimeError(f"the window did not start (exit {proc.returncode})")
    return shown, bool(torch_at_show)


def time_import_torch(env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, env=env)
    return time.perf_counter() - t0


def bench_startup(quick: bool) -> dict:
    repeats = 5 if quick else 11
    window, torch_times, torch_at_show = [], [], []
    with tempfile.TemporaryDirectory() as home:
        env = _env(home)
        time_window_shown(env)  # the first start writes the settings store; not measured
        for _ in range(repeats):
            shown, loaded = time_window_shown(env)
            window.append(shown)
            torch_at_show.append(loaded)
            torch_times.append(time_import_torch(env))
    w, t = statistics.median(window), statistics.median(torch_times)
    print(f"startup  window shown {w:.3f} s  import torch {t:.3f} s  ratio {w / t:.2f}",
          flush=True)
    return {"window_shown_s": w, "import_torch_s": t, "ratio": w / t, "repeats": repeats,
            "window_shown_all_s": window, "import_torch_all_s": torch_times,
            "torch_imported_at_show": any(torch_at_show)}


def rows(results: dict) -> list[str]:
    r = results["startup"]
    return [
        f"| 8. Start-up: window shown (median of {r['repeats']}, fresh processes) | "
        f"{r['window_shown_s']:.2f} s | `import torch` {r['import_torch_s']:.2f} s | "
        f"{r['ratio']:.2f}× (torch imported when shown: "
        f"{'yes' if r['torch_imported_at_show'] else 'no'}) | ≤ 0.6× |",
    ]
