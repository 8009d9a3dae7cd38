"""The studio's controller without a window: editing, running, keeping and exporting.

Every test here drives a :class:`StudioController` through its requests and waits on its
signals; no widget is ever created (the ``controller`` fixture checks it, and one test runs
the controller in a process that has no QApplication at all).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from gdstudio.cli.main import main as cli_main
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.core.training.results import PARAMS_HEADER
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.studio.action_state import MessageLevel
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.studio.kept_runs import quit_question
from tests import forked
from tests.paths import ROOT


def widgets() -> list:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return QApplication.allWidgets()


@pytest.fixture
def controller(qtbot):
    """A controller on the tutorial's line; the test must create no widget (widgets of
    earlier tests may be collected meanwhile, so new ones are counted, not all)."""
    before = widgets()  # held, so no id below is reused by a new widget
    known = {id(w) for w in before}
    c = StudioController()
    yield c
    c.shutdown(5000)
    assert not [w for w in widgets() if id(w) not in known], "the controller created a widget"


class Recorder:
    """Everything a controller announced, in order."""

    def __init__(self, c: StudioController):
        self.messages: list[tuple[str, str, MessageLevel]] = []
        self.status: list[str] = []
        self.actions: list[dict] = []
        self.data: list[bool] = []
        self.kept = 0
        c.messageRaised.connect(lambda *m: self.messages.append(m))
        c.statusReported.connect(lambda text, ms: self.status.append(text))
        c.actionsChanged.connect(self.actions.append)
        c.dataChanged.connect(self.data.append)
        c.keptRunsChanged.connect(self._on_kept)

    def _on_kept(self):
        self.kept += 1


def history_tuples(records):
    return [(r.epoch, r.loss, r.w, r.b, r.samples_seen, r.updates) for r in records]


def run_to_end(qtbot, c: StudioController, config: TrainConfig | None = None,
               timeout: int = 30_000):
    """Start a run and wait for its end; the run's status and detail."""
    with qtbot.waitSignal(c.runFinished, timeout=timeout) as finished:
        assert c.train(config)
    return finished.args


def slow_run(qtbot, c: StudioController, epochs: int = 100_000):
    """Start a run of one epoch every 10 ms and wait for its first epochs."""
    c.set_settings(TrainConfig(learning_rate=0.001, epochs=epochs))
    c.set_speed(0.01)
    with qtbot.waitSignal(c.epochsAppended, timeout=10_000):
        assert c.train()


def wait_state(qtbot, c: StudioController, state: RunState):
    return qtbot.waitSignal(c.runStateChanged, timeout=10_000,
                            check_params_cb=lambda s: s is state)


# --------------------------------------------------------------------------- editing


def test_add_move_delete_undo_redo(qtbot, controller):
    c = controller
    seen = Recorder(c)
    original = c.dataset
    with qtbot.waitSignal(c.dataChanged):
        assert c.add_point(2.0, 20.0)
    assert len(c.dataset) == 101 and (c.dataset.x[-1], c.dataset.y[-1]) == (2.0, 20.0)
    assert seen.status[-1] == "Added (2, 20)."
    assert c.move_point(100, 3.0, 30.0)
    assert (c.dataset.x[-1], c.dataset.y[-1]) == (3.0, 30.0)
    c.select_points((0, 100))
    assert c.enabled_actions()["delete"]
    assert c.delete_selected()
    assert len(c.dataset) == 99 and c.selected_points == ()
    assert not c.enabled_actions()["delete"]
    assert seen.actions[-1]["undo"] and not seen.actions[-1]["redo"]
    for _ in range(3):
        c.undo()
    assert c.dataset == original
    assert seen.actions[-1]["redo"] and not seen.actions[-1]["undo"]
    c.redo()
    assert len(c.dataset) == 101
    assert seen.data == [False] * 7  # edits, not replacements: no view refits
    assert not seen.messages


def test_a_refused_edit_says_why_and_changes_nothing(controller):
    c = controller
    seen = Recorder(c)
    before = c.dataset
    assert not c.move_point(500, 1.0, 1.0)
    assert not c.add_point(float("nan"), 1.0)
    assert [(t, level) for t, _, level in seen.messages] == [
        ("Cannot edit the data", MessageLevel.WARNING)] * 2
    assert "no point number 500" in seen.messages[0][1]
    assert c.dataset is before and not c.model.undo_stack.count()


def test_generate_replace_clear_and_import(controller, tmp_path):
    c = controller
    seen = Recorder(c)
    assert c.generate(slope=2.0, intercept=1.0, noise=0.0, x_min=0.0, x_max=1.0, x_step=0.25)
    assert c.dataset.x.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert seen.data == [True]  # replaced: views fit their range to it
    assert not c.generate(x_min=1.0, x_max=0.0)
    assert seen.messages[-1][0] == "Cannot generate" and "x max" in seen.messages[-1][1]
    assert c.clear() and len(c.dataset) == 0
    assert not c.enabled_actions()["train"]  # nothing to train on
    assert not c.clear()  # nothing to clear: no edit
    good = tmp_path / "in.csv"
    good.write_text("x,y\n1,2\n3,4\n")
    assert c.import_csv(str(good))
    assert c.dataset == Dataset.from_points([(1, 2), (3, 4)])
    assert c.last_dir == str(tmp_path)
    assert seen.status[-1] == f"Imported 2 points from {good}."
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,abc\n")
    assert not c.import_csv(str(bad))
    title, text, _ = seen.messages[-1]
    assert title == "Cannot import the CSV file" and "line 3" in text
    assert c.dataset == Dataset.from_points([(1, 2), (3, 4)])


def test_the_data_is_locked_during_a_run(qtbot, controller, tmp_path):
    c = controller
    seen = Recorder(c)
    before = c.dataset
    slow_run(qtbot, c)
    enabled = c.enabled_actions()
    for name in ("import", "generate", "clear", "undo", "redo", "delete", "settings"):
        assert not enabled[name], name
    csv = tmp_path / "in.csv"
    csv.write_text("1,2\n3,4\n")
    refused = [c.add_point(1.0, 30.0), c.move_point(0, 1.0, 1.0), c.delete_points((0,)),
               c.clear(), c.generate(), c.replace_data(noisy_line(seed=3), "other"),
               c.import_csv(str(csv))]
    c.undo()
    c.redo()
    assert refused == [False] * 7
    assert c.dataset is before
    locked = [s for s in seen.status if "locked" in s]
    assert len(locked) == 9 and locked[0] == (
        "The data is locked while training runs: stop it (Shift+F5) to edit.")
    with qtbot.waitSignal(c.runFinished, timeout=10_000):
        c.stop()
    assert c.add_point(1.0, 30.0) and len(c.dataset) == 101


# --------------------------------------------------------------------------- running


def test_a_run_to_its_end_gives_the_engine_numbers(qtbot, controller):
    c = controller
    seen = Recorder(c)
    config = TrainConfig(method="minibatch", learning_rate=0.01, epochs=15, shuffle=True)
    c.set_settings(config)
    states = []
    c.runStateChanged.connect(states.append)
    status, detail = run_to_end(qtbot, c)
    assert (status, detail) == (RunStatus.DONE, None)
    assert states == [RunState.RUNNING, RunState.IDLE]
    expected = list(train(c.dataset, config))
    assert history_tuples(c.history.records()) == history_tuples(expected)
    summary = c.current_summary
    assert (summary.w, summary.b, summary.status) == (expected[-1].w, expected[-1].b, "done")
    assert seen.status[0].startswith("Training: mini-batch")
    assert seen.status[-1].startswith("Done: 15 epochs;")
    enabled = seen.actions[-1]
    assert enabled["keep"] and enabled["export_history"] and enabled["train"]
    assert not enabled["stop"] and not enabled["pause"]


def test_pause_step_resume_and_stop(qtbot, controller):
    c = controller
    slow_run(qtbot, c)
    assert c.enabled_actions()["pause"] and not c.enabled_actions()["train"]
    # the state says paused at once; the pause is reached (every epoch finished before it
    # delivered) a moment later
    with wait_state(qtbot, c, RunState.PAUSED), qtbot.waitSignal(c.session.pauseReached):
        c.pause()
    assert c.enabled_actions()["train"] and c.enabled_actions()["step"]
    frozen = c.history.count
    with wait_state(qtbot, c, RunState.PAUSED):  # Step: one epoch, then paused again
        c.step()
    assert c.history.count == frozen + 1
    with wait_state(qtbot, c, RunState.RUNNING):
        assert c.train()  # resumes
    qtbot.waitUntil(lambda: c.history.count >= frozen + 3, timeout=10_000)
    with qtbot.waitSignal(c.runFinished, timeout=10_000) as finished:
        c.stop()
    assert finished.args == [RunStatus.STOPPED, None]
    done = c.history.count
    expected = list(train(c.dataset, TrainConfig(learning_rate=0.001, epochs=done)))
    assert history_tuples(c.history.records()) == history_tuples(expected)
    assert c.current_summary.status == "stopped"


def test_step_from_idle_starts_a_paused_run(qtbot, controller):
    c = controller
    with wait_state(qtbot, c, RunState.PAUSED):
        c.step()
    assert c.history.count == 1
    with qtbot.waitSignal(c.runFinished, timeout=10_000):
        c.stop()
    assert c.current_summary.epochs_done == 1


def test_a_diverging_run_ends_diverged_with_a_message(qtbot, controller):
    c = controller
    seen = Recorder(c)
    status, detail = run_to_end(qtbot, c, TrainConfig(learning_rate=5.0, epochs=100))
    assert status is RunStatus.DIVERGED and isinstance(detail, TrainingDiverged)
    title, text, level = seen.messages[-1]
    assert (title, level) == ("Training diverged", MessageLevel.WARNING)
    assert f"epoch {detail.epoch}" in text
    assert seen.status[-1] == f"Diverged in epoch {detail.epoch}."
    assert c.current_summary.status == "diverged"
    assert np.isfinite(c.history.loss).all()


def test_invalid_settings_cannot_start_and_reset_forgets_the_run(qtbot, controller):
    c = controller
    seen = Recorder(c)
    c.set_settings(None, "Learning rate: 'abc' is not a number; type e.g. 0.001 or 1e-3.")
    assert c.enabled_actions()["train"] and c.enabled_actions()["step"]  # they explain
    assert c.start_parameters() is None
    with qtbot.waitSignal(c.startRefused) as refused:
        assert not c.train()
    assert refused.args == [c.settings_error]  # which field and why
    assert c.state is RunState.IDLE and not seen.messages
    c.set_settings(TrainConfig(epochs=3))
    assert c.start_parameters() == (-10.0, -20.0)
    run_to_end(qtbot, c)
    with qtbot.waitSignal(c.runReset):
        c.reset()
    assert c.current_summary is None and c.history.count == 0
    assert not c.enabled_actions()["reset"] and not c.enabled_actions()["keep"]


# --------------------------------------------------------------------------- keeping


def test_keep_once_and_remove(qtbot, controller):
    c = controller
    seen = Recorder(c)
    assert not c.keep_run()  # nothing has run yet
    for lr in (0.01, 0.02):
        run_to_end(qtbot, c, TrainConfig(learning_rate=lr, epochs=5))
        assert c.keep_run()
        assert not c.keep_run() and not c.enabled_actions()["keep"]  # kept once
    assert seen.kept == 2
    first, second = (k.label for k in c.kept_runs)
    assert first.startswith("#1 ") and "0.01" in first
    assert second.startswith("#2 ") and "0.02" in second
    assert [k.summary.name for k in c.kept_runs] == ["run 1", "run 2"]
    assert len(c.kept_runs[0].loss) == 5
    assert not c.enabled_actions()["remove"]
    c.select_runs({1})
    assert c.enabled_actions()["remove"]
    c.remove_selected_runs()
    assert [k.key for k in c.kept_runs] == [2] and not c.enabled_actions()["remove"]
    assert seen.kept == 3


def test_runs_that_differ_only_in_their_start_are_labelled_by_their_start(qtbot, controller):
    """Two runs with the same settings but another start: both labels name their start, and
    so does a run told apart by its learning rate (the list reads as a table); a fourth run
    with yet another setting the label leaves out (the epochs) makes every label name it."""
    c = controller
    for config in (TrainConfig(epochs=5, init_w=1.0, init_b=0.0),
                   TrainConfig(epochs=5, init_w=-10.0, init_b=-20.0),
                   TrainConfig(learning_rate=0.02, epochs=5)):
        run_to_end(qtbot, c, config)
        assert c.keep_run()
    first, second, third = (k.label for k in c.kept_runs)
    assert first.endswith(" · start (1, 0)") and second.endswith(" · start (-10, -20)")
    assert first[3:].replace("start (1, 0)", "") == second[3:].replace("start (-10, -20)", "")
    assert third.endswith(" · lr 0.02 · start (-10, -20)")  # its start named too
    assert "epochs" not in third
    run_to_end(qtbot, c, TrainConfig(epochs=7, init_w=1.0, init_b=0.0))
    assert c.keep_run()
    labels = [k.label for k in c.kept_runs]
    assert labels[0].endswith(" · start (1, 0) · epochs 5")
    assert labels[3].endswith(" · start (1, 0) · epochs 7")
    assert labels[1].endswith(" · start (-10, -20) · epochs 5")
    assert labels[2].endswith(" · lr 0.02 · start (-10, -20) · epochs 5")
    assert len({label[3:] for label in labels}) == 4


def test_a_learning_rate_that_six_digits_cannot_tell_apart_is_shown_in_full(qtbot, controller):
    c = controller
    for lr in (0.01, 0.010000001):
        run_to_end(qtbot, c, TrainConfig(learning_rate=lr, epochs=3))
        assert c.keep_run()
    first, second = (k.label for k in c.kept_runs)
    assert first.endswith(" · learning rate 0.01") and "lr 0.01 · " in first
    assert second.endswith(" · learning rate 0.010000001")


def test_a_run_with_no_epoch_cannot_be_kept(qtbot, controller):
    c = controller
    seen = Recorder(c)
    # stochastic steps at this rate overflow in the first epoch: no epoch is finished
    status, _ = run_to_end(qtbot, c, TrainConfig(method="sgd", learning_rate=1000.0))
    assert status is RunStatus.DIVERGED and c.history.count == 0
    assert c.current_summary is not None
    assert not c.enabled_actions()["keep"]
    assert not c.keep_run() and not c.kept_runs
    assert seen.status[-1] == "A run with no epoch cannot be kept."


def test_runs_on_changed_data_are_marked_stale(qtbot, controller):
    c = controller
    seen = Recorder(c)
    run_to_end(qtbot, c, TrainConfig(epochs=3))
    assert c.keep_run()
    run_to_end(qtbot, c, TrainConfig(epochs=4))
    assert not c.stale and not c.kept_runs[0].stale
    kept_signals = seen.kept
    assert c.add_point(1.0, 2.0)
    assert c.stale and c.kept_runs[0].stale
    assert c.kept_runs[0].title == c.kept_runs[0].label + " (previous data)"
    assert seen.kept == kept_signals + 1
    assert "The data changed: F5 trains on it." in seen.status
    assert c.keep_run()  # the current run, trained on the old data, is kept as stale
    assert c.kept_runs[1].stale
    run_to_end(qtbot, c, TrainConfig(epochs=2))
    assert not c.stale  # a new run is on the data as it is now


def test_kept_runs_keep_their_colour_and_can_be_hidden(qtbot, controller):
    c = controller
    seen = Recorder(c)
    selections = []
    c.keptSelectionChanged.connect(selections.append)
    for lr in (0.01, 0.02, 0.03):
        run_to_end(qtbot, c, TrainConfig(learning_rate=lr, epochs=3))
        assert c.keep_run()
    first = {k.key: k.color for k in c.kept_runs}
    assert len(set(first.values())) == 3
    c.select_runs({2, 99})  # a key that is not kept is not selected
    assert c.selected_runs == {2} and selections == [frozenset({2})]
    c.select_runs({2})
    assert len(selections) == 1  # no change, no signal
    c.remove_runs({2})
    assert c.selected_runs == frozenset() and selections[-1] == frozenset()
    run_to_end(qtbot, c, TrainConfig(learning_rate=0.04, epochs=3))
    assert c.keep_run()
    assert {k.key: k.color for k in c.kept_runs[:2]} == {1: first[1], 3: first[3]}
    assert c.kept_runs[2].color not in (first[1], first[3])
    kept = seen.kept
    c.set_run_visible(3, False)
    assert not c.kept_runs[1].visible and seen.kept == kept + 1
    c.set_run_visible(3, False)
    assert seen.kept == kept + 1  # no change, no signal


def test_labels_tell_the_loss_functions_apart(qtbot, controller):
    c = controller
    for loss in ("mae", "huber"):
        run_to_end(qtbot, c, TrainConfig(loss=loss, epochs=2))
        assert c.keep_run()
    mae, huber = (k.label.split(" ", 1)[1] for k in c.kept_runs)
    assert mae != huber and "MAE" in mae and "Huber" in huber


def test_quitting_asks_only_with_kept_runs(qtbot, controller):
    c = controller
    assert quit_question(0) is None and c.quit_question() is None
    run_to_end(qtbot, c, TrainConfig(epochs=2))
    assert c.quit_question() is None  # the current run was never kept
    assert c.keep_run()
    assert "1 kept run" in c.quit_question()
    run_to_end(qtbot, c, TrainConfig(epochs=2))
    assert c.keep_run()
    assert "2 kept runs" in c.quit_question()
    c.remove_runs({1, 2})
    assert c.quit_question() is None


def test_the_parameters_say_which_runs_are_on_changed_data(qtbot, controller, tmp_path):
    c = controller
    run_to_end(qtbot, c, TrainConfig(epochs=2))
    assert c.keep_run()
    assert c.add_point(1.0, 2.0)
    run_to_end(qtbot, c, TrainConfig(epochs=2))
    assert c.keep_run()
    run_to_end(qtbot, c, TrainConfig(epochs=3))
    assert c.add_point(2.0, 2.0)  # the current run, not kept, is on changed data too
    path = tmp_path / "params.csv"
    assert c.export_parameters(str(path))
    header, *rows = read_rows(path)
    assert header == list(PARAMS_HEADER)
    # the columns before are unchanged; the stop rule's and the schedule's come after it
    col = header.index("data_changed")
    assert col == 33
    assert [(r[0], r[col]) for r in rows] == [
        ("run 1", "True"), ("run 2", "True"), ("run 3", "True")]
    c.remove_runs({1})
    run_to_end(qtbot, c, TrainConfig(epochs=3))
    assert c.export_parameters(str(path))
    assert [(r[0], r[col]) for r in read_rows(path)[1:]] == [
        ("run 2", "True"), ("run 3", "False")]


# --------------------------------------------------------------------------- exporting


def read_rows(path):
    return [line.split(",") for line in path.read_text().splitlines()]


@pytest.mark.parametrize("impl", ["manual", "module"])
def test_exports_equal_the_cli_files(qtbot, controller, tmp_path, impl):
    c = controller
    config = TrainConfig(method="minibatch", impl=impl, learning_rate=0.05, epochs=7,
                         batch_size=16, shuffle=True, init_w=1.5, init_b=-0.5, seed=0)
    run_to_end(qtbot, c, config)
    params, history = tmp_path / "params.csv", tmp_path / "history.csv"
    assert c.export_parameters(str(params)) and c.export_history(str(history))
    cli = tmp_path / "cli"
    cli.mkdir()
    assert cli_main(["train", "--method", "minibatch", "--impl", impl, "--lr", "0.05",
                     "--epochs", "7", "--batch-size", "16", "--shuffle", "--init-w", "1.5",
                     "--init-b", "-0.5", "--seed", "0", "--quiet",
                     "--history", str(cli / "history.csv"),
                     "--params", str(cli / "params.csv")]) == 0
    assert history.read_bytes() == (cli / "history.csv").read_bytes()
    ours, theirs = read_rows(params), read_rows(cli / "params.csv")
    assert ours[0] == theirs[0]  # the same header
    assert [row[1:] for row in ours[1:]] == [row[1:] for row in theirs[1:]]  # but the name


def test_exports_refused_with_a_message_when_there_is_nothing(qtbot, controller, tmp_path):
    c = controller
    seen = Recorder(c)
    assert not c.export_parameters(str(tmp_path / "p.csv"))
    assert not c.export_history(str(tmp_path / "h.csv"))
    assert [m[0] for m in seen.messages] == ["Nothing to export"] * 2
    assert not c.enabled_actions()["export_params"]
    assert not c.enabled_actions()["export_history"]
    assert list(tmp_path.iterdir()) == []
    run_to_end(qtbot, c, TrainConfig(epochs=2))
    assert c.keep_run()
    assert c.export_parameters(str(tmp_path / "p.csv"))
    assert len(read_rows(tmp_path / "p.csv")) == 2  # the kept run, not twice
    assert c.save_data(str(tmp_path / "d.csv"))
    assert seen.status[-1] == f"Saved 100 points to {tmp_path / 'd.csv'}."


# --------------------------------------------------------------------------- no widgets

NO_QAPPLICATION = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    app = QCoreApplication([])
    from gdstudio.core.settings.config import TrainConfig
    from gdstudio.ui.studio.controller import StudioController
    c = StudioController()
    loop = QEventLoop()
    c.runFinished.connect(lambda status, detail: loop.quit())
    QTimer.singleShot(30_000, loop.quit)
    c.add_point(1.0, 2.0)
    c.undo()
    assert c.train(TrainConfig(epochs=5))
    loop.exec()
    assert c.keep_run()
    loaded = [m for m in sys.modules if m.startswith(("PySide6.QtWidgets", "pyqtgraph"))]
    print(c.current_summary.status, len(c.kept_runs), loaded)
    """
)


def test_the_controller_runs_without_a_qapplication():
    """No QApplication, so creating any widget would abort; no widget module is loaded."""
    proc = forked.run("-c", NO_QAPPLICATION, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split("\n")[0] == "done 1 []"


def test_switching_the_loss_does_not_pass_over_the_data_again(controller, monkeypatch):
    """The least-squares line and the step-size guide depend on the data, not on the loss:
    switching MSE / MAE / Huber reuses them (on a million points each pass froze the window
    about a second per switch). New data, or fitting the bias or not, computes them again."""
    import gdstudio.ui.numbers.shown_numbers as numbers_view

    c = controller
    calls = []
    real = numbers_view.closed_form
    monkeypatch.setattr(numbers_view, "closed_form",
                        lambda d, fit_bias: calls.append(fit_bias) or real(d, fit_bias))
    config = TrainConfig(epochs=3)
    c.set_settings(config.replace(loss="huber"))
    guide = c.numbers.guide
    lsq = c.optimum
    for loss in ("mae", "mse", "huber", "mse"):
        c.set_settings(config.replace(loss=loss))
        assert c.numbers.guide is guide and c.optimum is lsq
    assert len(calls) <= 1
    assert c.optimum.w == pytest.approx(real(c.dataset, True).w, rel=0, abs=0)
    c.set_settings(config.replace(fit_bias=False))
    assert calls[-1] is False and c.optimum is not lsq
