"""The code behind a logistic regression run: the plain, tutorial-style PyTorch script that
trains p = sigmoid(w*x + b) on labels 0 or 1 the way the engine does and prints the history's
table, ``epoch,loss,w,b``, bit for bit (see :mod:`gdstudio.core.models.line.script`, whose
structure, data, threads, batches, shuffling, schedule, stop rule and loop it shares).

- **manual**: ``w``, ``b`` with ``requires_grad``; ``forward`` is ``torch.sigmoid(w * x + b)``
  and the loss is written by hand as the tutorials write it,
  ``-torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))`` (``bce``), or the squared
  error on the sigmoid (``mse``); with ``bce-logits`` ``forward`` gives the log-odds and the
  loss is ``binary_cross_entropy_with_logits``; then ``w -= lr * w.grad``.
- **module**: ``nn.Linear(1, 1)``, ``nn.BCELoss`` on ``torch.sigmoid(model(x))`` (the classic
  tutorial), ``nn.BCEWithLogitsLoss`` on ``model(x)`` (the numerically safe one) or
  ``nn.MSELoss`` on the sigmoid, and the ``torch.optim`` optimizer. With ``nn.BCELoss`` the
  loop also stops where the studio does when p saturates at a point of the other class
  (:data:`SATURATION_CHECK`); the hand-written cross-entropy's log(0) is a loss that is not a
  number, which the divergence check already stops at.
- **analytic**: the gradients written out, ``(sigmoid(z) - y) * x`` and ``sigmoid(z) - y``,
  in NumPy (see :mod:`gdstudio.core.models.logistic.script_parts`).
- Data the two-class generator drew is drawn again the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

from gdstudio.core.models.line.script import DIVERGENCE_CHECK, _Script
from gdstudio.core.models.logistic.script_parts import (
    ANALYTIC_WORDS,
    analytic_lines,
    logistic_divergence_lines,
    two_class_lines,
)

#: The loss modules of the module implementation, by loss.
LOSS_MODULES = {"bce": "nn.BCELoss()", "bce-logits": "nn.BCEWithLogitsLoss()",
                "mse": "nn.MSELoss()"}
#: The hand-written losses of the manual implementation (``pred``: the sigmoid, or the
#: log-odds for ``bce-logits``).
MANUAL_LOSSES = {
    "bce": "-torch.mean(y * torch.log(pred) + (1 - y) * torch.log(1 - pred))",
    "bce-logits": "torch.nn.functional.binary_cross_entropy_with_logits(pred, y)",
    "mse": "torch.mean((pred - y) ** 2)",
}

#: The loop's check that ``nn.BCELoss`` has saturated (module implementation, loss "bce"),
#: after the divergence check: ``pred``, p of every point at the epoch's start
#: (:class:`~gdstudio.core.models.logistic.saturation.LogisticWatch` stops the run there).
SATURATION_CHECK = (
    "    # nn.BCELoss counts log(0) as -100: once p rounds to exactly 1 at a point of label 0",
    "    # (or to exactly 0 at a point of label 1), that point's loss counts as 100 whatever",
    "    # its true size, and its gradient is 0, so it no longer moves w or b. The studio",
    "    # stops the run there (nn.BCEWithLogitsLoss takes w*x + b itself and never rounds p).",
    "    if (((pred == 1) & (Y == 0)) | ((pred == 0) & (Y == 1))).any():",
    "        break  # saturated",
)


def script_text(dataset, config, data_csv: str = "run_data.csv") -> str:
    """The script of a logistic regression run of ``config`` on ``dataset`` (the settings
    valid for the data: see :func:`gdstudio.core.models.line.script.script_text`)."""
    return "\n".join(_LogisticScript(dataset, config, data_csv).lines()) + "\n"


class _LogisticScript(_Script):
    """The line's script with logistic regression's model, loss and analytic steps."""

    def __init__(self, dataset, config, data_csv: str):
        super().__init__(dataset, config, data_csv)
        self.logits = config.loss == "bce-logits"
        self.analytic = config.impl == "analytic"
        #: nn.BCELoss on the sigmoid: its loss saturates (see SATURATION_CHECK).
        self.clamps = config.loss == "bce" and config.impl == "module"
        self.float64_loss = False  # (the analytic steps' own script: analytic_lines)

    def lines(self) -> Iterator[str]:
        if not self.analytic:
            yield from super().lines()
            return
        yield from self.header()
        yield from analytic_lines(self)

    def precision(self) -> list[str]:
        if self.analytic:
            return ANALYTIC_WORDS
        return ["Its table is the studio's history (and `gdstudio train --history`'s first four",
                "columns) bit for bit: the same data, start, order and arithmetic."]

    def generated(self, recipe) -> list[str]:
        return two_class_lines(recipe, self.n)

    def model_words(self) -> str:
        z = "w * x + b" if self.bias else "w * x"
        return f"# The model p = sigmoid({z}): tensors with requires_grad, and its loss."

    def forward_body(self) -> str:
        z = "w * x + b" if self.bias else "w * x"
        if self.logits:  # the log-odds: the loss applies the sigmoid itself, safely
            return f"    return {z}"
        return f"    return torch.sigmoid({z})"

    def criterion_body(self) -> str:
        return f"    return {MANUAL_LOSSES[self.c.loss]}"

    def loss_module(self) -> str:
        return LOSS_MODULES[self.c.loss]

    def output(self, x: str) -> str:
        if self.manual:
            return f"forward({x})"
        return f"model({x})" if self.logits else f"torch.sigmoid(model({x}))"

    def divergence(self) -> Iterator[str]:
        return logistic_divergence_lines(self)

    def start_loss_lines(self, pred: str) -> list[str]:
        if not self.clamps:
            return super().start_loss_lines(pred)
        return [f"        pred = {pred}", "        loss = criterion(pred, Y).item()"]

    def start_checks(self) -> tuple[str, ...]:
        return DIVERGENCE_CHECK + SATURATION_CHECK if self.clamps else DIVERGENCE_CHECK
