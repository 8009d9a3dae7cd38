"""The analytic implementation's per-update loops, compiled (numba, ``nogil``, no fastmath).

Each loop makes the same IEEE operations in the same order as the Python loop of
:class:`~gdstudio.core.models.line.implementations._Analytic` it stands for, in the data's
precision (float32 scalars for float32 data), so its numbers are that loop's, bit for bit:

- :func:`sgd` — stochastic descent: ``e = (w*x + b) - y``; the loss's derivative ``g``
  (``2*e``; the sign of ``e``, 0 at 0; ``e`` clipped to the Huber delta);
  ``w = w - lr*(g*x)``; ``b = b - lr*g``.
- :func:`minibatch` — mini-batch descent in float64, as NumPy computes it: the residuals and
  ``g`` elementwise, ``np.dot(g, x)`` by the very BLAS ``ddot`` NumPy calls (linked by name,
  see :func:`link_blas`) and ``np.sum(g)`` by NumPy's pairwise summation (:func:`pairwise_sum`).

Both record the path as :class:`~gdstudio.core.training.path.PathBuffer` does (:func:`_keep`),
into the buffer's own arrays. Importing this module imports numba: only
:mod:`gdstudio.core.models.line.compiled` does, off the GUI thread, once the on-disk cache
holds every loop (see there).
"""

from __future__ import annotations

import ctypes
import glob
import os

import numpy as np
from numba import njit, typeof, types

#: the loss codes the loops take
MSE, MAE, HUBER = 0, 1, 2
LOSSES = {"mse": MSE, "mae": MAE, "huber": HUBER}
#: NumPy's BLAS is linked, so :func:`minibatch` is loaded (set by the loader)
BLAS = False

#: NumPy's BLAS ``ddot`` (the cblas entry point ``np.dot`` of two float64 vectors calls)
DDOT = "scipy_cblas_ddot64_"

_ddot = types.ExternalFunction(DDOT, types.float64(types.int64, types.voidptr, types.int64,
                                                   types.voidptr, types.int64))


def numpy_blas() -> str | None:
    """The path of the OpenBLAS that NumPy's wheel bundles, if it has :data:`DDOT`."""
    here = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(here, "*openblas*"))):
        try:
            if hasattr(ctypes.CDLL(path), DDOT):
                return path
        except OSError:
            continue
    return None


def link_blas() -> bool:
    """Make :data:`DDOT` resolvable by name for compiled code (before any loop loads)."""
    import llvmlite.binding as llvm

    path = numpy_blas()
    if path is None:
        return False
    llvm.load_library_permanently(path)
    return True


@njit(nogil=True, cache=True)
def _keep(data, index, state, w, b):
    """Record update ``state[2] - 1`` as ``(w, b)`` (PathBuffer.advance's kept branch and
    ``_halve``): ``state`` is ``[size, stride, updates]``."""
    size = state[0]
    data[size, 0] = w
    data[size, 1] = b
    index[size] = state[2] - 1
    size += 1
    if size == index.shape[0]:
        stride = state[1] * 2
        m = 0
        for k in range(size):
            if index[k] % stride == 0:
                data[m, 0] = data[k, 0]
                data[m, 1] = data[k, 1]
                index[m] = index[k]
                m += 1
        size = m
        state[1] = stride
    state[0] = size


@njit(nogil=True, cache=True)
def _next_kept(state):
    """The number of the next update the path keeps (PathBuffer.gap, counted from 0)."""
    stride = state[1]
    return -(-state[2] // stride) * stride


@njit(nogil=True, cache=True)
def _run(x, y, order, lo, hi, w, b, lr, delta, one, two, kind, fit_bias):
    """Updates ``lo``..``hi - 1`` of an epoch, one sample each (``order``: the samples'
    indices, or empty for the data's order); returns ``(w, b)`` after them."""
    plain = order.shape[0] == 0
    zero = one - one
    if kind == MSE and fit_bias:
        for p in range(lo, hi):
            j = p if plain else order[p]
            xi = x[j]
            g = two * (w * xi + b - y[j])
            w = w - lr * (g * xi)
            b = b - lr * g
    elif kind == MSE:
        for p in range(lo, hi):
            j = p if plain else order[p]
            xi = x[j]
            g = two * (w * xi - y[j])
            w = w - lr * (g * xi)
    elif kind == MAE:
        for p in range(lo, hi):
            j = p if plain else order[p]
            xi = x[j]
            e = w * xi + b - y[j] if fit_bias else w * xi - y[j]
            g = one if e > 0 else (-one if e < 0 else zero)
            w = w - lr * (g * xi)
            if fit_bias:
                b = b - lr * g
    else:
        for p in range(lo, hi):
            j = p if plain else order[p]
            xi = x[j]
            e = w * xi + b - y[j] if fit_bias else w * xi - y[j]
            g = e if -delta < e < delta else (delta if e > 0 else -delta)
            w = w - lr * (g * xi)
            if fit_bias:
                b = b - lr * g
    return w, b


@njit(nogil=True, cache=True)
def sgd(x, y, order, lo, hi, w, b, lr, delta, one, two, kind, fit_bias, data, index, state):
    """Stochastic descent over updates ``lo``..``hi - 1`` of an epoch; returns ``(w, b)``.

    ``w, b, lr, delta, one, two`` are scalars of the data's type. With ``state[3]`` set, the
    path buffer ``data, index, state`` records the updates it keeps (see :func:`_keep`)."""
    if state[3] == 0:
        return _run(x, y, order, lo, hi, w, b, lr, delta, one, two, kind, fit_bias)
    p = lo
    while p < hi:
        m = min(hi - p, _next_kept(state) - state[2] + 1)
        w, b = _run(x, y, order, p, p + m, w, b, lr, delta, one, two, kind, fit_bias)
        p += m
        state[2] += m
        if state[2] - 1 == _next_kept_before(state):
            _keep(data, index, state, w, b)
    return w, b


@njit(nogil=True, cache=True)
def _next_kept_before(state):
    """The last kept-update number at or below ``state[2] - 1`` is that update (if kept)."""
    stride = state[1]
    i = state[2] - 1
    return i - i % stride


#: :func:`pairwise_sum` of the array itself (not of a loss's terms)
SUM = -1


@njit(nogil=True, cache=True)
def _term(a, y, i, w, b, kind, delta, half):
    """Number ``i`` of a sum: ``a[i]`` (:data:`SUM`), or the loss of the residual
    ``e = (w*a[i] + b) - y[i]`` as ``_Analytic._loss`` computes it elementwise (in float64)."""
    if kind == SUM:
        return a[i]
    e = w * a[i] + b - y[i]
    if kind == MSE:
        return e * e
    if kind == MAE:
        return abs(e)
    t = abs(e)
    return 0.5 * e * e if t < delta else delta * (t - half)


@njit(nogil=True, cache=True)
def _block(a, y, lo, n, w, b, kind, delta, half):
    """NumPy's sum of the up to 128 terms ``lo``..``lo + n - 1`` (:func:`_term`), in one pass
    without storing them: eight interleaved partial sums, the rest in turn (fewer than 8
    terms: in turn from 0)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += _term(a, y, i, w, b, kind, delta, half)
        return res
    r0 = _term(a, y, lo, w, b, kind, delta, half)
    r1 = _term(a, y, lo + 1, w, b, kind, delta, half)
    r2 = _term(a, y, lo + 2, w, b, kind, delta, half)
    r3 = _term(a, y, lo + 3, w, b, kind, delta, half)
    r4 = _term(a, y, lo + 4, w, b, kind, delta, half)
    r5 = _term(a, y, lo + 5, w, b, kind, delta, half)
    r6 = _term(a, y, lo + 6, w, b, kind, delta, half)
    r7 = _term(a, y, lo + 7, w, b, kind, delta, half)
    top = lo + n - n % 8
    i = lo + 8
    while i < top:
        r0 += _term(a, y, i, w, b, kind, delta, half)
        r1 += _term(a, y, i + 1, w, b, kind, delta, half)
        r2 += _term(a, y, i + 2, w, b, kind, delta, half)
        r3 += _term(a, y, i + 3, w, b, kind, delta, half)
        r4 += _term(a, y, i + 4, w, b, kind, delta, half)
        r5 += _term(a, y, i + 5, w, b, kind, delta, half)
        r6 += _term(a, y, i + 6, w, b, kind, delta, half)
        r7 += _term(a, y, i + 7, w, b, kind, delta, half)
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < lo + n:
        res += _term(a, y, i, w, b, kind, delta, half)
        i += 1
    return res


@njit(nogil=True, cache=True)
def _pairwise(a, y, n, w, b, kind, delta):
    """NumPy's float64 sum of the first ``n`` terms (:func:`_term`): blocks of up to 128
    (:func:`_block`), longer runs cut in two halves (the first a multiple of 8 long) summed
    the same way, and the two sums added (NumPy recurses; a stack here, as cached code
    cannot recurse); the reduction starts from NumPy's identity, 0.0 (so -0.0 sums to 0.0)."""
    half = 0.5 * delta
    if n <= 128:
        return 0.0 + _block(a, y, 0, n, w, b, kind, delta, half)
    starts = np.empty(64, dtype=np.int64)  # the pending runs, outermost first
    sizes = np.empty(64, dtype=np.int64)
    lefts = np.empty(64)  # a run's first half's sum, once known
    has_left = np.zeros(64, dtype=np.bool_)
    top = 0
    starts[0], sizes[0] = 0, n
    while True:
        lo, m = starts[top], sizes[top]
        if m > 128:  # descend into its first half
            cut = m // 2
            cut -= cut % 8
            has_left[top] = False
            top += 1
            starts[top], sizes[top] = lo, cut
            continue
        v = _block(a, y, lo, m, w, b, kind, delta, half)
        while True:  # hand v to the run it is a half of
            top -= 1
            if top < 0:
                return 0.0 + v
            if has_left[top]:
                v = lefts[top] + v
                continue
            lefts[top] = v
            has_left[top] = True
            cut = sizes[top] // 2
            cut -= cut % 8
            starts[top + 1] = starts[top] + cut
            sizes[top + 1] = sizes[top] - cut
            top += 1
            break


@njit(nogil=True, cache=True)
def pairwise_sum(a, n):
    """``np.sum(a[:n])`` of float64, in NumPy's (pairwise) order."""
    return _pairwise(a, a, n, 0.0, 0.0, SUM, 0.0)


@njit(nogil=True, cache=True)
def loss(x, y, w, b, kind, delta):
    """``_Analytic._loss(w*x + b - y)``: ``np.mean`` of the loss's terms (float64; float32
    ``x``, ``y`` are widened, exactly), in one pass without temporaries."""
    n = x.shape[0]
    return _pairwise(x, y, n, w, b, kind, delta) / n


@njit(nogil=True, cache=True)
def dot(g, x, m):
    """``np.dot(g[:m], x[:m])`` of float64 vectors: one product, or NumPy's ``ddot``."""
    if m == 1:
        return g[0] * x[0]
    return 0.0 + _ddot(m, g.ctypes, 1, x.ctypes, 1)


@njit(nogil=True, cache=True)
def minibatch(x, y, order, size, first, last, w, b, lr, delta, kind, fit_bias,
              xb, g, data, index, state):
    """Mini-batch descent over batches ``first``..``last - 1`` of ``size`` (float64 data and
    parameters; ``xb`` and ``g`` hold a batch); returns ``(w, b)``."""
    n = x.shape[0]
    plain = order.shape[0] == 0
    for k in range(first, last):
        start = k * size
        m = min(n, start + size) - start
        for i in range(m):
            j = start + i if plain else order[start + i]
            xi = x[j]
            xb[i] = xi
            e = w * xi + b - y[j]
            if kind == MSE:
                g[i] = 2.0 * e
            elif kind == MAE:
                g[i] = 1.0 if e > 0 else (-1.0 if e < 0 else (0.0 if e == 0 else e))
            else:  # np.clip: NaN stays NaN
                g[i] = -delta if e < -delta else (delta if e > delta else e)
        gw = dot(g, xb, m) / m
        gb = pairwise_sum(g, m) / m
        w -= lr * gw
        if fit_bias:
            b -= lr * gb
        if state[3] != 0:
            state[2] += 1
            if state[2] - 1 == _next_kept_before(state):
                _keep(data, index, state, w, b)
    return w, b


def signatures(blas: bool = True) -> dict:
    """Every argument-type signature the implementation calls each loop with (mini-batch
    descent only with NumPy's BLAS linked: ``blas``)."""
    order = np.empty(0, dtype=np.int64)
    data, index = np.empty((4, 2)), np.empty(4, dtype=np.int64)
    state = np.zeros(4, dtype=np.int64)
    out = {sgd: [], minibatch: [], loss: []}
    for dtype in (np.float32, np.float64):
        v, s = np.empty(1, dtype=dtype), dtype(1)
        out[sgd].append(tuple(typeof(a) for a in (
            v, v, order, 1, 1, s, s, s, s, s, s, 1, True, data, index, state)))
    for dtype in (np.float32, np.float64):  # (float32 data: widened exactly, summed in float64)
        v = np.empty(1, dtype=dtype)
        out[loss].append(tuple(typeof(a) for a in (v, v, 1.0, 1.0, 1, 1.0)))
    v = np.empty(1)
    if not blas:
        del out[minibatch]
        return out
    out[minibatch].append(tuple(typeof(a) for a in (
        v, v, order, 1, 1, 1, 1.0, 1.0, 1.0, 1.0, 1, True, v, v, data, index, state)))
    return out
