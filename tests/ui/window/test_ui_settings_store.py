"""A damaged settings store never stops the window from opening: each damaged or out-of-range
value falls back to its default on its own, and the status bar names what was reset."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.view_description import VIEW_OPTIONS
from gdstudio.ui.window.actions import DEFAULT_SPEED
from gdstudio.ui.window.main_window import MainWindow
from gdstudio.ui.window.settings_store import read
from tests import forked
from tests.described import OTHER_CONFIGS, OTHER_VIEW
from tests.paths import ROOT
from tests.qt_helpers import answer

#: Saved settings that differ from every default.
BASE = TrainConfig(method="minibatch", impl="module", optimizer="sgd", loss="huber",
                   learning_rate=0.05, epochs=123, batch_size=16, init_w=1.5, init_b=-2.5,
                   seed=7, shuffle=True, fit_bias=True, momentum=0.5, nesterov=True,
                   weight_decay=0.01, beta1=0.8, beta2=0.99, alpha=0.9, eps=1e-7,
                   huber_delta=2.0, standardize=True, tol=1e-9, lr_schedule="step",
                   lr_step_size=4, lr_gamma=0.8)
BASE_SPEED = 5  # not the default speed
DEFAULT = TrainConfig()

HUGE = "x" * 50_000
NAN, INF = float("nan"), float("inf")
ANY_BAD = ["no", "", HUGE, NAN, INF, -INF, {"nested": {"a": [1]}}, [1, 2], 10**400]
NUMBER_BAD = [*ANY_BAD, None, True, "0.1"]
UNIT_BAD = [*NUMBER_BAD, 1, 1.0, -0.1, 1.5]
POSITIVE_BAD = [*NUMBER_BAD, 0, 0.0, -1, -1e-300]
CHOICE_BAD = [*ANY_BAD, None, "MSE", "bogus", 3, True]
FLAG_BAD = [*ANY_BAD, None, "no", "true", "yes", 1, 0]
WHOLE_BAD = [*NUMBER_BAD, 0, -1, 1.5, 20.0, 3e9]
BAD_FIELDS = {
    "model": [*CHOICE_BAD, "Logistic", "line "],
    "method": CHOICE_BAD, "impl": CHOICE_BAD, "optimizer": [*CHOICE_BAD, "SGD"],
    "loss": CHOICE_BAD,
    "learning_rate": POSITIVE_BAD,
    "epochs": [*WHOLE_BAD, 3_000_000_000, 10**12],
    "batch_size": [*WHOLE_BAD, 10**9],
    "init_w": [*ANY_BAD, True, "1"], "init_b": [*ANY_BAD, True, "1"],
    "seed": [*(v for v in WHOLE_BAD if v != 0), 2**31, 2**63],
    "shuffle": FLAG_BAD, "fit_bias": FLAG_BAD, "nesterov": FLAG_BAD, "standardize": FLAG_BAD,
    "momentum": UNIT_BAD, "beta1": UNIT_BAD, "beta2": UNIT_BAD, "alpha": UNIT_BAD,
    "weight_decay": [*NUMBER_BAD, -1, -1e-9],
    "eps": [*ANY_BAD, True, 0, -1e-8],
    "huber_delta": POSITIVE_BAD,
    "tol": [*NUMBER_BAD, -1, -1e-9], "lr_schedule": [*CHOICE_BAD, "Step", "cosine"],
    "lr_step_size": WHOLE_BAD, "lr_gamma": [*POSITIVE_BAD, 1.5, 1.0000001],
}
assert set(BAD_FIELDS) == {f.name for f in dataclasses.fields(TrainConfig)}

#: Damaged lines of the settings file itself, as a text editor or a bad disk leaves them.
BAD_LINES = {
    "version": ["abc", "1.5", "", "@Variant(garbage)", "1, 2", "@Rect(1 2 3 4)"],
    "geometry": ["hello", "@ByteArray(garbage)", "@ByteArray(", "1, 2, 3", "@Rect(1 2 3 4)",
                 "", "@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x5garbage)"],
    "windowState": ["hello", "@ByteArray(garbage)", "", "@Size(1 2)"],
    "speed": ["-1", "99", "abc", "1.5", "", "1, 2", "99999999999999999999999", "@Invalid()"],
    "logScale": ["maybe", "1", "", "@Rect(1 2 3 4)", "true, false"],
    "showOptimum": ["no", "0", ""],
    "config": ['"[1, 2]"', '"{not json"', "1, 2", "@ByteArray(x)", '"null"', '"42"',
               '"' + "x" * 200_000 + '"', '"' + "[" * 50_000 + '"',
               '"{\\"epochs\\": 3e9, \\"fit_bias\\": \\"no\\", \\"nesterov\\": null}"'],
}


def write_store(path: Path, config: dict, base_window_blobs) -> None:
    s = QSettings(str(path), QSettings.Format.IniFormat)
    s.clear()
    s.setValue("version", 1)
    s.setValue("geometry", base_window_blobs[0])
    s.setValue("windowState", base_window_blobs[1])
    s.setValue("config", json.dumps(config))
    s.setValue("speed", BASE_SPEED)
    s.setValue("logScale", "true")
    s.setValue("showOptimum", "false")
    s.sync()
    del s


@pytest.fixture(scope="module")
def blobs(qapp, tmp_path_factory):
    """A real window's geometry and state, as a clean store holds them."""
    path = tmp_path_factory.mktemp("blobs") / "s.ini"
    win = MainWindow(settings=QSettings(str(path), QSettings.Format.IniFormat))
    win.show()
    geometry, state = win.saveGeometry(), win.saveState()
    win.close()
    win.deleteLater()
    return geometry, state


def open_window(qtbot, path: Path) -> MainWindow:
    win = MainWindow(settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    return win


class Readings:
    """What the window reads from each store (``settings_store.read``, the one place its
    settings, view options and layout are read; the stores here differ in nothing else), and
    one window opened for each different reading: the window is made of what it read, so a
    store read as another was read opens the same window."""

    def __init__(self, qtbot):
        self.qtbot = qtbot
        self.seen: list = []
        self.shown: list = []  # what the window of each reading showed (see shown_by)
        self.limits: dict | None = None

    def open_if_new(self, path: Path) -> MainWindow | None:
        """A window of the store at ``path``, or None if an earlier store read the same."""
        if self.limits is not None:
            reading = read(QSettings(str(path), QSettings.Format.IniFormat), **self.limits)
            if reading in self.seen:
                return None
        win = open_window(self.qtbot, path)
        self.limits = {"maxima": dict(win.controller.settings_model.maxima)}
        self.seen.append(read(QSettings(str(path), QSettings.Format.IniFormat), **self.limits))
        return win

    def shown_by(self, path: Path) -> tuple[TrainConfig, str]:
        """The settings and the status bar message of the window of the store at ``path``
        (the window of an earlier store read the same way showed them)."""
        win = self.open_if_new(path)
        if win is not None:
            self.shown.append((win.panel.config(), win.statusBar().currentMessage()))
            win.close()
            return self.shown[-1]
        reading = read(QSettings(str(path), QSettings.Format.IniFormat), **self.limits)
        return self.shown[self.seen.index(reading)]


def check_per_key(win, damaged: set[str]) -> str:
    """Every setting is what was saved, or its default and named in the status bar."""
    message = win.statusBar().currentMessage()
    config = win.panel.config()
    for f in dataclasses.fields(TrainConfig):
        value = getattr(config, f.name)
        if f.name in damaged:
            assert value == getattr(DEFAULT, f.name), f.name
        elif value != getattr(BASE, f.name):
            assert value == getattr(DEFAULT, f.name), f.name  # a dependent setting reset too
            assert f.name in message, (f.name, message)
    assert win.speed.currentIndex() == (DEFAULT_SPEED if "speed" in damaged else BASE_SPEED)
    assert win.act_log.isChecked() is ("logScale" not in damaged)
    assert win.act_optimum.isChecked() is ("showOptimum" in damaged)
    assert win.show_optimum.isChecked() is win.act_optimum.isChecked()
    for name in damaged:
        assert name in message, (name, message)
    assert len(message) < 400
    return message


def test_a_clean_store_comes_back_exactly(qtbot, tmp_path, blobs):
    path = tmp_path / "s.ini"
    write_store(path, dataclasses.asdict(BASE), blobs)
    win = open_window(qtbot, path)
    assert win.panel.config() == BASE
    assert win.statusBar().currentMessage() == "Ready: press F5 to train."
    check_per_key(win, set())


@pytest.mark.parametrize("name", list(BAD_FIELDS))
def test_each_damaged_setting_falls_back_alone(qtbot, tmp_path, blobs, name):
    path = tmp_path / "s.ini"
    readings = Readings(qtbot)
    for value in BAD_FIELDS[name]:
        write_store(path, {**dataclasses.asdict(BASE), name: value}, blobs)
        win = readings.open_if_new(path)
        if win is not None:
            check_per_key(win, {name})
            win.close()


@pytest.mark.parametrize("key", list(BAD_LINES))
def test_each_damaged_line_of_the_file_falls_back_alone(qtbot, tmp_path, blobs, key):
    path = tmp_path / "s.ini"
    write_store(path, dataclasses.asdict(BASE), blobs)
    clean = path.read_text().splitlines()
    readings = Readings(qtbot)
    for raw in BAD_LINES[key]:
        lines = [f"{key}={raw}" if line.startswith(f"{key}=") else line for line in clean]
        path.write_text("\n".join(lines) + "\n")
        win = readings.open_if_new(path)
        if win is None:
            continue
        if key == "config":
            assert win.panel.config() == DEFAULT
            assert "config" in win.statusBar().currentMessage() or "epochs" in \
                win.statusBar().currentMessage()
        else:
            check_per_key(win, {key})
        win.close()


def test_a_store_from_another_version_is_ignored_as_a_whole(qtbot, tmp_path, blobs):
    path = tmp_path / "s.ini"
    write_store(path, dataclasses.asdict(BASE), blobs)
    QSettings(str(path), QSettings.Format.IniFormat).setValue("version", 99)
    win = open_window(qtbot, path)
    assert win.panel.config() == DEFAULT
    assert "another version" in win.statusBar().currentMessage()


def test_the_window_saves_a_repaired_store(qtbot, tmp_path, blobs):
    path = tmp_path / "s.ini"
    write_store(path, {**dataclasses.asdict(BASE), "epochs": 3e9, "fit_bias": "no",
                       "nesterov": None}, blobs)
    open_window(qtbot, path).close()
    win = open_window(qtbot, path)
    assert win.statusBar().currentMessage() == "Ready: press F5 to train."
    assert win.panel.config() == BASE.replace(epochs=20, nesterov=False)


@pytest.mark.parametrize("config", OTHER_CONFIGS)
def test_the_store_keeps_the_models_between_launches(qtbot, tmp_path, config):
    """Every setting and every view option with a store key comes back into the controller's
    models (and so into the panel and the controls); the others start at their default."""
    path = tmp_path / "s.ini"
    win = open_window(qtbot, path)
    win.controller.settings_model.set_config(config)
    win.controller.view_options.update(OTHER_VIEW)
    win.close()
    if win.isVisible():  # (unsaved changes: the session asks first)
        answer(win, "Quit")
    assert not win.isVisible()
    back = open_window(qtbot, path)
    assert back.statusBar().currentMessage() == "Ready: press F5 to train."
    assert back.controller.settings_model.config() == config == back.panel.config()
    view = back.controller.view_options
    for option in VIEW_OPTIONS:
        expected = OTHER_VIEW[option.name] if option.store else option.default
        assert view.value(option.name) == expected, option.name
    assert back.speed.currentIndex() == view.value("speed")
    assert back.act_log.isChecked() is view.value("log_scale")
    assert back.act_optimum.isChecked() is view.value("show_optimum")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)


@pytest.fixture
def fuzz_readings(qtbot):
    return Readings(qtbot)  # (shared by the examples of one run)


@pytest.mark.slow
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.dictionaries(st.sampled_from(list(BAD_FIELDS)), JSON, min_size=1,
                              max_size=4))
def test_any_json_values_open_the_window(qtbot, tmp_path, blobs, fuzz_readings, damage):
    path = tmp_path / "fuzz.ini"
    write_store(path, {**dataclasses.asdict(BASE), **damage}, blobs)
    config, message = fuzz_readings.shown_by(path)
    config.validate()
    for f in dataclasses.fields(TrainConfig):
        value = getattr(config, f.name)
        stored = damage.get(f.name, getattr(BASE, f.name))
        if value != stored:
            assert value == getattr(DEFAULT, f.name), (f.name, stored, value)
            assert f.name in message, (f.name, message)


DAMAGED_STORE = """[General]
version=1
geometry=@ByteArray(garbage)
config="{\\"epochs\\": 3000000000, \\"fit_bias\\": \\"no\\", \\"nesterov\\": null, \\"seed\\": 5}"
speed=99
logScale=maybe
"""


def test_the_app_starts_on_a_damaged_store(tmp_path):
    """``python -m gdstudio`` with a damaged store in the user's settings folder opens its
    window, says what was reset, and saves a repaired store when it closes."""
    config_home = tmp_path / "config"
    store = config_home / "gdstudio" / "Gradient Descent Studio.conf"
    store.parent.mkdir(parents=True)
    store.write_text(DAMAGED_STORE)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(config_home), "GDSTUDIO_STARTUP_CHECK": "1",
           "PYTHONPATH": str(ROOT)}
    proc = forked.run("-m", "gdstudio", cwd=tmp_path, env=env, preload=forked.STUDIO)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    started = [line for line in proc.stdout.splitlines() if line.startswith("started: ")]
    assert len(started) == 1, proc.stdout
    for name in ("epochs", "fit_bias", "nesterov", "geometry", "speed", "logScale"):
        assert name in started[0], started[0]
    repaired = QSettings(str(store), QSettings.Format.IniFormat)
    saved = json.loads(repaired.value("config"))
    assert (saved["epochs"], saved["fit_bias"], saved["nesterov"], saved["seed"]) == (
        20, True, False, 5)
    assert repaired.value("speed") == str(DEFAULT_SPEED)
