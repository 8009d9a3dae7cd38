"""The MSE landscape kept up to date in O(1) per edited point.

Dragging one point of a million-point data set must redraw the landscape within a frame; the
exact :meth:`MSELandscape.from_arrays` reads every point (about 0.1 s at 1M points). The
landscape depends on the data only through six centred moments (the count, the means and the
centred sums of squares and products), and those follow a point's insertion or removal by
Welford's updates, which stay accurate on offset data because they never form raw sums.

Use :class:`Moments` for the frames of an interaction and rebuild exactly from the arrays when
it ends (:meth:`Moments.from_arrays` then continues from the exact values): the only loss of
accuracy of the updates is in ``L*`` of a near-exact fit (``Syy - Sxy²/Sxx`` cancels), which
the exact rebuild restores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.numeric import centre, two_product, two_sum

__all__ = ["Moments"]


@dataclass(frozen=True)
class Moments:
    """``n`` points with means ``ref_x + mx``, ``ref_y + my`` and centred sums
    ``sxx = Σ(x - mean x)²``, ``syy``, ``sxy``.

    The means are kept as offsets from fixed references (the means when the moments were
    built), so on offset data each update rounds relative to the spread, not to the offset.
    """

    n: int
    mx: float
    my: float
    sxx: float
    syy: float
    sxy: float
    ref_x: float = 0.0
    ref_y: float = 0.0

    @classmethod
    def from_arrays(cls, x, y) -> Moments:
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        if x.size == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        cx, cy = centre(x), centre(y)
        ux = np.ldexp(cx.u + cx.u_lo, cx.ku + cx.k)
        uy = np.ldexp(cy.u + cy.u_lo, cy.ku + cy.k)
        mx = math.ldexp(cx.mean_lo, cx.k) + float(np.mean(ux))
        my = math.ldexp(cy.mean_lo, cy.k) + float(np.mean(uy))
        ux -= np.mean(ux)
        uy -= np.mean(uy)
        with np.errstate(over="ignore", invalid="ignore"):  # see ``finite``
            sums = float(np.dot(ux, ux)), float(np.dot(uy, uy)), float(np.dot(ux, uy))
        return cls(int(x.size), mx, my, *sums, math.ldexp(cx.mean, cx.k),
                   math.ldexp(cy.mean, cy.k))

    def _empty(self) -> Moments:
        return Moments(0, 0.0, 0.0, 0.0, 0.0, 0.0, self.ref_x, self.ref_y)

    def add(self, x: float, y: float) -> Moments:
        """The moments with the point ``(x, y)`` added (Welford)."""
        x, y = x - self.ref_x, y - self.ref_y
        n = self.n + 1
        dx, dy = x - self.mx, y - self.my
        mx, my = self.mx + dx / n, self.my + dy / n
        return Moments(n, mx, my, self.sxx + dx * (x - mx), self.syy + dy * (y - my),
                       self.sxy + dx * (y - my), self.ref_x, self.ref_y)

    def remove(self, x: float, y: float) -> Moments:
        """The moments with the point ``(x, y)`` (one of the points) removed."""
        if self.n <= 1:
            return self._empty()
        x, y = x - self.ref_x, y - self.ref_y
        n = self.n - 1
        mx = self.mx - (x - self.mx) / n
        my = self.my - (y - self.my) / n
        dx, dy = x - mx, y - my
        return Moments(n, mx, my, max(self.sxx - dx * (x - self.mx), 0.0),
                       max(self.syy - dy * (y - self.my), 0.0), self.sxy - dx * (y - self.my),
                       self.ref_x, self.ref_y)

    def move(self, old: tuple[float, float], new: tuple[float, float]) -> Moments:
        """The moments with one point moved from ``old`` to ``new``."""
        return self.remove(*old).add(*new)

    @property
    def finite(self) -> bool:
        """False when a sum overflowed float64 (data near float64's limit): rebuild with
        :meth:`MSELandscape.from_arrays`, which scales the data first."""
        return all(math.isfinite(v) for v in (self.mx, self.my, self.sxx, self.syy, self.sxy))

    def landscape(self) -> MSELandscape:
        """The MSE landscape of these moments (at least one point, :attr:`finite`)."""
        if self.n == 0:
            raise ValueError("The landscape needs at least one point.")
        mx, mx_lo = two_sum(self.ref_x, self.mx)
        my, my_lo = two_sum(self.ref_y, self.my)
        sx = math.sqrt(self.sxx / self.n)
        sy = math.sqrt(self.syy / self.n)
        kx = math.frexp(max(abs(mx), sx) or 1.0)[1]
        ky = math.frexp(max(abs(my), sy) or 1.0)[1]
        mxs, mxs_lo = math.ldexp(mx, -kx), math.ldexp(mx_lo, -kx)
        mys, mys_lo = math.ldexp(my, -ky), math.ldexp(my_lo, -ky)
        var_x = math.ldexp(self.sxx / self.n, -2 * kx)
        if self.sxx > 0:
            ws = math.ldexp(self.sxy / self.sxx, kx - ky)
            loss = max(self.syy - self.sxy * (self.sxy / self.sxx), 0.0) / self.n
        else:
            ws, loss = 0.0, self.syy / self.n
        p, p_lo = two_product(ws, mxs)
        bs, bs_lo = two_sum(mys, -p)
        bs, bs_lo = two_sum(bs, bs_lo + (mys_lo - p_lo - ws * mxs_lo))
        return MSELandscape(kx, ky, mxs, var_x, ws, bs, math.ldexp(loss, -2 * ky), self.n,
                            mxs_lo, bs_lo)
