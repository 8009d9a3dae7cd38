"""Described once: every training setting of the description and every view option of theirs
reaches each consumer, derived and never listed twice: the settings model and the settings
panel (a field that shows the model and edits it), ``gdstudio train`` (one option), the
session file and the settings store (each written from the models and read back into them).

The values used differ from every default (:mod:`tests.described`); a setting or view option
added to a description is enumerated here with no change to this file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from gdstudio.cli.main import build_parser, config_from_args
from gdstudio.core.files.session import session_json
from gdstudio.core.files.session_read import parse_session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import SETTINGS
from gdstudio.core.settings.view_description import VIEW_OPTIONS
from gdstudio.ui.panels.settings_panel import SettingsPanel
from gdstudio.ui.studio.settings_model import SettingsModel
from gdstudio.ui.studio.view_model import ViewOptions
from gdstudio.ui.window import settings_store
from tests.described import OTHER_CONFIGS, OTHER_VIEW, other_setting

IDS = {"ids": lambda s: s.name}


# --------------------------------------------------------------------------- the panel


@pytest.fixture
def panel(qtbot):
    p = SettingsPanel(SettingsModel())
    qtbot.addWidget(p)
    return p


def shown(widget):
    """What a field shows, as a value of its setting."""
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QSpinBox):
        return widget.value()
    return None if not widget.text() else float(widget.text())


def enter(widget, value) -> None:
    """Choose or type ``value`` in a field as the user does."""
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex(widget.findData(value))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(value)
    elif isinstance(widget, QSpinBox):
        widget.setValue(value)
    else:
        widget.setText(repr(value))


def test_the_panel_shows_every_setting_of_the_model(panel):
    assert list(panel.fields()) == [s.name for s in SETTINGS]
    for config in OTHER_CONFIGS:
        panel.model.set_config(config)
        for s in SETTINGS:  # (both on the module path: the optimizer box is not greyed)
            assert shown(panel.fields()[s.name]) == getattr(config, s.name), s.name
        assert panel.config() == config


@pytest.mark.parametrize("setting", SETTINGS, **IDS)
def test_each_field_edits_its_setting_in_the_model(panel, setting):
    model = panel.model
    value = other_setting(setting)
    if setting.name == "optimizer":
        enter(panel.impl, "module")  # (the box is greyed for plain steps)
    enter(panel.fields()[setting.name], value)
    assert model.entry(setting.name) == value
    if isinstance(panel.fields()[setting.name], QLineEdit):
        panel.fields()[setting.name].setText("abc")
        assert model.problem(setting.name) == panel.fields()[setting.name].error()
        assert model.entry(setting.name).text == "abc"


# --------------------------------------------------------------------------- gdstudio train


def test_gdstudio_train_has_one_option_for_each_setting_and_no_other_training_option():
    parser = build_parser()
    training = next(g for g in parser._action_groups if g.title == "training")
    flags = [flag for action in training._group_actions for flag in action.option_strings]
    assert flags == [s.flag for s in SETTINGS if s.flag is not None]
    every = [flag for action in parser._actions for flag in action.option_strings]
    assert len(every) == len(set(every))  # none listed twice, in any group
    assert all(s.flag is not None for s in SETTINGS)  # every setting applies headless


@pytest.mark.parametrize("setting", SETTINGS, **IDS)
def test_a_value_given_to_each_option_is_the_runs(setting):
    value = other_setting(setting)
    if setting.kind == "bool":  # a flag alone: it sets (or, inverted, clears) the setting
        argv = [setting.flag]
    else:
        argv = [setting.flag, value if isinstance(value, str) else repr(value)]
    assert getattr(config_from_args(build_parser().parse_args(argv)), setting.name) == value
    expected = setting.default if setting.cli_default is ... else setting.cli_default
    if setting.name == "loss":  # (None: the model's own loss, the line's by default)
        from gdstudio.core.settings.description import default_loss

        expected = default_loss("line")
    assert getattr(config_from_args(build_parser().parse_args([])), setting.name) == expected


# --------------------------------------------------------------------------- lessons


def test_a_lesson_can_lock_every_view_options_control():
    from gdstudio.core.files.lesson_rules import LESSON_CONTROLS

    assert [v.control for v in VIEW_OPTIONS if v.control not in LESSON_CONTROLS] == []


# --------------------------------------------------------------------------- the files


def models(config: TrainConfig, view: dict) -> tuple[SettingsModel, ViewOptions]:
    settings, options = SettingsModel(), ViewOptions()
    settings.set_config(config)
    options.update(view)
    return settings, options


@pytest.mark.parametrize("config", OTHER_CONFIGS)
def test_a_session_file_round_trips_every_setting_and_view_option(qtbot, config):
    from gdstudio.core.files.session import session_chunks
    from gdstudio.ui.sessions.session_apply import apply, capture
    from gdstudio.ui.studio.controller import StudioController

    c = StudioController()
    try:
        assert c.switch_model(config.model)  # (its data: labels for logistic regression)
        c.settings_model.set_config(config)
        c.view_options.update(OTHER_VIEW)
        session = capture(c, c.settings_model.last_valid)
        doc = session_json(session)
        assert list(doc["settings"]) == [s.name for s in SETTINGS]
        assert doc["view"] == OTHER_VIEW and list(doc["view"]) == [v.name for v in VIEW_OPTIONS]
        back = parse_session("".join(session_chunks(session)))
    finally:
        c.shutdown(5000)
    other = StudioController()
    try:
        apply(other, back)
        assert other.settings_model.config() == config
        assert other.view_options.values() == OTHER_VIEW
    finally:
        other.shutdown(5000)


@pytest.mark.parametrize("config", OTHER_CONFIGS)
def test_the_settings_store_round_trips_every_setting_and_stored_view_option(qtbot, tmp_path,
                                                                               config):
    path = str(tmp_path / "store.ini")
    store = QSettings(path, QSettings.Format.IniFormat)
    store.setValue("version", settings_store.SETTINGS_VERSION)
    settings_store.save_models(store, *models(config, OTHER_VIEW))
    store.sync()
    stored = [v for v in VIEW_OPTIONS if v.store is not None]
    assert set(store.allKeys()) == {"version", "config", *(v.store for v in stored)}
    restored = settings_store.read(QSettings(path, QSettings.Format.IniFormat),
                                   maxima=SettingsModel().maxima)
    assert restored.reset == []
    settings, view = models(TrainConfig(), {})
    settings_store.restore_models(restored, settings, view)
    assert settings.config() == config
    for option in VIEW_OPTIONS:  # the store remembers those with a key; the others start anew
        expected = OTHER_VIEW[option.name] if option.store else option.default
        assert view.value(option.name) == expected, option.name
