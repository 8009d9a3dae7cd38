"""Pieces of logistic regression's PyTorch script (see
:mod:`gdstudio.core.models.logistic.script`): the two-class generator's data drawn again, the
divergence rule's constants and the analytic implementation's NumPy loop.

Nothing here imports torch: the script is text, made from the data and the settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from gdstudio.core.models.line.script import DIVERGENCE_CHECK, needs_data_csv
from gdstudio.core.models.line.script_parts import literal, scheduler_lines


def two_class_lines(recipe, count: int) -> list[str]:
    """The data drawn again as the two-class generator drew it
    (:class:`~gdstudio.core.data.two_classes.TwoClassRecipe`): the same calls on the same
    seed, so the same ``X`` and ``Y``, bit for bit."""
    r, dt = recipe, f"torch.{recipe.dtype}"
    low, high = recipe.centres
    return [f"# The data: the two-class generator's points, {count:,} ({r.dtype}): class 0",
            "# around the first centre, class 1 around the second, drawn as the studio drew",
            "# them: the same seed, the same numbers bit for bit.",
            f"torch.manual_seed({r.seed})",
            f"X0 = {literal(low)} + {literal(r.spread)} * torch.randn({r.n0}, 1, dtype={dt})",
            f"X1 = {literal(high)} + {literal(r.spread)} * torch.randn({r.n1}, 1, dtype={dt})",
            "X = torch.cat([X0, X1])",
            f"Y = torch.cat([torch.zeros({r.n0}, 1, dtype={dt}), "
            f"torch.ones({r.n1}, 1, dtype={dt})])"]


def logistic_divergence_lines(s) -> Iterator[str]:
    """The divergence rule of a logistic regression run's script ``s``: its reference loss,
    the larger of the loss of w = b = 0 and the loss of points missed by the margin one step
    of size lr can cause (:class:`~gdstudio.core.models.logistic.saturation.LogisticWatch`)."""
    import numpy as np

    from gdstudio.core.models.line.divergence import MULTIPLE
    from gdstudio.core.models.logistic.sigmoid import mean_loss

    c, kind = s.c, ("mse" if s.c.loss == "mse" else "ce")
    x = np.asarray(s.d.x, dtype=np.float64)
    zero = mean_loss(x, s.d.y, 0.0, 0.0, kind)
    with np.errstate(all="ignore"):
        moved = c.learning_rate * (np.abs(x) + 1.0 if c.fit_bias else np.abs(x))
    step = mean_loss(moved, np.zeros_like(moved), 1.0, 0.0, kind, fit_bias=False)
    yield "# The studio stops a run that diverges, and its history ends there: when the"
    yield "# full-data loss is not a number (p rounded to 0 or 1 where the loss takes log p)"
    yield "# or passes a million times the largest of its start and REFERENCE (the losses of"
    yield "# w = b = 0 and of points missed by the margin one step of size lr can cause), or"
    yield "# when w or b overflows."
    yield f"REFERENCE = {literal(max(zero, step))}"
    yield f"MULTIPLE = {literal(MULTIPLE)}"
    yield ""


#: The header's words for the analytic implementation's script.
ANALYTIC_WORDS = [
    "The run used the analytic implementation: the gradients written out in NumPy,",
    "(sigmoid(z) - y) * x and sigmoid(z) - y for the cross-entropy, in stable forms; this",
    "script does the same arithmetic in the same order, so its table is the studio's history",
    "bit for bit (batches in float64, single points in the data's precision).",
]

#: The analytic implementation's NumPy functions, as
#: :mod:`gdstudio.core.models.logistic.sigmoid` and ``implementations._Analytic`` compute.
ANALYTIC_HELPERS = '''

TERMS_AND_SLOPES


def z_of(x, w, b):
    z = w * x
BIAS_LINE
    return z


def full_loss(w, b):
    return float(np.mean(terms_and_slopes(z_of(x, w, b), y, KIND)[0]))


def step(xb, yb, w, b, lr):
    """One step on a batch; its loss before the step and the new w, b."""
    terms, g = terms_and_slopes(z_of(xb, w, b), yb, KIND)
    m = g.shape[0]
GRAD_B_SUM
    gw = float(np.sum(np.multiply(g, xb, out=g))) / m
    w -= lr * gw
GRAD_B_LINE
    return float(np.mean(terms)), w, b


def point_steps(xs, ys, w, b, lr):
    """One step per point, in the data's precision (SCALAR), sigmoid(z) in float64."""
LR_LINE
    for xi, yi in zip(xs, ys):
Z_LINE
        zf = float(z)
        e = math.exp(-abs(zf))
        big = 1.0 / (1.0 + e)
        p, q = (big, e * big) if zf >= 0 else (e * big, big)
        p, q = SCALAR(p), SCALAR(q)
        g = p - yi
MSE_LINE
        w = w - lr * (g * xi)
B_STEP_LINE
    return w, b
'''


def analytic_lines(s) -> Iterator[str]:
    """The analytic implementation's script (after the header): NumPy steps, the same
    arithmetic in the same order as the engine's analytic path."""
    for _, lines in analytic_sections(s):
        yield from lines


def analytic_sections(s) -> list[tuple[str, list[str]]]:
    """:func:`analytic_lines` in its steps, ``(step, lines)``: ``"imports"``, ``"data"``,
    ``"functions"`` (the loss and the steps), ``"parameters"``, ``"scheduler"`` and
    ``"stop rule"`` (when the settings have them), ``"batching"``, ``"divergence"`` and
    ``"loop"``."""
    sections = [("imports", list(_analytic_imports(s))), ("data", list(_analytic_data(s))),
                ("functions", [*_analytic_functions(s), "", ""]),
                ("parameters", list(_analytic_start(s)))]
    if s.schedule != "none":
        sections.append(("scheduler", list(scheduler_lines(s))))
    if s.tol > 0:
        sections.append(("stop rule", list(_analytic_stop_rule(s))))
    return [*sections, ("batching", list(s.batching())), ("divergence", list(s.divergence())),
            ("loop", list(_analytic_loop(s)))]


def _analytic_imports(s) -> Iterator[str]:
    csv = needs_data_csv(s.d)
    yield from (["import csv", "import math", "import sys", "from pathlib import Path", ""]
                if csv else ["import math", "import sys", ""])
    yield "import numpy as np"
    yield "import torch"
    if s.drawn:
        yield "from torch import nn"
    yield ""
    yield 'np.seterr(all="ignore")  # (a sum that overflows is inf, as in the studio)'
    yield ""


def _analytic_data(s) -> Iterator[str]:
    yield from s.data()
    scalar = "np.float32" if s.d.dtype == "float32" else "float"
    yield "# The analytic path computes in float64 (float32 data widened exactly); single"
    yield "# points in the data's precision."
    yield "x, y = X.view(-1).double().numpy(), Y.view(-1).double().numpy()"
    yield ("xs, ys = list(X.view(-1).numpy()), list(Y.view(-1).numpy())" if scalar != "float"
           else "xs, ys = x.tolist(), y.tolist()")
    yield f"SCALAR = {scalar}"
    kind = "mse" if s.c.loss == "mse" else "ce"
    yield f"KIND = {kind!r}  # the loss: " + ("the squared error on the sigmoid" if kind == "mse"
                                              else "the cross-entropy")


def _analytic_start(s) -> Iterator[str]:
    yield from s.start_lines()
    if s.d.dtype == "float32":
        yield "w0, b0 = float(np.float32(w0)), float(np.float32(b0))  # as float32 tensors hold it"
    yield "w, b = w0, b0"
    yield f"lr = {literal(s.c.learning_rate)}"
    yield ""


def _analytic_functions(s) -> Iterator[str]:
    import inspect

    from gdstudio.core.models.logistic.sigmoid import terms_and_slopes

    mse = s.c.loss == "mse"
    fills = {
        # the studio's own function, as it is: the script computes what the run computed
        "TERMS_AND_SLOPES": inspect.getsource(terms_and_slopes).rstrip("\n"),
        "BIAS_LINE": "    z += b" if s.bias else "",
        # (before gw: its sum overwrites g)
        "GRAD_B_SUM": "    gb = float(np.sum(g)) / m" if s.bias else "",
        "GRAD_B_LINE": "    b -= lr * gb" if s.bias else "",
        "Z_LINE": "        z = w * xi + b" if s.bias else "        z = w * xi",
        "MSE_LINE": "        g = two * g * p * q" if mse else "",
        "LR_LINE": "    lr, two = SCALAR(lr), SCALAR(2)" if mse else "    lr = SCALAR(lr)",
        "B_STEP_LINE": "        b = b - lr * g" if s.bias else "",
    }
    for line in ANALYTIC_HELPERS.splitlines():
        key = line.strip()
        if key in fills:
            if fills[key]:
                yield from fills[key].split("\n")
            continue
        yield line


def _analytic_stop_rule(s) -> Iterator[str]:
    yield ""
    yield "def converged(start_loss, end_loss, w, b):"
    yield '    """Stop when the epoch changed the loss by less than TOL relative to its start,'
    yield '    or the gradient at its end is shorter than TOL, both in float64."""'
    yield "    g = terms_and_slopes(z_of(x, w, b), y, KIND)[1]"
    yield ("    gb = float(np.sum(g)) / len(x)" if s.bias else "    gb = 0.0")
    yield "    gw = float(np.sum(g * x)) / len(x)"
    yield "    change = abs(end_loss - start_loss) / max(abs(start_loss), 1e-300)"
    yield "    return change < TOL or math.hypot(gw, gb) < TOL"
    yield ""
    yield ""
    yield f"TOL = {literal(s.tol)}"


def _analytic_loop(s) -> Iterator[str]:
    """The loop that prints the table (after the divergence rule's constants)."""
    yield 'print("epoch,loss,w,b")'
    yield f"for epoch in range({s.c.epochs}):"
    if s.batch:
        yield "    loss, w, b = step(x, y, w, b, lr)  # the loss of the full data before it"
        yield from DIVERGENCE_CHECK
    else:
        yield "    loss = full_loss(w, b)  # the loss of the full data at the epoch's start"
        yield from DIVERGENCE_CHECK
        if s.shuffle:
            yield "    order = torch.randperm(n, generator=shuffler).numpy()"
        if s.size == 1:
            points = ("[xs[i] for i in order], [ys[i] for i in order]" if s.shuffle
                      else "xs, ys")
            yield f"    pw, pb = point_steps({points}, SCALAR(w), SCALAR(b), lr)"
            yield "    w, b = float(pw), float(pb)"
        else:
            yield ("    xe, ye = x[order], y[order]" if s.shuffle else "    xe, ye = x, y")
            yield "    for start in range(0, n, batch_size):"
            yield "        _, w, b = step(xe[start:start + batch_size], " \
                  "ye[start:start + batch_size], w, b, lr)"
    yield "    if not (math.isfinite(w) and math.isfinite(b)):"
    yield "        break  # diverged: w or b overflowed"
    yield '    print(f"{epoch},{loss!r},{w!r},{b!r}")'
    yield from s.record("loss", "w", "b")
    if s.schedule != "none":
        yield "    lr = next_learning_rate(lr, epoch)"
    if s.tol > 0:
        yield "    if converged(loss, full_loss(w, b), w, b):"
        yield "        break"
