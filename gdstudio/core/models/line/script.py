"""The code behind a run: the plain, tutorial-style PyTorch script of a data set and settings.

:func:`script_text` writes the script that trains ``y = w*x + b`` the way the engine
(:mod:`gdstudio.core.training.engine`) does: the same data tensors, start, loss, optimizer, batches,
shuffling and seeding, the same arithmetic in the same order. Run, it prints the history's
table, ``epoch,loss,w,b`` (the loss of the full data at the start of the epoch, w and b after
it), every number as ``repr(float)``, as ``gdstudio train --history`` writes its first four
columns; so the two can be compared with ``diff``.

- **The data.** Data the generator drew (and nobody has edited since: it still carries its
  :class:`~gdstudio.core.data.dataset.LineRecipe`) is drawn again the same way, as the
  tutorial draws it: the same seed, the same numbers bit for bit. Other data, up to
  :data:`INLINE_POINTS` points, is written into the script as literals
  that read back as exactly the same numbers. A larger data set is read from a CSV file
  beside the script, named after it (``run.py`` reads ``run_data.csv``,
  :func:`data_csv_name`): :func:`write_script` writes both, all or nothing; the CSV is the
  studio's own ``x,y`` format at full precision. (A file given to ``--data`` is not reused:
  it may have decimal commas or another separator that only the studio's reader takes.)
- **manual**: ``w``, ``b`` with ``requires_grad``, ``loss.backward()`` and
  ``w -= lr * w.grad`` under ``torch.no_grad()``; **module**: ``nn.Linear``, the loss module
  and the ``torch.optim`` optimizer; **analytic**: its autograd equivalent (the manual
  script), with its precision in the header.
- A **standardized** run trains on the standardized data and prints w, b and the loss in the
  data's units, with the studio's constants and its compensated conversion.
- torch's threads: the count the engine trains with (``threads_for``), which the sums'
  rounding depends on.
- A learning-rate schedule (``lr_schedule``) and the stop rule (``tol``) are written when
  the settings have them.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

from gdstudio.core.models.line.script_parts import (
    STANDARDIZE_HELPERS,
    divergence_lines,
    generated_lines,
    list_lines,
    literal,
    optimizer_line,
    precision_words,
    scheduler_lines,
    stop_rule_lines,
)
from gdstudio.core.settings.torch_threads import threads_for

#: Data sets up to this many points are written into the script; larger ones are read from
#: the CSV beside it.
INLINE_POINTS = 200
LOSS_MODULES = {"mse": "nn.MSELoss()", "mae": "nn.L1Loss()"}
MANUAL_LOSSES = {"mse": "torch.mean((pred - y) ** 2)", "mae": "torch.mean(torch.abs(pred - y))"}


#: The loop's divergence check of the epoch's start loss ``loss`` (see :func:`divergence_lines`).
DIVERGENCE_CHECK = ("    if epoch == 0:",
                    "        limit = min(MULTIPLE * max(loss, REFERENCE), sys.float_info.max)",
                    "    if not loss <= limit:",
                    "        break  # diverged")


def data_csv_name(script_path: str | os.PathLike) -> Path:
    """The data CSV that the script at ``script_path`` reads (large data sets): beside it,
    ``NAME_data.csv`` for ``NAME.py``."""
    path = Path(script_path)
    return path.with_name(f"{path.stem}_data.csv")


def needs_data_csv(dataset) -> bool:
    """Whether the script reads its data from a CSV file (more than :data:`INLINE_POINTS`
    points that no generator's recipe draws)."""
    return getattr(dataset, "recipe", None) is None and len(dataset) > INLINE_POINTS


def script_text(dataset, config, data_csv: str = "run_data.csv") -> str:
    """The script of a run of ``config`` on ``dataset``; ``data_csv`` is the name of the data
    file beside it that a large data set is read from (see :func:`data_csv_name`).

    The settings must be valid (:meth:`TrainConfig.validate`); a standardized run needs data
    whose x varies (:class:`~gdstudio.core.errors.DataError` otherwise).
    """
    return "\n".join(_Script(dataset, config, data_csv).lines()) + "\n"


def script_problem(dataset, config) -> str | None:
    """Why no script can be written for ``dataset`` and ``config`` (the message a run would
    give: no data, a setting the data's type cannot hold, x that cannot be standardized), or
    None."""
    from gdstudio.core.errors import StudioError

    if len(dataset) == 0:
        return "No data: click the plot to add points, or generate or import some."
    try:
        config.validate(dataset.dtype)
        if config.standardize:
            from gdstudio.core.data.standardize import Standardization

            Standardization.of_dataset(dataset)
    except StudioError as exc:
        return str(exc)
    return None


def write_script(path: str | os.PathLike, dataset, config, text_of=None) -> list[Path]:
    """Write the script to ``path`` (and, for a large data set, its data CSV beside it), all
    or nothing, atomically; return the files written. ``text_of``: the function that writes
    the script (:func:`script_text` by default; another model's)."""
    from gdstudio.core.atomic import write_files
    from gdstudio.core.data.csv_io import dataset_chunks

    path = Path(path)
    text_of = script_text if text_of is None else text_of
    files = [(path, (text_of(dataset, config, data_csv_name(path).name),))]
    if needs_data_csv(dataset):
        files.append((data_csv_name(path), dataset_chunks(dataset)))
    write_files(files)
    return [f for f, _ in files]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class _Script:
    def __init__(self, dataset, config, data_csv: str):
        self.d, self.c, self.data_csv = dataset, config, data_csv
        self.n = len(dataset)
        self.dtype = f"torch.{dataset.dtype}"
        self.manual = config.impl != "module"
        self.bias = config.fit_bias
        size = {"batch": self.n, "sgd": 1, "minibatch": config.batch_size}[config.method]
        self.size = min(size, self.n)
        self.shuffle = config.shuffle and config.method != "batch"
        #: One unshuffled batch an epoch: the loss of the step is the epoch's loss.
        self.batch = self.size == self.n and not self.shuffle
        self.schedule = getattr(config, "lr_schedule", "none") or "none"
        self.tol = float(getattr(config, "tol", 0) or 0)
        self.std = None
        if config.standardize:
            from gdstudio.core.data.standardize import Standardization

            self.std = Standardization.of_dataset(dataset)
        self.drawn = config.init_w is None or (self.bias and config.init_b is None)
        #: The analytic run's float32 script computes the epochs' start losses in float64,
        #: as the studio does (a loss past float32's largest number is still a number).
        self.float64_loss = (config.impl == "analytic" and not self.batch
                             and dataset.dtype == "float32")

    # ------------------------------------------------------------------ the whole
    def lines(self) -> Iterator[str]:
        yield from self.header()
        yield from self.imports()
        yield from self.threads()
        yield from self.data()
        if self.std is not None:
            yield from self.standardizing()
        yield from self.model()
        if self.schedule != "none":
            yield from scheduler_lines(self)
        if self.tol > 0:
            yield from stop_rule_lines(self)
        yield from self.batching()
        yield from self.loop()

    def header(self) -> Iterator[str]:
        from gdstudio.core.settings.description import run_label

        c = self.c
        yield '"""The PyTorch code behind a Gradient Descent Studio run.'
        yield ""
        yield from textwrap.wrap(f"Run: {run_label(c)}; {_count(c.epochs, 'epoch')}, seed "
                                 f"{c.seed}, {_count(self.n, 'point')} ({self.d.dtype}).",
                                 88, break_long_words=False, break_on_hyphens=False)
        yield "It prints one row `epoch,loss,w,b` per epoch: the loss of the full data at the"
        yield "start of the epoch, w and b after it, as `gdstudio train --history` writes them."
        yield from self.precision()
        yield '"""'
        yield ""

    def imports(self) -> Iterator[str]:
        if needs_data_csv(self.d):
            yield "import csv"
        yield "import math"
        yield "import sys"
        if needs_data_csv(self.d):
            yield "from pathlib import Path"
        yield ""
        yield "import torch"
        if not self.manual or self.drawn:
            yield "from torch import nn"
        yield ""

    def threads(self) -> Iterator[str]:
        yield "# torch's threads, as the studio trains with them on this machine: how many " \
              "threads"
        yield "# share a sum decides how it rounds."
        yield f"torch.set_num_threads({threads_for(self.n)})"
        yield ""

    def data(self) -> Iterator[str]:
        d, dt = self.d, self.dtype
        if getattr(d, "recipe", None) is not None:
            yield from self.generated(d.recipe)
            yield ""
            return
        if needs_data_csv(d):
            yield from self.data_csv_lines()
            yield "with open(DATA_CSV, newline=\"\") as f:"
            yield "    rows = list(csv.reader(f))[1:]"
            yield "x = [float(row[0]) for row in rows]"
            yield "y = [float(row[1]) for row in rows]"
        else:
            yield f"# The data: {_count(self.n, 'point')} ({d.dtype})."
            yield from list_lines("x", d.x, d.dtype)
            yield from list_lines("y", d.y, d.dtype)
        yield f"X = torch.tensor(x, dtype={dt}).view(-1, 1)"
        yield f"Y = torch.tensor(y, dtype={dt}).view(-1, 1)"
        yield ""

    def data_csv_lines(self) -> list[str]:
        """The lines that say where the data is and name the data CSV, ``DATA_CSV``
        (beside the script)."""
        return [f"# The data: {self.n} points, x,y with a header, in the CSV file beside "
                "this script.",
                f"DATA_CSV = Path(__file__).with_name({self.data_csv!r})"]

    def standardizing(self) -> Iterator[str]:
        s, dt = self.std, self.dtype
        yield "# Standardizing: the run trains on x' = (x - X_MEAN) / X_STD and"
        yield "# y' = (y - Y_MEAN) / Y_STD, computed in float64 (the means and population"
        yield "# standard deviations as the studio computes them), and reports w, b and the"
        yield "# loss in the data's units."
        yield f"X_MEAN, X_STD = {literal(s.x_mean)}, {literal(s.x_std)}"
        yield f"Y_MEAN, Y_STD = {literal(s.y_mean)}, {literal(s.y_std)}"
        factor = "Y_STD" if self.c.loss == "mae" else "Y_STD * Y_STD"
        yield f"LOSS_FACTOR = {factor}  # the loss of the data is this times the " \
              "standardized data's"
        if self.c.loss == "huber":
            yield "# (the Huber delta is in standardized units: the loss shown is the Huber"
            yield "# loss of the data with delta * Y_STD)"
        yield f"X = ((X.double() - X_MEAN) / X_STD).to({dt})"
        yield f"Y = ((Y.double() - Y_MEAN) / Y_STD).to({dt})"
        yield from STANDARDIZE_HELPERS
        yield ""
        yield ""

    # ------------------------------------------------------------------ the model's own
    # (each model's script, :mod:`gdstudio.core.models.logistic.script` too, says these)
    def precision(self) -> list[str]:
        """The header's words on how exactly the table is the studio's history."""
        return precision_words(self.c, self.d.dtype, self.float64_loss)

    def generated(self, recipe) -> list[str]:
        """The lines that draw the generator's data again."""
        return generated_lines(recipe, self.n)

    def model_words(self) -> str:
        return "# The model y = w * x" + (" + b" if self.bias else "") + \
            ": tensors with requires_grad, and its loss."

    def forward_body(self) -> str:
        """``forward(x)``'s return line (manual implementation)."""
        return "    return w * x + b" if self.bias else "    return w * x"

    def criterion_body(self) -> str:
        """``criterion(pred, y)``'s return line (manual implementation)."""
        if self.c.loss == "huber":
            return f"    return torch.nn.functional.huber_loss(pred, y, " \
                   f"delta={literal(self.c.huber_delta)})"
        return f"    return {MANUAL_LOSSES[self.c.loss]}"

    def loss_module(self) -> str:
        """The loss module (module implementation)."""
        if self.c.loss == "huber":
            return f"nn.HuberLoss(delta={literal(self.c.huber_delta)})"
        return LOSS_MODULES[self.c.loss]

    def output(self, x: str) -> str:
        """What the loss compares with the targets, of the inputs ``x``."""
        return f"forward({x})" if self.manual else f"model({x})"

    def divergence(self) -> Iterator[str]:
        """The divergence rule's constants."""
        return divergence_lines(self)

    # ------------------------------------------------------------------ the model
    def start_lines(self) -> Iterator[str]:
        """``w0``, ``b0``: the start as Python floats (drawn from the seed or as given)."""
        c = self.c
        if self.drawn:
            bias = "" if self.bias else ", bias=False"
            yield f"torch.manual_seed({c.seed})  # the start nn.Linear(1, 1) draws from the seed"
            yield f"first = nn.Linear(1, 1{bias}, dtype={self.dtype})"
        w0 = "first.weight.item()" if c.init_w is None else literal(c.init_w)
        b0 = ("first.bias.item()" if c.init_b is None else literal(c.init_b)) if self.bias \
            else "0.0"
        yield f"w0, b0 = {w0}, {b0}"
        if self.std is not None:
            yield "w0, b0 = to_standardized(w0, b0)  # the start, in standardized units"

    def model(self) -> Iterator[str]:
        for _, lines in self.model_sections():
            yield from lines

    def model_sections(self) -> list[tuple[str, list[str]]]:
        """The model's lines in their steps, ``(step, lines)``: ``"parameters"`` (the start,
        and for the manual implementation the tensors and lr), ``"model"`` (``forward``, or
        the module), ``"loss"`` and, for the module implementation, ``"optimizer"``."""
        c, dt = self.c, self.dtype
        if self.manual:
            parameters = [self.model_words(), *self.start_lines(),
                          f"w = torch.tensor(w0, dtype={dt}, requires_grad=True)"]
            if self.bias:
                parameters.append(f"b = torch.tensor(b0, dtype={dt}, requires_grad=True)")
            parameters += [f"lr = {literal(c.learning_rate)}", "", ""]
            return [("parameters", parameters),
                    ("model", ["def forward(x):", self.forward_body(), "", ""]),
                    ("loss", ["def criterion(pred, y):", self.criterion_body(), "", ""])]
        model = ["# The model, its loss and its optimizer."]
        bias = "" if self.bias else ", bias=False"
        if self.drawn and c.init_w is None and (not self.bias or c.init_b is None):
            model.append(f"torch.manual_seed({c.seed})  # nn.Linear draws its start from the seed")
            model.append(f"model = nn.Linear(1, 1{bias}, dtype={dt})")
            if self.std is not None:
                model.append("w0, b0 = to_standardized(model.weight.item(), "
                             + ("model.bias.item())" if self.bias else "0.0)"))
                model += self.fill()
        else:
            model += self.start_lines()
            model.append(f"model = nn.Linear(1, 1{bias}, dtype={dt})")
            model += self.fill()
        return [("model", model), ("loss", [f"criterion = {self.loss_module()}"]),
                ("optimizer", [optimizer_line(c), ""])]

    def fill(self) -> Iterator[str]:
        yield "with torch.no_grad():"
        yield "    model.weight.fill_(w0)"
        if self.bias:
            yield "    model.bias.fill_(b0)"

    def batching(self) -> Iterator[str]:
        c = self.c
        if self.batch:
            return
        what = {1: "one point at a time"}.get(self.size, f"in batches of {self.size} points")
        order = "in an order shuffled every epoch" if self.shuffle else "in the data's order"
        yield f"# Each epoch takes the data {what}, {order}."
        yield f"batch_size = {self.size}"
        yield "n = len(X)"
        if self.shuffle:
            yield f"shuffler = torch.Generator().manual_seed({c.seed})  # a generator of its own"
        yield ""

    # ------------------------------------------------------------------ the loop
    def step_lines(self, x: str, y: str, loss: str) -> Iterator[str]:
        if self.manual:
            yield f"{loss} = criterion({self.output(x)}, {y})"
            yield f"{loss}.backward()"
            yield "with torch.no_grad():"
            yield "    w -= lr * w.grad"
            if self.bias:
                yield "    b -= lr * b.grad"
            yield "w.grad.zero_()"
            if self.bias:
                yield "b.grad.zero_()"
            return
        yield f"pred = {self.output(x)}"
        yield f"{loss} = criterion(pred, {y})"
        yield "optimizer.zero_grad()"
        yield f"{loss}.backward()"
        yield "optimizer.step()"

    def loop(self) -> Iterator[str]:
        yield from self.divergence()
        yield from self.table_loop()

    def record(self, loss: str, w: str, b: str) -> list[str]:
        """Lines at the end of an epoch in the loop, after its row is printed (``loss``,
        ``w``, ``b``: the row's expressions); none in the script."""
        return []

    def start_loss_lines(self, pred: str) -> list[str]:
        """The lines, inside ``torch.no_grad()``, that compute ``loss``, the full-data loss
        at the epoch's start (stochastic and mini-batch runs); ``pred``: the model's output
        on all the data."""
        if self.float64_loss:
            return ["        # (in float64, as the studio computes it: a loss past float32's "
                    "largest number",
                    "        # is still a number there)",
                    f"        loss = criterion({self.output('X.double()')}, Y.double()).item()"]
        return [f"        loss = criterion({pred}, Y).item()"]

    def start_checks(self) -> tuple[str, ...]:
        """The loop's checks at the epoch's start, that end it where the studio ends the run
        (after ``loss``, and in a batch run after the step)."""
        return DIVERGENCE_CHECK

    def table_loop(self) -> Iterator[str]:
        """The loop that prints the table (after the divergence rule's constants)."""
        c = self.c
        pred = self.output("X")
        yield 'print("epoch,loss,w,b")'
        yield f"for epoch in range({c.epochs}):"
        if self.batch:
            for line in self.step_lines("X", "Y", "loss"):
                yield "    " + line
            yield "    loss = loss.item()  # the loss of the full data before the step"
            yield from self.start_checks()
        else:
            yield "    with torch.no_grad():  # the loss of the full data at the epoch's start"
            yield from self.start_loss_lines(pred)
            yield from self.start_checks()
            if self.shuffle:
                yield "    order = torch.randperm(n, generator=shuffler)"
                yield "    Xe, Ye = X[order], Y[order]"
            else:
                yield "    Xe, Ye = X, Y"
            yield "    for start in range(0, n, batch_size):"
            for line in self.step_lines("Xe[start:start + batch_size]",
                                        "Ye[start:start + batch_size]", "batch_loss"):
                yield "        " + line
        if self.manual:
            w, b = "w.item()", ("b.item()" if self.bias else "0.0")
        else:
            w, b = "model.weight.item()", ("model.bias.item()" if self.bias else "0.0")
        yield f"    w_end, b_end = {w}, {b}"
        yield "    if not (math.isfinite(w_end) and math.isfinite(b_end)):"
        yield "        break  # diverged: w or b overflowed"
        if self.std is None:
            yield '    print(f"{epoch},{loss!r},{w_end!r},{b_end!r}")'
            yield from self.record("loss", "w_end", "b_end")
        else:
            yield "    w_data, b_data = to_data_units(w_end, b_end)"
            yield '    print(f"{epoch},{loss * LOSS_FACTOR!r},{w_data!r},{b_data!r}")'
            yield from self.record("loss * LOSS_FACTOR", "w_data", "b_data")
        if self.schedule != "none":
            yield ("    lr = next_learning_rate(lr, epoch)" if self.manual
                   else "    scheduler.step()")
        if self.tol > 0:
            yield "    if converged(loss):"
            yield "        break"
