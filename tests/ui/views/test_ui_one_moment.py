"""One moment in every view: while a run goes (at any speed), paused and after its end, the
readout, the progress bar, the in-epoch bar, the timeline, the line on the data plot and
its equation, the landscape's marker and the loss curve's marker all name the same moment,
read from what the window shows and checked against the run's history."""

from __future__ import annotations

import random
import re

import pytest

from gdstudio.core.data.dataset import random_line
from gdstudio.core.models.line.linefit import equation_text
from gdstudio.core.training import lifecycle
from gdstudio.core.training.runstate import RunState
from tests.qt_helpers import HeldWork

NBSP = "\u00a0"
BIG = 200_000
N = r"(\d[\d,]*)"
STOPPED = "stopped inside it"
NUM = r"(\S+?)"


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def readout_says(window):
    """(epochs done, update in the epoch under way or None, w text, b text) of the
    readout's first line."""
    line = window.readout.text().split("\n")[0].replace(NBSP, " ")
    line = line.removeprefix("previous data, ")
    if not line.startswith(("after", "epoch", "stopped", "done", "converged")) or ": w " in line:
        return moment_words(line)[:4]  # a moment scrubbed to: the timeline's words
    m = re.match(rf"after\s+{N}/{N}\s+w {NUM}\s+b {NUM}\s", line)
    if m:
        return _int(m[1]), None, m[3], m[4]
    m = re.match(rf"epoch\s+{N}/{N}\s+update {N}/{N}\s+w {NUM}\s+b {NUM}\s", line)
    if m:
        return _int(m[1]) - 1, _int(m[3]), m[5], m[6]
    m = re.match(rf"stopped in epoch {N} after {N} of {N} updates:\s+w {NUM}\s+b {NUM}\s",
                 line)
    if m:
        return _int(m[1]) - 1, _int(m[2]), m[4], m[5]
    m = re.match(rf"(?:done|stopped|converged) after {N} epochs:\s+w {NUM}\s+b {NUM}\s", line)
    if m:
        return _int(m[1]), None, m[2], m[3]
    raise AssertionError(f"the readout names no moment: {line!r}")


def timeline_says(window):
    """(epochs done, update or None, w text, b text, loss text) of the timeline's words."""
    return moment_words(window.line_views.timeline.bar.label.text())


def moment_words(text: str):
    """(epochs done, update or None, w text, b text, loss text) of a moment's words
    ("after 6 epochs: w …, b …, loss …")."""
    tail = rf": w {NUM}, b {NUM}, loss (\S+)$"
    m = re.match(rf"after {N} epochs?{tail}", text)
    if m:
        return _int(m[1]), None, m[2], m[3], m[4]
    m = re.match(rf"in epoch {N}, update {N}/{N}{tail}", text)
    if m:
        return _int(m[1]) - 1, _int(m[2]), m[4], m[5], m[6]
    m = re.match(rf"stopped in epoch {N}{tail}", text)  # (the readout says the update)
    if m:
        return _int(m[1]) - 1, STOPPED, m[2], m[3], m[4]
    raise AssertionError(f"no moment named: {text!r}")


def progress_says(window) -> int:
    bar = window.progress
    m = re.match(rf"{N} / {N} epochs$", bar.text())
    assert m is not None, bar.text()
    assert bar.value() == _int(m[1])
    return _int(m[1])


def epoch_bar_says(window):
    """(epoch under way counted from 1, updates done, updates in it) of the in-epoch bar, or
    None while it is hidden."""
    bar = window.epoch_progress
    if not bar.isVisible():
        return None
    m = re.match(rf"(?:stopped in )?epoch {N}: {N} / {N}$", bar.text())
    assert m is not None, bar.text()
    assert bar.value() == _int(m[2])
    return _int(m[1]), _int(m[2]), _int(m[3])


def check_one_moment(window):
    """Every view names one moment, the one in the run's history: returns (epochs done,
    update in the epoch under way or None)."""
    c = window.controller
    epochs, update, _, _ = readout_says(window)
    timeline = timeline_says(window)[:2]
    if timeline[1] is STOPPED:  # its words name the epoch; the update is the readout's
        assert c.current_summary.partial is not None
        timeline = (timeline[0], update)
    slider = window.line_views.timeline.slider
    said = {"readout": (epochs, update), "timeline": timeline,
            "timeline slider": (slider.value(), update)}
    if slider.value() < slider.maximum():  # scrubbed back: the bars say how far the run is
        assert progress_says(window) == slider.maximum()
        return check_line(window, said)
    said["progress bar"] = (progress_says(window), update)
    bar = epoch_bar_says(window)
    if update is not None:
        said["in-epoch bar"] = (None, None) if bar is None else (bar[0] - 1, bar[1])
    elif bar is not None:  # between epochs (paused there): the next one, none of it done
        said["in-epoch bar"] = (bar[0] - 1, None if bar[1] == 0 else bar[1])
        assert bar[0] - 1 == epochs and bar[1] == 0, (bar, said)
    lx, ly = window.line_views.timeline.marker.getData()
    if len(lx) and epochs:  # the loss curve ends where its marker sits: at the moment shown
        cx, cy = window.loss_plot.current.getData()
        assert (float(cx[-1]), float(cy[-1])) == (float(lx[0]), float(ly[0]))
    return check_line(window, said)


def check_line(window, said):
    """Every view in ``said`` names one moment, and the line, its equation and both
    markers are that moment's, the one in the run's history."""
    c = window.controller
    h = c.history
    assert len(set(said.values())) == 1, said
    (epochs, update), = set(said.values())
    assert epochs <= h.count
    # the line: the history's row (after ``epochs`` epochs), or the one inside the epoch
    w, b = window.plot.fit
    if update is None:
        row = c.session.init if epochs == 0 else (float(h.w[epochs - 1]),
                                                  float(h.b[epochs - 1]))
        assert (w, b) == row, (said, (w, b), row)
    _, _, rw, rb = readout_says(window)
    _, _, tw, tb, tloss = timeline_says(window)
    assert (rw, rb) == (tw, tb) == (f"{w:.6g}", f"{b:.6g}"), (rw, rb, tw, tb, w, b)
    mx, my = window.landscape_plot.moment.getData()
    assert (list(mx), list(my)) == ([w], [b])  # the landscape's marker
    assert window.line_views.overlay.text.startswith(equation_text(w, b))  # the equation
    lx, ly = window.line_views.timeline.marker.getData()  # the loss curve's marker
    if tloss != "—" and float(tloss) > 0:
        assert list(lx) == [epochs] and f"{ly[0]:.6g}" == tloss
        if epochs < h.count and update is None:  # the loss after ``epochs`` epochs
            assert ly[0] == pytest.approx(float(h.loss[epochs]), rel=1e-5)
    return epochs, update


def sample_while_running(window, qtbot, at_least: int, seed: int = 0):
    """Look at the window at random moments while the run goes: every look sees one
    moment. Returns the moments seen while it ran."""
    rng = random.Random(seed)
    c = window.controller
    seen = []
    while c.state is RunState.RUNNING:
        qtbot.wait(rng.choice([0, 1, 2, 5, 11, 23]))
        if c.state is RunState.RUNNING and c.history.count + (c.session.position is not None):
            seen.append(check_one_moment(window))
    assert len(seen) >= at_least, seen
    return seen


def configure(window, method: str, lr: str, epochs: int):
    p = window.panel
    p.method.setCurrentIndex(p.method.findData(method))
    p.learning_rate.setText(lr)
    p.epochs.setValue(epochs)


def test_a_watched_run_names_one_moment_running_paused_and_ended(window, qtbot):
    c = window.controller
    configure(window, "batch", "0.01", 300)
    c.session.set_min_interval(0.01)  # a run a class watches
    with qtbot.waitSignal(c.epochsAppended, timeout=20_000):
        window.act_train.trigger()
    seen = []
    rng = random.Random(1)
    while c.state is RunState.RUNNING and c.history.count < 60:
        qtbot.wait(rng.choice([0, 1, 3, 7, 13]))
        if c.state is RunState.RUNNING:
            seen.append(check_one_moment(window))
    assert len(seen) >= 10 and len(set(seen)) >= 3, seen
    with qtbot.waitSignal(c.session.pauseReached, timeout=20_000):
        window.act_pause.trigger()
    paused = check_one_moment(window)
    assert paused == (c.history.count, None)
    window.line_views.timeline.set_epoch(3)  # scrubbed back: every view goes there
    assert check_one_moment(window) == (3, None)
    window.line_views.timeline.set_epoch(c.history.count)
    c.session.set_min_interval(0.0)
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        window.act_train.trigger()  # resume, to the end
    assert check_one_moment(window) == (300, None)
    assert window.readout.text().startswith("done")


@pytest.mark.slow
def test_a_fast_run_with_throttled_redraws_names_one_moment(window, qtbot):
    c = window.controller
    configure(window, "batch", "0.01", 20_000)
    with qtbot.waitSignal(c.epochsAppended, timeout=20_000):
        window.act_train.trigger()
    seen = sample_while_running(window, qtbot, at_least=5, seed=2)
    assert len({epochs for epochs, _ in seen}) >= 3, seen  # it moved while we looked
    assert c.state is RunState.IDLE
    assert check_one_moment(window) == (c.history.count, None)


def test_a_stochastic_run_names_one_epoch_in_the_bar_the_readout_and_the_timeline(window,
                                                                                   qtbot):
    c = window.controller
    assert c.replace_data(random_line(BIG, seed=1), "big")
    configure(window, "sgd", "0.0001", 4)
    with qtbot.waitSignal(c.epochProgressed, timeout=20_000):
        window.act_train.trigger()
    seen = []
    rng = random.Random(3)
    while c.state is RunState.RUNNING and len(seen) < 40:
        qtbot.wait(rng.choice([0, 3, 17, 31, 60]))
        if c.state is RunState.RUNNING:
            seen.append(check_one_moment(window))
    assert any(update is not None for _, update in seen), seen
    with qtbot.waitSignal(c.session.pauseReached, timeout=20_000):
        window.act_pause.trigger()
    epochs, update = check_one_moment(window)
    where = c.session.position
    if where is not None:  # paused inside the epoch: where it took effect
        assert (epochs, update) == (where.epoch, where.done)
        assert window.plot.fit == (where.w, where.b)
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        window.act_stop.trigger()
    epochs, update = check_one_moment(window)
    partial = c.current_summary.partial
    if partial is not None:
        assert (epochs, update) == (partial.epoch, partial.done)
        assert window.plot.fit == (partial.w, partial.b)


def test_a_run_held_inside_its_first_epoch_names_it_everywhere(window, qtbot, monkeypatch):
    """The training thread is held right after its first report inside epoch 1: the run is
    live, and every view names that place (not "no run yet", not "after 0 epochs")."""
    c = window.controller
    assert c.replace_data(random_line(BIG, seed=1), "big")
    configure(window, "sgd", "0.0001", 3)
    held = HeldWork(monkeypatch, lifecycle.TrainingRun, "records", 2)
    with qtbot.waitSignal(c.epochProgressed, timeout=20_000) as reported:
        window.act_train.trigger()
    where = reported.args[0]
    try:
        qtbot.waitUntil(lambda: window.epoch_progress.isVisible(), timeout=5000)
        assert c.state is RunState.RUNNING and c.history.count == 0
        assert check_one_moment(window) == (0, where.done)
        assert window.plot.fit == (where.w, where.b)
    finally:
        with qtbot.waitSignal(c.runFinished, timeout=20_000):
            c.stop()
            held.go_on()
    assert held.ran_off_the_gui_thread_while_it_turned()
