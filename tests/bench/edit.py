"""5. A point of a million dragged, added or deleted in the window: the time the GUI thread
spends on each edit (the controller's edit with every view's update, then a synchronous
repaint of the data plot and the landscape; its wall-clock time, and the CPU time the GUI
thread spent, which a busy machine stretches less), and the time until the exact least-squares
line and step-size guide, computed off the GUI thread, are shown."""

from __future__ import annotations

import time

import numpy as np

from .common import app, data, new_window
from .landscape import _stats

N_POINTS = 1_000_000


def _settle(win, a) -> None:
    c = win.controller
    while c.landscape_model.busy or c.numbers_estimated:
        c.landscape_model.wait(50)
        c.wait_for_numbers(50)
        a.processEvents()
    a.processEvents()


def _timed_line_report(spent: list[float]):
    """The line overlay's R² pass (``line_report``, a pass over every point), timed."""
    from gdstudio.ui.plots import line_overlay

    report = line_overlay.line_report

    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return report(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    line_overlay.line_report = timed


def bench_edit(quick: bool) -> dict:
    spent: list[float] = []
    _timed_line_report(spent)
    a = app()
    n = 200_000 if quick else N_POINTS
    win = new_window(data(n))
    c = win.controller
    _settle(win, a)
    views = (win.plot.viewport(), win.landscape_plot.viewport())
    for v in views:
        v.repaint()
    repeats = 40 if quick else 200
    rows = {}
    for kind in ("move", "add", "delete"):
        edit, paint, rest, cpu = [], [], [], []
        for k in range(repeats if kind == "move" else repeats // 4):
            i = (k * 7919) % (len(c.dataset) - 1)
            spent.clear()
            c0 = time.thread_time()
            t0 = time.perf_counter()
            if kind == "move":
                ok = c.move_point(i, float(np.sin(k)), float(np.cos(k) * 3))
            elif kind == "add":
                ok = c.add_point(float(np.sin(k)), float(np.cos(k) * 3))
            else:
                ok = c.delete_points((i,))
            t1 = time.perf_counter()
            cpu.append(time.thread_time() - c0)
            for v in views:
                v.repaint()
            t2 = time.perf_counter()
            assert ok
            edit.append(t1 - t0)
            paint.append(t2 - t0)
            rest.append(t1 - t0 - sum(spent))
        rows[kind] = {"edit": _stats(edit), "with_paint": _stats(paint),
                      "without_r2": _stats(rest), "cpu": _stats(cpu)}
    t0 = time.perf_counter()
    _settle(win, a)
    settle = time.perf_counter() - t0
    assert c.numbers.optimum.method == "closed form"
    win.controller.shutdown()
    win.close()
    result = {"n": n, "rows": rows, "settle_s": settle}
    for kind, r in rows.items():
        print(f"edit of one point, {kind}, N={n:,}: GUI thread median "
              f"{r['edit']['median_ms']:.1f} ms, p95 {r['edit']['p95_ms']:.1f} ms; with the "
              f"repaint of the data plot and landscape p95 {r['with_paint']['p95_ms']:.1f} ms; "
              f"without the line overlay's R² pass p95 {r['without_r2']['p95_ms']:.1f} ms; "
              f"the GUI thread's CPU time median {r['cpu']['median_ms']:.1f} ms, p95 "
              f"{r['cpu']['p95_ms']:.1f} ms", flush=True)
    print(f"exact numbers shown {settle:.2f} s after the last edit", flush=True)
    return result


def rows(results: dict) -> list[str]:
    r = results["edit"]
    out = []
    for kind, v in r["rows"].items():
        e, p, q = v["edit"], v["with_paint"], v["without_r2"]
        cpu = v.get("cpu")
        spent = "" if cpu is None else (f"; its CPU time median {cpu['median_ms']:.1f} ms, "
                                        f"p95 {cpu['p95_ms']:.1f} ms")
        verb = {"move": "dragged", "add": "added", "delete": "deleted"}[kind]
        out.append(f"| 5. one point {verb}, N={r['n']:,}: GUI "
                   f"thread per edit | median {e['median_ms']:.1f} ms | {e['samples']} edits | "
                   f"p95 **{e['p95_ms']:.1f} ms** (with repaint {p['p95_ms']:.1f} ms; "
                   f"without the overlay's R² pass {q['p95_ms']:.1f} ms{spent}) | ≤ 16 ms |")
    out.append(f"| 5. exact line and step guide after an edit, N={r['n']:,} (off the GUI "
               f"thread) | {r['settle_s']:.2f} s | | | |")
    return out
