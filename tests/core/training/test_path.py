"""The thinned descent path keeps an even sample of every update, within its capacity."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.training.path import PathBuffer


def test_short_paths_keep_every_update():
    p = PathBuffer(100)
    p.append(1.0, 2.0)
    p.append([3.0, 4.0], [5.0, 6.0])
    np.testing.assert_array_equal(p.points(), [[1, 2], [3, 5], [4, 6]])
    np.testing.assert_array_equal(p.indices(), [0, 1, 2])


@pytest.mark.parametrize("chunks", [[1] * 1000, [7, 300, 1, 2000, 13], [100_003]])
def test_long_paths_are_thinned_evenly_and_end_at_the_latest(chunks):
    total = sum(chunks)
    w_all = np.arange(total, dtype=float)
    p = PathBuffer(64)
    pos = 0
    for c in chunks:
        p.append(w_all[pos:pos + c], -w_all[pos:pos + c])
        pos += c
    idx = p.indices()
    pts = p.points()
    assert len(pts) <= 65 and len(pts) == len(idx)
    np.testing.assert_array_equal(pts[:, 0], w_all[idx])  # each row is that update
    np.testing.assert_array_equal(pts[:, 1], -w_all[idx])
    assert idx[0] == 0 and idx[-1] == total - 1
    body = idx[:-1] if idx[-1] % p.stride else idx
    assert np.all(body % p.stride == 0)
    assert np.all(np.diff(body) == p.stride)  # evenly spaced: every stride-th update
    assert len(body) >= 32  # at least half the capacity is used
    assert p.updates == total


def test_bad_input_and_clear():
    p = PathBuffer(8)
    with pytest.raises(ValueError, match="same length"):
        p.append([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="at least 4"):
        PathBuffer(2)
    p.append(np.arange(50.0), np.arange(50.0))
    p.clear()
    assert len(p) == 0 and p.points().shape == (0, 2) and p.stride == 1
