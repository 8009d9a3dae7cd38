"""Logistic regression's history equals, bit for bit, plain PyTorch loops written like the
tutorials.

Each reference below is the loop a tutorial writes: tensors ``w`` and ``b`` (or
``nn.Linear(1, 1)``), ``p = torch.sigmoid(w * x + b)``, the loss, ``backward()``, the step, and
for shuffled epochs ``torch.randperm(N, generator=g)`` from ``torch.Generator().manual_seed(seed)``.
The engine must give exactly (``==`` on floats) the same per-epoch loss (the full-data loss of
the epoch's starting parameters) and w, b after each epoch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.torch_threads import threads_for, torch_threads
from gdstudio.core.training.engine import train


@pytest.fixture(autouse=True)
def _keep_global_rng_and_threads():
    """The references run with the threads the engine trains with (small data: see the line's
    test_parity.py), and give the global RNG back as it was."""
    with torch.random.fork_rng(devices=[]), torch_threads(threads_for(100)):
        yield


# --------------------------------------------------------------------------- data


def overlapping(dtype="float32", n=30) -> Dataset:
    """Two overlapping groups: class 0 around -1, class 1 around +1, interleaved."""
    rng = np.random.default_rng(18)
    x = np.empty(n)
    x[0::2] = rng.normal(-1.0, 1.0, (n + 1) // 2)
    x[1::2] = rng.normal(1.0, 1.0, n // 2)
    y = np.zeros(n)
    y[1::2] = 1.0
    return Dataset(x.astype(dtype), y.astype(dtype))


def offset(centre: float, spread: float, dtype="float32", n=24) -> Dataset:
    """x near ``centre`` (offset data: w*x and b cancel), overlapping classes."""
    rng = np.random.default_rng(7)
    u = rng.normal(0.0, 1.0, n)
    y = (u + rng.normal(0.0, 0.7, n) > 0).astype(np.float64)
    return Dataset((centre + spread * u).astype(dtype), y.astype(dtype))


#: name: (data, the settings that keep w*x + b of order 1 on it)
DATA = {
    "overlapping": (overlapping(), {"learning_rate": 0.3, "init_w": 0.5, "init_b": -0.25}),
    "offset-1e3": (offset(1e3, 2.0), {"learning_rate": 2e-7, "init_w": 0.02,
                                       "init_b": -20.0}),
    # (w*x and b of order 1.7e6, where float32 keeps 1/8: z = w*x + b keeps 3 bits)
    "offset-1.7e9": (offset(1.7e9, 1e3), {"learning_rate": 2e-18, "init_w": 1e-3,
                                          "init_b": -1.7e6}),
    "tiny-1e-30": (offset(0.0, 1e-30), {"learning_rate": 0.5, "init_w": 2e29,
                                         "init_b": 0.1}),
    "float64": (overlapping("float64"), {"learning_rate": 0.3, "init_w": 0.5,
                                         "init_b": -0.25}),
}

EPOCHS = {"batch": 8, "sgd": 2, "minibatch": 3}
METHOD_CASES = [("batch", False), ("sgd", False), ("sgd", True), ("minibatch", False),
                ("minibatch", True)]
METHOD_IDS = [f"{m}{'-shuffled' if s else ''}" for m, s in METHOD_CASES]
LOSSES = ["bce", "bce-logits", "mse"]


# --------------------------------------------------------------------------- references


def manual_reference(X, Y, *, loss, method, learning_rate, epochs, w0, b0, batch_size=7,
                     shuffle=False, seed=0, fit_bias=True):
    """The tutorial's hand-written logistic regression, generalised to mini-batches, a
    seeded shuffle and the three losses."""
    w = torch.tensor(w0, dtype=X.dtype, requires_grad=True)
    b = torch.tensor(b0 if fit_bias else 0.0, dtype=X.dtype, requires_grad=fit_bias)

    def criterion(x, y):
        if loss == "bce":
            p = torch.sigmoid(w * x + b) if fit_bias else torch.sigmoid(w * x)
            return -torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))
        z = w * x + b if fit_bias else w * x
        if loss == "bce-logits":
            return F.binary_cross_entropy_with_logits(z, y)
        return torch.mean((torch.sigmoid(z) - y) ** 2)

    def update(x, y):
        nonlocal w, b  # `w -= ...` below is in place, as in the tutorial
        batch_loss = criterion(x, y)
        batch_loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            if fit_bias:
                b -= learning_rate * b.grad
        w.grad.zero_()
        if fit_bias:
            b.grad.zero_()
        return batch_loss

    N = X.shape[0]
    size = {"batch": N, "sgd": 1, "minibatch": batch_size}[method]
    g = torch.Generator().manual_seed(seed) if shuffle else None
    rows = []
    for _epoch in range(epochs):
        if method == "batch":
            epoch_loss = update(X, Y).item()
        else:
            with torch.no_grad():
                epoch_loss = criterion(X, Y).item()
            if shuffle:
                perm = torch.randperm(N, generator=g)
                Xe, Ye = X[perm], Y[perm]
            else:
                Xe, Ye = X, Y
            for start in range(0, N, size):
                update(Xe[start:start + size], Ye[start:start + size])
        rows.append((epoch_loss, w.item(), b.item()))
    return rows


def module_reference(X, Y, *, loss, method, learning_rate, epochs, w0, b0, batch_size=7,
                     shuffle=False, seed=0, fit_bias=True, make_optimizer=None):
    """The classic nn.Linear tutorial: BCELoss on torch.sigmoid(model(x)), or
    BCEWithLogitsLoss on model(x), or MSELoss on the sigmoid; torch.optim; a DataLoader."""
    model = nn.Linear(1, 1, bias=fit_bias, dtype=X.dtype)
    with torch.no_grad():
        model.weight.fill_(w0)
        if fit_bias:
            model.bias.fill_(b0)
    if loss == "bce":
        criterion = nn.BCELoss()

        def forward(x):
            return torch.sigmoid(model(x))
    elif loss == "bce-logits":
        criterion = nn.BCEWithLogitsLoss()
        forward = model
    else:
        criterion = nn.MSELoss()

        def forward(x):
            return torch.sigmoid(model(x))
    if make_optimizer is None:
        optimizer = optim.SGD(model.parameters(), lr=learning_rate)
    else:
        optimizer = make_optimizer(model.parameters(), learning_rate)
    N = X.shape[0]
    size = {"batch": N, "sgd": 1, "minibatch": batch_size}[method]
    g = torch.Generator().manual_seed(seed) if shuffle else None
    rows = []
    for _epoch in range(epochs):
        if method == "batch":
            batch_loss = criterion(forward(X), Y)
            optimizer.zero_grad()
            batch_loss.backward()
            optimizer.step()
            epoch_loss = batch_loss.item()
        else:
            with torch.no_grad():
                epoch_loss = criterion(forward(X), Y).item()
            if shuffle:
                perm = torch.randperm(N, generator=g)
                loader = DataLoader(TensorDataset(X[perm], Y[perm]), batch_size=size)
            else:
                loader = DataLoader(TensorDataset(X, Y), batch_size=size)
            for x, y in loader:
                batch_loss = criterion(forward(x), y)
                optimizer.zero_grad()
                batch_loss.backward()
                optimizer.step()
        rows.append((epoch_loss, model.weight.item(), model.bias.item() if fit_bias else 0.0))
    return rows


REFERENCES = {"manual": manual_reference, "module": module_reference}


def engine_rows(dataset, **settings):
    return [(r.loss, r.w, r.b) for r in train(dataset, TrainConfig(model="logistic",
                                                                   **settings))]


def compare(dataset, impl, loss, method, shuffle, fit_bias=True, learning_rate=0.3,
            init_w=0.5, init_b=-0.25, reference_optimizer=None, **settings):
    X, Y = dataset.tensors()
    epochs = EPOCHS[method]
    common = {"method": method, "learning_rate": learning_rate, "epochs": epochs,
              "batch_size": 7, "shuffle": shuffle, "seed": 3, "fit_bias": fit_bias}
    extra = {} if reference_optimizer is None else {"make_optimizer": reference_optimizer}
    expected = REFERENCES[impl](X, Y, loss=loss, w0=init_w, b0=init_b, **common, **extra)
    got = engine_rows(dataset, impl=impl, loss=loss, init_w=init_w, init_b=init_b, **common,
                      **settings)
    assert len(got) == epochs
    assert all(np.isfinite(row).all() for row in got)
    assert got == expected
    return got


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("fit_bias", [True, False], ids=["w*x+b", "w*x"])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize(("method", "shuffle"), METHOD_CASES, ids=METHOD_IDS)
def test_every_method_implementation_and_loss(method, shuffle, impl, loss, fit_bias):
    data = overlapping()
    assert len(data) % 7 != 0  # the last mini-batch is smaller
    compare(data, impl, loss, method, shuffle, fit_bias)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize(("method", "shuffle"), [("batch", False), ("minibatch", True)],
                         ids=["batch", "minibatch-shuffled"])
@pytest.mark.parametrize("name", [n for n in DATA if n != "overlapping"])
def test_offset_tiny_and_float64_data(name, method, shuffle, impl, loss):
    data, settings = DATA[name]
    got = compare(data, impl, loss, method, shuffle, **settings)
    assert got[-1] != got[0]  # it learns


OPTIMIZER_CASES = {
    "sgd-momentum": ({"momentum": 0.9}, lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9)),
    "sgd-nesterov": ({"momentum": 0.9, "nesterov": True},
                     lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9, nesterov=True)),
    "sgd-weight-decay": ({"weight_decay": 0.05},
                         lambda p, lr: optim.SGD(p, lr=lr, weight_decay=0.05)),
    "adam": ({"optimizer": "adam"}, lambda p, lr: optim.Adam(p, lr=lr)),
    "adam-betas": ({"optimizer": "adam", "beta1": 0.8, "beta2": 0.99, "eps": 1e-6,
                    "weight_decay": 0.01},
                   lambda p, lr: optim.Adam(p, lr=lr, betas=(0.8, 0.99), eps=1e-6,
                                            weight_decay=0.01)),
    "rmsprop": ({"optimizer": "rmsprop"}, lambda p, lr: optim.RMSprop(p, lr=lr)),
    "rmsprop-momentum": ({"optimizer": "rmsprop", "alpha": 0.9, "momentum": 0.5},
                         lambda p, lr: optim.RMSprop(p, lr=lr, alpha=0.9, momentum=0.5)),
    "adagrad": ({"optimizer": "adagrad"}, lambda p, lr: optim.Adagrad(p, lr=lr)),
}


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(("method", "shuffle"), [("batch", False), ("minibatch", True)],
                         ids=["batch", "minibatch-shuffled"])
@pytest.mark.parametrize("case", list(OPTIMIZER_CASES))
def test_module_optimizers(case, method, shuffle, loss):
    settings, make_optimizer = OPTIMIZER_CASES[case]
    compare(overlapping(), "module", loss, method, shuffle, learning_rate=0.05,
            reference_optimizer=make_optimizer, **settings)


@pytest.mark.parametrize("case", ["sgd-momentum", "adam"])
@pytest.mark.parametrize("loss", LOSSES)
def test_module_optimizers_on_float64_data(case, loss):
    settings, make_optimizer = OPTIMIZER_CASES[case]
    compare(overlapping("float64"), "module", loss, "minibatch", True, learning_rate=0.05,
            reference_optimizer=make_optimizer, **settings)


@pytest.mark.parametrize("impl", ["manual", "module"])
def test_a_seeded_start_is_nn_linear(impl):
    data = overlapping()
    X, Y = data.tensors()
    torch.manual_seed(11)
    layer = nn.Linear(1, 1)
    w0, b0 = layer.weight.item(), layer.bias.item()
    expected = REFERENCES[impl](X, Y, loss="bce", method="minibatch", learning_rate=0.3,
                                epochs=3, w0=w0, b0=b0, shuffle=True, seed=11)
    got = engine_rows(data, impl=impl, loss="bce", method="minibatch", learning_rate=0.3,
                      epochs=3, init_w=None, init_b=None, batch_size=7, shuffle=True, seed=11)
    assert got == expected


def test_bce_and_bce_logits_are_the_same_function_in_different_roundings():
    # The hand-written formula rounds p; BCEWithLogitsLoss does not: the same loss to float32
    # rounding, not bit for bit (which is why both are offered).
    data = overlapping()
    a = engine_rows(data, impl="manual", loss="bce", method="batch", epochs=8,
                    learning_rate=0.3, init_w=0.5, init_b=-0.25)
    b = engine_rows(data, impl="manual", loss="bce-logits", method="batch", epochs=8,
                    learning_rate=0.3, init_w=0.5, init_b=-0.25)
    assert np.allclose(a, b, rtol=1e-5, atol=0)
