"""Gradient Descent Studio benchmarks: each figure is a ratio against a baseline measured in
the same run (median of several repeats), because these machines are noisy.

    python -m tests.bench.run_benchmarks            # full run (several minutes)
    python -m tests.bench.run_benchmarks --quick    # a quick look (about a minute)

Writes ``tests/bench/results/benchmarks.md`` (the README's table) and ``benchmarks.json``.
Kept out of the test suite: pytest collects only ``test_*.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import torch
from torch import nn

from gdstudio.core import Dataset, TrainConfig, random_line, read_dataset, train

RESULTS = Path(__file__).resolve().parent / "results"
LR = 1e-4  # small enough to stay finite for every size here


# --------------------------------------------------------------------------- helpers
def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pyqtgraph
    import PySide6

    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(), "PySide6": PySide6.__version__,
        "pyqtgraph": pyqtgraph.__version__, "numpy": np.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def data(n: int) -> Dataset:
    """The benchmark's points, made on a helper thread as the studio makes them (torch
    work on the GUI thread would slow every later training thread; gdstudio/ui/offload.py)."""
    from gdstudio.ui.offload import call_off_gui_thread

    return call_off_gui_thread(random_line, n, seed=0)


def epochs_for(n: int, quick: bool, seconds: float | None = None) -> int:
    """Enough epochs for ~0.3 s (0.1 s quick), or ``seconds``, of batch descent at N."""
    per_epoch = 200e-6 + n * 4e-9
    return max(3, int((seconds or (0.1 if quick else 0.3)) / per_epoch))


def median_ratio(fast, base, repeats: int):
    """Time both callables alternately, ``repeats`` pairs.

    Returns the median times and the median of the per-pair ratios (base time / fast time):
    the two runs of a pair are seconds apart, so they share the machine's momentary load,
    which makes the paired ratio steadier than a ratio of separate medians.
    """
    ft, bt = [], []
    for _ in range(repeats):
        for fn, out in ((base, bt), (fast, ft)):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    ratios = [b / f for f, b in zip(ft, bt, strict=True)]
    return statistics.median(ft), statistics.median(bt), statistics.median(ratios)


# --------------------------------------------------------------------------- 1. engine
def bare_manual(dataset: Dataset, epochs: int):
    """Tutorial 2's batch loop, recording (epoch, loss, w, b) as its table does."""
    X, Y = dataset.tensors()
    w = torch.tensor(-1.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    history = []
    for i in range(epochs):
        loss = torch.mean((w * X + b - Y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= LR * w.grad
            b -= LR * b.grad
        w.grad.zero_()
        b.grad.zero_()
        history.append((i, loss.item(), w.item(), b.item()))
    return history


def bare_module(dataset: Dataset, epochs: int):
    """Tutorial 3's loop: nn.Linear + nn.MSELoss + optim.SGD, full batch."""
    X, Y = dataset.tensors()
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(-1.0)
        model.bias.fill_(1.0)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    history = []
    for i in range(epochs):
        loss = criterion(model(X), Y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append((i, loss.item(), model.weight.item(), model.bias.item()))
    return history


def bench_engine(quick: bool) -> list[dict]:
    rows = []
    sizes = [4, 1_000, 100_000, 1_000_000]
    for n in sizes:
        d = data(n)
        epochs = epochs_for(n, quick, None if quick else 0.3)
        for impl, bare in (("manual", bare_manual), ("module", bare_module)):
            cfg = TrainConfig(impl=impl, learning_rate=LR, epochs=epochs, init_w=-1.0,
                              init_b=1.0)
            check = [(r.epoch, r.loss, r.w, r.b) for r in train(d, cfg)]
            assert check == bare(d, epochs), "engine and bare loop disagree"
            f, b, ratio = median_ratio(lambda d=d, cfg=cfg: list(train(d, cfg)),
                                       lambda d=d, e=epochs, fn=bare: fn(d, e),
                                       5 if quick else 15)
            rows.append({"n": n, "impl": impl, "epochs": epochs,
                         "engine_eps": epochs / f, "bare_eps": epochs / b, "ratio": ratio})
            print(f"engine  N={n:>9,} {impl:6}  engine {epochs / f:10.1f} ep/s  "
                  f"bare {epochs / b:10.1f} ep/s  ratio {ratio:.3f}", flush=True)
    return rows


# --------------------------------------------------------------------------- Qt helpers
_app = None


def app():
    global _app
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])
    return _app


def new_window(dataset: Dataset | None = None):
    from PySide6.QtCore import QSettings

    from gdstudio.ui.main_window import MainWindow

    app()
    path = tempfile.mktemp(suffix=".ini")
    win = MainWindow(dataset, settings=QSettings(path, QSettings.Format.IniFormat))
    win.resize(1280, 800)
    win.show()
    app().processEvents()
    return win


def run_window(win, timeout=600.0):
    """Press Train and run the Qt event loop (as the app does) until the run is over;
    return the wall time."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    win.session.trainingFinished.connect(loop.quit)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(int(timeout * 1000))
    t0 = time.perf_counter()
    assert win.train_or_resume()
    loop.exec()
    elapsed = time.perf_counter() - t0
    win.session.trainingFinished.disconnect(loop.quit)
    if win.session.state != "idle":
        raise RuntimeError("run did not finish")
    return elapsed


def set_panel(win, method="batch", impl="manual", epochs=100, lr=LR):
    p = win.panel
    p.method.setCurrentIndex(p.method.findData(method))
    p.impl.setCurrentIndex(p.impl.findData(impl))
    p.learning_rate.setText(repr(lr))
    p.epochs.setValue(epochs)
    p.random_init.setChecked(False)
    p.init_w.setText("-1.0")
    p.init_b.setText("1.0")


# --------------------------------------------------------------------------- 2. studio
HEADLESS = f"""
import json, statistics, sys, time
from gdstudio.core import TrainConfig, random_line, train
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
            assert win.session.history.count == epochs
        w_window = win.session.history.last().w
        win.close()
        base = headless(n, epochs, repeats)
        assert base["w"] == w_window, "window and headless runs disagree"
        g, h = statistics.median(gui), base["median"]
        rows.append({"n": n, "epochs": epochs, "studio_eps": epochs / g,
                     "headless_eps": epochs / h, "ratio": h / g})
        print(f"studio  N={n:>9,}  window {epochs / g:10.1f} ep/s  headless "
              f"{epochs / h:10.1f} ep/s  ratio {h / g:.3f}", flush=True)
    return rows


# --------------------------------------------------------------------------- 3. latency
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
    assert win.train_or_resume()
    t_end = time.perf_counter() + (3.0 if quick else 10.0)
    while time.perf_counter() < t_end:
        if not timer.isActive() and win.session.history.count > 0:
            timer.start()
        a.processEvents()
        time.sleep(0.0005)
    timer.stop()
    epochs = win.session.history.count
    win.stop()
    while win.session.state != "idle":
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


# --------------------------------------------------------------------------- 4. sgd
def tutorial_sgd(dataset: Dataset, lr: float):
    """Tutorial 2's stochastic loop: one autograd step per point."""
    X, Y = dataset.tensors()
    w = torch.tensor(-1.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    for x, y in zip(X, Y, strict=True):
        loss = torch.mean((w * x + b - y) ** 2)
        loss.backward()
        w.data = w.data - lr * w.grad.data
        b.data = b.data - lr * b.grad.data
        w.grad.data.zero_()
        b.grad.data.zero_()
    return w.item(), b.item()


def bench_sgd(quick: bool) -> dict:
    n_base = 2_000 if quick else 10_000
    n_fast = 100_000 if quick else 1_000_000
    lr = 1e-3
    base_d, fast_d = data(n_base), data(n_fast)
    cfg = TrainConfig(method="sgd", impl="analytic", learning_rate=lr, epochs=1, init_w=-1.0,
                      init_b=1.0)
    # equality after one epoch, on the same data
    ref = tutorial_sgd(base_d, lr)
    got = list(train(base_d, cfg))[-1]
    rel = max(abs(got.w - ref[0]) / abs(ref[0]), abs(got.b - ref[1]) / abs(ref[1]))
    bt, ft = [], []
    for _ in range(3 if quick else 5):
        t0 = time.perf_counter()
        tutorial_sgd(base_d, lr)
        bt.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        list(train(fast_d, cfg))
        ft.append(time.perf_counter() - t0)
    base_sps = n_base / statistics.median(bt)
    fast_sps = n_fast / statistics.median(ft)
    row = {"tutorial_samples_per_s": base_sps, "analytic_samples_per_s": fast_sps,
           "ratio": fast_sps / base_sps, "max_relative_difference": rel,
           "bitwise_equal": got.w == ref[0] and got.b == ref[1]}
    print(f"sgd     tutorial {base_sps:,.0f} samples/s  analytic {fast_sps:,.0f} samples/s  "
          f"ratio {row['ratio']:.0f}x  max rel diff {rel:.1e}", flush=True)
    return row


# --------------------------------------------------------------------------- 5. large data
def bench_large(quick: bool) -> dict:
    from gdstudio.core import write_dataset

    n = 1_000_000
    d = data(n)
    folder = Path(tempfile.mkdtemp())
    path = folder / "million.csv"
    write_dataset(path, d)
    t0 = time.perf_counter()
    loaded = read_dataset(path)
    t_read = time.perf_counter() - t0
    assert loaded == d
    a = app()
    win = new_window()
    a.processEvents()
    t0 = time.perf_counter()
    assert win.import_csv(str(path))
    win.plot.viewport().repaint()
    win.loss_plot.viewport().repaint()
    a.processEvents()
    t_first = time.perf_counter() - t0

    # frame times during a run: the redraw slot plus the paints of both plots
    frames: list[float] = []
    paints: list[float] = []
    redraw = win.run_view.redraw

    def timed_redraw(*args, **kwargs):
        t = time.perf_counter()
        redraw(*args, **kwargs)
        frames.append(time.perf_counter() - t)

    win.run_view.redraw = timed_redraw
    for view in (win.plot, win.loss_plot):
        original = view.paintEvent

        def timed_paint(ev, original=original):
            t = time.perf_counter()
            original(ev)
            paints.append(time.perf_counter() - t)

        view.paintEvent = timed_paint
    scatter_sets = []
    orig_set = win.plot.scatter.setData
    win.plot.scatter.setData = lambda *a, **k: (scatter_sets.append(1), orig_set(*a, **k))
    set_panel(win, epochs=20 if quick else 60)
    run_window(win)
    win.close()
    row = {"n": n, "csv_import_s": t_read, "window_import_and_first_draw_s": t_first,
           "shown_points": int(win.plot.shown_count), "frames": len(frames),
           "frame_redraw_ms_median": 1000 * statistics.median(frames) if frames else None,
           "frame_redraw_ms_max": 1000 * max(frames) if frames else None,
           "paint_ms_median": 1000 * statistics.median(paints) if paints else None,
           "paint_ms_p95": 1000 * float(np.percentile(paints, 95)) if paints else None,
           "scatter_set_during_run": len(scatter_sets)}
    print(f"large   1M points: read_dataset {t_read:.2f} s, import + first draw {t_first:.2f} s, "
          f"shown {row['shown_points']:,}; per frame: redraw median "
          f"{row['frame_redraw_ms_median']:.2f} ms, paint median {row['paint_ms_median']:.2f} "
          f"ms / p95 {row['paint_ms_p95']:.2f} ms; scatter set during run: "
          f"{len(scatter_sets)}", flush=True)
    return row


# --------------------------------------------------------------------------- 6. memory
def bench_memory(quick: bool) -> dict:
    epochs = 100_000 if quick else 1_000_000
    a = app()
    win = new_window(data(4))
    set_panel(win, impl="analytic", epochs=epochs, lr=1e-3)
    a.processEvents()
    gc.collect()
    before = rss_mb()
    peak = before
    t0 = time.perf_counter()
    assert win.train_or_resume()
    while win.session.state != "idle":
        a.processEvents()
        time.sleep(0.001)
        peak = max(peak, rss_mb())
    elapsed = time.perf_counter() - t0
    gc.collect()
    after = rss_mb()
    assert win.session.history.count == epochs
    drawn = win.loss_plot.drawn_points
    win.close()
    row = {"epochs": epochs, "rss_before_mb": before, "rss_after_mb": after,
           "growth_mb": after - before, "peak_growth_mb": peak - before,
           "loss_curve_points_drawn": drawn, "seconds": elapsed}
    print(f"memory  {epochs:,} epochs: RSS growth {after - before:.1f} MB (peak "
          f"{peak - before:.1f} MB); loss curve draws {drawn:,} points", flush=True)
    return row


# --------------------------------------------------------------------------- report
def table(results: dict) -> str:
    lines = ["| benchmark | measured | baseline | ratio / figure | target |",
             "|---|---|---|---|---|"]
    for r in results["engine"]:
        lines.append(f"| 1. engine, {r['impl']}, N={r['n']:,} | {r['engine_eps']:,.0f} ep/s | "
                     f"{r['bare_eps']:,.0f} ep/s (bare loop) | **{r['ratio']:.3f}** | ≥ 0.95 |")
    for r in results["studio"]:
        lines.append(f"| 2. studio (live plots), N={r['n']:,} | {r['studio_eps']:,.0f} ep/s | "
                     f"{r['headless_eps']:,.0f} ep/s (headless) | **{r['ratio']:.3f}** | ≥ 0.9 |")
    r = results["latency"]
    lines.append(f"| 3. 10 ms timer lateness, 100k points, full speed | p95 {r['p95_ms']:.1f} ms"
                 f", max {r['max_ms']:.1f} ms | {r['ticks']} ticks | p50 {r['p50_ms']:.1f} ms "
                 "| p95 ≤ 16 ms, max ≤ 50 ms |")
    r = results["sgd"]
    lines.append(f"| 4. stochastic descent, analytic path | {r['analytic_samples_per_s']:,.0f} "
                 f"samples/s | {r['tutorial_samples_per_s']:,.0f} samples/s (tutorial loop) | "
                 f"**{r['ratio']:.0f}×**, max rel. diff {r['max_relative_difference']:.1e} | "
                 "≥ 10×, ≤ 1e-5 |")
    r = results["large"]
    lines.append(f"| 5. 1M points: CSV read | {r['csv_import_s']:.2f} s | | | ≤ 2 s |")
    lines.append(f"| 5. 1M points: import + first draw in the window | "
                 f"{r['window_import_and_first_draw_s']:.2f} s | | {r['shown_points']:,} "
                 "points shown | |")
    lines.append("| 5. 1M points: each frame during a run | redraw "
                 f"{r['frame_redraw_ms_median']:.1f} ms, paint {r['paint_ms_median']:.1f} ms "
                 f"(p95 {r['paint_ms_p95']:.1f}) | | "
                 f"scatter re-set {r['scatter_set_during_run']}× | 0 re-sets |")
    r = results["memory"]
    lines.append(f"| 6. memory over {r['epochs']:,} epochs | +{r['growth_mb']:.1f} MB RSS "
                 f"(peak +{r['peak_growth_mb']:.1f}) | | {r['loss_curve_points_drawn']:,} "
                 "loss points drawn | ≤ 50 MB |")
    m = results["machine"]
    lines.append("")
    lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, torch "
                 f"{m['torch']} ({m['torch_threads']} threads), PySide6 {m['PySide6']}, "
                 f"pyqtgraph {m['pyqtgraph']}; {m['date']}; mode: {results['mode']}.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter runs")
    parser.add_argument("--only", nargs="*", default=None,
                        help="engine studio latency sgd large memory")
    parser.add_argument("--out", default=str(RESULTS), help="folder for the table and JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    wanted = args.only or ["engine", "studio", "latency", "sgd", "large", "memory"]
    benches = {"engine": bench_engine, "studio": bench_studio, "latency": bench_latency,
               "sgd": bench_sgd, "large": bench_large, "memory": bench_memory}
    if args.child:
        print(json.dumps(benches[args.child](args.quick)))
        return 0
    results = {"machine": machine(), "mode": "quick" if args.quick else "full"}
    for name in wanted:
        # Each benchmark runs in a fresh process: torch work on one thread leaves an OpenMP
        # pool behind that would slow the next benchmark's training thread.
        cmd = [sys.executable, "-m", "tests.bench.run_benchmarks", "--child", name]
        if args.quick:
            cmd.append("--quick")
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            print(f"benchmark {name} failed (exit {proc.returncode})", file=sys.stderr)
            return 1
        lines = proc.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        results[name] = json.loads(lines[-1])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    if all(k in results for k in benches):
        text = table(results)
        (out / "benchmarks.md").write_text(text)
        print()
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
