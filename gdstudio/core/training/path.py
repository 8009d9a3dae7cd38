"""A descent path of bounded size: every update while it is short, thinned evenly after.

A stochastic run on a million points makes a million updates per epoch; the landscape shows
the zigzag, but drawing more points than pixels only costs time. :class:`PathBuffer` keeps
every ``stride``-th update, and when it is full it drops every other point it holds and
doubles the stride, so it always holds an even sample of the whole path (never more than
``capacity`` points), the first update and the latest one. Epoch ends are the history's own
``(w, b)`` (kept in full elsewhere), so nothing here needs to keep them.

A run that trains in other units than it shows (standardized data) sets :attr:`PathBuffer.
units`: the buffer records what the loop makes and :meth:`PathBuffer.points` gives it back
in the units shown.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PathBuffer"]


class PathBuffer:
    """Updates ``(w, b)`` of one run, thinned to at most ``capacity`` points."""

    def __init__(self, capacity: int = 50_000):
        if capacity < 4:
            raise ValueError("A path keeps at least 4 points.")
        self.capacity = capacity - capacity % 2
        self._data = np.empty((self.capacity, 2))
        self._index = np.empty(self.capacity, dtype=np.int64)
        self._size = 0
        self.stride = 1
        #: updates seen (kept or not)
        self.updates = 0
        self._latest: tuple[int, float, float] | None = None
        #: Maps recorded rows ``(w, b)`` to the units :meth:`points` gives (None: as
        #: recorded), e.g. :meth:`~gdstudio.core.data.standardize.Standardization.to_original_rows`.
        self.units = None

    def __len__(self) -> int:
        return self._size + (1 if self._latest_pending() else 0)

    def clear(self) -> None:
        self._size = 0
        self.stride = 1
        self.updates = 0
        self._latest = None

    def append(self, w, b) -> None:
        """Add the next updates (scalars or arrays of equal length), in order."""
        w = np.atleast_1d(np.asarray(w, dtype=np.float64))
        b = np.atleast_1d(np.asarray(b, dtype=np.float64))
        if w.shape != b.shape or w.ndim != 1:
            raise ValueError("w and b must be scalars or 1-D arrays of the same length.")
        start = self.updates
        n = w.size
        if n == 0:
            return
        self.updates += n
        self._latest = (self.updates - 1, float(w[-1]), float(b[-1]))
        pos = 0
        while pos < n:
            # the next kept update is the first index >= start+pos that is a multiple of stride
            first = -(-(start + pos) // self.stride) * self.stride - start
            if first >= n:
                return
            room = self.capacity - self._size
            take = np.arange(first, n, self.stride)[:room]
            k = take.size
            self._data[self._size:self._size + k, 0] = w[take]
            self._data[self._size:self._size + k, 1] = b[take]
            self._index[self._size:self._size + k] = start + take
            self._size += k
            pos = int(take[-1]) + 1
            if self._size == self.capacity:
                self._halve()

    def gap(self) -> int:
        """Updates to make until (and including) the next one this buffer keeps: a loop
        that records cheaply makes that many updates, then calls :meth:`advance`."""
        stride = self.stride
        return -(-self.updates // stride) * stride - self.updates + 1

    def advance(self, n: int, w, b) -> None:
        """``n`` (>= 1, at most :meth:`gap`) more updates were made, ending at ``(w, b)``:
        the same as :meth:`append` of all ``n``, whose earlier ones are not kept anyway."""
        if n <= 0:
            return
        self.updates += n
        i = self.updates - 1
        w, b = float(w), float(b)
        self._latest = (i, w, b)
        if i % self.stride == 0:  # (scalars: a loop calls this often while the path is short)
            size = self._size
            self._data[size, 0] = w
            self._data[size, 1] = b
            self._index[size] = i
            self._size = size + 1
            if self._size == self.capacity:
                self._halve()

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The buffer as a compiled loop records into it: its rows and their update numbers
        (written in place) and ``[size, stride, updates, 1]`` (an int64 array the loop
        advances, see ``gdstudio.core.models.line.compiled.kernels``); hand the last back
        to :meth:`recorded`."""
        state = np.array([self._size, self.stride, self.updates, 1], dtype=np.int64)
        return self._data, self._index, state

    def recorded(self, state: np.ndarray, w, b) -> None:
        """A compiled loop recorded into :meth:`arrays` and left ``state``; ``(w, b)`` is
        its latest update: the same as :meth:`advance` of each of its updates."""
        made = int(state[2]) - self.updates
        self._size, self.stride, self.updates = int(state[0]), int(state[1]), int(state[2])
        if made > 0:
            self._latest = (self.updates - 1, float(w), float(b))

    def _halve(self) -> None:
        self.stride *= 2
        keep = self._index[:self._size] % self.stride == 0
        m = int(keep.sum())
        self._data[:m] = self._data[:self._size][keep]
        self._index[:m] = self._index[:self._size][keep]
        self._size = m

    def _latest_pending(self) -> bool:
        return self._latest is not None and (
            self._size == 0 or self._index[self._size - 1] != self._latest[0])

    def points(self) -> np.ndarray:
        """The kept updates as rows ``(w, b)``, in order, ending with the latest update (in
        the units of :attr:`units`)."""
        out = self._data[:self._size]
        if self._latest_pending():
            out = np.vstack([out, [self._latest[1:]]])
        return out.copy() if self.units is None else self.units(out)

    def indices(self) -> np.ndarray:
        """The update number (from 0) of each row of :meth:`points`."""
        out = self._index[:self._size]
        if self._latest_pending():
            out = np.append(out, self._latest[0])
        return out.copy()
