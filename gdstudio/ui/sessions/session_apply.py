"""Between the window and a :class:`~gdstudio.core.files.session.Session`: :func:`capture` takes
the studio's state as a session, :func:`apply` puts a (checked) session into the studio.

The view options are :data:`VIEW_BINDINGS`: for each view option of
:data:`gdstudio.core.settings.view_description.VIEW_OPTIONS`, how to read it from the window,
how to set it, and the signal that says it changed (which marks the session as changed). A
view option is added with one entry there and one here.
"""

from __future__ import annotations

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.files.session import RunRecord, Session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import SETTINGS
from gdstudio.core.settings.view_description import VIEW_BY_NAME
from gdstudio.core.training.runstate import RunStatus
from gdstudio.ui.studio.kept_runs import KeptRun
from gdstudio.ui.threads.history import History

#: name -> (read it from the window, set it in the window, the window's signal that it
#: changed, or None). ``presentation`` is saved but is no change to save.
VIEW_BINDINGS = {
    "log_scale": (lambda w: w.act_log.isChecked(), lambda w, v: w.act_log.setChecked(v),
                  lambda w: w.act_log.toggled),
    "show_optimum": (lambda w: w.act_optimum.isChecked(),
                     lambda w, v: w.act_optimum.setChecked(v), lambda w: w.act_optimum.toggled),
    "landscape": (lambda w: w.act_landscape.isChecked(),
                  lambda w, v: w.act_landscape.setChecked(v), lambda w: w.act_landscape.toggled),
    "curvature": (lambda w: w.act_curvature.isChecked(),
                  lambda w, v: w.act_curvature.setChecked(v), lambda w: w.act_curvature.toggled),
    "residuals": (lambda w: w.line_views.overlay.mode,
                  lambda w, v: w.line_views.set_residuals(v), None),
    "presentation": (lambda w: w.presentation.active,
                     lambda w, v: w.presentation.set_active(v), None),
    "speed": (lambda w: w.speed.currentIndex(),
              lambda w, v: w.speed.setCurrentIndex(min(v, w.speed.count() - 1)),
              lambda w: w.speed.currentIndexChanged),
}
assert set(VIEW_BINDINGS) == set(VIEW_BY_NAME)
#: View options saved with a session whose change is no change to save (the speed is also
#: remembered by the settings store; presentation mode is how the window is shown now).
NOT_CHANGES = frozenset({"presentation", "speed"})


def view_options(window) -> dict:
    """The window's view options now, by name."""
    return {name: get(window) for name, (get, _set, _signal) in VIEW_BINDINGS.items()}


def view_signals(window) -> list:
    """The signals that say a view option changed (one that is a change to save)."""
    signals = [signal(window) for name, (_get, _set, signal) in VIEW_BINDINGS.items()
               if signal and name not in NOT_CHANGES]
    signals += [a.toggled for a in window.line_views.residual_actions.values()]
    return signals


def capture(window, settings: TrainConfig, lesson=None, with_current: bool = True) -> Session:
    """The studio's state as a session: the data, ``settings`` (the valid settings), the kept
    runs, the current run when it has ended (not one that is going), the view options and
    ``lesson``. Arrays are shared, not copied (none of them is ever written again)."""
    c = window.controller
    d = c.dataset
    runs = []
    for k in c.kept_runs:
        n = len(k.loss)
        w = k.w if k.w is not None else np.full(n, float(k.summary.w))
        b = k.b if k.b is not None else np.full(n, float(k.summary.b))
        runs.append(RunRecord(k.summary, k.loss, w, b, k.path, key=k.key, label=k.label,
                              color=k.color, visible=k.visible, stale=k.stale))
    current = None
    s = c.session
    if (with_current and not s.active and c.current_summary is not None
            and s.init is not None and c.current_summary.epochs_done == s.history.count):
        h = s.history
        current = RunRecord(c.current_summary, h.loss, h.w, h.b, s.path, init=s.init,
                            samples_per_epoch=h.samples_per_epoch,
                            updates_per_epoch=h.updates_per_epoch, stale=c.stale,
                            kept=c.result_kept)
    return Session(d.x, d.y, d.dtype, settings, view_options(window), runs, current,
                   c.next_run_number, lesson)


def beyond_fields(window, session: Session) -> str | None:
    """What in ``session``'s settings the window's fields cannot hold (a whole number above
    its field's maximum, such as epochs past the memory cap), or None."""
    for s in SETTINGS:
        value = getattr(session.settings, s.name)
        if s.kind == "int" and value > getattr(window.panel, s.name).maximum():
            return (f"settings.{s.name}: must be at most "
                    f"{getattr(window.panel, s.name).maximum():,}, got {value:,}")
    return None


def apply(window, session: Session) -> None:
    """Put ``session`` (read and checked) into the studio: the current run is forgotten
    (stopped first), the data replaced (the undo history starts again), then the settings,
    kept runs, current run and view options."""
    c = window.controller
    c.reset()
    dataset = Dataset(session.x, session.y)
    c.replace_data(dataset, "Open session")
    c.model.undo_stack.clear()
    window.panel.set_config(session.settings)
    c.kept_runs = []  # (views forget the old runs' curves and paths first: keys repeat)
    c.select_runs(())
    c.keptRunsChanged.emit()
    c.kept_runs = [
        KeptRun(r.key, r.summary, r.loss, r.label, stale=r.stale, color=r.color,
                visible=r.visible, w=r.w, b=r.b, path=r.path) for r in session.runs]
    c._next_key = max(session.next_run, max((r.key + 1 for r in session.runs), default=1))
    c._kept_current = False
    c.keptRunsChanged.emit()
    if session.current is not None and session.current.init is not None:
        _restore_current(c, dataset, session.current)
    for name, (_get, set_value, _signal) in VIEW_BINDINGS.items():
        if name != "presentation":
            set_value(window, session.view[name])
    window.presentation.set_active(bool(session.view["presentation"]))
    c.announce_actions()


def _restore_current(c, dataset: Dataset, run: RunRecord) -> None:
    """The ended run of a session as the current run: its history, path and result, drawn
    as if it had just run."""
    s, summary = c.session, run.summary
    s.history = History.from_columns(run.loss, run.w, run.b, run.samples_per_epoch,
                                     run.updates_per_epoch)
    s.init, s.path, s.config = run.init, run.path, summary.config
    s.dataset = None if run.stale else dataset
    s.status, s.summary, s.detail = RunStatus(summary.status), summary, None
    s.position = None
    c.current_summary = summary
    c.stale = run.stale
    c._kept_current = run.kept
    detail = None
    if s.status is RunStatus.DIVERGED:
        loss = None if summary.loss == "" else summary.loss
        detail = TrainingDiverged(summary.epochs_done, summary.config.learning_rate, 0.0,
                                  summary.w, summary.b, loss, reason="as saved",
                                  guide="as saved")
    c.runStarted.emit(summary.config)
    if s.history.count:
        c.epochsAppended.emit(s.history.count)
    c.pathChanged.emit()
    c.runFinished.emit(s.status, detail)
