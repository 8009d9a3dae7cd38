"""Data edits as small immutable commands with inverses.

``command.apply(dataset)`` returns ``(new_dataset, inverse)``; applying the inverse to the new
data set gives back the original exactly. An undo stack only needs to keep the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdstudio.core.data.dataset import Dataset, span_problem
from gdstudio.core.errors import DataError


def _check_point(x: float, y: float, dataset: Dataset) -> tuple:
    arr = np.array([x, y], dtype=np.float64)
    if not np.isfinite(arr).all():
        raise DataError(f"A point needs finite coordinates, got ({x!r}, {y!r}).")
    cast = arr.astype(dataset.x.dtype)
    if not np.isfinite(cast).all():
        raise DataError(f"({x:g}, {y:g}) is too large for {dataset.dtype}.")
    if ((cast == 0) & (arr != 0)).any():  # underflow; a nonzero subnormal is kept
        raise DataError(f"({x:g}, {y:g}) is too small for {dataset.dtype}: a nonzero "
                        f"coordinate would be stored as 0 (the smallest nonzero {dataset.dtype} "
                        f"is {np.finfo(cast.dtype).smallest_subnormal:.2g}).")
    return cast[0], cast[1]


def _check_index(index: int, dataset: Dataset) -> int:
    if not 0 <= index < len(dataset):
        raise DataError(f"There is no point number {index} (the data set has {len(dataset)}).")
    return index


@dataclass(frozen=True)
class Append:
    """Add the point (x, y) at ``index`` (the end when ``None``)."""

    x: float
    y: float
    index: int | None = None

    text = "Add point"

    def apply(self, dataset: Dataset):
        x, y = _check_point(self.x, self.y, dataset)
        i = len(dataset) if self.index is None else self.index
        if not 0 <= i <= len(dataset):
            raise DataError(f"Cannot insert a point at position {i}.")
        new = Dataset.adopt(np.insert(dataset.x, i, x), np.insert(dataset.y, i, y))
        return new, Delete((i,))


@dataclass(frozen=True)
class Move:
    """Move point ``index`` to (x, y)."""

    index: int
    x: float
    y: float

    text = "Move point"

    def apply(self, dataset: Dataset):
        i = _check_index(self.index, dataset)
        x, y = _check_point(self.x, self.y, dataset)
        old = (float(dataset.x[i]), float(dataset.y[i]))
        xs, ys = dataset.x.copy(), dataset.y.copy()
        xs[i], ys[i] = x, y
        return Dataset.adopt(xs, ys), Move(i, *old)


@dataclass(frozen=True)
class Delete:
    """Remove the points at ``indices``."""

    indices: tuple[int, ...]

    text = "Delete points"

    def apply(self, dataset: Dataset):
        idx = sorted(set(self.indices))
        if not idx:
            raise DataError("No points selected to delete.")
        for i in idx:
            _check_index(i, dataset)
        removed = Dataset(dataset.x[idx], dataset.y[idx])
        if len(idx) == 1:  # two copies of memory, no mask over the points
            i = idx[0]
            new = Dataset.adopt(*(np.concatenate((v[:i], v[i + 1:]))
                                  for v in (dataset.x, dataset.y)))
        else:
            keep = np.ones(len(dataset), bool)
            keep[idx] = False
            new = Dataset.adopt(dataset.x[keep], dataset.y[keep])
        return new, Insert(tuple(idx), removed)


@dataclass(frozen=True, eq=False)
class Insert:
    """Put ``points`` back at ``indices`` (the inverse of :class:`Delete`)."""

    indices: tuple[int, ...]
    points: Dataset

    text = "Restore points"

    def apply(self, dataset: Dataset):
        total = len(dataset) + len(self.indices)
        if len(self.indices) != len(self.points) or len(set(self.indices)) != len(self.indices):
            raise DataError("Cannot restore points: the positions and the points do not match.")
        for i in self.indices:
            if not 0 <= i < total:
                raise DataError(f"Cannot restore a point at position {i}.")
        xs = np.empty(total, dataset.x.dtype)
        ys = np.empty(total, dataset.x.dtype)
        if len(self.indices) == 1:  # copies of memory, no mask over the points
            i = self.indices[0]
            for out, old, point in ((xs, dataset.x, self.points.x), (ys, dataset.y,
                                                                     self.points.y)):
                out[:i], out[i], out[i + 1:] = old[:i], point[0], old[i:]
        else:
            mask = np.zeros(total, bool)
            mask[list(self.indices)] = True
            xs[mask], ys[mask] = self.points.x, self.points.y
            xs[~mask], ys[~mask] = dataset.x, dataset.y
        return Dataset.adopt(xs, ys), Delete(self.indices)


@dataclass(frozen=True, eq=False)
class Replace:
    """Replace the whole data set (generate, clear, import)."""

    dataset: Dataset
    text: str = "Replace data"

    def apply(self, dataset: Dataset):
        problem = span_problem(self.dataset.x, self.dataset.y)
        if problem:
            raise DataError(problem)
        return self.dataset, Replace(dataset, self.text)


def Clear(dataset_dtype: str = "float32") -> Replace:  # capitalised: reads like a command
    """Remove every point."""
    return Replace(Dataset.empty(dataset_dtype), "Clear")


@dataclass(frozen=True, eq=False)
class AppendPoints:
    """Add ``points`` after the last point, as one edit named ``text`` (a spray stroke, a
    paste); its inverse deletes them all."""

    points: Dataset
    text: str = "Add points"

    def apply(self, dataset: Dataset):
        x = np.asarray(self.points.x, dtype=np.float64)
        y = np.asarray(self.points.y, dtype=np.float64)
        if not len(x):
            raise DataError("There are no points to add.")
        with np.errstate(over="ignore", invalid="ignore"):
            xs, ys = x.astype(dataset.x.dtype), y.astype(dataset.x.dtype)
        bad = ~(np.isfinite(xs) & np.isfinite(ys)) | ((xs == 0) & (x != 0)) | (
            (ys == 0) & (y != 0))
        if bad.any():
            i = int(np.argmax(bad))
            with np.errstate(over="ignore", invalid="ignore"):
                _check_point(x[i], y[i], dataset)  # raises, saying what is wrong
        n = len(dataset)
        new = Dataset(np.concatenate([dataset.x, xs]), np.concatenate([dataset.y, ys]))
        problem = span_problem(new.x, new.y)
        if problem:
            raise DataError(problem)
        return new, Delete(tuple(range(n, n + len(xs))))
