"""The training settings, described once: TrainConfig, the CLI options, the parameters CSV and
the noisy line's defaults agree with the description; applicable() follows torch; run_label()
tells runs apart by what they do (no Qt here)."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import itertools

import pytest
import torch

from gdstudio.cli.main import build_parser
from gdstudio.core.data.dataset import LINE_DEFAULTS, noisy_line, random_line
from gdstudio.core.errors import ConfigError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import (
    BY_NAME,
    IMPLEMENTATIONS,
    LOSSES,
    METHODS,
    MODEL_LOSSES,
    OPTIMIZERS,
    PARAMS_SETTINGS,
    SETTINGS,
    applicable,
    effective,
    run_label,
)
from gdstudio.core.training.engine import train
from gdstudio.core.training.results import PARAMS_HEADER

PATHS = list(itertools.product(METHODS, IMPLEMENTATIONS, OPTIMIZERS, MODEL_LOSSES["line"],
                               (True, False)))


def path_config(method, impl, optimizer, loss, fit_bias=True, **values) -> TrainConfig:
    return TrainConfig(method=method, impl=impl, optimizer=optimizer, loss=loss,
                       fit_bias=fit_bias, **values)


# --------------------------------------------------------------------------- the description


def test_trainconfig_fields_and_defaults_are_the_description():
    fields = dataclasses.fields(TrainConfig)
    assert [f.name for f in fields] == [s.name for s in SETTINGS]
    default = TrainConfig()
    for s in SETTINGS:
        assert getattr(default, s.name) == s.default, s.name
    default.validate()


#: Each setting's bad values and the message validate() gives (the messages of before the
#: description, word for word).
MESSAGES = {
    "method": ("newton", "Unknown method 'newton'; choose one of batch, sgd, minibatch."),
    "impl": ("numpy", "Unknown implementation 'numpy'; choose one of manual, module, "
                      "analytic."),
    "optimizer": ("lbfgs", "Unknown optimizer 'lbfgs'; choose one of sgd, adam, rmsprop, "
                           "adagrad."),
    "loss": ("hinge", "Unknown loss 'hinge'; choose one of mse, mae, huber, bce, "
                      "bce-logits."),
    "model": ("tree", "Unknown model 'tree'; choose one of line, logistic."),
    "learning_rate": (0.0, "The learning rate must be positive, got 0.0."),
    "epochs": (0, "Epochs must be a whole number of at least 1, got 0."),
    "batch_size": (2.0, "The batch size must be a whole number of at least 1, got 2.0."),
    "init_w": (float("inf"), "init w must be finite, got inf."),
    "init_b": ("1", "init b must be a number, got '1'."),
    "seed": (2**63, f"The seed must be a whole number from 0, got {2**63}."),
    "momentum": (1.0, "Momentum must be in [0, 1), got 1.0."),
    "weight_decay": (-1e-9, "Weight decay must be 0 or more, got -1e-09."),
    "beta1": (-0.1, "beta1 must be in [0, 1), got -0.1."),
    "beta2": (True, "beta2 must be a number, got True."),
    "alpha": (1.5, "alpha must be in [0, 1), got 1.5."),
    "eps": (0.0, "eps must be positive, got 0.0."),
    "huber_delta": (float("nan"), "Huber delta must be finite, got nan."),
}


@pytest.mark.parametrize("name", list(MESSAGES))
def test_validate_says_what_the_description_allows(name):
    value, message = MESSAGES[name]
    with pytest.raises(ConfigError) as caught:
        TrainConfig(**{name: value}).validate()
    assert str(caught.value) == message
    assert BY_NAME[name].problem(value) == message


def test_range_bounds_are_inclusive_or_exclusive_as_described():
    assert BY_NAME["momentum"].problem(0.0) is None
    assert BY_NAME["momentum"].problem(0.999999) is None
    assert BY_NAME["learning_rate"].problem(5e-324) is None
    assert BY_NAME["weight_decay"].problem(0.0) is None
    assert BY_NAME["seed"].problem(2**63 - 1) is None
    assert BY_NAME["eps"].problem(None) is None  # torch's own
    assert BY_NAME["init_w"].problem(None) is None  # drawn from the seed


def test_cli_options_are_the_description():
    parser = build_parser()
    actions = {a.option_strings[0]: a for a in parser._actions if a.option_strings}
    for s in SETTINGS:
        action = actions[s.flag]
        assert action.dest == s.dest
        if s.kind == "bool":
            assert isinstance(action, argparse._StoreTrueAction)
            continue
        expected = s.default if s.cli_default is ... else s.cli_default
        assert action.default == expected, s.name
        if s.kind == "choice":
            assert tuple(action.choices) == s.keys
        else:
            assert action.type("3") == (3 if s.kind == "int" else 3.0)
        assert action.help and "%(default)s" not in (s.help or "")
    # the flags of before the description, none lost
    assert {"--method", "--batch-size", "--impl", "--optimizer", "--momentum", "--nesterov",
            "--weight-decay", "--beta1", "--beta2", "--alpha", "--eps", "--loss",
            "--huber-delta", "--lr", "--epochs", "--init-w", "--init-b", "--no-bias", "--seed",
            "--shuffle", "--standardize", "--tol", "--lr-schedule", "--lr-step-size",
            "--lr-gamma", "--model"} == {s.flag for s in SETTINGS}


def test_cli_without_options_trains_the_default_config_from_a_drawn_start():
    from gdstudio.cli.main import _prepare

    _dataset, config, _session = _prepare(build_parser().parse_args([]), [])
    assert config == TrainConfig(init_w=None, init_b=None)
    argv = ["--no-bias", "--shuffle", "--method", "sgd", "--impl", "module", "--momentum", "0.5",
            "--nesterov"]
    _dataset, config, _session = _prepare(build_parser().parse_args(argv), argv)
    assert config == TrainConfig(method="sgd", impl="module", fit_bias=False, shuffle=True,
                                 momentum=0.5, nesterov=True, init_w=None, init_b=None)


def test_the_noisy_line_defaults_are_written_once():
    from gdstudio.ui.studio.generator import GENERATOR_DEFAULTS

    args = build_parser().parse_args([])
    for name in ("slope", "intercept", "noise", "x_min", "x_max", "x_step"):
        assert getattr(args, name) == LINE_DEFAULTS[name]
    for function in (noisy_line, random_line):
        for name, parameter in inspect.signature(function).parameters.items():
            if name in LINE_DEFAULTS:
                assert parameter.default == LINE_DEFAULTS[name], (function, name)
    assert {k: v for k, v in GENERATOR_DEFAULTS.items() if k != "random_x"} == LINE_DEFAULTS
    assert LINE_DEFAULTS["seed"] == BY_NAME["seed"].default


def test_parameters_csv_settings_columns_come_from_the_description():
    columns = tuple(BY_NAME[name].csv for name in PARAMS_SETTINGS)
    assert PARAMS_HEADER[6:6 + len(columns)] == columns
    assert {s.name for s in SETTINGS if s.csv} == set(PARAMS_SETTINGS) | {
        "standardize", "tol", "lr_schedule", "lr_step_size", "lr_gamma"}
    # the columns of files written before the description, unchanged; standardize and the
    # standardized line added after them, then data_changed, then the stop rule and the
    # learning-rate schedule
    assert PARAMS_HEADER == (
        "run", "w", "b", "loss", "status", "epochs_done", "method", "impl", "optimizer",
        "loss_fn", "learning_rate", "batch_size", "momentum", "nesterov", "weight_decay",
        "init_w", "init_b", "seed", "shuffle", "fit_bias", "n_points", "dtype", "w_optimal",
        "b_optimal", "loss_optimal", "optimal_note", "w_lsq", "b_lsq", "mse_lsq", "lsq_note",
        "standardize", "w_std", "b_std", "data_changed", "tol", "lr_schedule", "lr_step_size",
        "lr_gamma", "stopped_by", "stop_epoch", "stop_value", "model", "accuracy", "boundary")


# --------------------------------------------------------------------------- applicable


def expected_applicable(method, impl, optimizer, loss, fit_bias) -> set[str]:
    """The rules written out by hand, for every path."""
    names = {"model", "method", "impl", "loss", "learning_rate", "epochs", "init_w", "seed",
             "fit_bias", "tol", "lr_schedule"}
    if fit_bias:
        names |= {"init_b", "standardize"}
    if method == "minibatch":
        names.add("batch_size")
    if method != "batch":
        names.add("shuffle")
    if impl == "module":
        names |= {"optimizer", "weight_decay"}
        names |= {"sgd": {"momentum", "nesterov"}, "adam": {"beta1", "beta2", "eps"},
                  "rmsprop": {"momentum", "alpha", "eps"}, "adagrad": {"eps"}}[optimizer]
    if loss == "huber":
        names.add("huber_delta")
    return names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "-".join(map(str, p)))
def test_applicable_for_every_path(path):
    assert applicable(path_config(*path)) == expected_applicable(*path)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_optimizer_settings_apply_where_torch_takes_them(optimizer):
    torch_class = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam,
                   "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[optimizer]
    takes = set(inspect.signature(torch_class).parameters)
    used = applicable(path_config("batch", "module", optimizer, "mse"))
    for name, torch_name in (("momentum", "momentum"), ("nesterov", "nesterov"),
                             ("beta1", "betas"), ("beta2", "betas"), ("alpha", "alpha"),
                             ("eps", "eps"), ("weight_decay", "weight_decay")):
        if name == "eps" and optimizer == "sgd":
            continue  # torch's SGD has no eps
        assert (name in used) is (torch_name in takes), (optimizer, name)
    assert "eps" not in used or "eps" in takes


#: A value for each setting that differs from its default and is valid on its own.
OTHER = {"learning_rate": 0.01, "epochs": 3, "batch_size": 7, "init_w": 1.0, "init_b": 2.0,
         "seed": 5, "shuffle": True, "fit_bias": False, "momentum": 0.5, "nesterov": True,
         "weight_decay": 0.05, "beta1": 0.5, "beta2": 0.9, "alpha": 0.5, "eps": 1e-3,
         "huber_delta": 0.25, "lr_step_size": 2, "lr_gamma": 0.3}


#: The paths a run can take (the manual and analytic implementations take only plain steps).
RUNNABLE = [p for p in PATHS if p[4] and (p[1] == "module" or p[2] == "sgd")]


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: "-".join(map(str, p)))
def test_a_setting_that_does_not_apply_changes_nothing(path):
    """Changing a setting that is not applicable leaves the run's history as it was (so the
    label may leave it out), and effective() puts it back to its default."""
    data = noisy_line(x_step=0.5)
    base = path_config(*path, epochs=3, learning_rate=0.01)
    if base.method != "batch":
        base = base.replace(shuffle=True)
    reference = list(train(data, base))
    used = applicable(base)
    for name, value in OTHER.items():
        if name in used or name in ("init_w", "init_b"):
            continue
        changed = base.replace(**{name: value})
        if name == "nesterov":
            changed = changed.replace(momentum=0.5 if "momentum" in used else 0.0)
        try:
            changed.validate()
        except ConfigError:
            continue  # the run refuses it (momentum for the manual implementation)
        assert list(train(data, changed)) == reference, (path, name)
        assert effective(changed) == effective(base) or name == "nesterov"
        assert run_label(changed) == run_label(base), (path, name)


# --------------------------------------------------------------------------- run_label


LABELS = {
    "default": (TrainConfig(), "batch · manual · MSE · lr 0.1"),
    "mini-batch": (TrainConfig(method="minibatch", batch_size=16, learning_rate=0.01),
                   "mini-batch B=16 · manual · MSE · lr 0.01"),
    "shuffled stochastic analytic": (
        TrainConfig(method="sgd", impl="analytic", shuffle=True, learning_rate=0.001),
        "stochastic shuffled · analytic · MSE · lr 0.001"),
    "mae": (TrainConfig(loss="mae"), "batch · manual · MAE · lr 0.1"),
    "huber default delta": (TrainConfig(loss="huber"), "batch · manual · Huber · lr 0.1"),
    "huber delta": (TrainConfig(loss="huber", huber_delta=0.5),
                    "batch · manual · Huber (delta 0.5) · lr 0.1"),
    "sgd module": (TrainConfig(impl="module"), "batch · SGD · MSE · lr 0.1"),
    "sgd momentum nesterov wd": (
        TrainConfig(impl="module", momentum=0.9, nesterov=True, weight_decay=0.01),
        "batch · SGD (momentum 0.9, nesterov, weight decay 0.01) · MSE · lr 0.1"),
    "rmsprop momentum": (
        TrainConfig(impl="module", optimizer="rmsprop", momentum=0.5, alpha=0.9),
        "batch · RMSprop (momentum 0.5, alpha 0.9) · MSE · lr 0.1"),
    "adam betas eps": (
        TrainConfig(impl="module", optimizer="adam", beta1=0.8, beta2=0.99, eps=1e-6,
                    learning_rate=0.3),
        "batch · Adam (β1 0.8, β2 0.99, eps 1e-06) · MSE · lr 0.3"),
    "adam with torch's eps": (TrainConfig(impl="module", optimizer="adam", eps=1e-8),
                              "batch · Adam · MSE · lr 0.1"),
    "adagrad eps": (TrainConfig(impl="module", optimizer="adagrad", eps=1e-10),
                    "batch · Adagrad · MSE · lr 0.1"),
    "no bias": (TrainConfig(fit_bias=False), "batch · manual · MSE · lr 0.1 · no bias"),
    # settings that do not apply never appear
    "adam ignores momentum": (
        TrainConfig(impl="module", optimizer="adam", momentum=0.9, alpha=0.5, loss="mae",
                    huber_delta=3.0, batch_size=3),
        "batch · Adam · MAE · lr 0.1"),
    "sgd ignores betas": (TrainConfig(impl="module", beta1=0.1, eps=1e-3),
                          "batch · SGD · MSE · lr 0.1"),
    "batch ignores shuffle": (TrainConfig(shuffle=True), "batch · manual · MSE · lr 0.1"),
    "step schedule": (TrainConfig(lr_schedule="step", lr_step_size=10, lr_gamma=0.5),
                      "batch · manual · MSE · lr 0.1 · StepLR(10, 0.5)"),
    "exponential schedule": (TrainConfig(lr_schedule="exponential", lr_step_size=3,
                                         lr_gamma=0.9),
                             "batch · manual · MSE · lr 0.1 · ExponentialLR(0.9)"),
    "no schedule ignores gamma": (TrainConfig(lr_gamma=0.1, lr_step_size=2),
                                  "batch · manual · MSE · lr 0.1"),
}


@pytest.mark.parametrize("case", list(LABELS))
def test_run_label(case):
    config, label = LABELS[case]
    config.validate()
    assert run_label(config) == label
    assert config.short_label() == label


def test_mae_and_huber_runs_look_different():
    labels = {run_label(TrainConfig(loss=loss)) for loss in LOSSES}
    assert len(labels) == len(LOSSES)


def test_labels_tell_apart_runs_that_differ_in_an_applicable_setting():
    """Over every path, a change to any applicable setting the label names gives another
    label; a change to a setting that does not apply gives the same one."""
    named = {"method", "impl", "optimizer", "loss", "learning_rate", "batch_size", "shuffle",
             "fit_bias", "momentum", "nesterov", "weight_decay", "beta1", "beta2", "alpha",
             "eps", "huber_delta"}
    for path in PATHS:
        base = path_config(*path)
        label = run_label(base)
        used = applicable(base)
        for name in named - {"method", "impl", "optimizer", "loss"}:
            value = OTHER[name]
            if BY_NAME[name].kind == "bool":
                value = not getattr(base, name)
            changed = base.replace(**{name: value})
            if name == "nesterov":
                changed = changed.replace(momentum=0.5)
            if name in used:
                assert run_label(changed) != label, (path, name)
            elif name != "nesterov":
                assert run_label(changed) == label, (path, name)


def test_momentum_typed_for_sgd_is_not_shown_as_adams():
    sgd = TrainConfig(impl="module", momentum=0.9)
    assert "momentum 0.9" in run_label(sgd)
    assert "momentum" not in run_label(sgd.replace(optimizer="adam"))
    assert "momentum 0.9" in run_label(sgd.replace(optimizer="rmsprop"))  # RMSprop uses it
    assert sgd.replace(optimizer="rmsprop").describe() == (
        "batch, nn.Linear + RMSprop(momentum=0.9), lr=0.1")
