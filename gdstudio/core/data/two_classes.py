"""The two-class generator: points labelled 0 or 1 for logistic regression, drawn with torch.

Two groups on the x axis, each normally spread around its centre: class 0 around
``centre - gap / 2`` and class 1 around ``centre + gap / 2``, ``n0`` and ``n1`` points, the same
``spread`` (standard deviation) in both. With a gap of about two spreads or less the groups
overlap (a finite best fit); with a wide gap they are separable (none). The data set records
its :class:`TwoClassRecipe`, so the run's script draws the same points again, bit for bit::

    torch.manual_seed(seed)
    X0 = (centre - gap / 2) + spread * torch.randn(n0, 1, dtype=dtype)
    X1 = (centre + gap / 2) + spread * torch.randn(n1, 1, dtype=dtype)
    X = torch.cat([X0, X1])
    Y = torch.cat([torch.zeros(n0, 1, dtype=dtype), torch.ones(n1, 1, dtype=dtype)])

(class 0's points first, then class 1's; ``centre - gap / 2`` and ``centre + gap / 2`` are the
Python floats of :attr:`TwoClassRecipe.centres`).
"""

from __future__ import annotations

from dataclasses import dataclass

from gdstudio.core.data.dataset import (
    MAX_GENERATED_POINTS,
    Dataset,
    _check_finite,
    _check_underflow,
    _dtype_name,
    _torch_dtype,
    _underflowed,
    _whole,
)
from gdstudio.core.errors import DataError

__all__ = ["TWO_CLASS_DEFAULTS", "TwoClassRecipe", "two_classes"]

#: The generator's defaults, written once (the studio's generator and the CLI take them from
#: here): two groups of 50 whose centres are 2 spreads apart, so they overlap.
TWO_CLASS_DEFAULTS = {"gap": 2.0, "spread": 1.0, "n0": 50, "n1": 50, "centre": 0.0, "seed": 0}
_D = TWO_CLASS_DEFAULTS


@dataclass(frozen=True)
class TwoClassRecipe:
    """How :func:`two_classes` drew a data set, with the values it was given: the same call
    (or the script lines of the module's docstring) draws the same points, bit for bit."""

    gap: float
    spread: float
    n0: int
    n1: int
    centre: float
    seed: int
    dtype: str

    @property
    def centres(self) -> tuple[float, float]:
        """Class 0's and class 1's centres, as the generator computes them (Python floats:
        ``centre - gap / 2`` and ``centre + gap / 2``)."""
        return self.centre - self.gap / 2, self.centre + self.gap / 2


def two_classes(
    gap: float = _D["gap"],
    spread: float = _D["spread"],
    n0: int = _D["n0"],
    n1: int = _D["n1"],
    centre: float = _D["centre"],
    seed: int = _D["seed"],
    dtype: str = "float32",
) -> Dataset:
    """``n0`` points of class 0 and ``n1`` of class 1 (y = 0.0 and 1.0), x normally spread by
    ``spread`` around centres ``gap`` apart, ``centre`` between them (see the module's
    docstring for the exact torch calls). Deterministic for a seed; the global random state
    is restored afterwards.

    Raises
    ------
    DataError
        One sentence: a value not finite, a negative gap or spread, a size out of range (each
        class 0 to 10 million, at least one point in all), or values the type cannot hold.
    """
    _check_finite(gap=gap, spread=spread, centre=centre)
    n0 = _whole("The size of class 0", n0, 0, MAX_GENERATED_POINTS)
    n1 = _whole("The size of class 1", n1, 0, MAX_GENERATED_POINTS)
    if n0 + n1 == 0:
        raise DataError("The two classes have no points: give class 0 or class 1 at least one.")
    if n0 + n1 > MAX_GENERATED_POINTS:
        raise DataError(f"The two classes have {n0 + n1:,} points; at most "
                        f"{MAX_GENERATED_POINTS:,}.")
    seed = _whole("The seed", seed, 0, 2**63 - 1)
    if gap < 0:
        raise DataError(f"The gap between the classes must be 0 or more, got {gap!r}.")
    if spread < 0:
        raise DataError(f"The spread must be 0 or more, got {spread!r}.")
    name = _dtype_name(dtype)
    recipe = TwoClassRecipe(gap, spread, n0, n1, centre, seed, name)
    low, high = recipe.centres
    _check_underflow(name, gap=gap, spread=spread, centre=centre)
    import torch

    dt = _torch_dtype(name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        groups, lost = [], False
        for middle, count in ((low, n0), (high, n1)):
            R = torch.randn(count, 1, dtype=dt)
            scatter = spread * R
            group = middle + scatter
            lost = lost or bool(_underflowed(group, spread, R, scatter).any())
            groups.append(group)
        X = torch.cat(groups)
    if not torch.isfinite(X).all():
        raise DataError("The generated points overflow; use a smaller gap, spread or centre.")
    if lost:
        raise DataError(f"Some generated values underflow {name}: they would be 0 although "
                        "the spread gives a nonzero value below the smallest the type holds; "
                        "use a larger spread or float64 data.")
    Y = torch.cat([torch.zeros(n0, 1, dtype=dt), torch.ones(n1, 1, dtype=dt)])
    return Dataset(X.view(-1).numpy(), Y.view(-1).numpy(), recipe)
