"""The labels logistic regression trains on: 0 or 1, nothing else."""

from __future__ import annotations

import numpy as np

from gdstudio.core.errors import DataError

__all__ = ["check_labels"]


def check_labels(y) -> None:
    """Raise :class:`DataError` naming the first point (counted from 1) whose y is not 0 or 1.

    Data of one class only is accepted: it trains (the loss falls as the sigmoid flattens
    towards that class), though it has no finite optimum.
    """
    y = np.asarray(y)
    bad = np.flatnonzero((y != 0) & (y != 1))  # (NaN is neither)
    if bad.size:
        i = int(bad[0])
        raise DataError(f"Logistic regression needs labels 0 or 1; point {i + 1} has "
                        f"y = {float(y[i]):g}.")
