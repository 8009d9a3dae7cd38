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
