"""Logistic regression's exact mathematics at size: the cross-entropy landscape grid (every
value a pass over the points: no statistics hold it) and the maximum-likelihood optimum
(Newton), on a million points at x ≈ 1.7e9. The baseline is one ``np.logaddexp`` pass over
the same points in the same run: the grid's figure is its cost per cell in such passes (1.0:
as cheap as numpy's own softplus of every point; on a million points the baseline is itself
memory-bound, so the ratio is lower than on small data), the optimum's its whole cost."""

from __future__ import annotations

import statistics
import time

import numpy as np

N_POINTS = 1_000_000


def _data(n: int):
    rng = np.random.default_rng(0)
    u = rng.standard_normal(n)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-2.0 * u))).astype(np.float64)
    return 1.7e9 + 3600.0 * u, y, u


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_logistic(quick: bool) -> dict:
    from gdstudio.core.models.logistic.landscape import LogisticLandscape
    from gdstudio.core.models.logistic.optimum import logistic_optimum

    n = 100_000 if quick else N_POINTS
    shape = (21, 21) if quick else (61, 61)
    x, y, u = _data(n)
    base = statistics.median(_timed(lambda: np.logaddexp(0.0, 0.3 * u).sum())
                             for _ in range(7))
    opt_s = statistics.median(_timed(lambda: logistic_optimum(x, y)) for _ in range(3))
    opt = logistic_optimum(x, y)
    land = LogisticLandscape.from_arrays(x, y)
    w_range = (0.5 * opt.w, 1.5 * opt.w)
    b_range = (1.5 * opt.b, 0.5 * opt.b)
    grid_s = _timed(lambda: land.grid(w_range, b_range, shape))
    cells = shape[0] * shape[1]
    result = {"n": n, "shape": list(shape), "baseline_pass_s": base, "optimum_s": opt_s,
              "optimum_passes": opt_s / base, "iterations": opt.iterations,
              "grid_s": grid_s, "grid_passes_per_cell": grid_s / (cells * base),
              "grid_ns_per_point_value": grid_s / (cells * n) * 1e9}
    print(f"logistic N={n:,}: optimum {opt_s:.2f} s ({opt_s / base:.0f} logaddexp passes, "
          f"{opt.iterations} Newton iterations); {shape[0]}x{shape[1]} grid {grid_s:.1f} s "
          f"({result['grid_passes_per_cell']:.2f} passes per cell)", flush=True)
    return result


def rows(results: dict) -> list[str]:
    r = results["logistic"]
    n, (a, b) = r["n"], r["shape"]
    return [
        f"| 18. logistic: maximum-likelihood optimum (Newton), {n:,} points at 1.7e9 | "
        f"{r['optimum_s']:.2f} s ({r['iterations']} iterations) | "
        f"{r['baseline_pass_s'] * 1000:.0f} ms (one logaddexp pass) | "
        f"**{r['optimum_passes']:.0f}** passes | |",
        f"| 18. logistic: exact cross-entropy grid {a}×{b}, {n:,} points | "
        f"{r['grid_s']:.1f} s ({r['grid_ns_per_point_value']:.0f} ns per point-value) | "
        f"{r['baseline_pass_s'] * 1000:.0f} ms (one logaddexp pass) | "
        f"**{r['grid_passes_per_cell']:.2f}** passes per cell | ≤ 3 |",
    ]
