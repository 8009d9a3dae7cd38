"""A run ended by the stop rule (status converged) in a session: the session was saved but
could not be opened again ("runs[0].summary.status: must be one of done, stopped,
diverged"), and the stop rule's verdict was not saved."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from gdstudio.core.files.session import RunRecord, Session, SessionError, write_session
from gdstudio.core.files.session_read import read_session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.results import RunSummary
from gdstudio.core.training.stoprule import Converged


def converged_summary() -> RunSummary:
    config = TrainConfig(epochs=1000, tol=1e-6)
    return RunSummary(config=config, w=-5.0001, b=0.0144, loss=0.1679164469242096,
                      epochs_done=3, status="converged", n_points=2, dtype="float32",
                      init_w=-10.0, init_b=-20.0,
                      stop=Converged(2, "loss_change", 8.0e-07, 1e-06))


def session_of(summary: RunSummary) -> Session:
    h = np.array([3.0, 2.0, 1.0])
    kept = RunRecord(summary, h, h, h, path=None, key=1, label="#1", color="#1f77b4")
    current = RunRecord(summary, h, h, h, path=None, init=(-10.0, -20.0),
                        samples_per_epoch=2, updates_per_epoch=1, kept=True)
    x = np.array([1.0, 2.0], np.float32)
    from gdstudio.core.files.session import VIEW_DEFAULTS
    return Session(x, x.copy(), "float32", TrainConfig(), dict(VIEW_DEFAULTS), [kept],
                   current, 2, None)


def test_a_converged_run_round_trips_with_its_verdict(tmp_path):
    path = tmp_path / "converged.gdstudio"
    summary = converged_summary()
    write_session(path, session_of(summary), "test")
    back = read_session(path)
    assert back.runs[0].summary == summary
    assert back.current.summary == summary
    assert back.runs[0].summary.stop == Converged(2, "loss_change", 8.0e-07, 1e-06)


@pytest.mark.parametrize("stop", [
    {"epoch": 2, "rule": "loss_change", "value": 8e-7},             # no tol
    {"epoch": 2, "rule": "guess", "value": 8e-7, "tol": 1e-6},     # no such rule
    {"epoch": -1, "rule": "loss_change", "value": 8e-7, "tol": 1e-6},
    {"epoch": 2, "rule": "loss_change", "value": "x", "tol": 1e-6},
])
def test_a_damaged_verdict_is_refused(tmp_path, stop):
    path = tmp_path / "s.gdstudio"
    write_session(path, session_of(converged_summary()), "test")
    doc = json.loads(path.read_text())
    doc["runs"][0]["summary"]["stop"] = stop
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=r"runs\[0\]\.summary\.stop"):
        read_session(path)


def test_a_run_without_a_verdict_reads_as_before(tmp_path):
    path = tmp_path / "s.gdstudio"
    summary = dataclasses.replace(converged_summary(), status="done", stop=None)
    write_session(path, session_of(summary), "test")
    doc = json.loads(path.read_text())
    assert doc["runs"][0]["summary"]["stop"] is None
    del doc["runs"][0]["summary"]["stop"]  # (a file written before the key existed)
    path.write_text(json.dumps(doc))
    assert read_session(path).runs[0].summary == summary
