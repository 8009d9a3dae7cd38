"""Kept runs (no Qt widgets): what is kept of a run, its label, and the question asked before
quitting with runs kept.

A kept run's label is its number and :func:`~gdstudio.core.settings.description.run_label`
of its settings; runs whose labels would be the same also name what tells them apart (the
start, the seed, the epochs, a setting's exact value...: :func:`label_runs`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdstudio.core.settings.description import SETTINGS, applicable, run_label
from gdstudio.core.training.results import RunSummary

#: Said wherever a run trained on data that has changed since is shown or written.
STALE_NOTE = "previous data"


@dataclass
class KeptRun:
    """A run kept for comparison: its summary and loss curve, its label and colour, and
    whether it is shown."""

    key: int
    summary: RunSummary
    loss: np.ndarray
    label: str
    #: It was trained on data that has changed since.
    stale: bool = False
    #: Its colour (one of :data:`gdstudio.ui.studio.palette.RUN_COLORS`), kept for its lifetime.
    color: str = ""
    #: Its curve and line are drawn (the compare list's check box).
    visible: bool = True
    #: Its history's w and b after each epoch (the timeline scrubs through them).
    w: np.ndarray | None = None
    b: np.ndarray | None = None
    #: Its path over (w, b), rows (see :func:`run_path`; None: none recorded).
    path: np.ndarray | None = None

    @property
    def title(self) -> str:
        """The label, and whether the data has changed since."""
        return f"{self.label} ({STALE_NOTE})" if self.stale else self.label


def _facts(summary: RunSummary) -> dict[str, tuple[str, tuple]]:
    """What a run did beyond its method and settings' names, by name: (word, values): the
    start it really took, every setting it uses, its float type and number of points."""
    c = summary.config
    start = (summary.init_w, summary.init_b) if c.fit_bias else (summary.init_w,)
    facts = {"start": ("start", start)}
    used = applicable(c)
    for s in SETTINGS:
        if s.name in used and s.name not in ("init_w", "init_b"):
            facts[s.name] = (s.label.lower(), (getattr(c, s.name),))
    facts["dtype"] = ("", (summary.dtype,))
    facts["n_points"] = ("points", (summary.n_points,))
    return facts


def _value_text(value, exact: bool) -> str:
    if value is None:
        return "default"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return repr(float(value)) if exact else f"{value:g}"
    return str(value)


def _fact_text(word: str, values: tuple, exact: bool) -> str:
    texts = [_value_text(v, exact) for v in values]
    value = texts[0] if len(texts) == 1 else f"({', '.join(texts)})"
    return f"{word} {value}" if word else value


def label_runs(runs) -> None:
    """Label these kept runs: ``'#2 batch · manual · MSE · lr 0.1'``, and where several have
    the same settings' label, what differs between them, named in every run's label so the
    list reads as a table, e.g. ``'#2 batch · manual · MSE · lr 0.1 · start (1, 0)'``. A
    value shown with six digits that would look the same as another's is shown in full."""
    runs = list(runs)
    bases = [run_label(run.summary.config) for run in runs]
    facts = [_facts(run.summary) for run in runs]
    names = list(dict.fromkeys(name for f in facts for name in f))
    words = {name: next(f[name][0] for f in facts if name in f) for name in names}
    values = {name: [f.get(name, ("", (None,)))[1] for f in facts] for name in names}
    groups: dict[str, list[int]] = {}
    for i, base in enumerate(bases):
        groups.setdefault(base, []).append(i)
    # what tells apart two runs of one label (a label's own words need no more)
    differ = [name for name in names
              if any(len({values[name][i] for i in group}) > 1 for group in groups.values())]
    exact = {name: len({_fact_text("", v, False) for v in values[name]})
             < len(set(values[name])) for name in differ}
    for i, run in enumerate(runs):
        parts = [bases[i], *(_fact_text(words[n], values[n][i], exact[n]) for n in differ
                             if n in facts[i])]
        run.label = f"#{run.key} {' · '.join(parts)}"


#: Each model's name in the compare list's words.
MODEL_WORDS = {"line": "the line", "logistic": "logistic regression"}


def run_model(run) -> str:
    """The model a kept run trained (``"line"`` or ``"logistic"``)."""
    return getattr(run.summary.config, "model", "line")


def drawn_with(runs, model: str) -> list:
    """The kept ``runs`` of ``model``: only they are drawn on its landscape, loss plot and
    data plot (a line's MSE and a cross-entropy share no axis, nor a (w, b) plane); the
    others stay in the compare list, and are drawn again when their model is back."""
    return [run for run in runs if run_model(run) == model]


def run_path(session) -> np.ndarray:
    """The path of ``session``'s run (a :class:`TrainingSession`), rows (w, b): the recorded
    updates of a stochastic or mini-batch run; the start and every epoch's end of a
    full-batch run."""
    if session.path is not None:
        return session.path
    if session.init is None:
        return np.empty((0, 2))
    h = session.history
    return np.column_stack([np.r_[session.init[0], h.w], np.r_[session.init[1], h.b]])


def quit_question(kept: int) -> str | None:
    """What to ask before quitting with ``kept`` runs kept, or None to quit at once."""
    if kept <= 0:
        return None
    runs = "1 kept run" if kept == 1 else f"{kept} kept runs"
    return (f"Quit and discard {runs}? Kept runs are not saved: File ▸ Export parameters "
            "writes their results.")
