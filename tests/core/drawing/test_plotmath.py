"""The plots' arithmetic, without Qt: the thinned loss curve keeps every epoch's extremes while
drawing few points, and lines are clipped to the view."""

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gdstudio.core.drawing.plotmath import (
    EMPTY_LOG_FLOOR,
    LOWEST_LOG_FLOOR,
    PeakDecimator,
    clip_line,
    log_floor,
    min_positive,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 3000), min_size=1, max_size=8), st.integers(0, 2**31 - 1))
def test_incremental_view_keeps_extremes_and_stays_small(chunks, seed):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(sum(chunks)).cumsum()
    dec = PeakDecimator(max_blocks=200)
    n = 0
    for c in chunks:
        n += c
        xs, ys = dec.update(y[:n])
        assert len(xs) == len(ys) <= 2 * 200 + 2 * dec.block + 400
        assert ys.max() == y[:n].max() and ys.min() == y[:n].min()
        assert xs.min() == 0 and xs.max() <= n - 1
        assert np.all(np.diff(xs) >= 0)


def test_million_epochs_draw_a_few_thousand_points():
    y = np.exp(-np.linspace(0, 10, 1_000_000))
    dec = PeakDecimator()
    for end in range(50_000, 1_000_001, 50_000):
        xs, ys = dec.update(y[:end])
    assert len(xs) < 6000
    assert ys[0] == y[0] and ys.min() == y.min()


def test_shrinking_series_restarts():
    dec = PeakDecimator(max_blocks=10)
    dec.update(np.arange(1000.0))
    xs, ys = dec.update(np.arange(5.0))
    assert xs.tolist() == [0, 1, 2, 3, 4] and ys.tolist() == [0, 1, 2, 3, 4]


def test_steep_lines_are_clipped_to_the_view():
    # after a divergence: w = -1e16, b = 7e13 crosses y = 0 at x = 0.007
    xs, ys = clip_line(-1.0289e16, 7.0133e13, 0.0, 50.0, -30.0, 30.0)
    assert np.allclose(xs, 7.0133e13 / 1.0289e16, rtol=1e-9)
    assert ys.tolist() == [30.0, -30.0]
    xs, ys = clip_line(2.0, 1.0, -5.0, 5.0, -100.0, 100.0)  # an ordinary line: the full width
    assert xs.tolist() == [-5.0, 5.0] and ys.tolist() == [-9.0, 11.0]
    assert clip_line(0.0, 500.0, -5.0, 5.0, -100.0, 100.0) is None  # misses the view
    assert clip_line(1.0, 1000.0, -5.0, 5.0, -100.0, 100.0) is None


def test_log_floor_is_a_decade_below_the_smallest_positive_loss():
    assert min_positive(np.array([3.0, 0.0, -1.0, np.inf, np.nan, 0.25])) == 0.25
    assert min_positive(np.array([0.0, -2.0])) == np.inf
    assert min_positive(np.empty(0)) == np.inf
    assert log_floor(0.25) == 0.01
    assert log_floor(1.0) == 0.1
    assert log_floor(7e5) == 1e4
    assert log_floor(np.inf) == EMPTY_LOG_FLOOR  # nothing positive to go by
    # a subnormal loss: the floor stays where a log view can reach
    assert log_floor(5e-324) == LOWEST_LOG_FLOOR


@given(st.floats(min_value=5e-324, max_value=1e308))
@example(9.99999999999996e+23)  # log10 rounds up to 24; 10.0**23 is not the double of 1e23
def test_log_floor_is_a_power_of_ten_below_any_positive_loss(value):
    floor = log_floor(value)
    assert LOWEST_LOG_FLOOR <= floor
    assert floor < value or floor == LOWEST_LOG_FLOOR
    assert floor >= value / 100 or floor == LOWEST_LOG_FLOOR
    assert float(f"{floor:.0e}") == floor
