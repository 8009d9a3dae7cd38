"""2. Studio overhead (the window's run against the same run headless) and 3. latency."""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time

import numpy as np

from .common import LR, app, data, epochs_for, new_window, run_window, set_panel

HEADLESS = f"""
import json, statistics, sys, time
from gdstudio.core.data.dataset import random_line
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
n, epochs, repeats = map(int, sys.argv[1:4])
d = random_line(n, seed=0)
cfg = TrainConfig(learning_rate={LR!r}, epochs=epochs, init_w=-1.0, init_b=1.0)
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    history = list(train(d, cfg))
    times.append(time.perf_counter() - t0)
print(json.dumps({{"median": statistics.median(times), "w": history[-1].w}}))
"""


def headless(n: int, epochs: int, repeats: int) -> dict:
    """The engine as ``gdstudio train`` runs it: the main thread of a fresh process."""
    out = subprocess.run([sys.executable, "-c", HEADLESS, str(n), str(epochs), str(repeats)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def bench_studio(quick: bool) -> list[dict]:
    rows = []
    repeats = 3 if quick else 5
    for n in (4, 1_000, 100_000):
        epochs = epochs_for(n, quick, 1.0 if quick else 3.0)  # long enough runs that
        win = new_window(data(n))  # starting a thread is not what is measured
        set_panel(win, epochs=epochs)
        gui = []
        for _ in range(repeats):
            gc.collect()
            gui.append(run_window(win))
            assert win.controller.session.history.count == epochs
        w_window = win.controller.session.history.last().w
        win.close()
        base = headless(n, epochs, repeats)
        assert base["w"] == w_window, "window and headless runs disagree"
        g, h = statistics.median(gui), base["median"]
        rows.append({"n": n, "epochs": epochs, "studio_eps": epochs / g,
                     "headless_eps": epochs / h, "ratio": h / g})
        print(f"studio  N={n:>9,}  window {epochs / g:10.1f} ep/s  headless "
              f"{epochs / h:10.1f} ep/s  ratio {h / g:.3f}", flush=True)
    return rows


def bench_latency(quick: bool) -> dict:
    from PySide6.QtCore import QTimer

    n = 100_000
    win = new_window(data(n))
    set_panel(win, epochs=10_000_000)
    stamps: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    a = app()
    assert win.controller.train()
    t_end = time.perf_counter() + (3.0 if quick else 10.0)
    while time.perf_counter() < t_end:
        if not timer.isActive() and win.controller.session.history.count > 0:
            timer.start()
        a.processEvents()
        time.sleep(0.0005)
    timer.stop()
    epochs = win.controller.session.history.count
    win.controller.stop()
    while win.controller.session.state != "idle":
        a.processEvents()
    win.close()
    late = np.maximum(np.diff(stamps) * 1000 - 10.0, 0.0)
    row = {"n": n, "epochs_during": epochs, "ticks": len(late),
           "p50_ms": float(np.percentile(late, 50)), "p95_ms": float(np.percentile(late, 95)),
           "max_ms": float(late.max())}
    print(f"latency N={n:,}: 10 ms timer late by p50 {row['p50_ms']:.2f} ms, "
          f"p95 {row['p95_ms']:.2f} ms, max {row['max_ms']:.2f} ms over {len(late)} ticks "
          f"({epochs} epochs trained meanwhile)", flush=True)
    return row


def studio_rows(results: dict) -> list[str]:
    return [f"| 2. studio (live plots), N={r['n']:,} | {r['studio_eps']:,.0f} ep/s | "
            f"{r['headless_eps']:,.0f} ep/s (headless) | **{r['ratio']:.3f}** | ≥ 0.9 |"
            for r in results["studio"]]


def latency_rows(results: dict) -> list[str]:
    r = results["latency"]
    return [f"| 3. 10 ms timer lateness, 100k points, full speed | p95 {r['p95_ms']:.1f} ms"
            f", max {r['max_ms']:.1f} ms | {r['ticks']} ticks | p50 {r['p50_ms']:.1f} ms "
            "| p95 ≤ 16 ms, max ≤ 50 ms |"]
