"""The training settings, described once.

Every setting of a run (a field of :class:`~gdstudio.core.settings.config.TrainConfig`) is one
:class:`Setting` in :data:`SETTINGS`: its name, type, range, default, label, command-line flag,
help text and the methods, implementations, optimizers and losses it applies to. That one
description gives ``TrainConfig`` its defaults and its range messages, ``gdstudio train`` its
options, the studio's settings model (:mod:`gdstudio.ui.studio.settings_model`) its values and
checks and through it the settings panel its fields, the session file and the settings store
their keys (:func:`settings_values`) and checks, and the parameters CSV its settings columns.
No Qt here.

Which settings a run uses is :func:`applicable` of its config, decided from the choices
(method, implementation, optimizer, loss, fit_bias), never from the text of a field.
Momentum applies to SGD and to RMSprop (as in torch), but it is each optimizer's own: the
studio keeps the momentum typed for SGD with SGD, and RMSprop starts from its own (0 until
one is typed for it), so switching optimizer never carries a momentum over unseen.
:func:`run_label` names a run by the settings that apply to it and differ from their default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One value of a choice setting: its key, the panel's label and a short label."""

    key: str
    label: str
    short: str


@dataclass(frozen=True)
class Setting:
    """One training setting.

    ``kind`` is ``"choice"``, ``"float"``, ``"int"`` or ``"bool"``. ``low``/``high`` bound a
    number (``None``: unbounded), inclusive unless ``low_open``/``high_open``; ``optional``
    allows ``None`` (the value is then drawn or torch's own). ``methods``, ``impls``,
    ``optimizers`` and ``losses`` (``None``: all) say when it applies; ``optimizers`` also
    limits it to the module implementation. ``subject`` and ``noun`` are the words of its
    messages ("The learning rate must be positive", "learning rate must be finite").
    ``kept_when_not_applicable``: the studio keeps a value that does not apply to the chosen
    path (for when it applies again); otherwise such a value goes back to its default (the run
    would refuse it, or it belongs to another optimizer). ``csv`` is its column in the
    parameters CSV, if it has one.
    """

    name: str
    kind: str
    default: Any
    label: str
    flag: str | None
    help: str | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    optional: bool = False
    choices: tuple[Choice, ...] = ()
    methods: frozenset[str] | None = None
    impls: frozenset[str] | None = None
    optimizers: frozenset[str] | None = None
    losses: frozenset[str] | None = None
    subject: str = ""
    noun: str = ""
    metavar: str | None = None
    kept_when_not_applicable: bool = True
    csv: str | None = None
    #: The value ``gdstudio train`` uses without its flag, when it is not ``default``.
    cli_default: Any = ...
    #: The flag sets the opposite of the setting (``--no-bias`` clears ``fit_bias``).
    cli_inverted: bool = False
    #: Applies only when another setting has one of some values: ``(name, values)``
    #: (``lr_step_size`` only with the step schedule).
    when: tuple[str, frozenset[str]] | None = None
    #: What a first run needs: the settings panel shows it on the first screen; the others
    #: are one click away (More settings).
    basic: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.choices)

    @property
    def dest(self) -> str | None:
        """The attribute of parsed command-line arguments that holds it."""
        return None if self.flag is None else self.flag.lstrip("-").replace("-", "_")

    def range_text(self) -> str:
        """The allowed values in words: ``positive``, ``in [0, 1)``, ``0 or more``..."""
        if self.kind == "int":
            return (f"a whole number from {self.low:g}" if self.low == 0
                    else f"a whole number of at least {self.low:g}")
        lo, hi = self.low, self.high
        if lo == 0 and hi is None:
            return "positive" if self.low_open else "0 or more"
        if lo is not None and hi is not None:
            return (f"in {'(' if self.low_open else '['}{lo:g}, {hi:g}"
                    f"{')' if self.high_open else ']'}")
        return "a finite number"

    def applies_to(self) -> str:
        """Where it applies, in words ('' for every run): 'Adam only', 'Huber loss only'."""
        parts = []
        if self.methods is not None:
            parts.append(" or ".join(v for k, v in METHOD_LABELS.items() if k in self.methods))
        if self.optimizers is not None:
            parts.append(", ".join(v for k, v in OPTIMIZER_LABELS.items()
                                   if k in self.optimizers))
        elif self.impls is not None:
            parts.append("the module implementation")
        if self.losses is not None:
            parts.append(" or ".join(f"{v} loss" for k, v in LOSS_LABELS.items()
                                     if k in self.losses))
        return "; ".join(parts) + " only" if parts else ""

    def cli_help(self) -> str:
        """The help text of its command-line flag: what it is, its range, where it applies."""
        if self.help is not None:
            text = self.help
        elif self.kind == "choice":
            text = self.noun
        else:
            text = f"{self.label}, {self.range_text()}"
        where = self.applies_to()
        text += f"; {where}" if where else ""
        if self.help is None and self.kind != "bool":
            text += " (default %(default)s)"
        return text

    def describe(self) -> str:
        """What it is, in one sentence for a screen reader (a field's accessible
        description): its choices, its help (unless it speaks of command-line flags) or its
        range, and where it applies."""
        if self.kind == "choice":
            text = f"The {self.noun}: " + ", ".join(c.label for c in self.choices)
        elif self.help is not None and not self.cli_inverted and "--" not in self.help:
            text = self.help[0].upper() + self.help[1:]
        elif self.kind == "bool":
            text = self.label
        else:
            text = f"{self.label}, {self.range_text()}"
        where = self.applies_to()
        return text + (f"; {where}" if where else "") + "."

    def in_range(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return not (self.high is not None
                    and (value > self.high or (self.high_open and value == self.high)))

    def problem(self, value) -> str | None:
        """The message for a value this setting cannot take, or None (the message
        :meth:`TrainConfig.validate` raises; cross-setting rules are checked there)."""
        if self.kind == "choice":
            if value not in self.keys:
                return f"Unknown {self.noun} {value!r}; choose one of {', '.join(self.keys)}."
            return None
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"{self.noun} must be true or false."
        if value is None and self.optional:
            return None
        if self.kind == "int":
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole or not self.in_range(value):
                return f"{self.subject} must be {self.range_text()}, got {value!r}."
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{self.noun} must be a number, got {value!r}."
        if not math.isfinite(value):
            return f"{self.noun} must be finite, got {value!r}."
        if not self.in_range(value):
            return f"{self.subject} must be {self.range_text()}, got {value!r}."
        return None


def _set(*keys: str) -> frozenset[str]:
    return frozenset(keys)


_MODULE = _set("module")
_UNIT = {"low": 0.0, "high": 1.0, "high_open": True}

#: Every training setting, in the order of TrainConfig's fields.
SETTINGS: tuple[Setting, ...] = (
    Setting("model", "choice", "line", "Model", "--model", noun="model",
            help="the model: line (y = w*x + b, the default) or logistic "
                 "(p = sigmoid(w*x + b), labels 0 or 1)",
            choices=(Choice("line", "Line  y = w·x + b", "line"),
                     Choice("logistic", "Logistic regression  p = σ(w·x + b)", "logistic")),
            basic=True),
    Setting("method", "choice", "batch", "Descent", "--method", noun="method",
            choices=(Choice("batch", "Batch gradient descent", "batch"),
                     Choice("sgd", "Stochastic (per point)", "stochastic"),
                     Choice("minibatch", "Mini-batch", "mini-batch")), csv="method",
            basic=True),
    Setting("impl", "choice", "manual", "Implementation", "--impl", noun="implementation",
            choices=(Choice("manual", "Manual autograd", "manual autograd"),
                     Choice("module", "nn.Linear + torch.optim", "nn.Linear + torch.optim"),
                     Choice("analytic", "Analytic gradients (fast)", "analytic gradients")),
            csv="impl", basic=True),
    Setting("optimizer", "choice", "sgd", "Optimizer", "--optimizer", noun="optimizer",
            choices=(Choice("sgd", "SGD", "SGD"), Choice("adam", "Adam", "Adam"),
                     Choice("rmsprop", "RMSprop", "RMSprop"),
                     Choice("adagrad", "Adagrad", "Adagrad")),
            impls=_MODULE, kept_when_not_applicable=False, csv="optimizer"),
    Setting("loss", "choice", "mse", "Loss", "--loss", noun="loss",
            choices=(Choice("mse", "MSE (nn.MSELoss)", "MSE"),
                     Choice("mae", "MAE (nn.L1Loss)", "MAE"),
                     Choice("huber", "Huber (nn.HuberLoss)", "Huber"),
                     Choice("bce", "Cross-entropy (nn.BCELoss on σ)", "BCE"),
                     Choice("bce-logits", "Cross-entropy (nn.BCEWithLogitsLoss)",
                            "BCE with logits")), csv="loss_fn",
            cli_default=None),  # (gdstudio train: the model's default_loss)
    Setting("learning_rate", "float", 0.1, "Learning rate", "--lr", low=0.0, low_open=True,
            subject="The learning rate", noun="learning rate", metavar="F",
            csv="learning_rate", basic=True),
    Setting("epochs", "int", 20, "Epochs", "--epochs", low=1, subject="Epochs", noun="epochs",
            metavar="N", basic=True),
    Setting("batch_size", "int", 10, "Batch size", "--batch-size", low=1,
            methods=_set("minibatch"), subject="The batch size", noun="batch size",
            metavar="N", csv="batch_size"),
    Setting("init_w", "float", -10.0, "Initial w", "--init-w", optional=True,
            help="initial w (default: drawn from --seed like nn.Linear)", subject="init w",
            noun="init w", metavar="F", csv="init_w", cli_default=None),
    Setting("init_b", "float", -20.0, "Initial b", "--init-b", optional=True,
            help="initial b (default: drawn from --seed like nn.Linear)", subject="init b",
            noun="init b", metavar="F", csv="init_b", cli_default=None),
    Setting("seed", "int", 0, "Seed", "--seed", low=0, high=2**63, high_open=True,
            help="seeds the noisy line, a drawn start and shuffling (default 0)",
            subject="The seed", noun="seed", metavar="K", csv="seed"),
    Setting("shuffle", "bool", False, "Shuffle every epoch (seeded)", "--shuffle",
            help="seeded shuffle each epoch", methods=_set("sgd", "minibatch"),
            noun="shuffle", csv="shuffle"),
    Setting("fit_bias", "bool", True, "Fit the bias b (off: y = w·x)", "--no-bias",
            help="fit y = w*x (b stays 0)", noun="fit_bias", csv="fit_bias", cli_inverted=True),
    Setting("momentum", "float", 0.0, "Momentum", "--momentum", **_UNIT,
            optimizers=_set("sgd", "rmsprop"), subject="Momentum", noun="momentum",
            metavar="M", kept_when_not_applicable=False, csv="momentum"),
    Setting("nesterov", "bool", False, "Nesterov", "--nesterov",
            help="Nesterov momentum (with a momentum above 0)", optimizers=_set("sgd"),
            noun="nesterov", kept_when_not_applicable=False, csv="nesterov"),
    Setting("weight_decay", "float", 0.0, "Weight decay", "--weight-decay", low=0.0,
            impls=_MODULE, subject="Weight decay", noun="weight decay",
            kept_when_not_applicable=False, csv="weight_decay"),
    Setting("beta1", "float", 0.9, "Beta 1", "--beta1", **_UNIT, optimizers=_set("adam"),
            subject="beta1", noun="beta1"),
    Setting("beta2", "float", 0.999, "Beta 2", "--beta2", **_UNIT, optimizers=_set("adam"),
            subject="beta2", noun="beta2"),
    Setting("alpha", "float", 0.99, "Alpha (smoothing)", "--alpha", **_UNIT,
            optimizers=_set("rmsprop"), subject="alpha", noun="alpha"),
    Setting("eps", "float", None, "Eps", "--eps", low=0.0, low_open=True, optional=True,
            help="optimizer eps (default: torch's, 1e-8; Adagrad 1e-10)",
            optimizers=_set("adam", "rmsprop", "adagrad"), subject="eps", noun="eps"),
    Setting("huber_delta", "float", 1.0, "Huber delta", "--huber-delta", low=0.0,
            low_open=True, losses=_set("huber"), subject="The Huber delta",
            noun="Huber delta"),
    Setting("standardize", "bool", False, "Standardize x and y", "--standardize",
            help="train on standardized x and y ((v - mean) / std); w, b are reported in the "
                 "data's units (w, b) and in the standardized ones (w_std, b_std), the loss in "
                 "the data's units", noun="standardize", csv="standardize"),
    Setting("tol", "float", 0.0, "Stop tolerance", "--tol", low=0.0, metavar="F",
            help="stop rule, 0 (the default) = off: stop at the end of the first epoch where "
                 "the relative change of the full-data loss, "
                 "|L(end) - L(start)| / max(|L(start)|, 1e-300), or "
                 "the norm of the full-data gradient at the epoch's end parameters, "
                 "sqrt((dL/dw)^2 + (dL/db)^2) (the subgradient sign(e) for MAE), falls below "
                 "F; both in the units the run trains in (standardized ones when standardizing)",
            subject="The stop tolerance", noun="stop tolerance", csv="tol"),
    Setting("lr_schedule", "choice", "none", "LR schedule", "--lr-schedule",
            noun="learning-rate schedule",
            choices=(Choice("none", "Constant learning rate", "none"),
                     Choice("step", "Step decay (StepLR)", "step"),
                     Choice("exponential", "Exponential decay (ExponentialLR)",
                            "exponential")), csv="lr_schedule"),
    Setting("lr_step_size", "int", 10, "LR step size (epochs)", "--lr-step-size", low=1,
            help="StepLR's step_size: the learning rate is multiplied by --lr-gamma every N "
                 "epochs (default 10)",
            subject="The learning-rate step size", noun="learning-rate step size",
            metavar="N", when=("lr_schedule", frozenset({"step"})), csv="lr_step_size"),
    Setting("lr_gamma", "float", 0.5, "LR gamma", "--lr-gamma", low=0.0, low_open=True,
            high=1.0, help="the schedule's gamma, in (0, 1]: the factor of each decay (StepLR, "
                           "ExponentialLR; default 0.5)",
            subject="The learning-rate gamma", noun="learning-rate gamma", metavar="G",
            when=("lr_schedule", frozenset({"step", "exponential"})), csv="lr_gamma"),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
#: The default of every setting, by name.
DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}

METHODS = BY_NAME["method"].keys
IMPLEMENTATIONS = BY_NAME["impl"].keys
OPTIMIZERS = BY_NAME["optimizer"].keys
LOSSES = BY_NAME["loss"].keys
METHOD_LABELS = {c.key: c.short for c in BY_NAME["method"].choices}
IMPL_LABELS = {c.key: c.short for c in BY_NAME["impl"].choices}
OPTIMIZER_LABELS = {c.key: c.short for c in BY_NAME["optimizer"].choices}
LOSS_LABELS = {c.key: c.short for c in BY_NAME["loss"].choices}
MODELS = BY_NAME["model"].keys
MODEL_LABELS = {c.key: c.short for c in BY_NAME["model"].choices}
#: The losses each model trains with, its default first. Logistic regression's ``mse`` is the
#: squared error on the sigmoid (the lesson on why cross-entropy is used).
MODEL_LOSSES: dict[str, tuple[str, ...]] = {"line": ("mse", "mae", "huber"),
                                            "logistic": ("bce", "bce-logits", "mse")}


def default_loss(model: str) -> str:
    """The loss a run of ``model`` uses unless one is chosen (``mse`` for the line,
    ``bce`` for logistic regression)."""
    return MODEL_LOSSES[model][0]
#: torch's own eps of each optimizer (what ``eps=None`` means).
TORCH_EPS = {"adam": 1e-8, "rmsprop": 1e-8, "adagrad": 1e-10}
#: The settings columns of the parameters CSV, in their order (the description names them).
PARAMS_SETTINGS = ("method", "impl", "optimizer", "loss", "learning_rate", "batch_size",
                   "momentum", "nesterov", "weight_decay", "init_w", "init_b", "seed",
                   "shuffle", "fit_bias")
#: Settings columns added later, written after the columns above (which keep their places):
#: ``standardize``, followed by ``w_std``, ``b_std`` (see :mod:`gdstudio.core.training.results`).
PARAMS_LATE_SETTINGS = ("standardize",)
#: Settings columns added after ``data_changed`` (which keeps its place), followed by the
#: stop rule's result: ``stopped_by``, ``stop_epoch``, ``stop_value`` (see
#: :mod:`gdstudio.core.training.results`).
PARAMS_TRAINING_SETTINGS = ("tol", "lr_schedule", "lr_step_size", "lr_gamma")


def settings_values(config) -> dict:
    """Every setting of ``config`` by its name, in the description's order, as plain JSON
    values (a float setting given a whole number is a float): what a session file and the
    settings store write."""
    out = {}
    for s in SETTINGS:
        value = getattr(config, s.name)
        if s.kind == "float" and value is not None:
            value = float(value)
        out[s.name] = value
    return out


def applies(setting: Setting, method: str, impl: str, optimizer: str, loss: str) -> bool:
    """Whether ``setting`` is used by a run on this path."""
    if setting.methods is not None and method not in setting.methods:
        return False
    if setting.impls is not None and impl not in setting.impls:
        return False
    if setting.optimizers is not None and (impl != "module" or optimizer not in
                                           setting.optimizers):
        return False
    return setting.losses is None or loss in setting.losses


def applicable(config) -> frozenset[str]:
    """The names of the settings a run with ``config`` uses (its method, implementation,
    optimizer, loss and fit_bias decide; no value is read from text).

    A setting with ``when`` applies only when that setting has one of its values
    (``lr_step_size`` with the step schedule, ``lr_gamma`` with any schedule).
    ``init_b`` and ``standardize`` apply only when the bias is fitted; ``init_w``/``init_b``
    apply (as the start, or drawn from the seed when None) whatever the path.
    """
    names = {s.name for s in SETTINGS
             if applies(s, config.method, config.impl, config.optimizer, config.loss)
             and (s.when is None or getattr(config, s.when[0], None) in s.when[1])}
    if not config.fit_bias:
        names -= {"init_b", "standardize"}  # (standardizing centres y: it needs the bias)
    if getattr(config, "model", "line") != "line":
        names.discard("standardize")  # (it standardizes y, and labels are 0 or 1)
    return frozenset(names)


def effective(config):
    """``config`` with every setting that does not apply back at its default: two configs
    with the same ``effective`` config train the same run."""
    used = applicable(config)
    changes = {s.name: s.default for s in SETTINGS
               if s.name not in used and getattr(config, s.name) != s.default
               and s.name not in ("init_w", "init_b")}
    return config.replace(**changes) if changes else config


def _num(value: float) -> str:
    return f"{float(value):g}"


def optimizer_text(config) -> str:
    """``'SGD'``, ``'RMSprop (momentum 0.5, alpha 0.9)'``: the optimizer and its non-default
    settings (module implementation)."""
    used = applicable(config)
    parts = []
    if "momentum" in used and config.momentum:
        parts.append(f"momentum {_num(config.momentum)}")
        if "nesterov" in used and config.nesterov:
            parts.append("nesterov")
    for name, word in (("beta1", "β1"), ("beta2", "β2"), ("alpha", "alpha")):
        if name in used and getattr(config, name) != DEFAULTS[name]:
            parts.append(f"{word} {_num(getattr(config, name))}")
    if ("eps" in used and config.eps is not None
            and config.eps != TORCH_EPS[config.optimizer]):
        parts.append(f"eps {_num(config.eps)}")
    if "weight_decay" in used and config.weight_decay:
        parts.append(f"weight decay {_num(config.weight_decay)}")
    name = OPTIMIZER_LABELS[config.optimizer]
    return f"{name} ({', '.join(parts)})" if parts else name


def run_label(config) -> str:
    """A label that tells runs apart by what they do, e.g.
    ``'mini-batch B=10 shuffled · SGD (momentum 0.9, nesterov) · Huber (delta 0.5) · lr 0.01'``.

    It names the method (with the batch size of mini-batch), the implementation or, for
    nn.Linear + torch.optim, the optimizer with its non-default settings, the loss (with a
    non-default Huber delta) and the learning rate, and its learning-rate schedule if it has
    one. Settings that do not apply to the run never appear.
    """
    used = applicable(config)
    method = METHOD_LABELS[config.method]
    if "batch_size" in used:
        method += f" B={config.batch_size}"
    if "shuffle" in used and config.shuffle:
        method += " shuffled"
    if config.impl == "module":
        impl = optimizer_text(config)
    else:
        impl = {"manual": "manual", "analytic": "analytic"}[config.impl]
    loss = LOSS_LABELS[config.loss]
    if "huber_delta" in used and config.huber_delta != DEFAULTS["huber_delta"]:
        loss += f" (delta {_num(config.huber_delta)})"
    parts = [method, impl, loss, f"lr {_num(config.learning_rate)}"]
    if getattr(config, "model", "line") != "line":
        parts.insert(0, MODEL_LABELS[config.model])
    if not config.fit_bias:
        parts.append("no bias")
    if getattr(config, "standardize", False):
        parts.append("standardized")
    if config.lr_schedule == "step":
        parts.append(f"StepLR({config.lr_step_size}, {_num(config.lr_gamma)})")
    elif config.lr_schedule == "exponential":
        parts.append(f"ExponentialLR({_num(config.lr_gamma)})")
    return " · ".join(parts)
