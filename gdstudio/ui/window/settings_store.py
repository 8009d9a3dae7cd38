"""The window's settings store: the layout and settings saved at close, read at the next launch.

The store holds the window's layout (its geometry, the state of its docks and toolbars, and
whether the settings panel's More settings is open),
the training settings (the controller's settings model, as one JSON object keyed by the
settings description) and the view options whose description names a store key (the view
model's). What is stored, and how each value is checked, comes from the two descriptions
(:data:`gdstudio.core.settings.description.SETTINGS`,
:data:`gdstudio.core.settings.view_description.VIEW_OPTIONS`).

The store is a file anyone can edit or damage. Every value is checked on its own, for its
type and its range, and a damaged one falls back to its default without touching the
others: the window always opens, and its status bar names the settings that were reset.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QRect, Qt

from gdstudio.core.errors import ConfigError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import (
    MODEL_LOSSES,
    SETTINGS,
    Setting,
    applicable,
    default_loss,
    settings_values,
)
from gdstudio.core.settings.view_description import VIEW_OPTIONS, ViewOption
from gdstudio.ui.studio.model_switch import fits
from gdstudio.ui.studio.settings_model import FIRST_START
from gdstudio.ui.window.window_fit import fitting_geometry

SETTINGS_VERSION = 1
#: A saved configuration is a few hundred characters; anything much longer is damage.
MAX_CONFIG_TEXT = 100_000
#: At most this many names in the status bar message.
MAX_NAMES_SHOWN = 8
#: Whether the settings panel's More settings was open (part of the layout, like the docks).
MORE_KEY = "moreSettings"


@dataclass
class Restored:
    """What the store holds, checked: None means "keep the window's default"."""

    config: TrainConfig = field(default_factory=TrainConfig)
    geometry: QByteArray | None = None
    window_state: QByteArray | None = None
    #: Whether the settings panel's More settings was open (None: not stored).
    more_settings: bool | None = None
    #: The view options the store holds (checked), by name; the others keep theirs.
    view: dict = field(default_factory=dict)
    #: The names of the settings that were damaged or out of range and so were reset.
    reset: list[str] = field(default_factory=list)
    #: The whole store was written by another version of the studio and was ignored.
    other_version: bool = False


# --------------------------------------------------------------------------- checks


def _choice(allowed):
    return lambda v: isinstance(v, str) and v in allowed


def _number(low=-math.inf, high=math.inf, *, low_open=False, high_open=False):
    def check(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        try:
            v = float(v)
        except OverflowError:
            return False
        if not math.isfinite(v) or v < low or v > high:
            return False
        return not ((low_open and v == low) or (high_open and v == high))

    return check


def _whole(low, high):
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _flag(v):
    return isinstance(v, bool)


def _optional(check):
    return lambda v: v is None or check(v)


FLOAT_FIELDS = {s.name for s in SETTINGS if s.kind == "float"}


def _check(setting: Setting, maximum: int | None):
    """The check of one setting's stored value: its type and range in the description."""
    if setting.kind == "choice":
        return _choice(setting.keys)
    if setting.kind == "bool":
        return _flag
    if setting.kind == "int":
        return _whole(setting.low, maximum)
    low = -math.inf if setting.low is None else setting.low
    high = math.inf if setting.high is None else setting.high
    check = _number(low, high, low_open=setting.low_open, high_open=setting.high_open)
    return _optional(check) if setting.optional else check


def field_checks(maxima: dict[str, int]) -> dict:
    """A check for each setting, from the description of the settings, with the studio's
    own maxima for the whole numbers (the settings model's)."""
    return {s.name: _check(s, maxima.get(s.name)) for s in SETTINGS}


def read_config(raw, checks: dict, reset: list[str]) -> TrainConfig:
    """A TrainConfig from the decoded JSON ``raw``: each field that fails its check, or
    conflicts with the fields before it, keeps its default and is named in ``reset``."""
    config = TrainConfig()
    if not isinstance(raw, dict):
        reset.append("config")
        return config
    for s in SETTINGS:
        if s.name not in raw:
            continue
        value = raw[s.name]
        if not checks[s.name](value):
            reset.append(s.name)
            continue
        if isinstance(value, int) and s.name in FLOAT_FIELDS:
            value = float(value)
        candidate = config.replace(**{s.name: value})
        try:
            candidate.validate()
        except ConfigError:
            reset.append(s.name)
            continue
        config = candidate
    return _as_the_window_shows_it(config, reset)


def _as_the_window_shows_it(config: TrainConfig, reset: list[str]) -> TrainConfig:
    """Reset what the window cannot show: a setting that does not apply to the chosen path
    and that the window does not keep for later (momentum for an optimizer without it), and
    a start drawn from the seed for only one of w and b (the window draws both or neither)."""
    default = TrainConfig()
    used = applicable(config)
    changes = {s.name: s.default for s in SETTINGS
               if not s.kept_when_not_applicable and s.name not in used
               and getattr(config, s.name) != s.default}
    if (config.init_w is None) != (config.init_b is None):
        name = "init_w" if config.init_w is None else "init_b"
        changes[name] = getattr(default, name)
    reset.extend(changes)
    return config.replace(**changes)


def _value(settings, key):
    try:
        return settings.value(key)
    except Exception:  # a value Qt or PySide cannot convert
        return ...


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _int(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 20:
        return int(value)
    return None


def _view_value(option: ViewOption, value):
    """A stored view option's value as its description allows it, or None (damaged)."""
    if option.kind == "bool":
        value = _bool(value)
    elif option.kind == "index":
        value = _int(value)
    return value if value is not None and option.problem(value) is None else None


def _read_layout(settings, keys: set, out: Restored) -> None:
    """The window's geometry, its docks' and toolbars' state and More settings, checked."""
    for key, attr in (("geometry", "geometry"), ("windowState", "window_state")):
        if key in keys:
            value = _value(settings, key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                setattr(out, attr, value)
            else:
                out.reset.append(key)
    if MORE_KEY in keys:
        out.more_settings = _bool(_value(settings, MORE_KEY))
        if out.more_settings is None:
            out.reset.append(MORE_KEY)


def read(settings, *, maxima: dict[str, int]) -> Restored:
    """Read and check every value of ``settings`` (a QSettings); ``maxima``: the largest
    value of each whole-number setting here."""
    out = Restored()
    try:
        keys = set(settings.allKeys())
    except Exception:
        keys = set()
    if not keys:
        return out
    version = _int(_value(settings, "version"))
    if version is None:
        out.reset.append("version")
    elif version != SETTINGS_VERSION:
        out.other_version = True
        return out

    _read_layout(settings, keys, out)

    if "config" in keys:
        text = _value(settings, "config")
        if not isinstance(text, str) or len(text) > MAX_CONFIG_TEXT:
            out.reset.append("config")
        else:
            try:
                raw = json.loads(text)
            except Exception:  # not JSON, or nested too deep
                out.reset.append("config")
            else:
                out.config = read_config(raw, field_checks(maxima), out.reset)

    for option in VIEW_OPTIONS:
        if option.store is None or option.store not in keys:
            continue
        value = _view_value(option, _value(settings, option.store))
        if value is None:
            out.reset.append(option.store)
        else:
            out.view[option.name] = value
    return out


def reset_message(restored: Restored) -> str | None:
    """The status bar message about settings that could not be used, or None."""
    if restored.other_version:
        return "The saved settings are from another version of the studio; using defaults."
    names = restored.reset
    if not names:
        return None
    shown = ", ".join(names[:MAX_NAMES_SHOWN])
    if len(names) > MAX_NAMES_SHOWN:
        shown += f" and {len(names) - MAX_NAMES_SHOWN} more"
    return f"Some saved settings were damaged or out of range and are back to their defaults: " \
           f"{shown}."


# --------------------------------------------------------------------------- the studio


def restore(window) -> Restored:
    """Apply the saved settings to ``window`` (its layout) and its controller's models, and
    say which ones were reset."""
    c = window.controller
    restored = read(window.settings, maxima=c.settings_model.maxima)
    if restored.geometry is not None:
        restore_geometry(window, restored)
    if restored.window_state is not None and not window.restoreState(restored.window_state):
        restored.reset.append("windowState")
    if restored.more_settings is not None:
        window.panel.set_more_shown(restored.more_settings)
    model = restore_models(restored, c.settings_model, c.view_options, c.dataset)
    if model is not None:
        c.open_in_model(model, quiet=True)  # (its data drawn once torch has loaded)
    message = reset_message(restored)
    if message:
        c.status(message, 15_000)
    return restored


def restore_models(restored: Restored, settings_model, view_options,
                   dataset=None) -> str | None:
    """Put the restored settings into ``settings_model`` and the restored view options into
    ``view_options``. With ``dataset`` (the data the window opens with), a model the data do
    not fit (logistic regression, and data that are not labels) is not restored: the
    settings go in with the line (and the line's loss and first start), the model's own
    loss and start are remembered for it, and its name is returned, for the controller to
    switch to it as the model box would (:meth:`StudioController.open_in_model`: its data
    are drawn with torch, not before the window's first frame). Else None."""
    config = restored.config
    model = None
    if dataset is not None and not fits(config.model, dataset):
        model = config.model
        loss = config.loss if config.loss in MODEL_LOSSES["line"] else default_loss("line")
        first = dict(zip(("init_w", "init_b"), FIRST_START["line"], strict=True))
        start = {name: value for name, value in first.items()
                 if getattr(config, name) is not None}  # (None: drawn, the typed one kept)
        settings_model.set_config(config.replace(model="line", loss=loss, **start))
        settings_model.remember(model, loss=config.loss, **{
            name: getattr(config, name) for name in start})
    elif config != TrainConfig():
        settings_model.set_config(config)
    view_options.restore(restored.view)
    return model


def restore_geometry(window, restored: Restored, available: QRect | None = None) -> None:
    """Put ``window`` where it was saved, if it fits ``available`` (the available area of
    its screen by default) with its title bar; else leave it at the size that fits."""
    if available is None:
        available = window.screen().availableGeometry()
    fitted = window.geometry()
    if not window.restoreGeometry(restored.geometry):
        restored.reset.append("geometry")
    elif window.isMaximized():
        pass  # maximized on whatever screen it opens on: that fits
    else:
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowFullScreen)
        if fitting_geometry(available, window.geometry()) != window.geometry():
            window.setGeometry(fitted)  # saved on a larger screen: open at the size that fits


def save(window) -> None:
    """Save the layout of ``window`` and its controller's settings and view options."""
    s = window.settings
    s.setValue("version", SETTINGS_VERSION)
    s.setValue("geometry", window.saveGeometry())
    s.setValue("windowState", window.saveState())
    s.setValue(MORE_KEY, "true" if window.panel.more_shown() else "false")
    save_models(s, window.controller.settings_model, window.controller.view_options)
    s.sync()


def save_models(store, settings_model, view_options) -> None:
    """Write the settings (only if every input in use is valid) and the view options that
    have a store key."""
    try:
        config = settings_model.config()
    except ValueError:
        pass
    else:
        store.setValue("config", json.dumps(settings_values(config)))
    for option in VIEW_OPTIONS:
        if option.store is not None:
            value = view_options.value(option.name)
            if option.kind == "bool":
                value = "true" if value else "false"
            store.setValue(option.store, value)
