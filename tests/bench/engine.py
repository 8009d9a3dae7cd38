"""1. Engine overhead: the engine against the bare tutorial loops, in the same process."""

from __future__ import annotations

import torch
from torch import nn

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train

from .common import LR, data, epochs_for, median_ratio


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


def rows(results: dict) -> list[str]:
    return [f"| 1. engine, {r['impl']}, N={r['n']:,} | {r['engine_eps']:,.0f} ep/s | "
            f"{r['bare_eps']:,.0f} ep/s (bare loop) | **{r['ratio']:.3f}** | ≥ 0.95 |"
            for r in results["engine"]]
