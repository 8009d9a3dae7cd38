"""Accuracy, the decision boundary and the misclassified points, against counts by hand."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.models.logistic.metrics import accuracy, boundary, misclassified


def by_hand(x, y, w, b):
    """Each point's verdict in exact rationals: predicted 1 when w*x + b > 0."""
    return [(Fraction(w) * Fraction(float(xi)) + Fraction(b) > 0) != (yi == 1)
            for xi, yi in zip(x, y, strict=True)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("w", "b"), [(1.0, 0.0), (2.0, -3.0), (-0.5, 0.25), (0.0, 1.0),
                                      (0.0, 0.0), (1e-30, -1e-29)])
def test_misclassified_and_accuracy_match_exact_counts(w, b, dtype):
    x = np.array([-3.0, -1.0, 0.0, 0.5, 1.5, 2.0, 4.0, 10.0], dtype=dtype)
    y = np.array([0, 1, 0, 1, 0, 1, 1, 0], dtype=dtype)
    wrong = by_hand(x, y, w, b)
    assert misclassified(x, y, w, b).tolist() == wrong
    assert accuracy(x, y, w, b) == float(Fraction(wrong.count(False), len(wrong)))


def test_offset_data_is_judged_in_float64():
    # float32 x 128 apart at 1.7e9 (its spacing there), the boundary between them in float64
    x = np.array([1.7e9, 1.7e9 + 128], dtype=np.float32)
    y = np.array([0.0, 1.0], dtype=np.float32)
    assert misclassified(x, y, 1.0, -(1.7e9 + 64)).tolist() == [False, False]
    assert misclassified(x, y, 1.0, -(1.7e9 + 192)).tolist() == [False, True]
    assert misclassified(x, y, -1.0, 1.7e9 + 64).tolist() == [True, True]
    assert accuracy(x, y, 1.0, -(1.7e9 + 192)) == 0.5


def test_a_point_on_the_boundary_is_predicted_0():
    x, y = np.array([2.0, 2.0]), np.array([0.0, 1.0])
    assert misclassified(x, y, 1.0, -2.0).tolist() == [False, True]
    assert accuracy(x, y, 1.0, -2.0) == 0.5


def test_no_points():
    assert np.isnan(accuracy(np.array([]), np.array([]), 1.0, 0.0))
    assert misclassified(np.array([]), np.array([]), 1.0, 0.0).tolist() == []


@pytest.mark.parametrize(("w", "b", "x"), [(2.0, -3.0, 1.5), (-0.5, 0.25, 0.5),
                                            (4.0, 0.0, 0.0), (1e-300, 1e-300, -1.0)])
def test_boundary_is_minus_b_over_w(w, b, x):
    assert boundary(w, b) == x


@pytest.mark.parametrize(("w", "b"), [(0.0, 1.0), (0.0, 0.0), (1e-300, 1e300),
                                      (float("nan"), 1.0), (float("inf"), 1.0)])
def test_no_boundary(w, b):
    assert boundary(w, b) is None
