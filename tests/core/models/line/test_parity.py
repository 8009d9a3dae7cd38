"""The engine's history equals, bit for bit, plain PyTorch loops written like the tutorials.

Each reference below is written out the way the classic tutorials write it; the engine must
give exactly (``==`` on floats) the same per-epoch loss and the same w, b after each epoch.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from gdstudio.core.data.dataset import Dataset, noisy_line, random_line
from gdstudio.core.settings.config import TrainConfig, initial_parameters
from gdstudio.core.settings.torch_threads import threads_for, torch_threads
from gdstudio.core.training.engine import train


def engine_rows(dataset, **settings):
    """The engine's history as (loss, w, b) per epoch."""
    return [(r.loss, r.w, r.b) for r in train(dataset, TrainConfig(**settings))]


def tutorial2_data(dtype=torch.float32):
    """The noisy line of tutorial 2, as the tutorial makes it."""
    torch.manual_seed(0)
    X = torch.arange(-5, 5, 0.1, dtype=dtype).view(-1, 1)
    Y = -5 * X + 0.4 * torch.randn(X.size(), dtype=dtype)
    return X, Y


@pytest.fixture(autouse=True)
def _keep_global_rng():
    """The references seed the global RNG; give it back to the next test as it was."""
    with torch.random.fork_rng(devices=[]):
        yield


#: The most points of the data sets here but :func:`test_large_data_with_the_studios_threads`'s.
SMALL = 1_000


@pytest.fixture(autouse=True)
def _the_studios_threads():
    """The references run with the torch threads the engine trains with (a sum's rounding
    depends on how many threads share it)."""
    with torch_threads(threads_for(SMALL)):
        yield


# --------------------------------------------------------------------------- tutorial 1


def tutorial1_reference(fit_bias: bool, epochs: int = 100, learning_rate: float = 0.01):
    X = torch.tensor([1, 2, 3, 4], dtype=torch.float32)
    Y = torch.tensor([2, 4, 6, 8], dtype=torch.float32)
    w = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)
    rows = []
    for _epoch in range(epochs):
        y_pred = w * X + b if fit_bias else w * X
        loss = ((y_pred - Y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            if fit_bias:
                b -= learning_rate * b.grad
        w.grad.zero_()
        if fit_bias:
            b.grad.zero_()
        rows.append((loss.item(), w.item(), b.item()))
    return rows


TUTORIAL1_DATA = Dataset.from_points([(1, 2), (2, 4), (3, 6), (4, 8)])


@pytest.mark.parametrize("fit_bias", [True, False], ids=["w*x+b", "w*x"])
def test_tutorial1_manual_autograd(fit_bias):
    expected = tutorial1_reference(fit_bias)
    got = engine_rows(TUTORIAL1_DATA, method="batch", impl="manual", learning_rate=0.01,
                      epochs=100, init_w=0.0, init_b=0.0, fit_bias=fit_bias)
    assert len(got) == 100
    assert got == expected


def test_tutorial1_w_is_not_exactly_two():
    # The tutorial's text says "Optimized w: 2.0"; the code it shows computes something else.
    expected_w = tutorial1_reference(fit_bias=False)[-1][1]
    got = list(train(TUTORIAL1_DATA, TrainConfig(
        method="batch", impl="manual", learning_rate=0.01, epochs=100,
        init_w=0.0, init_b=0.0, fit_bias=False)))
    final_w = got[-1].w
    assert final_w != 2.0
    assert final_w == expected_w
    assert f"{final_w:.3f}" == "2.000"  # what a rounded print shows
    assert got[-1].b == 0.0


def test_tutorial1_module_on_same_data_without_bias():
    # The same problem with nn.Linear(1, 1, bias=False) and optim.SGD.
    X = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    Y = torch.tensor([[2.0], [4.0], [6.0], [8.0]])
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    expected = []
    for _epoch in range(100):
        loss = criterion(model(X), Y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected.append((loss.item(), model.weight.item(), 0.0))
    got = engine_rows(TUTORIAL1_DATA, method="batch", impl="module", learning_rate=0.01,
                      epochs=100, init_w=0.0, init_b=0.0, fit_bias=False)
    assert got == expected


# --------------------------------------------------------------------------- tutorial 2


def test_noisy_line_is_the_tutorial_data_bit_for_bit():
    X, Y = tutorial2_data()
    data = noisy_line()
    assert data.dtype == "float32"
    assert len(data) == 100
    assert data.x.tobytes() == X.view(-1).numpy().tobytes()
    assert data.y.tobytes() == Y.view(-1).numpy().tobytes()
    EX, EY = data.tensors()
    assert EX.shape == X.shape and EY.shape == Y.shape
    assert torch.equal(EX, X) and torch.equal(EY, Y)


def test_noisy_line_float64_is_the_tutorial_recipe_in_float64():
    X, Y = tutorial2_data(torch.float64)
    data = noisy_line(dtype="float64")
    assert data.dtype == "float64"
    assert data.x.tobytes() == X.view(-1).numpy().tobytes()
    assert data.y.tobytes() == Y.view(-1).numpy().tobytes()


def tutorial2_batch(X, Y, step_size=0.1, epochs=20):
    w = torch.tensor(-10.0, requires_grad=True)
    b = torch.tensor(-20.0, requires_grad=True)

    def forward(x):
        return w * x + b

    def criterion(yhat, y):
        return torch.mean((yhat - y) ** 2)

    rows = []
    for _epoch in range(epochs):
        Yhat = forward(X)
        loss = criterion(Yhat, Y)
        loss.backward()
        w.data = w.data - step_size * w.grad.data
        b.data = b.data - step_size * b.grad.data
        w.grad.data.zero_()
        b.grad.data.zero_()
        rows.append((loss.item(), w.item(), b.item()))
    return rows


def tutorial2_sgd(X, Y, step_size=0.01, epochs=5):
    w = torch.tensor(-10.0, requires_grad=True)
    b = torch.tensor(-20.0, requires_grad=True)

    def forward(x):
        return w * x + b

    def criterion(yhat, y):
        return torch.mean((yhat - y) ** 2)

    rows = []
    for _epoch in range(epochs):
        Yhat = forward(X)
        epoch_loss = criterion(Yhat, Y).item()
        for x, y in zip(X, Y, strict=True):
            yhat = forward(x)
            loss = criterion(yhat, y)
            loss.backward()
            w.data = w.data - step_size * w.grad.data
            b.data = b.data - step_size * b.grad.data
            w.grad.data.zero_()
            b.grad.data.zero_()
        rows.append((epoch_loss, w.item(), b.item()))
    return rows


def test_tutorial2_batch_gradient_descent():
    expected = tutorial2_batch(*tutorial2_data())
    got = engine_rows(noisy_line(), method="batch", impl="manual", learning_rate=0.1,
                      epochs=20, init_w=-10.0, init_b=-20.0)
    assert got == expected
    # The defaults of TrainConfig are this very run.
    assert engine_rows(noisy_line()) == expected


def test_tutorial2_stochastic_gradient_descent():
    expected = tutorial2_sgd(*tutorial2_data())
    got = engine_rows(noisy_line(), method="sgd", impl="manual", learning_rate=0.01,
                      epochs=5, init_w=-10.0, init_b=-20.0)
    assert got == expected


# --------------------------------------------------------------------------- tutorial 3


def test_tutorial3_module_sgd_with_dataloader():
    X, Y = tutorial2_data()
    torch.manual_seed(1)
    model = nn.Linear(1, 1)
    w0, b0 = model.weight.item(), model.bias.item()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    trainloader = DataLoader(dataset=TensorDataset(X, Y), batch_size=1)
    expected = []
    for _epoch in range(4):
        with torch.no_grad():
            epoch_loss = criterion(model(X), Y).item()
        for x, y in trainloader:
            pred = model(x)
            loss = criterion(pred, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        expected.append((epoch_loss, model.weight.item(), model.bias.item()))
    got = engine_rows(noisy_line(), method="sgd", impl="module", learning_rate=0.01,
                      epochs=4, init_w=w0, init_b=b0)
    assert got == expected


# --------------------------------------------------------------------------- general references


def manual_reference(X, Y, *, method, learning_rate, epochs, w0, b0, batch_size=10,
                     shuffle=False, seed=0, loss="mse", huber_delta=1.0, fit_bias=True):
    """Tutorial 2's loop, generalised to mini-batches, a seeded shuffle and other losses."""
    w = torch.tensor(w0, dtype=X.dtype, requires_grad=True)
    b = torch.tensor(b0 if fit_bias else 0.0, dtype=X.dtype, requires_grad=fit_bias)

    def forward(x):
        return w * x + b if fit_bias else w * x

    def criterion(yhat, y):
        if loss == "mse":
            return torch.mean((yhat - y) ** 2)
        if loss == "mae":
            return torch.mean(torch.abs(yhat - y))
        return F.huber_loss(yhat, y, delta=huber_delta)

    def update(x, y):
        nonlocal w, b  # `w -= ...` below is in place, as in the tutorial
        batch_loss = criterion(forward(x), y)
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
                epoch_loss = criterion(forward(X), Y).item()
            if shuffle:
                perm = torch.randperm(N, generator=g)
                Xe, Ye = X[perm], Y[perm]
            else:
                Xe, Ye = X, Y
            for start in range(0, N, size):
                update(Xe[start:start + size], Ye[start:start + size])
        rows.append((epoch_loss, w.item(), b.item()))
    return rows


def module_reference(X, Y, *, method, learning_rate, epochs, w0, b0, batch_size=10,
                     shuffle=False, seed=0, criterion=None, make_optimizer=None,
                     fit_bias=True):
    """Tutorial 3's loop: nn.Linear, a loss module, torch.optim and a DataLoader."""
    model = nn.Linear(1, 1, bias=fit_bias, dtype=X.dtype)
    with torch.no_grad():
        model.weight.fill_(w0)
        if fit_bias:
            model.bias.fill_(b0)
    criterion = criterion or nn.MSELoss()
    if make_optimizer is None:
        optimizer = optim.SGD(model.parameters(), lr=learning_rate)
    else:
        optimizer = make_optimizer(model.parameters())
    N = X.shape[0]
    size = {"batch": N, "sgd": 1, "minibatch": batch_size}[method]
    g = torch.Generator().manual_seed(seed) if shuffle else None
    rows = []
    for _epoch in range(epochs):
        if method == "batch":
            pred = model(X)
            loss = criterion(pred, Y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss = loss.item()
        else:
            with torch.no_grad():
                epoch_loss = criterion(model(X), Y).item()
            if shuffle:
                perm = torch.randperm(N, generator=g)
                loader = DataLoader(TensorDataset(X[perm], Y[perm]), batch_size=size)
            else:
                loader = DataLoader(TensorDataset(X, Y), batch_size=size)
            for x, y in loader:
                pred = model(x)
                loss = criterion(pred, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        rows.append((epoch_loss, model.weight.item(),
                     model.bias.item() if fit_bias else 0.0))
    return rows


EPOCHS = {"batch": 15, "sgd": 3, "minibatch": 6}
METHOD_CASES = [
    ("batch", False), ("sgd", False), ("sgd", True), ("minibatch", False), ("minibatch", True),
]


@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize(("method", "shuffle"), METHOD_CASES,
                         ids=[f"{m}{'-shuffled' if s else ''}" for m, s in METHOD_CASES])
def test_every_method_and_implementation(method, shuffle, impl):
    X, Y = tutorial2_data()
    assert X.shape[0] % 7 != 0  # the last mini-batch is smaller
    lr, epochs = 0.01, EPOCHS[method]
    common = {"method": method, "learning_rate": lr, "epochs": epochs, "w0": -10.0, "b0": -20.0,
                  "batch_size": 7, "shuffle": shuffle, "seed": 3}
    reference = manual_reference if impl == "manual" else module_reference
    expected = reference(X, Y, **common)
    got = engine_rows(noisy_line(), method=method, impl=impl, learning_rate=lr, epochs=epochs,
                      init_w=-10.0, init_b=-20.0, batch_size=7, shuffle=shuffle, seed=3)
    assert got == expected
    records = list(train(noisy_line(), TrainConfig(
        method=method, impl=impl, learning_rate=lr, epochs=epochs, init_w=-10.0,
        init_b=-20.0, batch_size=7, shuffle=shuffle, seed=3)))
    per_epoch = {"batch": 1, "sgd": 100, "minibatch": 15}[method]
    assert [r.epoch for r in records] == list(range(epochs))
    assert [r.samples_seen for r in records] == [100 * (e + 1) for e in range(epochs)]
    assert [r.updates for r in records] == [per_epoch * (e + 1) for e in range(epochs)]


@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
def test_float64_data(method, impl):
    X, Y = tutorial2_data(torch.float64)
    lr, epochs = 0.01, EPOCHS[method]
    reference = manual_reference if impl == "manual" else module_reference
    expected = reference(X, Y, method=method, learning_rate=lr, epochs=epochs, w0=-10.0,
                         b0=-20.0, batch_size=7, shuffle=method != "batch", seed=5)
    got = engine_rows(noisy_line(dtype="float64"), method=method, impl=impl, learning_rate=lr,
                      epochs=epochs, init_w=-10.0, init_b=-20.0, batch_size=7,
                      shuffle=method != "batch", seed=5)
    assert got == expected


@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize("method", ["batch", "minibatch"])
def test_without_bias(method, impl):
    X, Y = tutorial2_data()
    reference = manual_reference if impl == "manual" else module_reference
    expected = reference(X, Y, method=method, learning_rate=0.01, epochs=6, w0=-10.0,
                         b0=0.0, batch_size=7, fit_bias=False)
    got = engine_rows(noisy_line(), method=method, impl=impl, learning_rate=0.01, epochs=6,
                      init_w=-10.0, init_b=-20.0, batch_size=7, fit_bias=False)
    assert got == expected
    assert all(b == 0.0 for _, _, b in got)


@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_shuffle_with_a_single_batch_or_point(method, impl):
    # Mini-batches at least as large as the data, and SGD on one point: still one shuffled
    # batch per epoch, as the reference does it.
    data = noisy_line(x_min=0.0, x_max=1.0, x_step=0.1)  # 10 points
    X, Y = data.tensors()
    if method == "sgd":
        data = Dataset(data.x[:1], data.y[:1])
        X, Y = X[:1], Y[:1]
    reference = manual_reference if impl == "manual" else module_reference
    expected = reference(X, Y, method=method, learning_rate=0.05, epochs=8, w0=1.5, b0=-0.5,
                         batch_size=25, shuffle=True, seed=2)
    got = engine_rows(data, method=method, impl=impl, learning_rate=0.05, epochs=8,
                      init_w=1.5, init_b=-0.5, batch_size=25, shuffle=True, seed=2)
    assert got == expected


def test_batch_ignores_shuffle():
    plain = engine_rows(noisy_line(), method="batch", epochs=5)
    assert engine_rows(noisy_line(), method="batch", epochs=5, shuffle=True, seed=9) == plain


# --------------------------------------------------------------------------- optimizers, losses

LR = 0.01
OPTIMIZER_CASES = {
    "sgd-momentum": ({"momentum": 0.9},
                     lambda p: optim.SGD(p, lr=LR, momentum=0.9)),
    "sgd-nesterov": ({"momentum": 0.9, "nesterov": True},
                     lambda p: optim.SGD(p, lr=LR, momentum=0.9, nesterov=True)),
    "sgd-weight-decay": ({"weight_decay": 0.05},
                         lambda p: optim.SGD(p, lr=LR, weight_decay=0.05)),
    "adam": ({"optimizer": "adam"}, lambda p: optim.Adam(p, lr=LR)),
    "adam-betas": ({"optimizer": "adam", "beta1": 0.8, "beta2": 0.99, "eps": 1e-6,
                    "weight_decay": 0.01},
                   lambda p: optim.Adam(p, lr=LR, betas=(0.8, 0.99), eps=1e-6,
                                        weight_decay=0.01)),
    "rmsprop": ({"optimizer": "rmsprop"}, lambda p: optim.RMSprop(p, lr=LR)),
    "rmsprop-momentum": ({"optimizer": "rmsprop", "alpha": 0.9, "momentum": 0.5},
                         lambda p: optim.RMSprop(p, lr=LR, alpha=0.9, momentum=0.5)),
    # eps left unset means torch's own default (Adagrad's is 1e-10, Adam's 1e-8).
    "adagrad": ({"optimizer": "adagrad"}, lambda p: optim.Adagrad(p, lr=LR)),
    "adagrad-eps": ({"optimizer": "adagrad", "eps": 1e-8},
                    lambda p: optim.Adagrad(p, lr=LR, eps=1e-8)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", ["batch", "minibatch"])
@pytest.mark.parametrize("case", list(OPTIMIZER_CASES))
def test_module_optimizers(case, method, dtype):
    settings, make_optimizer = OPTIMIZER_CASES[case]
    X, Y = tutorial2_data(getattr(torch, dtype))
    epochs = EPOCHS[method]
    expected = module_reference(X, Y, method=method, learning_rate=LR, epochs=epochs, w0=-10.0,
                                b0=-20.0, batch_size=7, shuffle=True, seed=1,
                                make_optimizer=make_optimizer)
    got = engine_rows(noisy_line(dtype=dtype), method=method, impl="module", learning_rate=LR,
                      epochs=epochs, init_w=-10.0, init_b=-20.0, batch_size=7, shuffle=True,
                      seed=1, **settings)
    assert got == expected


def test_adagrad_with_default_settings_is_torch_default_adagrad():
    # Visible in float64 (in float32 the eps is below the last bit of sqrt(sum g^2) here).
    X, Y = tutorial2_data(torch.float64)
    expected = module_reference(X, Y, method="batch", learning_rate=LR, epochs=15, w0=-10.0,
                                b0=-20.0, make_optimizer=lambda p: optim.Adagrad(p, lr=LR))
    got = engine_rows(noisy_line(dtype="float64"), method="batch", impl="module",
                      optimizer="adagrad", learning_rate=LR, epochs=15, init_w=-10.0,
                      init_b=-20.0)
    assert got == expected


LOSS_CASES = {
    "mae": ({"loss": "mae"}, nn.L1Loss()),
    "huber": ({"loss": "huber"}, nn.HuberLoss()),
    "huber-delta": ({"loss": "huber", "huber_delta": 0.5}, nn.HuberLoss(delta=0.5)),
}


@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_losses_module(case, method):
    settings, criterion = LOSS_CASES[case]
    X, Y = tutorial2_data()
    epochs = EPOCHS[method]
    expected = module_reference(X, Y, method=method, learning_rate=0.05, epochs=epochs,
                                w0=-10.0, b0=-20.0, batch_size=7, criterion=criterion)
    got = engine_rows(noisy_line(), method=method, impl="module", learning_rate=0.05,
                      epochs=epochs, init_w=-10.0, init_b=-20.0, batch_size=7, **settings)
    assert got == expected


@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_losses_manual(case, method):
    settings, _ = LOSS_CASES[case]
    X, Y = tutorial2_data()
    epochs = EPOCHS[method]
    expected = manual_reference(X, Y, method=method, learning_rate=0.05, epochs=epochs,
                                w0=-10.0, b0=-20.0, batch_size=7, **settings)
    got = engine_rows(noisy_line(), method=method, impl="manual", learning_rate=0.05,
                      epochs=epochs, init_w=-10.0, init_b=-20.0, batch_size=7, **settings)
    assert got == expected


# --------------------------------------------------------------------------- seeded start


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 7])
def test_start_drawn_from_seed_is_nn_linear(seed):
    torch.manual_seed(seed)
    layer = nn.Linear(1, 1)
    expected = (layer.weight.item(), layer.bias.item())
    config = TrainConfig(init_w=None, init_b=None, seed=seed)
    assert initial_parameters(config) == expected
    # Only one of them drawn: the other is as given.
    assert initial_parameters(config.replace(init_w=3.0)) == (3.0, expected[1])
    assert initial_parameters(config.replace(init_b=3.0)) == (expected[0], 3.0)
    # Without bias the weight is the same draw and b is 0.
    assert initial_parameters(config.replace(fit_bias=False)) == (expected[0], 0.0)


@pytest.mark.parametrize("impl", ["manual", "module"])
def test_training_from_a_seeded_start(impl):
    X, Y = tutorial2_data()
    torch.manual_seed(7)
    model = nn.Linear(1, 1)
    w0, b0 = model.weight.item(), model.bias.item()
    reference = manual_reference if impl == "manual" else module_reference
    expected = reference(X, Y, method="minibatch", learning_rate=0.01, epochs=4, w0=w0, b0=b0,
                         batch_size=7, shuffle=True, seed=7)
    got = engine_rows(noisy_line(), method="minibatch", impl=impl, learning_rate=0.01,
                      epochs=4, init_w=None, init_b=None, batch_size=7, shuffle=True, seed=7)
    assert got == expected


@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
def test_global_rng_not_disturbed(method, impl):
    data = noisy_line()
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    config = TrainConfig(method=method, impl=impl, init_w=None, init_b=None, seed=3,
                         shuffle=True, epochs=2, learning_rate=0.01)
    initial_parameters(config)
    records = list(train(data, config))
    assert len(records) == 2
    noisy_line(seed=11)
    assert torch.equal(torch.get_rng_state(), state)


# --------------------------------------------------------------------------- torch's threads


@pytest.mark.parametrize("impl", ["manual", "module"])
def test_large_data_with_the_studios_threads(impl):
    """Past about 32k numbers torch shares a sum among its threads, and how it rounds depends
    on how many: the engine trains with ``threads_for(n)`` threads whatever its caller set,
    which the exported script sets too (test_script.py), and the tutorial's loop with as
    many gives its history bit for bit."""
    data = random_line(100_000, seed=0)
    X, Y = data.tensors()
    settings = {"method": "batch", "learning_rate": 1e-4, "epochs": 3}
    reference = manual_reference if impl == "manual" else module_reference
    with torch_threads(threads_for(len(data))):
        expected = reference(X, Y, **settings, w0=-1.0, b0=1.0)
    other = 2 if threads_for(len(data)) == 1 else 1  # the caller's threads: not the studio's
    with torch_threads(other):
        got = engine_rows(data, impl=impl, **settings, init_w=-1.0, init_b=1.0)
        assert torch.get_num_threads() == other  # given back once the run has ended
        unlike = reference(X, Y, **settings, w0=-1.0, b0=1.0)
    assert got == expected
    assert unlike != expected  # (the thread count does change these numbers)
