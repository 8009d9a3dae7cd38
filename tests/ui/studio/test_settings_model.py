"""The settings model and the view model without a window: every described setting and view
option, checked through its description, one signal a change, momentum each optimizer's
own, a maximum for the whole numbers, and the settings last valid."""

from __future__ import annotations

import pytest

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import BY_NAME, SETTINGS
from gdstudio.core.settings.view_description import VIEW_OPTIONS
from gdstudio.ui.studio.settings_model import SEED_MAX, SPIN_MAX, Invalid, SettingsModel
from gdstudio.ui.studio.view_model import ViewOptions
from tests.described import OTHER, OTHER_PATH, OTHER_VIEW, other_setting

#: A value each kind of setting cannot take, and one the description refuses by its range.
BAD = {"choice": ["nope", 1, None], "bool": [1, "true", None], "int": [0.5, "3", True, -1],
       "float": ["0.1", True, float("nan"), float("inf")]}


class Count:
    def __init__(self, signal):
        self.n = 0
        signal.connect(self)

    def __call__(self, *_):
        self.n += 1


def test_every_setting_starts_at_its_described_default():
    m = SettingsModel()
    for s in SETTINGS:
        assert m.entry(s.name) == s.default, s.name
    assert m.config() == TrainConfig() == m.last_valid
    assert not m.random_init and m.errors() == [] and m.error is None


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_each_value_is_checked_through_the_description(setting):
    m = SettingsModel()
    changed = Count(m.settingsChanged)
    for value in BAD[setting.kind]:
        with pytest.raises(ValueError):
            m.set_value(setting.name, value)
    out_of_range = {"learning_rate": 0.0, "momentum": 1.0, "lr_gamma": 1.5, "epochs": 0,
                    "seed": -1, "eps": 0.0, "tol": -1.0}
    if setting.name in out_of_range:
        with pytest.raises(ValueError, match=setting.subject):
            m.set_value(setting.name, out_of_range[setting.name])
    assert changed.n == 0 and m.config() == TrainConfig()  # nothing changed
    value = other_setting(setting)
    m.set_value(setting.name, value)
    assert m.entry(setting.name) == value and changed.n == 1
    m.set_value(setting.name, value)  # no change: no signal
    assert changed.n == 1


def test_whole_numbers_stay_within_their_maximum():
    m = SettingsModel()
    assert m.maximum("seed") == SEED_MAX and m.maximum("epochs") == SPIN_MAX
    with pytest.raises(ValueError, match="at most"):
        m.set_value("seed", SEED_MAX + 1)
    m.set_value("epochs", 5000)
    changed = Count(m.settingsChanged)
    limits = Count(m.limitsChanged)
    m.set_maximum("epochs", 1000)
    assert m.entry("epochs") == 1000 and changed.n == 1 and limits.n == 1
    m.set_config(TrainConfig(epochs=10**6))  # restoring: the largest it may take
    assert m.config().epochs == 1000


def test_set_config_round_trips_every_setting():
    for config in (OTHER, OTHER_PATH, TrainConfig(init_w=None, init_b=None)):
        m = SettingsModel()
        changed = Count(m.settingsChanged)
        m.set_config(config)
        assert m.config() == config == m.last_valid and changed.n == 1
    with pytest.raises(ValueError):
        m.set_config(TrainConfig(learning_rate=-1.0))
    assert m.config() == TrainConfig(init_w=None, init_b=None)  # unchanged


def test_a_drawn_start_keeps_the_typed_one_for_later():
    m = SettingsModel()
    m.set_config(TrainConfig(init_w=2.0, init_b=3.0))
    m.set_random_init(True)
    assert m.config().init_w is None and m.config().init_b is None
    assert "init_w" not in m.in_use()
    m.set_invalid("init_w", "x", "not a number")  # not in use: blocks nothing
    assert m.errors() == []
    m.update({"init_w": 2.0}, random_init=False)
    assert (m.config().init_w, m.config().init_b) == (2.0, 3.0)
    with pytest.raises(ValueError):
        m.set_value("init_w", None)  # drawn from the seed: that is the random start


def test_an_invalid_input_blocks_only_where_it_applies_and_keeps_the_last_valid():
    m = SettingsModel()
    m.set_value("learning_rate", 0.25)
    m.set_invalid("learning_rate", "-3", "Must be a positive number.")
    assert m.entry("learning_rate") == Invalid("-3", "Must be a positive number.")
    assert m.errors() == ["Learning rate: Must be a positive number."]
    assert m.settings is None and m.error == m.errors()[0]
    with pytest.raises(ValueError, match="Learning rate"):
        m.config()
    assert m.draft().learning_rate == BY_NAME["learning_rate"].default
    assert m.last_valid.learning_rate == 0.25
    m.set_value("epochs", 7)
    assert m.last_valid.epochs == 20  # the settings when they were last all valid
    m.set_invalid("huber_delta", "abc", "not a number")  # MSE: the delta does not apply
    m.set_value("learning_rate", 0.5)
    assert m.errors() == [] and m.config().learning_rate == 0.5
    m.set_value("loss", "huber")
    assert m.errors() == ["Huber delta: not a number"]


def test_momentum_stays_with_its_optimizer():
    m = SettingsModel()
    m.update({"impl": "module", "momentum": 0.9})
    m.set_value("optimizer", "rmsprop")  # RMSprop takes momentum, but its own
    assert m.entry("momentum") == 0.0
    m.set_value("momentum", 0.5)
    m.set_value("optimizer", "adam")
    assert m.config().momentum == 0.0  # Adam has none
    m.set_value("optimizer", "sgd")
    assert m.entry("momentum") == 0.9
    m.set_invalid("momentum", "abc", "not a number")  # the input itself goes with it
    m.set_value("optimizer", "rmsprop")
    assert m.entry("momentum") == 0.5
    m.set_value("optimizer", "sgd")
    assert m.entry("momentum") == Invalid("abc", "not a number")
    m.update({"optimizer": "rmsprop", "momentum": 0.25})  # given with the optimizer: taken
    assert m.config().momentum == 0.25


def test_one_signal_for_several_settings_and_none_for_a_refusal():
    m = SettingsModel()
    changed = Count(m.settingsChanged)
    m.update({"learning_rate": 0.5, "epochs": 3, "seed": 4})
    assert changed.n == 1
    with pytest.raises(ValueError):
        m.update({"learning_rate": 0.1, "epochs": -1})
    with pytest.raises(ValueError, match="Unknown"):
        m.update({"learning_rat": 0.1})
    assert changed.n == 1 and m.config().learning_rate == 0.5


def test_the_view_model_holds_every_described_view_option():
    v = ViewOptions()
    assert v.values() == {o.name: o.default for o in VIEW_OPTIONS}
    seen = []
    v.changed.connect(lambda name, value: seen.append((name, value)))
    v.update(OTHER_VIEW)
    assert v.values() == OTHER_VIEW and seen == list(OTHER_VIEW.items())
    v.update(OTHER_VIEW)  # no change: no signal
    assert len(seen) == len(OTHER_VIEW)
    assert v.changes() == {o.name: OTHER_VIEW[o.name] for o in VIEW_OPTIONS if o.change}
    assert set(v.changes()) < set(v.values())  # the speed is no change to save
    for option in VIEW_OPTIONS:
        bad = {"bool": 1, "choice": "circles", "index": len(option.choices)}[option.kind]
        with pytest.raises(ValueError):
            v.set(option.name, bad)
    with pytest.raises(ValueError, match="Unknown"):
        v.set("grid", True)
    assert v.values() == OTHER_VIEW
