"""The compiled loops (gdstudio.core.models.line.compiled) against the Python loops of the
analytic implementation, which stay as the reference and the fallback: bit for bit, for
stochastic and mini-batch descent, every loss, with and without bias, float32 and float64
data, shuffled or not, on ordinary, offset, tiny, huge and degenerate data; the same path
points; the same epoch losses; a switch to the compiled loop inside an epoch changes nothing;
the compiled loop leaves the interpreter to other threads; no numba on import; a cache that
cannot be written leaves the Python loops."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line import compiled
from gdstudio.core.models.line.implementations import _Analytic
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.control import Ticker
from gdstudio.core.training.engine import train
from gdstudio.core.training.path import PathBuffer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))


@pytest.fixture(scope="module")
def kernels():
    loaded = compiled.wait(timeout=900)  # the first time: compiled into the cache, then loaded
    assert loaded is not None, compiled.status
    return loaded


@pytest.fixture
def use(kernels, monkeypatch):
    """use(True): the compiled loops; use(False): the Python loops."""
    def choose(on: bool):
        monkeypatch.setattr(compiled, "_loaded", kernels if on else None)
    return choose


def _cases():
    rng = np.random.default_rng(7)
    base = rng.standard_normal(61)
    yield "ordinary", base, 2 * base + 1 + 0.3 * rng.standard_normal(61)
    yield "offset", 1e6 + base, 2e6 + 2 * base + rng.standard_normal(61)
    yield "tiny", 1e-30 * base, 1e-30 * (2 * base + rng.standard_normal(61))
    yield "huge", 1e30 * base, 1e30 * (2 * base + rng.standard_normal(61))  # overflows
    yield "one point", np.array([2.0]), np.array([-1.0])
    yield "same x", np.full(9, 3.0), np.linspace(-1, 1, 9)


CASES = list(_cases())


def _epochs(x, y, cfg, size, orders, path):
    a = _Analytic(cfg, 0.5, -0.25, x, y)
    out = []
    for order in orders:
        out.append(a.full_loss())
        tick = Ticker(None, None, a.parameters, 10, path=path)
        assert a.epoch(order, size, tick) is None
        out.extend(a.parameters())
    return np.array(out)


def _run_both(use, x, y, cfg, size, shuffle):
    n = x.size
    orders = ([np.random.default_rng(1).permutation(n) for _ in range(3)] if shuffle
              else [None] * 3)
    results = []
    for on in (True, False):
        use(on)
        path = PathBuffer(6)  # small: it thins (halves) many times
        results.append((_epochs(x, y, cfg, size, orders, path), path.points(),
                        path.indices()))
    return results


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_compiled_loops_give_the_python_loops_numbers_bit_for_bit(use, dtype, name):
    _, x, y = next(c for c in CASES if c[0] == name)
    x, y = x.astype(dtype), y.astype(dtype)
    for loss, bias, size, shuffle in itertools.product(
            ("mse", "mae", "huber"), (True, False), (1, 4, x.size), (False, True)):
        cfg = TrainConfig(loss=loss, fit_bias=bias, learning_rate=0.05, huber_delta=0.5)
        (got, got_p, got_i), (ref, ref_p, ref_i) = _run_both(use, x, y, cfg, size, shuffle)
        where = (loss, bias, size, shuffle)
        assert got.tobytes() == ref.tobytes(), where  # bit for bit, NaN and -0.0 included
        assert got_p.tobytes() == ref_p.tobytes(), where
        assert np.array_equal(got_i, ref_i), where


def test_the_mae_sign_of_zero_and_the_huber_clip_take_the_python_branches(use):
    # residuals exactly 0, exactly +-delta and beyond, NaN (inf - inf) at the end
    x = np.array([1.0, 2.0, 1.0, -1.0, 4.0, 1e308, 1e308])
    y = np.array([0.5, 1.0, 1.0, -1.0, -4.0, -1e308, 1e308])
    for dtype, loss, size in itertools.product(("float32", "float64"), ("mae", "huber"), (1, 2)):
        with np.errstate(over="ignore"):
            xd, yd = x.astype(dtype), y.astype(dtype)
        cfg = TrainConfig(loss=loss, fit_bias=True, learning_rate=0.5, huber_delta=0.5)
        (got, gp, _), (ref, rp, _) = _run_both(use, xd, yd, cfg, size, False)
        assert got.tobytes() == ref.tobytes() and gp.tobytes() == rp.tobytes(), (dtype, loss)


def test_numpys_sums_and_dot_products_are_reproduced(kernels):
    rng = np.random.default_rng(3)
    for n in [*range(1, 300), 1000, 4097, 10_001, 100_003]:
        g = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
        x = rng.standard_normal(n)
        assert kernels.pairwise_sum(g, n) == np.sum(g), n
        assert kernels.dot(g, x, n) == np.dot(g, x), n


def test_a_sum_of_negative_zeros_is_numpys_positive_zero(kernels):
    for n in (1, 7, 8, 9, 128, 129, 300):  # (NumPy's reduction starts from 0.0)
        g = np.full(n, -0.0)
        assert kernels.pairwise_sum(g, n).hex() == float(np.sum(g)).hex(), n


def test_the_epoch_loss_is_numpys_mean_bit_for_bit_on_any_data(kernels):
    rng = np.random.default_rng(5)
    sizes = [*range(1, 300), 100_003, 1_000_000]
    odd = {"offset": lambda n: 1e8 + rng.standard_normal(n),
           "tiny": lambda n: 1e-300 * rng.standard_normal(n),
           "huge": lambda n: 1e300 * rng.standard_normal(n)}
    for loss, n in itertools.product(("mse", "mae", "huber"), sizes):
        kinds = ("normal", *odd) if n in (7, 8, 129, 255, 100_003) else ("normal",)
        for kind in kinds:
            scale = 10.0 ** rng.integers(-4, 4)
            x = odd[kind](n) if kind in odd else rng.standard_normal(n) * scale
            y = 2 * x + rng.standard_normal(n)
            if kind == "normal" and n in (9, 200):
                x[n // 2], y[n // 3] = np.nan, np.inf
            a = _Analytic(TrainConfig(loss=loss, huber_delta=0.7), 1.5, -0.25, x, y)
            with np.errstate(all="ignore"):
                ref = a._loss(a.w * a.x + a.b - a.y)
                got = kernels.loss(x, y, a.w, a.b, kernels.LOSSES[loss], a.delta)
            assert float(got).hex() == float(ref).hex(), (loss, n, kind)
            if kind == "normal" and n % 7 == 0:  # float32 data (its float32 copy, widened)
                x32, y32 = x.astype(np.float32), y.astype(np.float32)
                a = _Analytic(TrainConfig(loss=loss, huber_delta=0.7), 1.5, -0.25, x32, y32)
                with np.errstate(all="ignore"):
                    ref = a._loss(a.w * a.x + a.b - a.y)
                    got = kernels.loss(x32, y32, a.w, a.b, kernels.LOSSES[loss], a.delta)
                assert float(got).hex() == float(ref).hex(), (loss, n, "float32")


def test_a_compiled_run_on_read_only_data_copies_it_once_not_every_epoch(use):
    import tracemalloc

    use(True)
    x = np.random.default_rng(9).standard_normal(200_000)
    y = 2 * x + 1
    x.flags.writeable = y.flags.writeable = False  # (as a dataset's columns are)
    cfg = TrainConfig(method="sgd", impl="analytic", learning_rate=1e-4, epochs=4,
                      shuffle=False)
    for method in ("sgd", "minibatch"):
        a = _Analytic(cfg, 0.0, 0.0, x, y)
        a.full_loss()
        a.epoch(None, 1 if method == "sgd" else 64, None)  # (the one copy, for the run)
        tracemalloc.start()
        for _ in range(3):
            a.full_loss()
            a.epoch(None, 1 if method == "sgd" else 64, None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < x.nbytes / 4, (method, peak)


@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_a_run_that_switches_to_the_compiled_loop_inside_an_epoch_is_unchanged(
        kernels, monkeypatch, method):
    # what a user's first run does: Python loops until the compiled ones have loaded
    rng = np.random.default_rng(5)
    x = rng.standard_normal(20_000).astype(np.float32)
    d = Dataset(x, (3 * x - 1 + rng.standard_normal(x.size)).astype(np.float32))
    cfg = TrainConfig(method=method, batch_size=3, impl="analytic", learning_rate=1e-3,
                      epochs=2, shuffle=True, seed=4)
    runs = []
    for later in (10**9, 3):  # never / from the 3rd check on
        calls = iter(range(10**9))
        monkeypatch.setattr(compiled, "_loaded", kernels)
        monkeypatch.setattr(compiled, "ready",
                            lambda calls=calls, later=later: kernels
                            if next(calls) >= later else None)
        from gdstudio.core.training.engine import run_epochs
        path = PathBuffer(1000)
        records = list(run_epochs(d, cfg, (0.0, 0.0), path=path))
        runs.append(([(r.loss, r.w, r.b) for r in records], path.points(), path.indices()))
    assert runs[0][0] == runs[1][0]
    assert runs[0][1].tobytes() == runs[1][1].tobytes()
    assert np.array_equal(runs[0][2], runs[1][2])


def test_engine_histories_are_equal_compiled_or_not(use, monkeypatch):
    monkeypatch.setattr(_Analytic, "COMPILED_CHUNK", 1000)  # calls end inside an epoch
    rng = np.random.default_rng(9)
    x = rng.standard_normal(3000)
    for dtype, method, loss in itertools.product(("float32", "float64"), ("sgd", "minibatch"),
                                                 ("mse", "mae", "huber")):
        d = Dataset(x.astype(dtype), (2 * x + rng.standard_normal(x.size)).astype(dtype))
        cfg = TrainConfig(method=method, batch_size=16, impl="analytic", loss=loss,
                          learning_rate=0.01, epochs=3, shuffle=True)
        histories = []
        for on in (True, False):
            use(on)
            histories.append([(r.loss, r.w, r.b) for r in train(d, cfg)])
        assert histories[0] == histories[1], (dtype, method, loss)


def test_a_compiled_epoch_leaves_the_interpreter_to_other_threads(use):
    # With a 60 s switch interval a thread that holds the interpreter lock keeps it: the
    # main thread runs during the epochs only because the compiled loop releases it.
    use(True)
    rng = np.random.default_rng(2)
    x = rng.standard_normal(400_000).astype(np.float32)
    a = _Analytic(TrainConfig(learning_rate=1e-4), 0.0, 0.0, x, 2 * x)
    a.COMPILED_CHUNK = 1 << 22  # one long call per epoch
    started, turns = threading.Event(), []

    def work():
        started.set()
        for _ in range(40):
            a.epoch(None, 1, None)

    old = sys.getswitchinterval()
    sys.setswitchinterval(60)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        while worker.is_alive():
            turns.append(1)
            time.sleep(0.001)  # (lets the worker take the lock whenever it wants it)
    finally:
        sys.setswitchinterval(old)
    worker.join()
    assert len(turns) > 10  # (a Python loop there: 1 or 2)


def _python(code: str, cwd=ROOT, **env) -> subprocess.CompletedProcess:
    environ = dict(os.environ, **{"PYTHONPATH": str(cwd), **env})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300, env=environ, cwd=cwd)


@pytest.mark.slow
def test_importing_the_engine_and_the_studio_does_not_import_numba():
    done = _python("""
        import sys
        import gdstudio.core.training.engine, gdstudio.core.models.line.preview
        import gdstudio.ui.studio.controller
        print("numba" in sys.modules)
    """, QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.slow
def test_a_cache_that_cannot_be_written_leaves_the_python_loops(tmp_path):
    # a read-only install without a writable cache: the same numbers, no compiling
    code = """
        from gdstudio.core.data.dataset import Dataset
        from gdstudio.core.models.line import compiled
        from gdstudio.core.settings.config import TrainConfig
        from gdstudio.core.training.engine import train
        import numpy as np
        x = np.linspace(-1, 1, 500, dtype=np.float32)
        cfg = TrainConfig(method="sgd", impl="analytic", learning_rate=0.1, epochs=2)
        print([(r.loss, r.w, r.b) for r in train(Dataset(x, 2 * x + 1), cfg)])
        print(compiled.wait(60) is None)
    """
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where each cache directory would be
    copy = tmp_path / "install"
    shutil.copytree(os.path.join(ROOT, "gdstudio"), copy / "gdstudio",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "gdstudio/core/models/line/compiled/__pycache__").write_text("")
    got = _python(code, cwd=copy, NUMBA_CACHE_DIR=str(blocked / "cache"),
                  HOME=str(blocked), XDG_CACHE_HOME=str(blocked / "cache"))
    ref = _python(code, GDSTUDIO_COMPILED="0")
    assert got.returncode == 0 and ref.returncode == 0, got.stderr + ref.stderr
    assert got.stdout.splitlines()[0] == ref.stdout.splitlines()[0]
    assert got.stdout.splitlines()[1] == "True"


def test_the_landscape_preview_of_stochastic_descent_is_the_same_compiled_or_not(use):
    from gdstudio.core.models.line.preview import epochs_needed, preview_path, shuffle_orders

    rng = np.random.default_rng(4)
    x = rng.standard_normal(300)
    for dtype, loss, shuffle, lr in itertools.product(
            ("float32", "float64"), ("mse", "mae", "huber"), (False, True), (0.01, 40.0)):
        d = Dataset(x.astype(dtype), (1 - 2 * x).astype(dtype))
        cfg = TrainConfig(method="sgd", impl="analytic", loss=loss, learning_rate=lr,
                          epochs=5, shuffle=shuffle, seed=3)
        orders = (shuffle_orders(3, d.x.size, epochs_needed(d.x.size, cfg, 700))
                  if shuffle else None)
        paths = []
        for on in (True, False):
            use(on)
            paths.append(preview_path(d, cfg, 0.5, 0.5, updates=700, orders=orders))
        assert paths[0].tobytes() == paths[1].tobytes(), (dtype, loss, shuffle, lr)
        assert len(paths[0]) == 701 or lr > 1  # (a diverging run's path ends early)


class SteppingClock:
    """A monotonic clock that moves 10 ms each time it is read."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 0.01
        return self.now


@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_progress_inside_an_epoch_and_a_stop_are_the_same_compiled_or_not(use, monkeypatch,
                                                                          method):
    from gdstudio.core.data.dataset import random_line
    from gdstudio.core.training.lifecycle import TrainingRun
    from tests.core.training.test_lifecycle import StopAt

    data = random_line(100_000, seed=1, dtype="float32")
    cfg = TrainConfig(method=method, batch_size=50, impl="analytic", learning_rate=1e-4,
                      epochs=2)
    out = []
    for on in (True, False):
        use(on)
        monkeypatch.setattr("gdstudio.core.training.control.time", SteppingClock())
        reports = []
        records = [(r.loss, r.w, r.b) for r in train(data, cfg, None, reports.append)]
        run = TrainingRun(data, cfg)
        list(run.records(StopAt(10)))  # stops at the 10th check, inside the first epoch
        out.append((reports, records, run.partial))
    assert out[0] == out[1]
    assert len(out[0][0]) > 5 and out[0][2] is not None


def test_read_only_and_strided_data_run_compiled_with_the_same_numbers(use, kernels,
                                                                       monkeypatch):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(400)[::2]  # strided
    y = (3 * x + 1).copy()
    y.flags.writeable = False
    order = rng.permutation(x.size)
    order.flags.writeable = False
    calls = []
    monkeypatch.setattr(kernels, "sgd", lambda *a, f=kernels.sgd: calls.append(1) or f(*a))
    for dtype, size in itertools.product(("float32", "float64"), (1, 5)):
        xd = x if dtype == "float64" else x.astype(dtype)  # (float64: still strided)
        yd = y.astype(dtype)
        yd.flags.writeable = False
        cfg = TrainConfig(loss="huber", learning_rate=0.01)
        (got, _, _), (ref, _, _) = _run_both(use, xd, yd, cfg, size, False)
        assert got.tobytes() == ref.tobytes()
        runs = []
        for on in (True, False):
            use(on)
            a = _Analytic(cfg, 0.0, 0.0, xd, yd)
            a.epoch(order, size, None)
            runs.append(a.parameters())
        assert runs[0] == runs[1]
    assert calls  # (the compiled loop ran)


def test_a_run_that_ends_before_the_cache_is_known_leaves_the_compiling_to_a_process(
        monkeypatch):
    # a short `gdstudio train` ends while the loader is still looking at the cache: its
    # background thread dies with it, so the compiling process is started on its own at exit
    started = []
    monkeypatch.setattr(compiled.subprocess, "Popen",
                        lambda args, **kw: started.append((args, kw)))
    monkeypatch.setattr(compiled, "_loaded", None)
    monkeypatch.setattr(compiled, "_building", False)
    monkeypatch.delenv(compiled.ENV, raising=False)
    gate = threading.Event()
    loading = threading.Thread(target=gate.wait, daemon=True)
    monkeypatch.setattr(compiled, "_thread", loading)
    loading.start()
    try:
        compiled._compile_after_exit()
        assert [args for args, _ in started] == [compiled._WARM]
        assert started[0][1]["start_new_session"]
        # the loops loaded, or their compiling already under way: nothing more
        monkeypatch.setattr(compiled, "_building", True)
        compiled._compile_after_exit()
        assert len(started) == 1
    finally:
        gate.set()
        loading.join()
    monkeypatch.setattr(compiled, "_building", False)
    compiled._compile_after_exit()  # the loader had finished (found or built the loops)
    assert len(started) == 1
