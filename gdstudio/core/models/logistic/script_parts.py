"""Pieces of logistic regression's PyTorch script (see
:mod:`gdstudio.core.models.logistic.script`): the two-class generator's data drawn again, the
divergence rule's constants and the analytic implementation's NumPy loop.

Nothing here imports torch: the script is text, made from the data and the settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from gdstudio.core.models.line.script_parts import literal


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
    """The divergence rule of a logistic regression run's script ``s``."""
    yield "# The studio stops a run whose loss is not a number or passes a million times the"
    yield "# largest of its start and REFERENCE (log 2, the loss of p = 0.5 everywhere), or"
    yield "# when w or b overflows."
    yield "REFERENCE = math.log(2.0)"
    yield "MULTIPLE = 1000000.0"
    yield ""


#: The header's words for the analytic implementation's script.
ANALYTIC_WORDS = [
    "The run used the analytic implementation: the gradients written out in NumPy, in",
    "float64, (sigmoid(z) - y) * x and sigmoid(z) - y; this script does the same arithmetic",
    "in the same order, so its table is the studio's history bit for bit.",
]


def analytic_lines(s) -> Iterator[str]:
    """The analytic implementation's script (after the header)."""
    raise NotImplementedError
