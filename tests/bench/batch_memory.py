"""10. The analytic implementation's full-batch path: its peak memory above the data (bytes a
point, from ``tracemalloc``, which NumPy reports its arrays to) and its speed against a plain
NumPy float64 loop doing the same work (``e = w*x + b - y``, the gradient's dot product and
sum, the mean loss), in the same process, alternating.

    python -m tests.bench.run_benchmarks --only batch-memory [--quick] [--busy]
"""

from __future__ import annotations

import tracemalloc
from functools import partial

import numpy as np

from gdstudio.core.models.line.implementations import _Analytic
from gdstudio.core.settings.config import TrainConfig

from .common import LR, median_ratio

CASES = [("float32", "mse"), ("float64", "mse"), ("float32", "huber"), ("float64", "huber")]
DELTA = 1.0


def points(n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-5.0, 5.0, n).astype(dtype)
    return x, (-5.0 * x + 0.4 * rng.standard_normal(n)).astype(dtype)


def numpy_loop(x, y, loss: str, epochs: int) -> float:
    """The baseline: full-batch steps in plain NumPy float64 expressions (x, y float64)."""
    w, b = -1.0, 1.0
    n = x.shape[0]
    value = 0.0
    for _ in range(epochs):
        e = w * x + b - y
        if loss == "mse":
            g = 2.0 * e
        else:
            g = np.clip(e, -DELTA, DELTA)
        gw, gb = float(np.dot(g, x)) / n, float(np.sum(g)) / n
        if loss == "mse":
            value = float(np.mean(e * e))
        else:
            a = np.abs(e)
            value = float(np.mean(np.where(a < DELTA, 0.5 * e * e, DELTA * (a - 0.5 * DELTA))))
        w -= LR * gw
        b -= LR * gb
    return value


def analytic(x, y, loss: str) -> _Analytic:
    return _Analytic(TrainConfig(loss=loss, learning_rate=LR, huber_delta=DELTA), -1.0, 1.0,
                     x, y)


def analytic_loop(x, y, loss: str, epochs: int) -> float:
    impl = analytic(x, y, loss)
    value = 0.0
    for _ in range(epochs):
        value = impl.batch_epoch()
    return value


def peak_per_point(fn, n: int) -> float:
    """Peak bytes a point that ``fn()`` allocates (tracemalloc), above what was there."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return (tracemalloc.get_traced_memory()[1] - before) / n
    finally:
        tracemalloc.stop()


def bench_batch_memory(quick: bool) -> list[dict]:
    rows = []
    sizes = [1_000_000] if quick else [100_000, 1_000_000]
    for n in sizes:
        epochs = max(3, int((0.1 if quick else 0.2) / (n * 12e-9)))
        for dtype, loss in CASES:
            x, y = points(n, dtype)
            x64, y64 = x.astype(np.float64), y.astype(np.float64)  # (the baseline's)
            ours = peak_per_point(partial(analytic_loop, x, y, loss, 2), n)
            base = peak_per_point(partial(numpy_loop, x64, y64, loss, 2), n)
            f, b, ratio = median_ratio(partial(analytic_loop, x, y, loss, epochs),
                                       partial(numpy_loop, x64, y64, loss, epochs),
                                       5 if quick else 7)
            rows.append({"n": n, "dtype": dtype, "loss": loss, "peak_bpp": ours,
                         "base_bpp": base, "eps": epochs / f, "base_eps": epochs / b,
                         "ratio": ratio})
            print(f"batch-memory N={n:>9,} {dtype} {loss:5}  peak {ours:5.1f} B/point "
                  f"(loop {base:5.1f})  {epochs / f:8.1f} ep/s (loop {epochs / b:8.1f})  "
                  f"ratio {ratio:.2f}", flush=True)
    return rows


def rows(results: dict) -> list[str]:
    return [f"| 10. analytic batch path, {r['dtype']}, {r['loss'].upper()}, N={r['n']:,} | "
            f"peak {r['peak_bpp']:.1f} B/point above the data; {r['eps']:,.0f} ep/s | "
            f"NumPy float64 loop: {r['base_bpp']:.1f} B/point; {r['base_eps']:,.0f} ep/s | "
            f"**{r['ratio']:.2f}×** the loop's speed | ≤ 32 B/point, ≥ 0.8× |"
            for r in results["batch-memory"]]
