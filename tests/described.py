"""Values that differ from the default of every described training setting and view option,
for the tests that enumerate the descriptions and check that each consumer (the settings
model and panel, the view model and its controls, ``gdstudio train``, the session file, the
settings store) has every one of them."""

from __future__ import annotations

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import SETTINGS, Setting
from gdstudio.core.settings.view_description import VIEW_OPTIONS, ViewOption

#: Valid settings that differ from the default in every setting but ``fit_bias``
#: (standardizing needs the bias) and ``optimizer`` (Nesterov momentum needs SGD), on a path
#: where each one applies or is kept.
OTHER = TrainConfig(method="minibatch", impl="module", optimizer="sgd", loss="huber",
                    learning_rate=0.05, epochs=123, batch_size=16, init_w=1.5, init_b=-2.5,
                    seed=7, shuffle=True, fit_bias=True, momentum=0.5, nesterov=True,
                    weight_decay=0.01, beta1=0.8, beta2=0.99, alpha=0.9, eps=1e-7,
                    huber_delta=2.0, standardize=True, tol=1e-9, lr_schedule="step",
                    lr_step_size=4, lr_gamma=0.8)
#: Valid settings whose ``model``, ``fit_bias`` and ``optimizer`` differ from the default.
OTHER_PATH = TrainConfig(model="logistic", impl="module", optimizer="rmsprop", fit_bias=False,
                         learning_rate=0.02, init_w=0.5, init_b=0.0)
OTHER_CONFIGS = (OTHER, OTHER_PATH)


def other_setting(setting: Setting):
    """A valid value of ``setting`` other than its default (from :data:`OTHER_CONFIGS`)."""
    for config in OTHER_CONFIGS:
        value = getattr(config, setting.name)
        if value != setting.default:
            return value
    raise AssertionError(f"no other value of {setting.name} in OTHER_CONFIGS")


def other_view(option: ViewOption):
    """A value of ``option`` other than its default."""
    if option.kind == "bool":
        return not option.default
    if option.kind == "choice":
        return next(key for key in option.keys if key != option.default)
    return next(i for i in range(len(option.choices)) if i != option.default)


#: A value other than the default of every view option, by name.
OTHER_VIEW = {v.name: other_view(v) for v in VIEW_OPTIONS}

for _s in SETTINGS:  # a setting added to the description needs another value here
    other_setting(_s)
for _config in OTHER_CONFIGS:
    _config.validate()
