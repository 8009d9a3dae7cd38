"""A lesson's locks beyond the data: every lesson control, every way in.

For each control a lesson may lock, every way to use it (the controller's request, the
window's request, the greyed action's shortcut, a model's setter, another widget that writes
the same thing) is refused under the lock: nothing changes and the status bar says why,
once. Once the lesson is cleared the request goes through.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import PRESETS
from gdstudio.core.files.lesson_rules import LESSON_CONTROLS, Lesson
from gdstudio.core.settings.description import BY_NAME, SETTINGS
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.classroom.classroom_tools import paste_points
from gdstudio.ui.studio.action_state import LOCKED_BY, lesson_refusal
from tests.qt_helpers import data_to_viewport, drag

SETTING_NAMES = tuple(s.name for s in SETTINGS)


def set_lesson(window, locked) -> None:
    window.session_files.lesson_view.set_lesson(Lesson("Locks", tuple(locked), (), False))


def key(window, sequence: str):
    """Press the keys of ``sequence`` (as the action's shortcut) on the window."""
    from PySide6.QtGui import QKeySequence

    combo = QKeySequence(sequence)[0]
    return lambda: QTest.keyClick(window, combo.key(), combo.keyboardModifiers())


def other_value(name: str, model):
    """A value of setting ``name`` other than the model's, that the model takes."""
    s, value = BY_NAME[name], model.value(name)
    if s.kind == "choice":
        return next(k for k in s.keys if k != value)
    if s.kind == "bool":
        return not value
    if s.kind == "int":
        return value + 1
    candidates = [0.5, 0.01, 1.5, 2.0, 0.9, 0.25] + ([value * 0.5] if value else [])
    return next(c for c in candidates if c != value and model.check(name, c) is None)


def type_into(window, name: str, value):
    """The user's input of ``value`` in the setting's own field (greyed: as a program can)."""
    widget = window.panel.fields()[name]
    kind = BY_NAME[name].kind

    def way():
        if kind == "choice":
            widget.setCurrentIndex(widget.findData(value))
        elif kind == "bool":
            widget.setChecked(value)
        elif kind == "int":
            widget.setValue(value)
        else:
            widget.setText(repr(value))
    return way


# ------------------------------------------------------------------ runs to lock


def end_run(window, qtbot, epochs: int = 3) -> None:
    c = window.controller
    c.settings_model.set_value("epochs", epochs)
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    assert c.state is RunState.IDLE and c.history.count == epochs


def pause_run(window, qtbot) -> None:
    c = window.controller
    c.settings_model.set_value("epochs", 1000)
    c.step()
    qtbot.waitUntil(lambda: c.state is RunState.PAUSED, timeout=60_000)


def start_run(window, qtbot) -> None:
    c = window.controller
    c.settings_model.set_value("epochs", 100_000)
    c.set_speed(0.01)
    with qtbot.waitSignal(c.epochsAppended, timeout=60_000):
        assert c.train()
    assert c.state is RunState.RUNNING


def stop_run(window, qtbot) -> None:
    c = window.controller
    if c.session.active:
        with qtbot.waitSignal(c.runFinished, timeout=10_000):
            c.session.stop()


# ------------------------------------------------------------------ each control


def spec(window, qtbot, name: str, tmp_path):  # noqa: C901 (one table of every control)
    """(prepare, state, ways, go): what the control needs first, what it changes, every way
    in to it, and a request that goes through without the lock."""
    c, w = window.controller, window
    m, view = c.settings_model, c.view_options
    out = str(tmp_path / "out.csv")
    csv = tmp_path / "in.csv"
    csv.write_text("x,y\n1,2\n3,4\n")
    data = lambda: (tuple(c.dataset.x), tuple(c.dataset.y), c.model.undo_stack.index())  # noqa: E731
    run = lambda: (c.state, c.history.count, c.current_summary is not None)  # noqa: E731
    exists = lambda: os.path.exists(out)  # noqa: E731
    nothing = lambda: None  # noqa: E731

    if name in SETTING_NAMES:
        value = other_value(name, m)
        ways = [type_into(w, name, value), lambda: m.set_value(name, value)]
        if name == "learning_rate":
            ways.append(lambda: w.panel.lr_gauge.optimalRequested.emit(0.0123))
        if name in ("init_w", "init_b"):
            ways += [lambda: w.landscape_plot.startRequested.emit(1.25, 2.5),
                     lambda: w.panel.random_init.setChecked(True),
                     lambda: m.set_random_init(True)]
        state = lambda: (m.entry(name), m.random_init, w.panel.fields()[name].property(  # noqa: E731
            "text") if BY_NAME[name].kind == "float" else None)
        return nothing, state, ways, lambda: m.set_value(name, value)
    if name == "random_init":
        ways = [lambda: w.panel.random_init.setChecked(True), lambda: m.set_random_init(True)]
        return (nothing, lambda: (m.random_init, w.panel.random_init.isChecked()), ways,
                lambda: m.set_random_init(True))
    if name == "settings_panel":
        ways = [type_into(w, "learning_rate", 0.02), lambda: m.set_value("epochs", 7),
                lambda: w.panel.lr_gauge.optimalRequested.emit(0.0123),
                lambda: w.landscape_plot.startRequested.emit(1.25, 2.5),
                lambda: w.panel.random_init.setChecked(True)]
        return (nothing, lambda: (m.draft(), m.random_init), ways,
                lambda: m.set_value("epochs", 7))
    two = Dataset.from_points([(1.5, 2.5), (2.5, 3.5)])
    data_ways = {
        "point_editing": [lambda: c.add_point(1.0, 30.0), lambda: c.move_point(0, 1.0, 1.0),
                          lambda: c.delete_points((0,)), lambda: w.plot.addRequested.emit(1, 2),
                          lambda: c.add_points(two, "Spray 2 points", "spray")],
        "delete": [lambda: c.delete_points((0,)),
                   lambda: c.select_points((0,)) or c.delete_selected()],
        "spray": [lambda: c.add_points(two, "Spray 2 points", "spray")],
        "paste_points": [lambda: paste_points(c, "1,2\n3,4"), lambda: c.add_points(
            two, "Paste", "paste_points")],
        "generate": [w.generate_dialog, key(w, "Ctrl+G"),
                     lambda: c.replace_data(two, "Generate noisy line", "generate")],
        "clear": [c.clear, key(w, "Ctrl+Shift+Del")],
        "import": [lambda: c.import_csv(str(csv)), lambda: w.files.import_csv(None),
                   key(w, "Ctrl+O")],
        "presets": [lambda: c.load_preset(next(iter(PRESETS)))],
        "undo": [c.undo, key(w, "Ctrl+Z")],
        "redo": [c.redo, key(w, "Ctrl+Shift+Z")],
    }
    if name in data_ways:
        def prepare():
            c.add_point(4.0, 40.0)
            if name == "redo":
                c.undo()
        go = {"point_editing": lambda: c.add_point(1.0, 30.0),
              "delete": lambda: c.delete_points((0,)), "spray": data_ways["spray"][0],
              "paste_points": data_ways["paste_points"][0],
              "generate": data_ways["generate"][2], "clear": c.clear,
              "import": lambda: w.files.import_csv(str(csv)) and qtbot.waitUntil(
                  lambda: not c.csv_import.busy, timeout=30_000),
              "presets": nothing, "undo": c.undo, "redo": c.redo}[name]
        return prepare, data, data_ways[name], go
    ended = lambda: end_run(w, qtbot)  # noqa: E731
    if name == "train":
        return nothing, run, [c.train, key(w, "F5")], lambda: end_run(w, qtbot)
    if name == "pause":
        return (lambda: start_run(w, qtbot), lambda: c.session.state,
                [c.pause, key(w, "F6")], c.pause)
    if name == "stop":
        return (lambda: pause_run(w, qtbot), run, [c.stop, key(w, "Shift+F5")],
                lambda: stop_run(w, qtbot))
    if name == "step":
        def predicted_step():
            w.classroom.predict.set_on(True)
            w.classroom.predict.set_guess(0.0, 0.0)
            QTest.keyClick(w, Qt.Key.Key_F10)
        return (nothing, run, [c.step, key(w, "F10"), predicted_step],
                lambda: pause_run(w, qtbot))
    if name == "continue":
        return ended, run, [c.continue_run, key(w, "Ctrl+F5")], nothing
    if name == "reset":
        return ended, run, [c.reset, key(w, "Ctrl+R")], c.reset
    if name == "keep":
        return (ended, lambda: len(c.kept_runs), [c.keep_run, key(w, "Ctrl+K")],
                c.keep_run)

    def kept():
        end_run(w, qtbot)
        c.keep_run()
        c.select_runs({k.key for k in c.kept_runs})
    if name == "remove":
        return (kept, lambda: len(c.kept_runs),
                [c.remove_selected_runs, lambda: c.remove_runs({k.key for k in c.kept_runs})],
                c.remove_selected_runs)
    if name == "save":
        return (nothing, exists, [lambda: c.save_data(out), lambda: w.files.save_data(out),
                                  lambda: w.files.save_data(None), key(w, "Ctrl+S")],
                lambda: c.save_data(out))
    if name == "export_params":
        return (ended, exists, [lambda: c.export_parameters(out),
                                lambda: w.files.export_parameters(out),
                                lambda: w.files.export_parameters(None), key(w, "Ctrl+E")],
                lambda: c.export_parameters(out))
    if name == "export_history":
        return (ended, lambda: (exists(), c.exports.busy),
                [lambda: c.export_history(out), lambda: w.files.export_history(None),
                 key(w, "Ctrl+Shift+E")],
                lambda: c.export_history(out) and qtbot.waitUntil(exists, timeout=30_000))
    if name == "export_figure":
        png = str(tmp_path / "figure.png")
        return (nothing, lambda: os.path.exists(png),
                [lambda: w.figure_export.export(png), w.figure_export.ask],
                lambda: w.figure_export.export(png, "data"))
    if name == "export_script":
        py = str(tmp_path / "fit.py")
        return (nothing, lambda: os.path.exists(py),
                [lambda: w.script_views.export_script(py), w.script_views.export_script],
                lambda: w.script_views.export_script(py))
    if name == "export_notebook":
        nb = str(tmp_path / "fit.ipynb")
        return (nothing, lambda: os.path.exists(nb),
                [lambda: w.notebook_export.export_notebook(nb),
                 w.notebook_export.export_notebook],
                lambda: w.notebook_export.export_notebook(nb) and qtbot.waitUntil(
                    lambda: not w.notebook_export.writing(), timeout=60_000))
    if name == "pytorch_code":
        return (nothing, lambda: w.script_views.view is not None,
                [w.script_views.show_view], w.script_views.show_view)
    if name == "predict":
        return (nothing, lambda: (w.classroom.predict.on, w.act_predict.isChecked()),
                [lambda: w.act_predict.setChecked(True),
                 lambda: w.classroom.predict.set_on(True), key(w, "Ctrl+P")],
                lambda: w.act_predict.setChecked(True))
    options = {"log": ("log_scale", "Ctrl+L"), "optimum": ("show_optimum", None),
               "landscape": ("landscape", "Ctrl+3"), "curvature": ("curvature", None),
               "presentation": ("presentation", "F11"),
               "other_landscape": ("other_landscape", None), "log_odds": ("log_odds", None),
               "jitter": ("jitter", None)}
    if name in options:
        option, shortcut = options[name]
        action = w.actions_by_name[name]
        flip = not view.value(option)
        ways = [lambda: action.setChecked(flip), lambda: view.set(option, flip)]
        if shortcut:
            ways.append(key(w, shortcut))
        if name == "optimum":
            ways.append(lambda: w.show_optimum.setChecked(flip))
        state = lambda: (view.value(option), action.isChecked(),  # noqa: E731
                         w.presentation.active)
        return nothing, state, ways, lambda: view.set(option, flip)
    if name == "residuals":
        return (nothing, lambda: (view.value("residuals"), tuple(
                    a.isChecked() for a in w.line_views.residual_actions.values())),
                [lambda: w.line_views.set_residuals("segments"),
                 lambda: view.set("residuals", "squares")],
                lambda: w.line_views.set_residuals("segments"))
    if name == "speed":
        other = (view.value("speed") + 1) % w.speed.count()
        return (nothing, lambda: (view.value("speed"), w.speed.currentIndex()),
                [lambda: w.speed.setCurrentIndex(other), lambda: view.set("speed", other)],
                lambda: view.set("speed", other))
    if name in ("data_panel", "runs_panel"):
        panel = w.data_panel if name == "data_panel" else w.runs_panel
        buttons = list(panel.buttons().values())
        return (nothing, lambda: (data(), len(c.kept_runs), view.values()),
                [lambda b=b: QTest.mouseClick(b, Qt.MouseButton.LeftButton) for b in buttons],
                None)
    raise AssertionError(f"no ways in for {name}")


#: Lesson controls whose only ways in are their greyed widgets (Qt gives a click on a
#: disabled widget to no one: nothing is said; their actions elsewhere stay free).
WIDGETS_ONLY = ("data_panel", "runs_panel")


@pytest.mark.parametrize("name", LESSON_CONTROLS)
def test_every_way_in_is_refused_under_the_lesson_lock_and_works_without(
        window, qtbot, tmp_path, name):
    c = window.controller
    prepare, state, ways, go = spec(window, qtbot, name, tmp_path)
    prepare()
    said = []
    c.statusReported.connect(lambda text, _ms: said.append(text))
    try:
        set_lesson(window, (name,))
        before = state()
        for i, way in enumerate(ways):
            said.clear()
            way()
            assert state() == before, (name, i)
            refusals = [t for t in said if "locked by the lesson" in t]
            expected = [] if name in WIDGETS_ONLY else [lesson_refusal(name)]
            assert refusals == expected, (name, i, said)
        window.session_files.clear_lesson()
        if go is not None:
            said.clear()
            go()
            assert not [t for t in said if "locked by the lesson" in t]
            if name not in ("presets", "continue"):  # (off the GUI thread; needs a run end)
                assert state() != before, name
    finally:
        window.session_files.clear_lesson()
        window.presentation.set_active(False)
        if window.script_views.view is not None:
            window.script_views.view.close()
        stop_run(window, qtbot)
        c.csv_import.busy and c.cancel_import()


def test_every_lesson_control_is_a_request_of_the_rule():
    assert set(LESSON_CONTROLS) <= {n for names in LOCKED_BY.values() for n in names}
    assert set(LOCKED_BY) >= set(LESSON_CONTROLS) - {"point_editing", "data_panel",
                                                     "runs_panel", "settings_panel"}


def test_a_drag_under_a_data_lock_does_not_move_the_point_on_screen(window, qtbot):
    c, plot = window.controller, window.plot
    c.replace_data(Dataset.from_points([(1.0, 1.0), (5.0, 5.0)]), "two")
    plot.autoRange()
    shown = []
    plot.selected.sigPlotChanged.connect(lambda item: shown.append(item.getData()))
    set_lesson(window, ("point_editing",))
    assert not plot.editable
    drag(plot, data_to_viewport(plot, 1.0, 1.0), data_to_viewport(plot, 3.0, 3.0))
    moved = [xy for xy in shown if len(xy[0]) and np.allclose((xy[0][0], xy[1][0]), (3, 3),
                                                               atol=0.3)]
    assert not moved  # never shown at its new place, not even during the drag
    assert (c.dataset.x[0], c.dataset.y[0]) == (1.0, 1.0)
    window.session_files.clear_lesson()
    assert plot.editable
    drag(plot, data_to_viewport(plot, 1.0, 1.0), data_to_viewport(plot, 3.0, 3.0))
    assert shown and abs(c.dataset.x[0] - 3.0) < 0.3
