"""Logistic regression: the engine against the bare tutorial loops, and the analytic path
against the hand-written autograd loop, in the same process (ratios, not times)."""

from __future__ import annotations

import numpy as np
import torch

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.torch_threads import threads_for, torch_threads
from gdstudio.core.training.engine import train

from .common import epochs_for, median_ratio

LR = 0.1


def labelled(n: int) -> Dataset:
    """Two overlapping classes, n points (float32)."""
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, n)
    y = (x + rng.normal(0.0, 1.0, n) > 0).astype(np.float64)
    return Dataset(x.astype(np.float32), y.astype(np.float32))


def bare_manual(dataset: Dataset, epochs: int):
    """The tutorial's hand-written logistic regression, full batch (with the engine's torch
    threads: a sum's rounding depends on them)."""
    with torch_threads(threads_for(len(dataset))):
        return _bare_manual(dataset, epochs)


def _bare_manual(dataset: Dataset, epochs: int):
    X, Y = dataset.tensors()
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    history = []
    for i in range(epochs):
        p = torch.sigmoid(w * X + b)
        loss = -torch.mean(Y * torch.log(p) + (1 - Y) * torch.log(1 - p))
        loss.backward()
        with torch.no_grad():
            w -= LR * w.grad
            b -= LR * b.grad
        w.grad.zero_()
        b.grad.zero_()
        history.append((i, loss.item(), w.item(), b.item()))
    return history


def config(impl: str, epochs: int, method: str = "batch") -> TrainConfig:
    return TrainConfig(model="logistic", loss="bce", impl=impl, method=method,
                       learning_rate=LR, epochs=epochs, init_w=0.0, init_b=0.0)


def bench_logistic(quick: bool) -> list[dict]:
    rows = []
    for n in [1_000, 100_000, 1_000_000]:
        d = labelled(n)
        epochs = epochs_for(n, quick, None if quick else 0.3)
        cfg = config("manual", epochs)
        check = [(r.epoch, r.loss, r.w, r.b) for r in train(d, cfg)]
        assert check == bare_manual(d, epochs), "engine and bare loop disagree"
        f, b, ratio = median_ratio(lambda d=d, cfg=cfg: list(train(d, cfg)),
                                   lambda d=d, e=epochs: bare_manual(d, e),
                                   5 if quick else 15)
        rows.append({"n": n, "what": "engine, manual BCE (batch)", "eps": epochs / f,
                     "base": "bare loop", "base_eps": epochs / b, "ratio": ratio})
        acfg = config("analytic", epochs)
        f, b, ratio = median_ratio(lambda d=d, cfg=acfg: list(train(d, cfg)),
                                   lambda d=d, cfg=cfg: list(train(d, cfg)),
                                   5 if quick else 15)
        rows.append({"n": n, "what": "analytic (batch)", "eps": epochs / f,
                     "base": "manual autograd", "base_eps": epochs / b, "ratio": ratio})
    n = 100_000 if quick else 1_000_000
    d = labelled(n)
    f, b, ratio = median_ratio(lambda: list(train(d, config("analytic", 1, "sgd"))),
                               lambda: list(train(d, config("manual", 1, "minibatch")
                                                  .replace(batch_size=64))),
                               3)
    rows.append({"n": n, "what": "analytic stochastic epoch", "eps": 1 / f,
                 "base": "manual mini-batch (B=64)", "base_eps": 1 / b, "ratio": ratio})
    for r in rows:
        print(f"logistic N={r['n']:>9,} {r['what']:28} {r['eps']:10.2f} ep/s  "
              f"{r['base']} {r['base_eps']:10.2f} ep/s  ratio {r['ratio']:.3f}", flush=True)
    return rows


def rows(results: dict) -> list[str]:
    return [f"| logistic: {r['what']}, N={r['n']:,} | {r['eps']:,.2f} ep/s | "
            f"{r['base_eps']:,.2f} ep/s ({r['base']}) | **{r['ratio']:.3f}** | |"
            for r in results["logistic-training"]]
