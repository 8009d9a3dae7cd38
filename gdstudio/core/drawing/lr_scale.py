"""The learning-rate gauge's scale, without Qt: where a rate sits and which region it is in.

The gauge is a log scale of the learning rate around the stability limit of a
:class:`~gdstudio.core.models.line.stepsize.StepGuide`, from ``limit / 10**DECADES_BELOW`` to
``limit * 10**DECADES_ABOVE``. Its regions:

- **unstable**: ``lr >= limit``: the steps grow (for a guide-only bound: may grow);
- **safe**: ``SLOW_FRACTION * limit <= lr < limit``: converges at a useful speed; the
  optimal step ``2 / (λmin + λmax)`` of batch descent on the MSE lies here;
- **slow**: ``lr < SLOW_FRACTION * limit``: stable, but every step uses under a tenth of the
  largest stable one, so descent takes ten times the steps or more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

__all__ = ["DECADES_ABOVE", "DECADES_BELOW", "READABLE_DIGITS", "SLOW_FRACTION", "GaugeScale",
           "readable_rate"]

DECADES_BELOW = 3
DECADES_ABOVE = 1
SLOW_FRACTION = 0.1
#: The significant digits of the rate *Use optimal step* sets.
READABLE_DIGITS = 4


def readable_rate(rate: float, digits: int = READABLE_DIGITS) -> float:
    """``rate`` (positive, finite) cut toward zero to ``digits`` significant digits, e.g.
    0.02957046874319762 → 0.02957: a rate the learning-rate field shows in full (so the run
    uses exactly the number shown) and never above ``rate`` (the optimal step cut down
    stays below the stability limit, however close to it the optimal step is)."""
    exact = Decimal(repr(float(rate)))
    unit = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    return float(exact.quantize(unit, rounding=ROUND_DOWN))


@dataclass(frozen=True)
class GaugeScale:
    """The scale of one guide (``limit`` > 0, ``optimal`` None when the guide has none)."""

    limit: float
    optimal: float | None = None

    @classmethod
    def of(cls, guide) -> GaugeScale | None:
        """The scale of ``guide``, or None when it gives no limit."""
        if guide is None or guide.limit is None or not guide.limit > 0:
            return None
        return cls(float(guide.limit), guide.optimal)

    @property
    def low(self) -> float:
        return self.limit * 10.0**-DECADES_BELOW

    @property
    def high(self) -> float:
        return self.limit * 10.0**DECADES_ABOVE

    @property
    def slow_below(self) -> float:
        return SLOW_FRACTION * self.limit

    def position(self, lr: float) -> float:
        """Where ``lr`` sits, 0 (the low end) to 1 (the high end), clamped."""
        if not (lr > 0 and math.isfinite(lr)):
            return 0.0 if not lr > 0 else 1.0
        span = DECADES_BELOW + DECADES_ABOVE
        t = (math.log10(lr) - math.log10(self.low)) / span
        return min(1.0, max(0.0, t))

    def region(self, lr: float) -> str:
        """``"slow"``, ``"safe"`` or ``"unstable"`` (see the module docstring)."""
        if lr >= self.limit:
            return "unstable"
        return "slow" if lr < self.slow_below else "safe"
