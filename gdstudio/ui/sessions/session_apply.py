"""Between the studio and a :class:`~gdstudio.core.files.session.Session`: :func:`capture`
takes the studio's state as a session, :func:`apply` puts a (checked) session into the studio.

Both go through the controller and its models: the settings are its
:class:`~gdstudio.ui.studio.settings_model.SettingsModel`'s, the view options its
:class:`~gdstudio.ui.studio.view_model.ViewOptions`' (every option of
:data:`gdstudio.core.settings.view_description.VIEW_OPTIONS`; the window's controls follow
them). A view option is added with one entry in its description, and a control that shows it.
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


def capture(controller, settings: TrainConfig, lesson=None, with_current: bool = True) -> Session:
    """The studio's state as a session: the data, ``settings`` (the valid settings), the kept
    runs, the current run when it has ended (not one that is going), the view options and
    ``lesson``. Arrays are shared, not copied (none of them is ever written again)."""
    c = controller
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
    return Session(d.x, d.y, d.dtype, settings, c.view_options.values(), runs, current,
                   c.next_run_number, lesson)


def beyond_limits(settings_model, session: Session) -> str | None:
    """What in ``session``'s settings the settings model cannot hold (a whole number above
    its maximum here, such as epochs past the memory cap), or None."""
    for s in SETTINGS:
        value = getattr(session.settings, s.name)
        if s.kind == "int" and value > settings_model.maximum(s.name):
            return (f"settings.{s.name}: must be at most "
                    f"{settings_model.maximum(s.name):,}, got {value:,}")
    return None


def preparer(controller):
    """A function to call on the worker thread that read a session: it makes the data set
    and the optimum and step-size guide of its points (with the studio's current loss
    settings: most sessions have the same), for :func:`apply`."""
    prepare_numbers = controller.numbers_feed.prepare()

    def prepare(session: Session):
        dataset = Dataset(session.x, session.y)
        return dataset, prepare_numbers(dataset)

    return prepare


def apply(controller, session: Session, prepared=None) -> None:
    """Put ``session`` (read and checked) into the studio: the current run is forgotten
    (stopped first), the data replaced (the undo history starts again) with the session's
    model (not undoable, as the data; the data each model had before is forgotten), the settings,
    kept runs, current run and view options (presentation mode last). ``prepared``: what
    :func:`preparer`'s function made of ``session`` on the worker thread, or None."""
    c = controller
    c.running.reset()  # (no Reset request: a lesson locking Reset does not refuse it)
    adopted = False
    if prepared is None:
        dataset = Dataset(session.x, session.y)
    else:  # (numbers made for other loss settings are not taken: computed as it goes in)
        dataset, numbers = prepared
        adopted = c.numbers_feed.adopt(dataset, numbers)
    # The session's model comes with its data (never logistic regression with other data
    # than its labels): the line's settings before the data, logistic regression's after.
    line = session.settings.model == "line"
    if line:
        c.settings_model.set_config(session.settings)
    if c.replace_data(dataset, "Open session"):
        if adopted:
            c.optimumChanged.emit()
    elif adopted:
        c.numbers_feed.forget()  # (the data did not change)
    c.model.undo_stack.clear()
    c.model_switch.forget()  # (a new start: no model's data is remembered from before)
    if not line:
        c.settings_model.set_config(session.settings)
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
    view = {name: VIEW_BY_NAME[name].nearest(value) for name, value in session.view.items()
            if name in VIEW_BY_NAME}
    presentation = bool(view.pop("presentation", False))
    c.view_options.restore(view)
    c.view_options.restore({"presentation": presentation})
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
