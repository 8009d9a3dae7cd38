"""4. Stochastic descent: the analytic path against the tutorial's autograd loop."""

from __future__ import annotations

import statistics
import time

import torch

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train

from .common import data


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


def rows(results: dict) -> list[str]:
    r = results["sgd"]
    return [f"| 4. stochastic descent, analytic path | {r['analytic_samples_per_s']:,.0f} "
            f"samples/s | {r['tutorial_samples_per_s']:,.0f} samples/s (tutorial loop) | "
            f"**{r['ratio']:.0f}×**, max rel. diff {r['max_relative_difference']:.1e} | "
            "≥ 10×, ≤ 1e-5 |"]


# --- the compiled per-sample loop -------------------------------------------------------------

_FIRST_RUN = """
import json, sys, time
t0 = time.perf_counter()
from gdstudio.core.data.dataset import random_line
from gdstudio.core.models.line import compiled
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
d = random_line(int(sys.argv[1]), seed=0)
cfg = TrainConfig(method="sgd", impl="analytic", learning_rate=1e-4, epochs=1, shuffle=False)
t1 = time.perf_counter()
records = list(train(d, cfg))
t2 = time.perf_counter()
loaded = compiled.wait(float(sys.argv[2]))
t3 = time.perf_counter()
print(json.dumps({"first_run_s": t2 - t1, "ready_after_s": t3 - t1,
                  "ready": loaded is not None, "w": records[-1].w}))
"""


def _first_run(n: int, env: dict, wait: float) -> dict:
    import json
    import os
    import subprocess
    import sys

    from .common import ROOT
    done = subprocess.run([sys.executable, "-c", _FIRST_RUN, str(n), str(wait)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _plain_loop():
    from numba import njit

    @njit(nogil=True)
    def plain(x, y, w, b, lr, two):
        for i in range(x.shape[0]):
            g = two * (w * x[i] + b - y[i])
            w = w - lr * (g * x[i])
            b = b - lr * g
        return w, b
    return plain


def _plain_loss():
    """A plain compiled pass computing an epoch's MSE (the engine's record of the epoch:
    the same work, summed in turn rather than in NumPy's pairwise order)."""
    from numba import njit

    @njit(nogil=True)
    def mse(x, y, w, b):
        s = 0.0
        for i in range(x.shape[0]):
            e = w * x[i] + b - y[i]
            s += e * e
        return s / x.shape[0]
    return mse


def bench_compiled(quick: bool) -> dict:
    """Stochastic descent (float32, MSE with bias, unshuffled) through the engine, compiled,
    against a plain numba loop making the same updates (same data, same epochs, alternating
    repeats); the Python loop's updates/s; the first run after the cache is cleared."""
    import tempfile

    import numpy as np

    from gdstudio.core.models.line import compiled
    from gdstudio.core.training.engine import run_epochs
    from gdstudio.core.training.path import PathBuffer

    kernels = compiled.wait(900)
    assert kernels is not None, compiled.status
    n = 100_000 if quick else 1_000_000
    epochs = 5 if quick else 10
    d = data(n)
    x, y = np.asarray(d.x), np.asarray(d.y)
    cfg = TrainConfig(method="sgd", impl="analytic", learning_rate=1e-4, epochs=epochs,
                      shuffle=False, init_w=-1.0, init_b=1.0)
    plain = _plain_loop()
    f = np.float32
    plain(x[:10], y[:10], f(0), f(0), f(0), f(2))  # (compiled here, before timing)
    mse = _plain_loss()
    x64, y64 = x.astype(np.float64), y.astype(np.float64)  # (the engine's epoch loss: float64)
    mse(x64[:10], y64[:10], 0.0, 0.0)

    def run_plain(with_loss=False):
        w, b = f(-1.0), f(1.0)
        for _ in range(epochs):
            if with_loss:
                mse(x64, y64, float(w), float(b))
            w, b = plain(x, y, f(w), f(b), f(1e-4), f(2))
        return float(w), float(b)

    def run_engine(path=None):
        gen = run_epochs(d, cfg, (-1.0, 1.0), path=path)
        first = next(gen)  # (the implementation's set-up before it: another item's cost)
        t0 = time.perf_counter()
        last = list(gen)[-1]
        return time.perf_counter() - t0, (last.w, last.b), first

    plain_t, loss_t, engine_t, path_t = [], [], [], []
    for _ in range(3 if quick else 7):
        t0 = time.perf_counter()
        ref = run_plain()
        plain_t.append((time.perf_counter() - t0) * (epochs - 1) / epochs)
        t0 = time.perf_counter()
        run_plain(with_loss=True)
        loss_t.append((time.perf_counter() - t0) * (epochs - 1) / epochs)
        t, got, _ = run_engine()
        engine_t.append(t)
        path_t.append(run_engine(PathBuffer())[0])
    plain_ups = (epochs - 1) * n / statistics.median(plain_t)
    loss_ups = (epochs - 1) * n / statistics.median(loss_t)
    engine_ups = (epochs - 1) * n / statistics.median(engine_t)
    path_ups = (epochs - 1) * n / statistics.median(path_t)
    # the Python loop (the fallback), on fewer points
    n_py = 20_000 if quick else 100_000
    small = data(n_py)
    one = TrainConfig(method="sgd", impl="analytic", learning_rate=1e-4, epochs=2,
                      shuffle=False)
    py_t, co_t = [], []
    for _ in range(3):
        for on, out in ((False, py_t), (True, co_t)):
            compiled._loaded = kernels if on else None
            gen = run_epochs(small, one, (0.0, 0.0))
            next(gen)
            t0 = time.perf_counter()
            list(gen)
            out.append(time.perf_counter() - t0)
    compiled._loaded = kernels
    python_ups = n_py / statistics.median(py_t)
    compiled_small_ups = n_py / statistics.median(co_t)
    # the first run after the cache is cleared, and the next one, in fresh processes
    with tempfile.TemporaryDirectory() as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        cold = _first_run(n_py, env, 900)
        warm = _first_run(n_py, env, 60)
    off = _first_run(n_py, {"GDSTUDIO_COMPILED": "0"}, 0)
    row = {
        "n": n, "plain_updates_per_s": plain_ups, "engine_updates_per_s": engine_ups,
        "engine_with_path_updates_per_s": path_ups, "ratio": engine_ups / plain_ups,
        "ratio_with_path": path_ups / plain_ups, "bitwise_equal": got == ref,
        "plain_with_loss_updates_per_s": loss_ups, "ratio_with_loss": engine_ups / loss_ups,
        "python_updates_per_s": python_ups, "compiled_small_updates_per_s": compiled_small_ups,
        "speedup_vs_python": compiled_small_ups / python_ups,
        "first_run_cold_s": cold["first_run_s"], "first_run_python_s": off["first_run_s"],
        "first_run_warm_s": warm["first_run_s"], "compiled_ready_after_s": cold["ready_after_s"],
        "loaded_ready_after_s": warm["ready_after_s"],
        "first_runs_equal": cold["w"] == off["w"] == warm["w"],
    }
    print(f"compiled sgd N={n:,}: engine {engine_ups / 1e6:.1f} M updates/s (with path "
          f"{path_ups / 1e6:.1f}) vs plain numba loop {plain_ups / 1e6:.1f}: ratio "
          f"{row['ratio']:.2f} ({row['ratio_with_path']:.2f}), bitwise {row['bitwise_equal']}; "
          f"vs plain loop + plain epoch-loss pass {loss_ups / 1e6:.1f}: ratio "
          f"{row['ratio_with_loss']:.2f}; "
          f"vs Python loop at N={n_py:,}: {python_ups / 1e6:.2f} -> "
          f"{compiled_small_ups / 1e6:.1f} M/s ({row['speedup_vs_python']:.0f}x); first run "
          f"(1 epoch, N={n_py:,}) cold cache {cold['first_run_s']:.2f} s, Python only "
          f"{off['first_run_s']:.2f} s, warm cache {warm['first_run_s']:.2f} s; compiled "
          f"ready {cold['ready_after_s']:.1f} s after a cold start, "
          f"{warm['ready_after_s']:.2f} s from the cache", flush=True)
    return row


def compiled_rows(results: dict) -> list[str]:
    r = results["compiled"]
    return [
        f"| 4b. stochastic descent through the engine, compiled (N = {r['n']:,}) | "
        f"{r['engine_updates_per_s'] / 1e6:.1f} M updates/s (with path "
        f"{r['engine_with_path_updates_per_s'] / 1e6:.1f}) | "
        f"{r['plain_updates_per_s'] / 1e6:.1f} M/s (plain numba loop) | "
        f"**{r['ratio']:.2f}** ({r['ratio_with_path']:.2f}), bit for bit: "
        f"{r['bitwise_equal']} | ≥ 0.8 |",
        f"| 4b'. the same, against a plain numba loop that also computes each epoch's loss "
        f"(the record's MSE over the data, summed in turn) | "
        f"{r['engine_updates_per_s'] / 1e6:.1f} M updates/s | "
        f"{r['plain_with_loss_updates_per_s'] / 1e6:.1f} M/s (plain loop + plain loss pass) | "
        f"**{r['ratio_with_loss']:.2f}** | ≥ 0.8 |",
        f"| 4c. compiled vs the Python loop | {r['compiled_small_updates_per_s'] / 1e6:.1f} M "
        f"updates/s | {r['python_updates_per_s'] / 1e6:.2f} M/s | "
        f"**{r['speedup_vs_python']:.0f}×** | — |",
        f"| 4d. first run after the cache is cleared (1 epoch) | "
        f"{r['first_run_cold_s']:.2f} s (next run {r['first_run_warm_s']:.2f} s) | "
        f"{r['first_run_python_s']:.2f} s (Python loop only) | compiled after "
        f"{r['compiled_ready_after_s']:.0f} s in the background, "
        f"{r['loaded_ready_after_s']:.1f} s from the cache; same numbers: "
        f"{r['first_runs_equal']} | wait ≤ 1 s |"]
