"""The engine records a run's path: every update's (w, b) the PathBuffer keeps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import run_epochs, train
from gdstudio.core.training.path import PathBuffer


def _data(n: int, dtype: str = "float64") -> Dataset:
    rng = np.random.default_rng(3)
    x = rng.uniform(-2.0, 3.0, n)
    return Dataset(x.astype(dtype), (1.5 * x - 0.5 + rng.normal(0, 0.3, n)).astype(dtype))


def _reference(d: Dataset, cfg: TrainConfig) -> np.ndarray:
    """A plain float64 loop: the parameters after every update (row 0: the start)."""
    n = len(d)
    size = 1 if cfg.method == "sgd" else min(cfg.batch_size, n)
    gen = torch.Generator().manual_seed(cfg.seed) if cfg.shuffle else None
    w, b = float(cfg.init_w), float(cfg.init_b)
    out = [(w, b)]
    x0, y0 = np.asarray(d.x, np.float64), np.asarray(d.y, np.float64)
    for _ in range(cfg.epochs):
        order = torch.randperm(n, generator=gen).numpy() if gen is not None else np.arange(n)
        x, y = x0[order], y0[order]
        for s in range(0, n, size):
            if size == 1:
                g = 2 * (w * float(x[s]) + b - float(y[s]))
                w, b = w - cfg.learning_rate * (g * float(x[s])), b - cfg.learning_rate * g
            else:
                xb, yb = x[s:s + size], y[s:s + size]
                e = 2.0 * (w * xb + b - yb)
                m = xb.shape[0]
                gw, gb = float(np.dot(e, xb)) / m, float(np.sum(e)) / m
                w, b = w - cfg.learning_rate * gw, b - cfg.learning_rate * gb
            out.append((w, b))
    return np.array(out)


@pytest.mark.parametrize("method,shuffle", [("sgd", False), ("sgd", True), ("minibatch", True)])
def test_analytic_path_equals_a_plain_loop_at_the_kept_indices(method, shuffle):
    d = _data(3000)
    cfg = TrainConfig(method=method, impl="analytic", learning_rate=0.01, epochs=3,
                      init_w=-1.0, init_b=2.0, shuffle=shuffle, batch_size=8, seed=5)
    path = PathBuffer(1000)
    records = list(run_epochs(d, cfg, (-1.0, 2.0), path=path))
    ref = _reference(d, cfg)
    idx = path.indices()
    assert len(path) > cfg.epochs and path.stride > 1
    assert idx[0] == 0 and idx[-1] == len(ref) - 1
    np.testing.assert_array_equal(path.points(), ref[idx])
    assert tuple(path.points()[-1]) == (records[-1].w, records[-1].b)
    # recording changes no number of the run
    assert records == list(train(d, cfg))


@pytest.mark.parametrize("impl", ["manual", "module"])
def test_autograd_path_equals_its_epoch_ends_and_start(impl):
    d = _data(600)
    cfg = TrainConfig(method="sgd", impl=impl, learning_rate=0.01, epochs=2, init_w=-1.0,
                      init_b=2.0, shuffle=False)
    path = PathBuffer(64)
    records = list(run_epochs(d, cfg, (-1.0, 2.0), path=path))
    assert records == list(train(d, cfg))
    idx, pts = path.indices(), path.points()
    assert idx[0] == 0 and tuple(pts[0]) == (-1.0, 2.0)
    assert idx[-1] == 1200 and tuple(pts[-1]) == (records[-1].w, records[-1].b)
    assert len(pts) <= 65 and np.all(np.diff(idx) > 0)
    # the analytic run is the same path to rounding
    ref = _reference(d, cfg)
    np.testing.assert_allclose(pts, ref[idx], rtol=1e-9, atol=1e-9)


def test_a_batch_run_records_no_path():
    d = _data(50)
    cfg = TrainConfig(method="batch", impl="analytic", learning_rate=0.01, epochs=4,
                      init_w=0.0, init_b=0.0)
    path = PathBuffer(16)
    list(run_epochs(d, cfg, (0.0, 0.0), path=path))
    assert len(path) == 0


def test_gap_and_advance_keep_what_append_keeps():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(5000, 2))
    a, b = PathBuffer(64), PathBuffer(64)
    a.append(pts[:, 0], pts[:, 1])
    i = 0
    while i < len(pts):
        m = min(len(pts) - i, b.gap(), int(rng.integers(1, 9)))
        b.advance(m, *pts[i + m - 1])
        i += m
    np.testing.assert_array_equal(a.indices(), b.indices())
    np.testing.assert_array_equal(a.points(), b.points())
