"""Which actions are enabled, from one snapshot of the studio's state (no Qt)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.studio.action_state import (
    ACTION_NAMES,
    RUN_LOCKED,
    StudioSnapshot,
    disabled_reasons,
    enabled_actions,
)

IDLE, RUNNING, PAUSED = RunState.IDLE, RunState.RUNNING, RunState.PAUSED
READY = StudioSnapshot(points=100)


def on(snapshot: StudioSnapshot) -> set[str]:
    return {name for name, enabled in enabled_actions(snapshot).items() if enabled}


def test_every_action_has_an_answer():
    for state in RunState:
        assert set(enabled_actions(StudioSnapshot(state=state))) == set(ACTION_NAMES)


def test_a_fresh_studio_can_train_and_edit_but_not_keep_or_export():
    assert on(READY) == {"train", "step", "import", "save", "generate", "clear", "settings",
                         "paste_points", "spray",
                         "presets", "open_session", "export_notebook"}


@pytest.mark.parametrize("state", [RUNNING, PAUSED])
def test_an_active_run_locks_the_data_and_the_settings(state):
    everything = StudioSnapshot(
        state=state, points=100, can_undo=True, can_redo=True, points_selected=True,
        epochs=5, has_result=True, kept_runs=2, runs_selected=True)
    enabled = on(everything)
    for name in ("import", "generate", "clear", "delete", "undo", "redo", "settings", "keep",
                 "export_history", "paste_points", "spray", "presets", "open_session"):
        assert name not in enabled, name
    assert {"stop", "reset", "save", "remove", "export_params"} <= enabled
    assert ("pause" in enabled) is (state is RUNNING)
    assert ("train" in enabled) is ("step" in enabled) is (state is PAUSED)  # resume / step


def test_train_needs_some_points_and_explains_invalid_settings():
    # with an invalid field Train stays enabled: pressing it says which field and why
    assert {"train", "step"} <= on(dataclasses.replace(READY, settings_valid=False))
    assert "train" not in on(dataclasses.replace(READY, points=0))
    assert "step" not in on(dataclasses.replace(READY, points=0))
    # a paused run resumes whatever the settings panel shows (it is locked anyway)
    assert "train" in on(StudioSnapshot(state=PAUSED, settings_valid=False))


def test_a_run_is_kept_once_and_only_with_an_epoch():
    ended = dataclasses.replace(READY, epochs=3, has_result=True)
    assert {"keep", "reset", "export_params", "export_history"} <= on(ended)
    assert "keep" not in on(dataclasses.replace(ended, result_kept=True))
    assert "keep" not in on(dataclasses.replace(ended, epochs=0))  # diverged at once
    assert "export_history" not in on(dataclasses.replace(ended, epochs=0))


def test_selections_enable_delete_and_remove():
    assert "delete" in on(dataclasses.replace(READY, points_selected=True))
    assert "remove" in on(dataclasses.replace(READY, runs_selected=True))
    assert "export_params" in on(dataclasses.replace(READY, kept_runs=1))


def test_undo_and_redo_follow_the_stack_when_idle():
    for undo, redo in itertools.product([False, True], repeat=2):
        enabled = on(dataclasses.replace(READY, can_undo=undo, can_redo=redo))
        assert ("undo" in enabled, "redo" in enabled) == (undo, redo)


def test_states_and_statuses_are_enums_that_read_as_their_text():
    assert [s.value for s in RunState] == ["idle", "running", "paused"]
    assert [s.value for s in RunStatus] == ["done", "stopped", "diverged", "failed",
                                             "converged"]
    assert RunStatus.DONE == "done" and f"{RunStatus.DIVERGED}" == "diverged"
    assert str(RunState.PAUSED) == "paused"
    assert RunState.PAUSED.active and RunState.RUNNING.active and not RunState.IDLE.active


# --------------------------------------------------------------------------- why disabled


def _snapshots():
    for state, points, valid, selected, undo, epochs, result, kept, exporting, importing in \
            itertools.product(RunState, (0, 100), (True, False), (False, True), (False, True),
                              (0, 3), (False, True), (False, True), (False, True),
                              (False, True)):
        if importing and state is not RunState.IDLE:
            continue  # an import starts only when idle, and locks Train
        yield StudioSnapshot(state=state, points=points, settings_valid=valid,
                             importing=importing,
                             points_selected=selected, can_undo=undo, can_redo=undo,
                             epochs=epochs, has_result=result, result_kept=kept and result,
                             kept_runs=int(kept), runs_selected=kept, exporting=exporting)


def test_every_disabled_action_says_why_and_no_enabled_one_does():
    for s in _snapshots():
        enabled = enabled_actions(s)
        reasons = disabled_reasons(s)
        disabled = {name for name, on in enabled.items() if not on and name != "settings"}
        assert set(reasons) == disabled, s
        assert all(reason.strip().endswith(".") for reason in reasons.values())


def test_train_says_which_of_its_conditions_is_missing():
    assert "No data" in disabled_reasons(dataclasses.replace(READY, points=0))["train"]
    invalid = dataclasses.replace(READY, settings_valid=False)
    # an invalid setting does not grey Train: pressing it names the field (settings panel)
    assert enabled_actions(invalid)["train"] and enabled_actions(invalid)["step"]
    assert "train" not in disabled_reasons(invalid)
    running = dataclasses.replace(READY, state=RUNNING)
    assert "pause or stop it" in disabled_reasons(running)["train"]
    assert "train" not in disabled_reasons(dataclasses.replace(READY, state=PAUSED))


def test_locked_and_busy_actions_say_so():
    running = StudioSnapshot(state=RUNNING, points=100, epochs=3, can_undo=True)
    reasons = disabled_reasons(running)
    for name in ("import", "generate", "clear", "undo", "paste_points", "spray", "presets",
                 "open_session"):
        assert reasons[name] == RUN_LOCKED, name
    assert "stop it (Shift+F5)" in RUN_LOCKED
    exporting = dataclasses.replace(READY, epochs=3, has_result=True, exporting=True)
    assert "being written" in disabled_reasons(exporting)["export_history"]
    kept = dataclasses.replace(READY, epochs=3, has_result=True, result_kept=True)
    assert "already kept" in disabled_reasons(kept)["keep"]


def test_an_import_locks_editing_and_says_so():
    importing = dataclasses.replace(READY, importing=True)
    enabled = enabled_actions(importing)
    assert not any(enabled[n] for n in ("train", "step", "import", "generate", "clear",
                                        "paste_points", "spray"))
    reasons = disabled_reasons(importing)
    assert reasons["train"] == reasons["import"] == (
        "A CSV file is being imported: wait for it, or cancel it.")
