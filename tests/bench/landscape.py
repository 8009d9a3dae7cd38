"""5. The landscape view's frame budgets: a point dragged on a million points (MSE), and the
preview of 1,000 batch updates, each recomputed and painted (offscreen, synchronously); and
the window's responsiveness during a run at full speed with the three views live (the data
with the fit, the landscape with the path, the loss curve): the 10 ms timer's lateness."""

from __future__ import annotations

import statistics
import time

import numpy as np

from gdstudio.core.settings.config import TrainConfig

from .common import app, data, new_window, set_panel

N_POINTS = 1_000_000


def _stats(times_s: list[float]) -> dict:
    ms = np.array(times_s) * 1000
    return {"median_ms": float(statistics.median(ms)), "p95_ms": float(np.percentile(ms, 95)),
            "max_ms": float(ms.max()), "samples": len(ms)}


def bench_landscape(quick: bool) -> dict:
    from gdstudio.ui.numbers.landscape_model import LandscapeModel
    from gdstudio.ui.numbers.preview_model import PreviewModel
    from gdstudio.ui.plots.landscape_plot import LandscapePlot

    a = app()
    n = 100_000 if quick else N_POINTS
    dataset = data(n)
    model = LandscapeModel()
    preview = PreviewModel(model)
    plot = LandscapePlot()
    plot.resize(700, 600)
    plot.show()
    model.landscapeChanged.connect(plot.set_frame)
    preview.previewChanged.connect(plot.set_preview)
    model.set_start(-1.0, 1.0)
    model.data_replaced(dataset)
    while model.frame is None or model.busy:
        model.wait()
        a.processEvents()
    a.processEvents()
    viewport = plot.viewport()
    viewport.repaint()

    # a point dragged: one O(1) update of the moments, the frame, the paint
    repeats = 60 if quick else 200
    i = n // 3
    x0, y0 = float(dataset.x[i]), float(dataset.y[i])
    where = (x0, y0)
    drag = []
    for k in range(repeats):
        new = (x0 + 0.05 * np.sin(k / 7), y0 + 3.0 * np.cos(k / 5))
        t0 = time.perf_counter()
        model.point_moved(where, new)
        viewport.repaint()
        drag.append(time.perf_counter() - t0)
        where = new
    exact = model.landscape.optimum  # drawn from the updated moments (no rebuild asked)

    # the preview: 1,000 batch updates from a start moving as when dragged, then painted
    config = TrainConfig(method="batch", impl="analytic", learning_rate=0.1, epochs=1000)
    preview.set_config(config)
    w_star, b_star = exact
    moves = []
    for k in range(repeats):
        t0 = time.perf_counter()
        preview.set_start(w_star - 5.0 + np.sin(k / 9), b_star - 5.0 + np.cos(k / 11))
        viewport.repaint()
        moves.append(time.perf_counter() - t0)
    assert preview.path is not None and len(preview.path) == 1001
    plot.close()
    model.shutdown()
    preview.shutdown()
    result = {"n": n, "drag": _stats(drag), "preview": _stats(moves),
              "live": [live_latency(method, impl, 3.0 if quick else 10.0, size)
                       for method, impl, size in (("batch", "manual", 100_000),
                                                  ("sgd", "analytic", 100_000),
                                                  ("sgd", "analytic", 1_000_000))]}
    print(f"landscape N={n:,}: point drag, update + redraw median "
          f"{result['drag']['median_ms']:.2f} ms, p95 {result['drag']['p95_ms']:.2f} ms; "
          f"preview of 1,000 batch updates + redraw median "
          f"{result['preview']['median_ms']:.2f} ms, p95 {result['preview']['p95_ms']:.2f} ms",
          flush=True)
    return result


def live_latency(method: str, impl: str, seconds: float, n: int = 100_000) -> dict:
    """A run of ``method`` on ``n`` points at full speed in the window, its three views
    live (a stochastic run's path drawn per update): how late a 10 ms timer fires."""
    from PySide6.QtCore import QTimer

    a = app()
    win = new_window(data(n))
    set_panel(win, method=method, impl=impl, epochs=10_000_000, lr=1e-3)
    # the window as a user finds it: laid out and painted (its first paints set the axes'
    # widths, and a resized data plot paints its 100,000 points again: ~50 ms, once)
    settle = time.perf_counter() + 0.5
    while time.perf_counter() < settle:
        a.processEvents()
        time.sleep(0.001)
    stamps: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    assert win.controller.train()
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        session = win.controller.session
        if not timer.isActive() and (session.history.count or session.path is not None):
            timer.start()
        a.processEvents()
        time.sleep(0.0005)
    timer.stop()
    epochs, points = win.controller.session.history.count, len(win.landscape_view.current_path())
    win.controller.stop()
    while win.controller.session.state != "idle":
        a.processEvents()
    win.close()
    late = np.maximum(np.diff(stamps) * 1000 - 10.0, 0.0)
    row = {"method": method, "impl": impl, "n": n, "epochs_during": epochs,
           "path_points": points, "ticks": len(late),
           "p50_ms": float(np.percentile(late, 50)), "p95_ms": float(np.percentile(late, 95)),
           "max_ms": float(late.max())}
    print(f"live views, {method}/{impl}, N={n:,}: 10 ms timer late by p50 "
          f"{row['p50_ms']:.2f} ms, p95 {row['p95_ms']:.2f} ms, max {row['max_ms']:.2f} ms "
          f"over {len(late)} ticks ({epochs} epochs, {points:,} path points drawn)", flush=True)
    return row


def rows(results: dict) -> list[str]:
    r = results["landscape"]
    d, p = r["drag"], r["preview"]
    return [f"| 5. landscape redraw after a point drag, MSE, N={r['n']:,} | median "
            f"{d['median_ms']:.1f} ms | {d['samples']} drags | p95 **{d['p95_ms']:.1f} ms** "
            "| ≤ 16 ms |",
            f"| 5. preview of 1,000 batch updates, recomputed and drawn | median "
            f"{p['median_ms']:.1f} ms | {p['samples']} starts | p95 **{p['p95_ms']:.1f} ms** "
            "| ≤ 16 ms |"] + [
            f"| 5. 10 ms timer lateness, three views live, {v['method']} ({v['impl']}), "
            f"N={v['n']:,}, full speed | p95 **{v['p95_ms']:.1f} ms**, max {v['max_ms']:.1f} ms "
            f"| {v['ticks']} ticks | p50 {v['p50_ms']:.1f} ms | p95 ≤ 16 ms |"
            for v in r.get("live", ())]
