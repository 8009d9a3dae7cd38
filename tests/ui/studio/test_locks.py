"""The data's locks: a run in progress, a CSV file being imported and a lesson's locks.

Every way to change the data asks the controller's one gate, and a refusal changes nothing
and is said once in the status bar, with the same words the greyed action's tip gives: the
rule alone (no Qt), the controller alone (no window), then the window as a user drives it
(clicks and drags on the plot, the spray brush, keys, menu entries, dialogs' requests).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from gdstudio.core.data.csv_read import ReadCancelled
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.presets import PRESETS
from gdstudio.core.files.lesson_rules import LESSON_CONTROLS, Lesson
from gdstudio.core.files.session import session_chunks
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.studio.action_state import (
    ACTION_NAMES,
    DATA_WAYS,
    StudioSnapshot,
    disabled_reasons,
    enabled_actions,
    lock_refusal,
)
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.window.actions import plain_text
from tests.qt_helpers import click, data_to_viewport, drag

RUN = "The data is locked while training runs: stop it (Shift+F5) to edit."
IMPORT = "A CSV file is being imported: wait for it, or cancel it."
#: A lesson's refusal, by the lesson control that locks.
LESSON = {
    "point_editing": "Point editing is locked by the lesson.",
    "delete": "Deleting points is locked by the lesson.",
    "spray": "The spray brush is locked by the lesson.",
    "paste_points": "Paste points is locked by the lesson.",
    "generate": "Generate noisy line is locked by the lesson.",
    "clear": "Clear points is locked by the lesson.",
    "import": "Import CSV is locked by the lesson.",
    "presets": "Open preset is locked by the lesson.",
    "undo": "Undo is locked by the lesson.",
    "redo": "Redo is locked by the lesson.",
}
#: The lesson controls that lock each way to change the data.
LOCKED_BY = {
    "add": ("point_editing",), "move": ("point_editing",),
    "delete": ("point_editing", "delete"), "spray": ("point_editing", "spray"),
    "paste_points": ("point_editing", "paste_points"), "generate": ("generate",),
    "clear": ("clear",), "import": ("import",), "presets": ("presets",), "undo": ("undo",),
    "redo": ("redo",), "replace": (), "open_session": (),
}
WAYS = tuple(LOCKED_BY)


# --------------------------------------------------------------------------- the rule


def test_every_way_and_every_lesson_control_of_the_data_is_known():
    assert set(DATA_WAYS) == set(WAYS)
    assert {name for names in LOCKED_BY.values() for name in names} == set(LESSON)
    assert set(LESSON) <= set(LESSON_CONTROLS)


def _snapshots():
    lessons = [frozenset(), *(frozenset({name}) for name in LESSON), frozenset(LESSON)]
    for state, importing, locks, undo, selected in itertools.product(
            RunState, (False, True), lessons, (False, True), (False, True)):
        if importing and state is not RunState.IDLE:
            continue  # an import starts only when idle
        yield StudioSnapshot(state=state, importing=importing, lesson_locks=locks, points=10,
                             can_undo=undo, can_redo=undo, points_selected=selected)


@pytest.mark.parametrize("way", WAYS)
def test_the_rule_refuses_a_way_for_its_lesson_controls_an_import_and_a_run(way):
    idle = StudioSnapshot(points=10)
    assert lock_refusal(idle, way) is None
    for name in LESSON:
        locked = dataclasses.replace(idle, lesson_locks=frozenset({name}))
        expected = LESSON[name] if name in LOCKED_BY[way] else None
        assert lock_refusal(locked, way) == expected, name
    assert lock_refusal(dataclasses.replace(idle, importing=True), way) == IMPORT
    for state in (RunState.RUNNING, RunState.PAUSED):
        assert lock_refusal(dataclasses.replace(idle, state=state), way) == RUN
    # a lesson's lock outlasts the run: its words come first
    both = dataclasses.replace(idle, state=RunState.PAUSED, lesson_locks=frozenset(LESSON))
    assert lock_refusal(both, way) == (LESSON[LOCKED_BY[way][0]] if LOCKED_BY[way] else RUN)


def test_the_actions_greyed_are_exactly_those_the_gate_refuses_and_say_its_words():
    checked = 0
    for s in _snapshots():
        enabled, reasons = enabled_actions(s), disabled_reasons(s)
        for way in set(WAYS) & set(ACTION_NAMES):
            refusal = lock_refusal(s, way)
            if refusal is not None:
                assert not enabled[way] and reasons[way] == refusal, (way, s)
                checked += 1
            elif way in ("delete", "undo", "redo"):  # (also need a selection, a history)
                assert enabled[way] is {"delete": s.points_selected, "undo": s.can_undo,
                                        "redo": s.can_redo}[way], (way, s)
            else:
                assert enabled[way], (way, s)
    assert checked > 1000


# --------------------------------------------------------------------------- the controller


@pytest.fixture
def blocked_reads(monkeypatch):
    """CSV files are read on the import's worker thread, which waits until the import is
    cancelled: an import stays under way for as long as a test needs."""
    import gdstudio.ui.studio.editing as editing
    import gdstudio.ui.threads.import_worker as import_worker

    ended = threading.Event()

    def read(path, dtype="float32", progress=None, cancelled=None, labels=False):
        while not cancelled():
            ended.wait(0.01)
        raise ReadCancelled

    monkeypatch.setattr(editing, "READ_AT_ONCE_BYTES", 0)
    monkeypatch.setattr(import_worker, "read_dataset", read)
    yield monkeypatch
    ended.set()


@pytest.fixture
def small_csv(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("x,y\n1,2\n3,4\n")
    return str(path)


@contextlib.contextmanager
def run_lock(qtbot, c: StudioController, pace=None):
    """A run going, one epoch every 10 ms (``pace()``: sets the pace instead)."""
    if pace is None:
        c.set_speed(0.01)
    else:
        pace()
    with qtbot.waitSignal(c.epochsAppended, timeout=30_000):
        assert c.train(TrainConfig(learning_rate=0.001, epochs=100_000))
    assert c.state is RunState.RUNNING
    try:
        yield RUN
    finally:
        if c.session.active:
            with qtbot.waitSignal(c.runFinished, timeout=10_000):
                c.stop()


@contextlib.contextmanager
def import_lock(qtbot, c: StudioController, start, path):
    """A CSV import under way (``start(path)`` starts it), cancelled at the end."""
    assert start(path) is True
    assert c.csv_import.busy
    try:
        yield IMPORT
    finally:
        with qtbot.waitSignal(c.csv_import.settled, timeout=10_000):
            c.cancel_import()


@contextlib.contextmanager
def lesson_lock(set_locks, names):
    set_locks(names)
    try:
        yield LESSON[names[0]]
    finally:
        set_locks(())


#: Requests that return nothing (the others return False when refused).
RETURN_NOTHING = ("undo", "redo")


def controller_requests(c: StudioController, csv: str) -> dict:
    """What each way asks the controller (as the window's slots do)."""
    from gdstudio.ui.classroom.classroom_tools import paste_points

    two = Dataset.from_points([(1.5, 2.5), (2.5, 3.5)])
    return {
        "add": lambda: c.add_point(1.0, 30.0),
        "move": lambda: c.move_point(0, 1.0, 1.0),
        "delete": lambda: c.delete_points((0,)),
        "spray": lambda: c.add_points(two, "Spray 2 points", "spray"),
        "paste_points": lambda: paste_points(c, "1\t2\n3\t4\n"),
        "generate": lambda: c.generate(x_min=0.0, x_max=1.0, x_step=0.5),
        "clear": c.clear,
        "import": lambda: c.import_csv(csv),
        "presets": lambda: c.load_preset(next(iter(PRESETS))),
        "undo": c.undo,
        "redo": c.redo,
        "replace": lambda: c.replace_data(noisy_line(seed=3), "other"),
        "open_session": lambda: c.edit_allowed("open_session"),
    }


class Said:
    """The controller's status lines and messages."""

    def __init__(self, c: StudioController):
        self.status: list[str] = []
        self.messages: list[str] = []
        self.data = 0
        c.statusReported.connect(lambda text, _ms: self.status.append(text))
        c.messageRaised.connect(lambda title, _text, _level: self.messages.append(title))
        c.dataChanged.connect(self._on_data)

    def _on_data(self, *_):
        self.data += 1

    def clear(self):
        self.status.clear()
        self.messages.clear()
        self.data = 0


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    assert c.add_point(5.0, 5.0) and c.add_point(6.0, 6.0)
    c.undo()  # something to undo and something to redo
    yield c
    c.shutdown(5000)


def _controller_cases():
    for way in WAYS:
        for name in LOCKED_BY[way]:
            yield way, ("lesson", name)
        yield way, ("run", None)
        yield way, ("import", None)


@pytest.mark.parametrize(("way", "lock"), list(_controller_cases()),
                         ids=lambda v: v if isinstance(v, str) else "-".join(filter(None, v)))
def test_the_controller_refuses_each_way_under_each_lock(qtbot, controller, blocked_reads,
                                                         small_csv, tmp_path, way, lock):
    c = controller
    said = Said(c)
    kind, name = lock
    if kind == "lesson":
        locked = lesson_lock(c.set_lesson_locks, (name,))
    elif kind == "run":
        locked = run_lock(qtbot, c)
    else:
        other = tmp_path / "big.csv"
        other.write_text("x,y\n7,8\n")
        locked = import_lock(qtbot, c, c.import_csv, str(other))
    requests = controller_requests(c, small_csv)
    with locked as refusal:
        before, edits = c.dataset, c.model.undo_stack.count()
        index = c.model.undo_stack.index()
        if way in ACTION_NAMES:
            assert not c.enabled_actions()[way]
            assert disabled_reasons(c.snapshot())[way] == refusal
        said.clear()
        result = requests[way]()
        assert result is (None if way in RETURN_NOTHING else False)
        assert said.status == [refusal]  # said once
        assert said.messages == [] and said.data == 0
        assert c.dataset is before
        assert (c.model.undo_stack.count(), c.model.undo_stack.index()) == (edits, index)
    # the lock gone, the same request changes the data
    blocked_reads.undo()
    before = c.dataset
    result = requests[way]()
    assert result is (None if way in RETURN_NOTHING else True)
    assert c.dataset is not before or way == "open_session"


def test_a_lesson_locks_only_what_it_names(controller):
    c = controller
    c.set_lesson_locks(("generate", "undo"))
    assert c.enabled_actions()["redo"] and not c.enabled_actions()["undo"]
    n = len(c.dataset)
    c.redo()
    assert len(c.dataset) == n + 1
    assert c.add_point(7.0, 7.0) and c.move_point(0, 1.0, 1.0) and c.clear()
    assert not c.generate() and len(c.dataset) == 0
    c.set_lesson_locks(())
    assert c.enabled_actions()["undo"] and c.enabled_actions()["generate"]


def test_an_import_that_ends_under_a_lesson_lock_changes_nothing(qtbot, controller, tmp_path,
                                                                 monkeypatch):
    """A lesson that locks Import CSV, set while a file is being read: the data read does
    not go in."""
    import gdstudio.ui.studio.editing as editing

    c = controller
    path = tmp_path / "in.csv"
    path.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(100)))
    monkeypatch.setattr(editing, "READ_AT_ONCE_BYTES", 0)
    said = Said(c)
    before = c.dataset
    def lock(*_):
        c.set_lesson_locks(("import",))

    c.csv_import.started.connect(lock)
    with qtbot.waitSignal(c.csv_import.settled, timeout=30_000):
        assert c.import_csv(str(path))
    c.csv_import.started.disconnect(lock)
    assert c.dataset is before and said.status[-1] == LESSON["import"]
    c.set_lesson_locks(())
    with qtbot.waitSignal(c.csv_import.settled, timeout=30_000):
        assert c.import_csv(str(path))
    assert len(c.dataset) == 100


# --------------------------------------------------------------------------- the window

#: The lesson of the teacher who found the leaks: the data as given, nothing else locked.
TEACHER = ("point_editing", "generate", "clear", "import", "presets", "undo", "redo")
#: Where the tutorial's line has no point, inside its view.
EMPTY_SPOT = (2.0, 20.0)
KEYS = {
    "delete": (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
    "paste_points": (Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier),
    "generate": (Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier),
    "clear": (Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier
              | Qt.KeyboardModifier.ShiftModifier),
    "import": (Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier),
    "undo": (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
    "redo": (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
             | Qt.KeyboardModifier.ShiftModifier),
    "open_session": (Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier
                     | Qt.KeyboardModifier.ShiftModifier),
}


def _window_cases():
    for way in WAYS:
        if way == "replace":
            continue  # (no control of its own: the requests above make it)
        if LOCKED_BY[way]:
            yield way, "lesson"
        yield way, "run"
        yield way, "import"


def point_pos(window, i=0):
    d = window.controller.dataset
    return data_to_viewport(window.plot, float(d.x[i]), float(d.y[i]))


class Gestures:
    """The ways a user changes the data in ``window``, each a list of (channel, do)."""

    def __init__(self, window, csv, session):
        self.window, self.csv, self.session = window, csv, session
        self.dialogs: list[str] = []

    def ways(self) -> dict:
        w, c = self.window, self.window.controller
        plot = w.plot
        first_preset = w.presets_menu.actions()[0]
        return {
            "add": [("click", lambda: click(plot, data_to_viewport(plot, *EMPTY_SPOT)))],
            "move": [("drag", self._drag_first_point)],
            "delete": [("right-click", lambda: click(plot, point_pos(w),
                                                     button=Qt.MouseButton.RightButton)),
                       ("key", self._select_first_and_press_delete),
                       ("menu", w.act_delete)],
            "spray": [("menu", w.act_spray), ("spray stroke", self._spray_stroke)],
            "paste_points": [("menu", w.act_paste_points), ("key", None),
                             ("request", w.classroom.paste)],
            "generate": [("menu", w.act_generate), ("key", None),
                         ("request", w.generate_dialog)],
            "clear": [("menu", w.act_clear), ("key", None), ("request", c.clear)],
            "import": [("menu", w.act_import), ("key", None), ("request", w.files.import_csv),
                       ("request", lambda: w.files.import_csv(self.csv))],
            "presets": [("menu", w.presets_menu.menuAction()), ("menu", first_preset),
                        ("request", lambda: c.load_preset(next(iter(PRESETS))))],
            "undo": [("menu", w.act_undo), ("key", None), ("request", c.undo)],
            "redo": [("menu", w.act_redo), ("key", None), ("request", c.redo)],
            "open_session": [("menu", w.act_open_session), ("key", None),
                             ("request", w.session_files.open_session),
                             ("request", lambda: w.session_files.open_path(self.session))],
        }

    def _drag_first_point(self):
        start = point_pos(self.window)
        drag(self.window.plot, start, start + (start - point_pos(self.window, 50)) * 0.3)

    def _select_first_and_press_delete(self):
        click(self.window.plot, point_pos(self.window))
        assert len(self.window.controller.selected_points) == 1  # (selecting is no edit)
        QTest.keyClick(self.window, Qt.Key.Key_Delete)

    def _spray_stroke(self):
        spray = self.window.classroom.spray
        assert spray.active
        plot = self.window.plot
        drag(plot, data_to_viewport(plot, *EMPTY_SPOT), data_to_viewport(plot, 3.0, 25.0))
        assert spray.stroke is None


@pytest.mark.parametrize(("way", "lock"), list(_window_cases()))
def test_the_window_refuses_every_way_in_under_each_lock(window, qtbot, blocked_reads,
                                                         small_csv, tmp_path, way, lock):
    import gdstudio.ui.sessions.session_dialogs as session_dialogs
    import gdstudio.ui.window.file_requests as file_requests
    import gdstudio.ui.window.main_window as main_window

    c = window.controller
    session = tmp_path / "other.gdstudio"
    session.write_text("".join(session_chunks(window.session_files.capture())))
    gestures = Gestures(window, small_csv, str(session))
    # a dialog opened here would be a refusal missed (and would wait for an answer)
    blocked_reads.setattr(main_window, "GenerateDialog",
                          lambda *_: gestures.dialogs.append("generate"))
    blocked_reads.setattr(file_requests.QFileDialog, "getOpenFileName",
                          lambda *_: gestures.dialogs.append("import") or ("", ""))
    blocked_reads.setattr(session_dialogs, "ask_open_path",
                          lambda *_: gestures.dialogs.append("session") or "")
    QGuiApplication.clipboard().setText("1\t2\n3\t4\n")
    assert c.add_point(5.0, 5.0) and c.add_point(6.0, 6.0)
    c.undo()  # something to undo and something to redo
    if way == "spray":
        window.act_spray.setChecked(True)  # on before the lock
    if lock == "lesson":
        view = window.session_files.lesson_view
        locked = lesson_lock(lambda names: view.set_lesson(
            Lesson("Locks", tuple(names), (), False) if names else None), TEACHER)
        refusal = LESSON[LOCKED_BY[way][0]]
    elif lock == "run":
        locked = run_lock(qtbot, c, lambda: window.speed.setCurrentIndex(2))  # 50 epochs/s
        refusal = RUN
    else:
        other = tmp_path / "big.csv"
        other.write_text("x,y\n7,8\n")
        locked = import_lock(qtbot, c, window.files.import_csv, str(other))
        refusal = IMPORT
    said = Said(c)
    bar = window.statusBar()
    with locked:
        if way == "spray" and lock == "lesson":  # a lesson that locks it turns it off
            assert not window.act_spray.isChecked() and not window.classroom.spray.active
            window.classroom.spray.set_active(True)  # as if it were still on: it refuses
        before, index = c.dataset, c.model.undo_stack.index()
        for channel, do in gestures.ways()[way]:
            bar.clearMessage()
            said.clear()
            if channel == "menu":  # greyed, its tip saying why; a click does nothing
                assert not do.isEnabled(), do.text()
                assert do.statusTip() in (f"{plain_text(do)}: {refusal}", refusal)
                do.trigger()
                assert said.status == []
            else:
                if channel == "key":
                    window.activateWindow()
                    QTest.keyClick(window, *KEYS[way])
                else:
                    do()
                assert said.status == [refusal], channel  # said once
                assert bar.currentMessage() == refusal, channel
            assert said.messages == [] and said.data == 0, channel
            assert c.dataset is before and c.model.undo_stack.index() == index, channel
            assert gestures.dialogs == [], channel
        shown_x, shown_y = window.plot.points()
        assert shown_x.tolist() == before.x.astype(float).tolist()  # (a dragged point went
        assert shown_y.tolist() == before.y.astype(float).tolist()  # back)
    # the lock gone, the same gesture (a request in place of a dialog) changes the data
    blocked_reads.undo()
    if way == "spray":
        window.act_spray.setChecked(True)
    unlocked = {"generate": c.generate, "import": lambda: window.files.import_csv(small_csv),
                "open_session": lambda: window.session_files.open_path(str(session))}
    do = unlocked.get(way) or next(d for ch, d in gestures.ways()[way] if ch not in (
        "menu", "key"))
    before = c.dataset
    do()
    assert c.dataset is not before, way
