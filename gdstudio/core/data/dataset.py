"""The data set: N points (x, y), and the noisy-line generators.

A data set the generators made carries its recipe (how to draw the same points again, bit for
bit: the run's script generates them as the tutorial does instead of listing them): a
:class:`LineRecipe`, or a :class:`~gdstudio.core.data.two_classes.TwoClassRecipe` for the
two-class generator of logistic regression; an edit makes a new data set, which has none.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gdstudio.core.errors import DataError

if TYPE_CHECKING:
    import torch

# torch is imported where it is used, so that Dataset loads without it (the window opens
# while PyTorch is still loading; see torch_loader).
DTYPES = {"float32": np.float32, "float64": np.float64}
MAX_GENERATED_POINTS = 10_000_000
#: The noisy line's defaults (the tutorial's line), written once: :func:`noisy_line`,
#: :func:`random_line`, ``gdstudio train`` and the studio's generator take them from here.
LINE_DEFAULTS = {"slope": -5.0, "intercept": 0.0, "noise": 0.4, "x_min": -5.0, "x_max": 5.0,
                 "x_step": 0.1, "n": 100, "seed": 0}
_L = LINE_DEFAULTS


def __getattr__(name: str):
    if name == "TORCH_DTYPES":  # {"float32": torch.float32, ...}, made when first asked for
        import torch

        return {"float32": torch.float32, "float64": torch.float64}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _torch_dtype(name: str):
    import torch

    return getattr(torch, name)


def _dtype_name(dtype) -> str:
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise DataError(f"Unsupported data type {dtype!r}; use float32 or float64.") from None
    if name not in DTYPES:
        raise DataError(f"Unsupported data type {name!r}; use float32 or float64.")
    return name


@dataclass(frozen=True)
class LineRecipe:
    """How :func:`noisy_line` (``n`` None: x from ``x_min`` by ``x_step``) or
    :func:`random_line` (``n`` random x, ``x_step`` None) drew a data set, with the values it
    was given: the same call draws the same points, bit for bit."""

    slope: float
    intercept: float
    noise: float
    x_min: float
    x_max: float
    seed: int
    dtype: str
    x_step: float | None = None
    n: int | None = None


@dataclass(frozen=True, eq=False)
class Dataset:
    """An immutable set of points.

    ``x`` and ``y`` are read-only 1-D numpy arrays of the same length and dtype
    (float32 by default, as in the PyTorch tutorials; float64 as an option).
    Edits make new data sets (see :mod:`gdstudio.core.data.commands`).
    """

    x: np.ndarray
    y: np.ndarray
    #: How a generator drew these points (None: they are plain data, edited, read or typed):
    #: a :class:`LineRecipe`, or the two-class generator's
    #: :class:`~gdstudio.core.data.two_classes.TwoClassRecipe`.
    recipe: LineRecipe | None = field(default=None, repr=False)

    def __post_init__(self):
        x = np.asarray(self.x)
        y = np.asarray(self.y)
        if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape:
            raise DataError("x and y must be 1-D arrays of the same length.")
        name = x.dtype.name if x.dtype.name in DTYPES else "float32"
        x = np.array(x, dtype=DTYPES[name], copy=True)
        y = np.array(y, dtype=DTYPES[name], copy=True)
        x.flags.writeable = False
        y.flags.writeable = False
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @classmethod
    def adopt(cls, x: np.ndarray, y: np.ndarray) -> Dataset:
        """A data set of ``x`` and ``y``, new arrays of one of :data:`DTYPES` made for it
        alone (an edit's copy of the points), without copying them again: a drag of one
        point of a million copies its arrays once, not twice."""
        if x.dtype != y.dtype or x.dtype.name not in DTYPES or x.base is not None \
                or y.base is not None:
            return cls(x, y)
        new = object.__new__(cls)
        for name, values in (("x", x), ("y", y)):
            values.flags.writeable = False
            object.__setattr__(new, name, values)
        if x.ndim != 1 or x.shape != y.shape:
            raise DataError("x and y must be 1-D arrays of the same length.")
        return new

    @classmethod
    def from_points(cls, points, dtype="float32") -> Dataset:
        arr = np.asarray(list(points), dtype=np.float64).reshape(-1, 2)
        name = _dtype_name(dtype)
        return cls(arr[:, 0].astype(DTYPES[name]), arr[:, 1].astype(DTYPES[name]))

    @classmethod
    def empty(cls, dtype="float32") -> Dataset:
        t = DTYPES[_dtype_name(dtype)]
        return cls(np.empty(0, t), np.empty(0, t))

    @property
    def dtype(self) -> str:
        return self.x.dtype.name

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __eq__(self, other) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return (
            self.dtype == other.dtype
            and np.array_equal(self.x, other.x)
            and np.array_equal(self.y, other.y)
        )

    __hash__ = None  # type: ignore[assignment]

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(X, Y)`` as (N, 1) tensors, as the tutorials shape them."""
        import torch

        return (
            torch.from_numpy(self.x.copy()).view(-1, 1),
            torch.from_numpy(self.y.copy()).view(-1, 1),
        )

    def astype(self, dtype) -> Dataset:
        name = _dtype_name(dtype)
        if name == self.dtype:
            return self
        return Dataset(self.x.astype(DTYPES[name]), self.y.astype(DTYPES[name]))


def span_problem(x, y) -> str | None:
    """Why points ``x``, ``y`` cannot be shown on a plot (None: they can): their x or y span
    more than the largest float64 number, so no view (nor any axis) holds them all."""
    for name, values in (("x", x), ("y", y)):
        values = np.asarray(values, dtype=np.float64)
        if values.size:
            lo, hi = float(values.min()), float(values.max())
            with np.errstate(over="ignore"):
                if not np.isfinite(np.float64(hi) - np.float64(lo)):
                    return (f"The points' {name} values run from {lo:.3g} to {hi:.3g}, a span "
                            "beyond the largest float64 number (1.8e308): no plot can show "
                            "them all. Scale the data down first.")
    return None


def first_bad_label(y) -> int | None:
    """The index of the first ``y`` that is not a class label 0 or 1 (logistic regression's
    data), or None when every one is."""
    y = np.asarray(y)
    bad = np.flatnonzero((y != 0) & (y != 1))
    return int(bad[0]) if bad.size else None


def _check_finite(**values):
    for name, value in values.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise DataError(f"{name} must be a finite number, got {value!r}.")


def _whole(name, value, low, high) -> int:
    """``value`` as an int in ``[low, high]``, or :class:`DataError`."""
    try:
        number = operator.index(value)
    except TypeError:
        number = None
    if number is None or isinstance(value, bool) or not low <= number <= high:
        raise DataError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r}.")
    return number


def _check_underflow(dtype: str, **values) -> None:
    """Refuse a nonzero setting that ``dtype`` would store as 0 (nonzero subnormals are kept)."""
    for name, value in values.items():
        if value != 0 and DTYPES[dtype](value) == 0:
            smallest = np.finfo(DTYPES[dtype]).smallest_subnormal
            raise DataError(f"{name} {value!r} is too small for {dtype}: it would be 0 (the "
                            f"smallest nonzero {dtype} is {smallest:.2g}); use float64 data.")


def _underflowed(result: torch.Tensor, factor, tensor: torch.Tensor, product: torch.Tensor):
    """Where ``result`` is 0 only because ``factor * tensor`` of nonzero factors underflowed."""
    return (result == 0) & (product == 0) & (tensor != 0) & (factor != 0)


def _finish(X: torch.Tensor, slope, intercept, noise, draw=None, recipe=None) -> Dataset:
    # The tutorial's `slope * X + intercept + noise * torch.randn(X.size())`, step by step (the
    # same operations in the same order, so the same bits) to see where a product underflows.
    import torch

    line = slope * X
    shift = line + intercept
    R = torch.randn(X.size(), dtype=X.dtype)
    spread = noise * R
    Y = shift + spread
    if not torch.isfinite(Y).all():
        raise DataError("The generated points overflow; use a smaller slope, intercept or noise.")
    lost = _underflowed(Y, slope, X, line) | _underflowed(Y, noise, R, spread)
    if draw is not None:
        lost |= _underflowed(X, draw[0], draw[1], draw[2])
    if lost.any():
        raise DataError(f"Some generated values underflow {str(X.dtype).split('.')[-1]}: "
                        "they would be 0 although the line gives a nonzero value below the "
                        "smallest the type holds; use larger values or float64 data.")
    return Dataset(X.view(-1).numpy(), Y.view(-1).numpy(), recipe)


def noisy_line(
    slope: float = _L["slope"],
    intercept: float = _L["intercept"],
    noise: float = _L["noise"],
    x_min: float = _L["x_min"],
    x_max: float = _L["x_max"],
    x_step: float = _L["x_step"],
    seed: int = _L["seed"],
    dtype: str = "float32",
) -> Dataset:
    """The tutorial's noisy line, bit for bit.

    ``torch.manual_seed(seed); X = torch.arange(x_min, x_max, x_step).view(-1, 1);
    Y = slope * X + intercept + noise * torch.randn(X.size())``. The global random state
    is restored afterwards.
    """
    _check_finite(slope=slope, intercept=intercept, noise=noise, x_min=x_min, x_max=x_max,
                  x_step=x_step)
    seed = _whole("The seed", seed, 0, 2**63 - 1)
    if noise < 0:
        raise DataError(f"noise must be 0 or more, got {noise!r}.")
    if x_step <= 0:
        raise DataError(f"x step must be positive, got {x_step!r}.")
    if x_max <= x_min:
        raise DataError(f"x max ({x_max!r}) must be greater than x min ({x_min!r}).")
    count = math.ceil((x_max - x_min) / x_step)
    if count > MAX_GENERATED_POINTS:
        raise DataError(
            f"That range and step give {count:,} points; at most {MAX_GENERATED_POINTS:,}."
        )
    name = _dtype_name(dtype)
    _check_underflow(name, slope=slope, intercept=intercept, noise=noise, x_min=x_min,
                     x_max=x_max, x_step=x_step)
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        X = torch.arange(x_min, x_max, x_step, dtype=_torch_dtype(name)).view(-1, 1)
        return _finish(X, slope, intercept, noise, recipe=LineRecipe(
            slope, intercept, noise, x_min, x_max, seed, name, x_step=x_step))


def random_line(
    n: int = _L["n"],
    slope: float = _L["slope"],
    intercept: float = _L["intercept"],
    noise: float = _L["noise"],
    x_min: float = _L["x_min"],
    x_max: float = _L["x_max"],
    seed: int = _L["seed"],
    dtype: str = "float32",
) -> Dataset:
    """``n`` points with x uniformly random in ``[x_min, x_max)`` on a noisy line."""
    _check_finite(slope=slope, intercept=intercept, noise=noise, x_min=x_min, x_max=x_max)
    n = _whole("N", n, 1, MAX_GENERATED_POINTS)
    seed = _whole("The seed", seed, 0, 2**63 - 1)
    if noise < 0:
        raise DataError(f"noise must be 0 or more, got {noise!r}.")
    if x_max <= x_min:
        raise DataError(f"x max ({x_max!r}) must be greater than x min ({x_min!r}).")
    name = _dtype_name(dtype)
    _check_underflow(name, slope=slope, intercept=intercept, noise=noise, x_min=x_min,
                     x_max=x_max)
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        U = torch.rand(n, 1, dtype=_torch_dtype(name))
        scaled = (x_max - x_min) * U
        X = x_min + scaled
        return _finish(X, slope, intercept, noise, draw=(x_max - x_min, U, scaled),
                       recipe=LineRecipe(slope, intercept, noise, x_min, x_max, seed, name,
                                         n=n))
