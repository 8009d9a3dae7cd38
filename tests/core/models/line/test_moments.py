"""The landscape kept up to date point by point equals the one rebuilt from the data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.models.line.moments import Moments


def _edit(x, y, rng, steps):
    """Random inserts, deletes and moves on copies of x, y, applied to Moments as well."""
    x, y = list(x), list(y)
    m = Moments.from_arrays(x, y)
    span = max(x) - min(x)
    for _ in range(steps):
        kind = rng.integers(3)
        if kind == 0 or len(x) < 3:
            nx = float(rng.choice(x)) + span * rng.standard_normal() * 0.1
            ny = float(rng.choice(y)) + rng.standard_normal()
            x.append(nx)
            y.append(ny)
            m = m.add(nx, ny)
        elif kind == 1:
            i = int(rng.integers(len(x)))
            m = m.remove(x.pop(i), y.pop(i))
        else:
            i = int(rng.integers(len(x)))
            new = (x[i] + span * 0.05 * rng.standard_normal(), y[i] + rng.standard_normal())
            m = m.move((x[i], y[i]), new)
            x[i], y[i] = new
    return np.array(x), np.array(y), m


@pytest.mark.parametrize("x0,slope,intercept", [(0.0, -5.0, 1.0), (1.7e9, 0.001, -1.7e6),
                                               (1e-12, 3e12, 2.0)])
def test_updates_follow_the_exact_landscape(x0, slope, intercept):
    rng = np.random.default_rng(11)
    x = x0 + np.linspace(0, 100 if x0 > 1 else 10, 200) * (1e-12 if x0 == 1e-12 else 1)
    y = slope * x + intercept + rng.standard_normal(x.size)
    fx, fy, m = _edit(x, y, rng, 300)
    exact = MSELandscape.from_arrays(fx, fy)
    got = m.landscape()
    assert m.n == fx.size
    assert got.optimum[0] == pytest.approx(exact.optimum[0], rel=1e-9)
    assert got.optimum[1] == pytest.approx(exact.optimum[1], rel=1e-9,
                                           abs=1e-9 * abs(exact.optimum[0] * np.mean(fx)))
    assert got.min_loss == pytest.approx(exact.min_loss, rel=1e-8)
    w, b = exact.optimum
    for dw, db in ((1.0, 0.0), (0.0, 1.0), (-0.3, 2.0)):
        pw, pb = w + dw * abs(slope), b + db
        assert got.loss(pw, pb) == pytest.approx(exact.loss(pw, pb), rel=1e-8)


def test_from_arrays_matches_the_exact_landscape():
    rng = np.random.default_rng(2)
    x = 1.7e9 + np.arange(1000.0)
    y = 0.001 * x - 1.7e6 + rng.standard_normal(1000)
    got, exact = Moments.from_arrays(x, y).landscape(), MSELandscape.from_arrays(x, y)
    assert got.optimum == pytest.approx(exact.optimum, rel=1e-12)
    assert got.min_loss == pytest.approx(exact.min_loss, rel=1e-9)


def test_down_to_one_point_and_empty():
    m = Moments.from_arrays([1.0, 2.0], [3.0, 5.0]).remove(2.0, 5.0)
    assert m.n == 1 and not m.landscape().unique
    assert m.landscape().loss(0.0, 3.0) == 0.0
    empty = m.remove(1.0, 3.0)
    assert empty.n == 0
    with pytest.raises(ValueError, match="at least one point"):
        empty.landscape()
    assert empty.add(4.0, 1.0).landscape().loss(0.0, 1.0) == 0.0


def test_overflow_is_reported_not_drawn():
    assert not Moments.from_arrays([1e200, -1e200], [1e200, 3.0]).finite
    assert Moments.from_arrays([1.0, 2.0], [1.0, 2.0]).finite


def test_an_update_costs_the_same_at_any_size():
    """An edit's update reads no array: the moments and the landscape made from them hold a
    few numbers, whatever the data's size (``tests/bench/edit.py`` times an edit of a
    million points in the window)."""
    rng = np.random.default_rng(0)
    x = rng.random(1_000_000)
    y = 2 * x + rng.standard_normal(x.size)
    m = Moments.from_arrays(x, y)
    for i in range(1000):
        m = m.move((x[i], y[i]), (x[i] + 0.1, y[i]))
        landscape = m.landscape()
    for kept in (m, landscape):
        values = [getattr(kept, f.name) for f in dataclasses.fields(kept)]
        assert all(isinstance(v, (int, float)) for v in values), values  # scalars only
    assert m.n == x.size
