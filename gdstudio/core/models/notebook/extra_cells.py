"""The notebook's code cells that the script has not: the gradient at the start (it only
looks: no state the loop uses changes) and the plots (matplotlib, imported in those cells
only, with one clear line when it is missing).

``s`` is the run's script (see :mod:`gdstudio.core.models.notebook.step_words`).
"""

from __future__ import annotations

#: What a plot cell prints when matplotlib is not installed.
NO_MATPLOTLIB = "pip install matplotlib to draw the plots"

_MATPLOTLIB = f'''try:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
except ImportError:
    plt = None
    print("{NO_MATPLOTLIB}")'''


def gradient_cell(s) -> str:
    """The gradient of the full-data loss at the start, printed."""
    if getattr(s, "analytic", False):
        lines = ["# The gradient at the start, as the analytic steps compute it (nothing changes)",
                 "terms, g = terms_and_slopes(z_of(x, w, b), y, KIND)",
                 "grad_w = float(np.sum(g * x)) / len(x)"]
        if s.bias:
            lines.append("grad_b = float(np.sum(g)) / len(x)")
        lines.append("start_loss = float(np.mean(terms))")
    else:
        if s.manual:
            params = "[w, b]" if s.bias else "[w]"
        else:
            params = "[model.weight, model.bias]" if s.bias else "[model.weight]"
        names = "grad_w, grad_b" if s.bias else "(grad_w,)"
        lines = ["# The gradient at the start (torch.autograd.grad leaves .grad as it is:",
                 "# the loop below starts from the same state)",
                 f"start_loss = criterion({s.output('X')}, Y)",
                 f"{names} = torch.autograd.grad(start_loss, {params})",
                 "start_loss, grad_w = start_loss.item(), grad_w.item()"]
        if s.bias:
            lines.append("grad_b = grad_b.item()")
    lines.append('print(f"loss {start_loss!r}")')
    lines.append('print(f"dL/dw = {grad_w!r}")')
    if s.bias:
        lines.append('print(f"dL/db = {grad_b!r}")')
    return "\n".join(lines)


def loss_plot_cell(s) -> str:
    """The loss at the start of each epoch; a log axis when every loss drawn is positive
    and they span an order of magnitude or more."""
    name = {"mse": "MSE", "mae": "MAE", "huber": "Huber", "bce": "cross-entropy",
            "bce-logits": "cross-entropy"}[s.c.loss]
    if getattr(s.c, "model", "line") == "logistic" and s.c.loss == "mse":
        name = "squared error on the sigmoid"
    return _MATPLOTLIB + f'''
if plt is not None:
    shown = [(row[0], row[1]) for row in history if math.isfinite(row[1])]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([e for e, _ in shown], [v for _, v in shown], marker="o" if len(shown) == 1 else "")
    positive = [v for _, v in shown if v > 0]
    if positive and len(positive) == len(shown) and max(positive) >= 10 * min(positive):
        ax.set_yscale("log")  # the loss spans orders of magnitude
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss ({name}) at the epoch's start")
    ax.set_title(f"The loss over {{len(shown)}} epochs")
    plt.show()'''


def fit_plot_cell(s) -> str:
    """The data with the fitted line, or logistic regression's classes with the sigmoid and
    the decision boundary, from the table's last row."""
    x, y = ("X_DATA", "Y_DATA") if s.std is not None else ("X", "Y")
    head = _MATPLOTLIB + f'''
if plt is not None:
    x_points, y_points = {x}.view(-1).tolist(), {y}.view(-1).tolist()
    fig, ax = plt.subplots(figsize=(6, 4))'''
    if getattr(s.c, "model", "line") == "logistic":
        return head + _SIGMOID_PLOT
    return head + _LINE_PLOT


_LINE_PLOT = '''
    ax.scatter(x_points, y_points, s=12, label="data")
    if history:  # the line after the last epoch
        _, _, w_fit, b_fit = history[-1]
        lo, hi = min(x_points), max(x_points)
        ax.plot([lo, hi], [w_fit * lo + b_fit, w_fit * hi + b_fit], color="C1",
                label=f"y = {w_fit:.4g} x {'-' if b_fit < 0 else '+'} {abs(b_fit):.4g}")
        ax.set_title(f"The data and the line after {len(history)} epochs")
        low, high = min(y_points), max(y_points)
        pad = 0.25 * (high - low) or 1.0
        ax.set_ylim(low - pad, high + pad)  # (a line that diverged leaves the view)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    plt.show()'''

_SIGMOID_PLOT = '''
    for label in (0, 1):
        ax.scatter([x for x, y in zip(x_points, y_points) if y == label],
                   [label for y in y_points if y == label], s=12, label=f"class {label}")
    if history:  # the sigmoid after the last epoch
        _, _, w_fit, b_fit = history[-1]
        lo, hi = min(x_points), max(x_points)
        pad = 0.1 * (hi - lo) or 1.0
        grid = torch.linspace(lo - pad, hi + pad, 400, dtype=torch.float64)
        ax.plot(grid.tolist(), torch.sigmoid(w_fit * grid + b_fit).tolist(), color="C2",
                label=f"p = sigmoid({w_fit:.4g} x {'-' if b_fit < 0 else '+'} {abs(b_fit):.4g})")
        ax.set_title(f"The two classes and the sigmoid after {len(history)} epochs")
        if w_fit != 0 and lo - pad <= -b_fit / w_fit <= hi + pad:
            ax.axvline(-b_fit / w_fit, color="gray", linestyle="--",
                       label=f"decision boundary x = {-b_fit / w_fit:.4g}")
    ax.set_ylim(-0.1, 1.1)
    ax.set_xlabel("x")
    ax.set_ylabel("label, p")
    ax.legend()
    plt.show()'''
