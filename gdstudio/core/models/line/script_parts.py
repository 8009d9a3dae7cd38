"""Pieces of the PyTorch script behind a run (see :mod:`gdstudio.core.models.line.script`):
number literals, the data (listed, or drawn again as the generator drew it), the
standardizing helpers, the optimizer line, the header's words, the learning-rate schedule,
the stop rule and the divergence rule.

Nothing here imports torch: the script is text, made from the data and the settings.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

#: torch's own defaults of the optimizers' settings: a setting equal to its default is left
#: out of the optimizer's line (the same number either way).
TORCH_DEFAULTS = {
    "sgd": {"momentum": 0.0, "nesterov": False, "weight_decay": 0.0},
    "adam": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "weight_decay": 0.0},
    "adagrad": {"eps": 1e-10, "weight_decay": 0.0},
}
TORCH_NAMES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
LINE_WIDTH = 96


def literal(value: float) -> str:
    """``value`` (a float64) as a Python literal that reads back as exactly the same number
    (``math.inf`` for an infinity, which ``repr`` writes ``inf``: the script imports math)."""
    value = float(value)
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(value)


def data_literal(value, dtype: str) -> str:
    """A point's coordinate as the shortest literal that ``torch.tensor(..., dtype)`` turns
    back into exactly the same number: float32 values use float32's shortest digits (``0.1``
    rather than ``0.10000000149011612``) when reading those digits as a float64 and rounding
    it to float32 gives the same value (it does but for rare double roundings)."""
    if dtype == "float32":
        short = str(np.float32(value))
        if (math.isfinite(float(short))
                and np.float32(float(short)).tobytes() == np.float32(value).tobytes()):
            return short
    return literal(float(value))


def list_lines(name: str, values, dtype: str) -> list[str]:
    """``name = [v0, v1, ...]`` wrapped at :data:`LINE_WIDTH` characters."""
    items = [data_literal(v, dtype) for v in values.tolist()]
    lines, line = [], f"{name} = ["
    indent = " " * 4
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if len(line) + len(piece) + 1 > LINE_WIDTH and line.strip() not in (f"{name} = [", ""):
            lines.append(line.rstrip())
            line = indent
        line += piece + " "
    lines.append(line.rstrip() + "]")
    return lines


def _value(value, first: bool = False) -> str:
    """A generator's value as it was given: an int as an int, a float's exact literal; in
    parentheses when negative after an operator (``+ (-3.0)``), bare when ``first``."""
    text = repr(value) if isinstance(value, int) and not isinstance(value, bool) \
        else literal(value)
    return f"({text})" if text.startswith("-") and not first else text


def generated_lines(recipe, count: int) -> list[str]:
    """The data drawn again as the studio's generator drew it
    (:class:`~gdstudio.core.data.dataset.LineRecipe`): the same calls on the same seed, so
    the same ``X`` and ``Y``, bit for bit (the tutorial's
    ``Y = slope * X + intercept + noise * torch.randn(X.size())``)."""
    r, dt = recipe, f"torch.{recipe.dtype}"
    lines = [f"# The data: the generator's noisy line, {count:,} points ({r.dtype}), drawn as",
             "# the studio drew them: the same seed, the same numbers bit for bit.",
             f"torch.manual_seed({r.seed})"]
    x_min, x_max = _value(r.x_min, first=True), _value(r.x_max, first=True)
    if r.n is None:
        lines.append(f"X = torch.arange({x_min}, {x_max}, {_value(r.x_step, first=True)}, "
                     f"dtype={dt}).view(-1, 1)")
    else:
        lines.append(f"X = {x_min} + ({x_max} - {_value(r.x_min)}) * "
                     f"torch.rand({r.n}, 1, dtype={dt})")
    lines.append(f"Y = {_value(r.slope, first=True)} * X + {_value(r.intercept)} + "
                 f"{_value(r.noise)} * torch.randn(X.size(), dtype={dt})")
    return lines


def optimizer_line(config) -> str:
    """``optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)``: the
    optimizer :func:`gdstudio.core.models.line.implementations.make_optimizer` makes, with the
    settings
    that differ from torch's defaults."""
    kind = config.optimizer
    values = {"weight_decay": float(config.weight_decay)}
    if kind == "sgd":
        values.update(momentum=float(config.momentum), nesterov=bool(config.nesterov))
    elif kind == "adam":
        values["betas"] = (float(config.beta1), float(config.beta2))
    elif kind == "rmsprop":
        values.update(alpha=float(config.alpha), momentum=float(config.momentum))
    if kind != "sgd" and config.eps is not None:
        values["eps"] = float(config.eps)
    parts = [f"lr={literal(config.learning_rate)}"]
    defaults = TORCH_DEFAULTS[kind]
    for name in ("momentum", "nesterov", "betas", "alpha", "eps", "weight_decay"):
        if name not in values or values[name] == defaults.get(name):
            continue
        value = values[name]
        if isinstance(value, bool):
            text = repr(value)
        elif isinstance(value, tuple):
            text = f"({literal(value[0])}, {literal(value[1])})"
        else:
            text = literal(value)
        parts.append(f"{name}={text}")
    head = f"optimizer = torch.optim.{TORCH_NAMES[kind]}("
    line = f"{head}model.parameters(), {', '.join(parts)})"
    if len(line) <= LINE_WIDTH:
        return line
    lines, current = [], head + "model.parameters(),"
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else ")")
        if len(current) + 1 + len(piece) > LINE_WIDTH:
            lines.append(current)
            current = " " * len(head) + piece
        else:
            current += " " + piece
    return "\n".join([*lines, current])


#: The standardizing helpers of a standardized run's script: the same compensated
#: arithmetic as :class:`gdstudio.core.data.standardize.Standardization` (Knuth's TwoSum and
#: Dekker's product), so that w and b in the data's units are the studio's to the last bit.
STANDARDIZE_HELPERS = '''

def two_sum(a, b):
    """a + b = s + e exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_product(a, b):
    """a * b = p + e exactly (Dekker)."""
    def split(v):
        c = 134217729.0 * v
        hi = c - (c - v)
        return hi, v - hi

    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def to_data_units(ws, bs):
    """The line y' = ws * x' + bs of the standardized data as y = w * x + b in the data's
    units: w = ws * sy / sx, b = my + sy * bs - w * mx (compensated: on offset data my and
    w * mx are large and nearly equal)."""
    w = ws * (Y_STD / X_STD)
    p, p_lo = two_product(w, X_MEAN)
    q, q_lo = two_product(Y_STD, bs)
    s, s_lo = two_sum(Y_MEAN, q)
    t, t_lo = two_sum(s, -p)
    return w, t + (t_lo + s_lo + q_lo - p_lo)


def to_standardized(w, b):
    """The line y = w * x + b (the data's units) on the standardized data."""
    ws = w * (X_STD / Y_STD)
    p, p_lo = two_product(w, X_MEAN)
    s, s_lo = two_sum(b, p)
    t, t_lo = two_sum(s, -Y_MEAN)
    return ws, (t + (t_lo + s_lo + p_lo)) / Y_STD
'''.splitlines()


def precision_words(config, dtype: str, float64_loss: bool = False) -> list[str]:
    """The header's sentences on how exactly the script's table is the studio's history;
    ``float64_loss``: the script computes the epochs' start losses in float64 (an analytic
    run's script that computes them apart from its steps)."""
    if config.impl != "analytic":
        return ["Its table is the studio's history (and `gdstudio train --history`'s first four",
                "columns) bit for bit: the same data, start, order and arithmetic."]
    eps = "2**-23" if dtype == "float32" else "2**-52"
    words = [
        "The run used the analytic implementation (gradients written out, no autograd); this",
        "is its autograd equivalent.",
    ]
    if config.method == "sgd":
        words += ["In stochastic descent w and b are the studio's bit for bit (the analytic path",
                  "does this loop's scalar arithmetic in this order)."]
    else:
        words += ["The studio's batch and mini-batch steps run in float64, so w and b agree with",
                  "the studio's within 4*k*E*eps*S after E epochs (k updates an epoch,",
                  f"eps = {eps}, S the largest |(w, b)| of the run)."]
    if config.standardize:
        words += ["(w and b in the standardized units the run trains in; both sides turn them",
                  "into the data's units the same way.)"]
    if float64_loss:
        words += ["The studio computes each loss in float64 from its w and b, and so does this",
                  "script (X.double()): the same residuals, summed in another order, so the two",
                  "agree to float64 rounding of the sum (plus the gap between the parameters)."]
    else:
        words += ["The studio computes each loss in float64 from its w and b; here it is",
                  f"computed in {dtype} from this script's w and b, so the two agree to {dtype}",
                  "rounding of each residual (plus the gap between the parameters)."]
    return words


def scheduler_lines(s) -> Iterator[str]:
    """The learning-rate schedule of script ``s``: StepLR / ExponentialLR for the module
    implementation, one function ``next_learning_rate`` for the manual one."""
    c = s.c
    gamma = literal(getattr(c, "lr_gamma", 0.5))
    step = int(getattr(c, "lr_step_size", 10))
    if not s.manual:
        yield "# The learning-rate schedule, stepped once after each epoch."
        if s.schedule == "step":
            yield f"scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size={step}, " \
                  f"gamma={gamma})"
        else:
            yield f"scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, " \
                  f"gamma={gamma})"
        yield ""
        return
    yield ""
    yield "def next_learning_rate(lr, epoch):"
    yield '    """The learning-rate schedule: the lr after epoch `epoch` (from 0), as'
    what = (f"StepLR(step_size={step}, gamma={gamma})" if s.schedule == "step"
            else f"ExponentialLR(gamma={gamma})")
    yield f'    torch.optim.lr_scheduler.{what} computes it."""'
    if s.schedule == "step":
        yield f"    return lr * {gamma} if (epoch + 1) % {step} == 0 else lr"
    else:
        yield f"    return lr * {gamma}"
    yield ""
    yield ""


def stop_rule_lines(s) -> Iterator[str]:
    """The stop rule of script ``s`` (``tol``): one function ``converged``."""
    params = ("[w, b]" if s.bias else "[w]") if s.manual else \
        "list(model.parameters())"
    # (in float64 when the loop's losses are: see _Script.start_loss_lines)
    pred, y = (s.output("X.double()"), "Y.double()") if s.float64_loss else (s.output("X"), "Y")
    yield ""
    yield "def converged(start_loss):"
    yield '    """The stop rule: after an epoch, the relative change of the full-data loss'
    yield "    over it, or the norm of the full-data gradient at its end, is below TOL (in"
    yield '    the units the run trains in)."""'
    yield f"    end_loss = criterion({pred}, {y})"
    yield f"    grads = torch.autograd.grad(end_loss, {params})"
    yield "    norm = math.hypot(*(g.item() for g in grads))"
    yield "    change = abs(end_loss.item() - start_loss) / max(abs(start_loss), 1e-300)"
    yield "    return change < TOL or norm < TOL"
    yield ""
    yield ""
    yield f"TOL = {literal(s.tol)}"


def divergence_lines(s) -> Iterator[str]:
    """The divergence rule of the engine (:mod:`gdstudio.core.models.line.divergence`) for script
    ``s``:
    its reference loss (on the data the run trains on) and its multiple."""
    from gdstudio.core.models.line.divergence import MULTIPLE, reference_losses

    c, d = s.c, s.d
    if s.std is not None:
        d = s.std.apply_dataset(d)
    reference = max(reference_losses(d.x, d.y, c.loss, c.learning_rate, c.fit_bias,
                                     c.huber_delta))
    yield "# The studio stops a run that diverges, and its history ends there: when the"
    yield "# full-data loss is not a number or passes a million times the largest of its"
    yield "# start and REFERENCE (the losses of the line y = 0 and of a line that misses"
    yield "# every point by one step of size lr), or when w or b overflows."
    yield f"REFERENCE = {literal(reference)}"
    yield f"MULTIPLE = {literal(MULTIPLE)}"
    yield ""
