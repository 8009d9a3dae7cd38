"""The notebook's markdown cells: each step of the run in a learner's words, as the PyTorch
tutorials explain them (the data, the parameters, the model and its loss with their formulas,
the backward pass, the update, the batches, the loop, the plots).

``s`` is the run's script (:class:`gdstudio.core.models.line.script._Script` or logistic
regression's), whose settings and data the words describe. Nothing here imports torch.
"""

from __future__ import annotations

from gdstudio.core.models.line.script import needs_data_csv
from gdstudio.core.models.line.script_parts import literal

_OPTIMIZER_WORDS = {
    "sgd": "plain gradient descent: each step moves the parameters against the gradient,"
           r" $w \leftarrow w - \eta\,\partial L/\partial w$",
    "adam": r"Adam: it keeps running averages of the gradient ($\beta_1$) and of its square"
            r" ($\beta_2$) and steps by $\eta\,\hat m/(\sqrt{\hat v} + \epsilon)$, a step"
            " scaled to each parameter",
    "rmsprop": r"RMSprop: it divides the gradient by the root of a running average"
               r" ($\alpha$) of its square, a step scaled to each parameter",
    "adagrad": "Adagrad: it divides the gradient by the root of the sum of its squares so"
               " far, so its steps shrink as the run goes on",
}


def _join(lines) -> str:
    return "\n".join(lines)


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def logistic(s) -> bool:
    return getattr(s.c, "model", "line") == "logistic"


def z_text(s) -> str:
    return "wx + b" if s.bias else "wx"


# --------------------------------------------------------------------------- the run


def title(s) -> str:
    from gdstudio.core.settings.description import run_label

    c = s.c
    what = "Logistic regression" if logistic(s) else "Fitting a line"
    task = (f"learns the probability $p = \\sigma({z_text(s)})$ that a point $x$ has label 1"
            if logistic(s) else f"fits the line $\\hat y = {z_text(s)}$ to the points")
    precision = " ".join(s.precision()).replace("this script", "this notebook")
    return _join([
        f"# {what} with PyTorch: gradient descent step by step",
        "",
        f"This notebook is the code behind a Gradient Descent Studio run: it {task} by"
        " gradient descent, in plain PyTorch, one step to a cell.",
        "",
        f"**The run:** {run_label(c)}; {_n(c.epochs, 'epoch')}, seed {c.seed},"
        f" {_n(s.n, 'point')} ({s.d.dtype}).",
        "",
        "Run the cells from top to bottom. The loop prints one row `epoch,loss,w,b` per epoch"
        " (the loss of the full data at the start of the epoch, then w and b after it, every"
        " number with all its digits), to compare line by line with the studio's history"
        f" (`gdstudio train --history`). {precision}",
    ])


def imports(s) -> str:
    return _join([
        "## Setup",
        "",
        "PyTorch (`torch`) holds the numbers in tensors and computes the gradients;"
        + (" NumPy does the analytic steps' arithmetic;" if getattr(s, "analytic", False)
           else "")
        + (" `csv` and `pathlib` read the data file;" if needs_data_csv(s.d) else "")
        + " `math` and `sys` help the loop check for a run that diverges.",
    ])


def threads(s) -> str:
    from gdstudio.core.settings.torch_threads import threads_for

    count = threads_for(s.n)
    return (f"PyTorch can share a long sum among several threads, and how it splits the sum"
            f" changes how the result rounds, in its last bits. The studio trains"
            f" {_n(s.n, 'point')} with {_n(count, 'thread')}; so does this notebook, so that"
            " its numbers are the studio's to the last bit.")


def data(s) -> str:
    d = s.d
    head = "## The data\n\n"
    columns = ("`X` and `Y` hold them as columns, one row per point (n × 1), the shape"
               " `nn.Linear` expects.")
    if getattr(s, "analytic", False):
        columns += (" The analytic steps compute with `x` and `y`, the same numbers as"
                    " float64 NumPy arrays.")
    labels = " The labels `y` are 0 or 1: the class of each point." if logistic(s) else ""
    if getattr(d, "recipe", None) is not None:
        return head + (f"The studio's generator drew these {_n(s.n, 'point')}. The same calls"
                       " on the same seed draw them again here, the same numbers bit for bit."
                       f"{labels} {columns}")
    if needs_data_csv(d):
        return head + (f"The {_n(s.n, 'point')} are in the file `{s.data_csv}` beside this"
                       " notebook (`x,y` with a header, every digit). Jupyter runs a notebook"
                       " in its own folder, so keep the two files together."
                       f"{labels} {columns}")
    return head + (f"The {_n(s.n, 'point')}, written out with every digit, so that they are"
                   f" exactly the studio's ({d.dtype}).{labels} {columns}")


def standardizing(s) -> str:
    return _join([
        "### Standardizing",
        "",
        "The run trains on standardized data, $x' = (x - \\bar x)/s_x$ and"
        " $y' = (y - \\bar y)/s_y$ (means and population standard deviations): on that scale"
        " one learning rate suits every data set. The loop reports w, b and the loss back in"
        " the data's units (`to_data_units`, with the studio's compensated arithmetic), as"
        " the studio's history does. `X_DATA`, `Y_DATA` keep the data in its own units for"
        " the plots.",
    ])


# --------------------------------------------------------------------------- the model


def _start_words(s) -> str:
    c = s.c
    if s.drawn:
        given = []
        if c.init_w is not None:
            given.append(f"w = {literal(c.init_w)}")
        if s.bias and c.init_b is not None:
            given.append(f"b = {literal(c.init_b)}")
        text = (f"The start is drawn from seed {c.seed} the way `nn.Linear(1, 1)` draws its"
                " weights")
        return text + (f" (but {' and '.join(given)}, as set)." if given else ".")
    start = f"w = {literal(c.init_w)}" + (f", b = {literal(c.init_b)}" if s.bias else "")
    return f"The run starts at {start}."


def parameters(s) -> str:
    bias = "w and b are" if s.bias else "w is (the run fits no intercept: b stays 0)"
    if getattr(s, "analytic", False):
        return _join([
            "## The parameters",
            "",
            f"{_start_words(s)} Here {bias} plain Python floats: the analytic steps"
            " compute the gradient themselves, without autograd. `lr` is the learning rate"
            " $\\eta$.",
        ])
    std = " (in the standardized units the run trains in)" if s.std is not None else ""
    return _join([
        "## The parameters",
        "",
        f"{_start_words(s)}{std} The parameters {bias} tensors with"
        " `requires_grad=True`: autograd records every operation on them, so that"
        " `backward()` can give the loss's gradient. `lr` is the learning rate $\\eta$, the"
        " size of each step.",
    ])


def model_formula(s) -> str:
    if logistic(s):
        return (f"$$p = \\sigma({z_text(s)}) = \\frac{{1}}{{1 + e^{{-({z_text(s)})}}}}$$")
    return f"$$\\hat y = {z_text(s)}$$"


def model(s) -> str:
    what = ("the probability that the point's label is 1: the sigmoid $\\sigma$ squeezes the"
            " log-odds $z = " + z_text(s) + "$ into (0, 1)." if logistic(s)
            else "the line's height at $x$, its prediction of $y$.")
    lines = ["## The model", "", "The model of each point $x$ is", "", model_formula(s), "",
             f"{what}"]
    if s.manual and logistic(s) and s.c.loss == "bce-logits":
        lines += ["", "`forward` returns the log-odds $z$: the loss below applies the"
                  " sigmoid itself, in a form that never rounds $p$ to 0 or 1."]
    if not s.manual:
        holds = "`model.weight` (w)" + (" and `model.bias` (b)" if s.bias else "")
        lines += ["", f"`nn.Linear(1, 1)` holds {holds} and computes ${z_text(s)}$ for a"
                  " column of points. " + _start_words(s)]
        if logistic(s):
            lines[-1] += (" The loss takes the log-odds `model(x)` itself." if s.logits
                          else " `torch.sigmoid(model(x))` is $p$.")
    return _join(lines)


def loss_formula(s) -> str:
    c = s.c
    if logistic(s):
        if c.loss == "mse":
            return "$$L = \\frac{1}{n}\\sum_{i=1}^{n} (p_i - y_i)^2$$"
        return ("$$L = -\\frac{1}{n}\\sum_{i=1}^{n} \\big[y_i \\log p_i + (1 - y_i)"
                "\\log(1 - p_i)\\big]$$")
    if c.loss == "mae":
        return "$$L = \\frac{1}{n}\\sum_{i=1}^{n} |\\hat y_i - y_i|$$"
    if c.loss == "huber":
        return ("$$L = \\frac{1}{n}\\sum_{i=1}^{n} \\ell_\\delta(\\hat y_i - y_i), \\quad"
                " \\ell_\\delta(r) = \\begin{cases} \\tfrac{1}{2} r^2 & |r| \\le \\delta \\\\"
                " \\delta\\,(|r| - \\tfrac{1}{2}\\delta) & |r| > \\delta \\end{cases}$$")
    return "$$L = \\frac{1}{n}\\sum_{i=1}^{n} (\\hat y_i - y_i)^2$$"


def _loss_name(s) -> str:
    c = s.c
    if logistic(s):
        return {"bce": "the cross-entropy (log loss)",
                "bce-logits": "the cross-entropy (log loss), computed from the log-odds",
                "mse": "the squared error on the sigmoid"}[c.loss]
    return {"mse": "the mean squared error (MSE)", "mae": "the mean absolute error (MAE)",
            "huber": f"the Huber loss with $\\delta = {literal(c.huber_delta)}$"}[c.loss]


def loss(s) -> str:
    c = s.c
    lines = ["## The loss", "", f"How far the model is from the data: {_loss_name(s)},", "",
             loss_formula(s), ""]
    if logistic(s) and c.loss == "bce-logits":
        lines.append("`binary_cross_entropy_with_logits` computes it from $z$ directly, so"
                     " it stays finite even where $p$ rounds to 0 or 1.")
    elif logistic(s) and c.loss == "bce":
        lines.append("It is small when $p$ is near each point's label, and grows without"
                     " bound as $p$ goes the wrong way.")
    elif c.loss == "huber":
        lines.append("Squared near the line, absolute far from it: outliers pull less.")
    elif c.loss == "mae":
        lines.append("Every point pulls with the same strength, however far it is.")
    else:
        lines.append("Points far from the model pull hardest.")
    if s.std is not None:
        lines[-1] += (" (The run computes it on the standardized data; the loop reports it"
                      " in the data's units.)")
    return _join(lines)


def analytic_functions(s) -> str:
    """The analytic logistic regression's NumPy functions: the model, the loss and the
    gradient written out."""
    grad = ("2 (p_i - y_i)\\, p_i (1 - p_i)" if s.c.loss == "mse" else "(p_i - y_i)")
    return _join([
        "## The model and the loss",
        "",
        "The model of each point $x$ is", "", model_formula(s), "",
        f"and the loss is {_loss_name(s)},", "", loss_formula(s), "",
        "This run computes the gradient itself (the *analytic* implementation), in NumPy:",
        "",
        f"$$\\frac{{\\partial L}}{{\\partial w}} = \\frac{{1}}{{n}}\\sum_i {grad}\\, x_i"
        + (f", \\qquad \\frac{{\\partial L}}{{\\partial b}} = \\frac{{1}}{{n}}\\sum_i {grad}$$"
           if s.bias else "$$"),
        "",
        "`terms_and_slopes` (the studio's own function) gives each point's loss and its"
        " derivative in $z$, in forms that never overflow; `step` takes one step on a batch"
        " and `point_steps` one step per point, in the same order as the studio.",
    ])


# --------------------------------------------------------------------------- the steps


def gradient_formula(s) -> str:
    c = s.c
    if logistic(s):
        slope = "2 (p_i - y_i)\\, p_i (1 - p_i)" if c.loss == "mse" else "(p_i - y_i)"
        scale = "\\frac{1}{n}"
    else:
        slope = {"mse": "(\\hat y_i - y_i)", "mae": "\\operatorname{sign}(\\hat y_i - y_i)",
                 "huber": "\\operatorname{clip}(\\hat y_i - y_i, -\\delta, \\delta)"}[c.loss]
        scale = "\\frac{2}{n}" if c.loss == "mse" else "\\frac{1}{n}"
    text = f"$$\\frac{{\\partial L}}{{\\partial w}} = {scale}\\sum_i {slope}\\, x_i"
    if s.bias:
        text += f", \\qquad \\frac{{\\partial L}}{{\\partial b}} = {scale}\\sum_i {slope}"
    return text + "$$"


def backward(s) -> str:
    if getattr(s, "analytic", False):
        return _join([
            "## The backward pass",
            "",
            "The gradient of the loss at the start, as the analytic steps compute it: the"
            " mean over the points of each one's slope times $x$"
            + (" (and the mean slope for b)." if s.bias else ".")
            + " This cell only looks: the loop below starts from the same w and b.",
        ])
    call = "`loss.backward()`" if s.manual else "`optimizer.zero_grad()` then `loss.backward()`"
    return _join([
        "## The backward pass",
        "",
        "Autograd computes the gradient of the loss, how the loss changes as each parameter"
        " moves:",
        "",
        gradient_formula(s),
        "",
        f"In the loop, {call} stores it in `.grad`. Here `torch.autograd.grad` shows it at the"
        " start without storing it anywhere, so the loop below starts from the same state"
        + (" (in the standardized units the run trains in)." if s.std is not None else "."),
    ])


def update(s) -> str:
    c = s.c
    lines = ["## The update", ""]
    if getattr(s, "analytic", False):
        lines.append("Each step moves the parameters against the gradient,"
                     " $w \\leftarrow w - \\eta\\,\\partial L/\\partial w$: in `step`,"
                     " `w -= lr * gw`" + (" and `b -= lr * gb`." if s.bias else "."))
        return _join(lines)
    if s.manual:
        lines += ["Each step moves the parameters a little against the gradient:", "",
                  "$$w \\leftarrow w - \\eta\\,\\frac{\\partial L}{\\partial w}"
                  + ("\\qquad b \\leftarrow b - \\eta\\,\\frac{\\partial L}{\\partial b}$$"
                     if s.bias else "$$"), "",
                  "In code, `w -= lr * w.grad` inside `torch.no_grad()` (the update itself is"
                  " not part of the model: autograd must not record it), then `w.grad.zero_()`,"
                  " because `backward()` adds to `.grad`."]
        return _join(lines)
    words = _OPTIMIZER_WORDS[c.optimizer]
    extra = []
    if c.optimizer in ("sgd", "rmsprop") and c.momentum:
        extra.append(f"momentum {literal(c.momentum)} (each step keeps that share of the one"
                     " before" + (", Nesterov's form)" if c.nesterov else ")"))
    if c.weight_decay:
        extra.append(f"weight decay {literal(c.weight_decay)} (added to the gradient times"
                     " the parameter: it pulls w and b towards 0)")
    lines.append(f"The optimizer `torch.optim.{_TORCH[c.optimizer]}` does the update:"
                 f" {words}" + (f"; with {', '.join(extra)}" if extra else "") + ".")
    lines += ["", "Each step is `optimizer.zero_grad()` (backward adds to `.grad`),"
              " `loss.backward()` and `optimizer.step()`."]
    return _join(lines)


_TORCH = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}


def scheduler(s) -> str:
    c = s.c
    gamma = literal(getattr(c, "lr_gamma", 0.5))
    if s.schedule == "step":
        rule = (f"every {int(getattr(c, 'lr_step_size', 10))} epochs the learning rate is"
                f" multiplied by $\\gamma = {gamma}$ (`StepLR`)")
    else:
        rule = (f"after every epoch the learning rate is multiplied by $\\gamma = {gamma}$"
                " (`ExponentialLR`)")
    how = ("`scheduler.step()` after each epoch" if not s.manual
           else "`next_learning_rate`, after each epoch, computes what PyTorch's scheduler"
                " would")
    return f"### The learning-rate schedule\n\nLarge steps first, smaller later: {rule}; {how}."


def stop_rule(s) -> str:
    return ("### The stop rule\n\nThe run stops early once it has converged: when an epoch"
            f" changes the full-data loss by less than {literal(s.tol)} of itself, or the"
            " gradient at its end is shorter than that (`converged`).")


def batching(s) -> str:
    c = s.c
    if s.size == 1:
        what = ("**Stochastic gradient descent**: each epoch takes one step per point, with"
                " the gradient of that point's loss alone.")
    else:
        what = (f"**Mini-batch gradient descent**: each epoch takes the data in batches of"
                f" {s.size} points, one step per batch, with the gradient of the batch's loss.")
    order = (f" The points come in an order shuffled every epoch, by a random generator of"
             f" its own seeded with {c.seed} (`torch.randperm`), so the order is the studio's."
             if s.shuffle else " The points come in the data's order.")
    return f"## The batches\n\n{what}{order}"


def divergence(s) -> str:
    text = ("## Divergence\n\nA learning rate too large makes the steps overshoot and the loss"
            " grow without bound. The studio stops such a run, and its history ends there:"
            " when the full-data loss is not a number or passes a million times the larger of"
            " its start and `REFERENCE`, or when w or b overflows. The loop does the same, so"
            " its table ends where the studio's does.")
    if not logistic(s) or s.c.loss != "bce" or getattr(s, "analytic", False):
        return text
    if s.manual:  # the hand-written log(0)
        return text + (" With the hand-written cross-entropy the loss stops being a number"
                       " when $p$ rounds to exactly 0 or 1 at a point: $\\log 0 = -\\infty$."
                       " `binary_cross_entropy_with_logits` (`--loss bce-logits`) never"
                       " rounds $p$.")
    return text + _SATURATION


#: What the loop of a run with nn.BCELoss stops at besides divergence (the markdown of its
#: check, SATURATION_CHECK in the logistic regression's script).
_SATURATION = (
    "\n\n### Saturation\n\n`nn.BCELoss` counts $\\log 0$ as $-100$. Once $p$ rounds to"
    " exactly 1 at a point of label 0 (or to exactly 0 at a point of label 1), that point's"
    " loss counts as 100 whatever its true size, and its gradient is 0: it no longer moves w"
    " or b, and the run would go on fitting the other points as if it were not there. The"
    " studio stops the run there, at the start of that epoch, and so does the loop."
    " `nn.BCEWithLogitsLoss` (`--loss bce-logits`) takes $wx + b$ itself and never rounds"
    " $p$.")


def loop(s) -> str:
    c = s.c
    if s.batch:
        epoch = ("Each epoch is one step on all the data (**batch gradient descent**): the"
                 " loss the step computes is the loss of the full data at the epoch's start.")
    else:
        epoch = ("Each epoch computes the loss of the full data at its start (without"
                 " autograd), then takes its steps batch by batch.")
    units = " in the data's units" if s.std is not None else ""
    stop = " or when the stop rule says the run has converged" if s.tol > 0 else ""
    ends = " or saturates" if getattr(s, "clamps", False) else ""
    return _join([
        "## The training loop",
        "",
        f"{epoch} It prints the row `epoch,loss,w,b` with the epoch's start loss and w and b"
        f" after it{units}, each number as `repr` writes it (every digit), and keeps the rows"
        f" in `history` for the plots. {c.epochs} epochs, fewer if the run diverges{ends}"
        f"{stop}.",
        "",
        "The loop goes on from where w and b are: to see the table again from the start,"
        " restart the kernel and run all the cells.",
    ])


def plots(s) -> str:
    if logistic(s):
        fit = ("the points of each class at height 0 or 1, with the fitted sigmoid"
               " $p = \\sigma(" + z_text(s) + ")$ and its decision boundary, where $p = 1/2$"
               " ($x = -b/w$)")
    else:
        fit = "the data with the fitted line"
    return _join([
        "## Plots",
        "",
        "With matplotlib (`pip install matplotlib` if it is missing): the loss at the start"
        " of each epoch, on a log axis when it spans orders of magnitude, and " + fit
        + ", from the last row of the table. A run that diverged draws what it has.",
    ])
