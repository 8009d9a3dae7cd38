"""The landscape view's frame, computed without Qt: contour segments, levels, optimum."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.drawing.contours import contour_segments
from gdstudio.core.drawing.landscape_frame import (
    finite_image,
    mse_frame,
    outside_view,
    robust_frame,
)
from gdstudio.core.models.line.landscape import VIEW_LIMIT, MSELandscape, view_bounds
from gdstudio.core.models.line.landscape_robust import robust_grid
from gdstudio.core.models.line.optimum import loss_optimum


def test_contour_segments_of_a_cone_lie_on_its_circles():
    x = np.linspace(-2.0, 2.0, 41)
    y = np.linspace(-1.0, 3.0, 33)
    r = np.hypot(x[:, None], (y - 1.0)[None, :])
    xs, ys = contour_segments(r, x, y, [0.52, 1.07, 1.43])
    assert xs.size % 2 == 0 and xs.size > 0
    radius = np.hypot(xs, ys - 1.0)
    levels = np.array([0.52, 1.07, 1.43])
    # linear interpolation of a cone on a 0.1 grid: within a few thousandths
    nearest = levels[np.argmin(np.abs(radius[:, None] - levels), axis=1)]
    assert np.max(np.abs(radius - nearest)) < 5e-3
    # each circle is closed: every segment end is shared by exactly two segments
    ends = np.round(np.column_stack([xs, ys]), 12)
    _, counts = np.unique(ends, axis=0, return_counts=True)
    assert np.all(counts == 2)


def test_contour_on_a_plane_is_exact_and_saddles_split():
    x = np.linspace(0.0, 1.0, 5)
    y = np.linspace(0.0, 2.0, 9)
    plane = 3.0 * x[:, None] + y[None, :]
    xs, ys = contour_segments(plane, x, y, [1.3])
    np.testing.assert_allclose(3.0 * xs + ys, 1.3, atol=1e-12)
    saddle = np.array([[1.0, 0.0], [0.0, 1.0]])  # one cell, corners alternate
    xs, ys = contour_segments(saddle, [0.0, 1.0], [0.0, 1.0], [0.5])
    assert xs.size == 4  # two segments, not four ends joined at random
    assert contour_segments(np.full((3, 3), np.nan), [0, 1, 2], [0, 1, 2], [0.5])[0].size == 0


@pytest.mark.parametrize("n", [2, 5, 33])
def test_contours_of_a_view_out_at_float64s_ends_are_computed_without_overflow(n):
    """A landscape zoomed out to ±1.6e308: placing the crossings multiplied each edge's
    fraction by the cell's width, which overflowed ("RuntimeWarning: overflow encountered in
    multiply", and a cell ±1.6e308 wide has an infinite width); the crossings are exact."""
    x = np.linspace(-1.6, 1.6, n) * 1e308
    y = np.linspace(-1.7, 1.5, n) * 1e308
    plane = 3.0 * (x[:, None] / 2.0 ** 1020) + y[None, :] / 2.0 ** 1020
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs, ys = contour_segments(plane, x, y, [1.3, 25.0])
    assert xs.size > 0 and np.isfinite(xs).all() and np.isfinite(ys).all()
    on = 3.0 * (xs / 2.0 ** 1020) + ys / 2.0 ** 1020
    near = np.where(np.abs(on - 1.3) < np.abs(on - 25.0), 1.3, 25.0)
    np.testing.assert_allclose(on, near, rtol=1e-12, atol=1e-12 * 60)
    assert set(near) == {1.3, 25.0}


def test_mse_frame_is_the_landscape_grid_with_log_spaced_levels():
    data = noisy_line()
    land = MSELandscape.from_dataset(data)
    frame = mse_frame(land, (-12.0, 4.0), (-25.0, 6.0), (161, 121))
    np.testing.assert_array_equal(frame.values, land.grid((-12.0, 4.0), (-25.0, 6.0),
                                                          (161, 121)))
    steps = np.diff(frame.levels)  # log10 L evenly spaced: L at a constant ratio
    assert len(frame.levels) == 12 and np.allclose(steps, steps[0])
    xs, ys = frame.contours
    on = land.log10_loss(xs, ys)
    assert np.min(np.abs(on[:, None] - frame.levels[None, :]), axis=1).max() < 0.02
    assert frame.optimum == land.optimum and frame.unique
    (lo, hi), vectors = land.eigen()
    assert frame.condition_number == pytest.approx(hi / lo)
    np.testing.assert_array_equal(frame.eigenvectors, vectors)


def test_one_x_value_gives_a_valley_not_a_point():
    data = Dataset(np.array([2.0, 2.0, 2.0]), np.array([1.0, 3.0, 5.0]))
    frame = mse_frame(MSELandscape.from_dataset(data), (-3.0, 3.0), (-5.0, 10.0), (41, 41))
    assert not frame.unique and frame.valley is not None and "valley" in frame.note
    w, b = frame.valley.T
    np.testing.assert_allclose(b + 2.0 * w, 3.0)  # every line through (2, mean y = 3)
    assert frame.condition_number == math.inf


def test_optimum_without_bias_is_the_exact_slope_through_the_origin():
    x = [1.0e6 + 1, 1.0e6 + 2, 1.0e6 + 4]
    y = [3.0, -1.0, 7.5]
    land = MSELandscape.from_arrays(x, y)
    exact = sum(Fraction(a) * Fraction(c) for a, c in zip(x, y, strict=True)) / sum(
        Fraction(a) ** 2 for a in x)
    w, b = land.optimum_without_bias
    assert b == 0.0 and w == pytest.approx(float(exact), rel=1e-12)
    frame = mse_frame(land, (-1.0, 1.0), (-1.0, 1.0), (9, 9), fit_bias=False)
    assert frame.optimum == (w, 0.0)
    ref = loss_optimum(Dataset(np.array(x), np.array(y)), "mse", fit_bias=False)
    assert w == pytest.approx(ref.w, rel=1e-12)


def test_finite_image_keeps_a_zero_loss_drawable():
    v = np.array([[-np.inf, 0.0], [1.0, np.inf]])
    np.testing.assert_array_equal(finite_image(v), [[0.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize("kind", ["mae", "huber"])
def test_robust_frame_samples_the_loss_and_marks_its_optimum(kind):
    data = noisy_line()
    optimum = loss_optimum(data, kind, True, 1.0)
    frame = robust_frame(data.x, data.y, kind, (-8.0, -2.0), (-3.0, 3.0), (17, 17),
                         optimum=optimum, exact=False)
    np.testing.assert_array_equal(frame.values, robust_grid(data.x, data.y, kind, (-8.0, -2.0),
                                                            (-3.0, 3.0), (17, 17)))
    assert frame.optimum == (optimum.w, optimum.b) and not frame.exact
    assert frame.eigenvalues is None and frame.condition_number is None
    assert robust_frame(data.x, data.y, kind, (0, 1), (0, 1), should_stop=lambda: True) is None


def test_outside_view_names_a_point_the_view_must_widen_for():
    w_range, b_range = (-1.0, 2.0), (0.0, 5.0)
    assert not outside_view([(-1.0, 0.0), (2.0, 5.0), (0.5, 2.5)], w_range, b_range)
    assert outside_view([(0.5, 2.5), (2.0000000000000004, 1.0)], w_range, b_range)
    assert outside_view([(0.5, -1e-300)], w_range, b_range)
    # what no view can frame does not ask it to widen: it would widen for ever
    for beyond in ((math.inf, 1.0), (math.nan, 1.0), (1.7e308, 1.0), (0.5, -1.7e308)):
        assert not outside_view([(0.5, 2.5), beyond], w_range, b_range)
    assert not outside_view(np.empty((0, 2)), w_range, b_range)


@pytest.mark.parametrize("start", [(1.7e308, 0.0), (0.0, -1.7e308), (-1.7e308, 1.7e308),
                                   (-VIEW_LIMIT, VIEW_LIMIT)])
def test_a_frame_holding_a_start_near_float64s_end_is_finite(start):
    """Fitted to a start of ±1.7e308 and the optimum the view's range was [-2.55e307, inf]
    (which no plot can show, and the grid was NaN); now it frames what a view can hold, and
    its spans, its grid's axes and its levels are finite."""
    land = MSELandscape.from_arrays(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]))
    w_range, b_range = view_bounds([start, land.optimum])
    for lo, hi in (w_range, b_range):
        assert math.isfinite(lo) and math.isfinite(hi) and math.isfinite(hi - lo) and hi > lo
    framed = [p for p in (start, land.optimum) if max(abs(p[0]), abs(p[1])) <= VIEW_LIMIT]
    for w, b in framed:
        assert w_range[0] <= w <= w_range[1] and b_range[0] <= b <= b_range[1]
    with np.errstate(all="raise"):
        frame = mse_frame(land, w_range, b_range, (17, 17))
    assert all(np.isfinite(axis).all() for axis in frame.axes())
    assert np.isfinite(frame.values).all() and np.isfinite(frame.levels).all()
    assert not outside_view([start, land.optimum], w_range, b_range)


def test_within_reach_keeps_a_zigzag_past_the_optimum_and_cuts_a_divergence():
    from gdstudio.core.drawing.landscape_frame import within_reach

    anchors = [(-10.0, -20.0), (-5.0, 0.0)]  # the start and the optimum: a box 5 × 20
    zigzag = np.array([(-10.0, -20.0), (-0.5, -15.0), (-9.0, -10.0), (-2.0, -5.0),
                       (-5.0, 0.0)])
    np.testing.assert_array_equal(within_reach(zigzag, anchors), zigzag)
    # widened by 1.5 spans each side: w to -17.5 .. 2.5, b to -50 .. 30
    diverging = np.array([(-10.0, -20.0), (2.0, -15.0), (2.6, 0.0), (-40.0, 9.0),
                          (1e30, -1e30)])
    np.testing.assert_array_equal(within_reach(diverging, anchors), diverging[:2])
    assert within_reach(np.array([(np.inf, 0.0)]), anchors).shape == (0, 2)
    assert within_reach(zigzag, np.empty((0, 2))).shape == (0, 2)
