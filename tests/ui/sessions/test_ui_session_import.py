"""A session handed over by ``gdstudio.open`` (``gdstudio --import-session FILE``) opens as a
new session never saved: its data bit for bit and its settings, the title "Untitled", Save
asking for a file name (not in the temporary folder), and the handed-over file removed once
read, refused or read on the worker thread."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.files.session import Session, write_session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.sessions import session_dialogs, session_files
from gdstudio.ui.threads import session_worker
from tests.qt_helpers import HeldWork

CONFIG = TrainConfig(learning_rate=0.05, epochs=7, init_w=None, init_b=None, seed=3)


def _handed(tmp_path, n: int = 3):
    folder = tmp_path / "gdstudio-open-xyz"
    folder.mkdir()
    x = np.array([0.1 + 0.2 * i for i in range(n)], np.float64)
    y = (x * -3.0 + 1e-7).astype(np.float64)
    path = folder / "from-python.gdstudio"
    write_session(path, Session(x, y, "float64", settings=CONFIG))
    return path, x, y


def test_it_opens_as_a_new_unsaved_session_and_the_file_is_removed(window, tmp_path,
                                                                    monkeypatch):
    files, c = window.session_files, window.controller
    path, x, y = _handed(tmp_path)
    files.start(imported=str(path))
    assert c.dataset.dtype == "float64"
    assert c.dataset.x.tobytes() == x.tobytes() and c.dataset.y.tobytes() == y.tobytes()
    assert c.settings_model.settings == CONFIG
    assert window.statusBar().currentMessage() == (
        "Opened from Python: 3 points; batch, manual autograd, lr=0.05.")
    assert not path.exists()
    assert files.state.path is None and files.state.dirty
    assert window.windowTitle() == "Untitled* — Gradient Descent Studio"
    asked = []
    mine = tmp_path / "mine.gdstudio"

    def ask(parent, suggested, title="Save session as"):
        asked.append(suggested)
        return str(mine)

    monkeypatch.setattr(session_dialogs, "ask_save_path", ask)
    assert files.save()  # (Save, not Save as: it asks, since the session has no file)
    assert len(asked) == 1 and path.parent.name not in asked[0]
    assert mine.exists() and files.state.path == str(mine) and not files.state.dirty
    assert window.windowTitle() == "mine.gdstudio — Gradient Descent Studio"


def test_a_file_that_cannot_be_used_is_said_in_one_message_and_removed(window, tmp_path):
    files, c = window.session_files, window.controller
    before = c.dataset
    path = tmp_path / "from-python.gdstudio"
    path.write_text('{"format": "gdstudio-session", "version": 2, "data": 7}')
    files.start(imported=str(path))
    (box,) = window.messages.boxes
    assert box.windowTitle() == "Cannot open the data from Python"
    assert "Nothing was changed." in box.text()
    assert c.dataset is before and not path.exists()


@pytest.mark.parametrize("cancel", [False, True])
def test_read_on_the_worker_thread_it_is_removed_too(window, qtbot, tmp_path, monkeypatch,
                                                     cancel):
    monkeypatch.setattr(session_files, "BACKGROUND_BYTES", -1)  # (every file is "large")
    files, c = window.session_files, window.controller
    path, x, _ = _handed(tmp_path, 50)
    before = c.dataset
    held = HeldWork(monkeypatch, session_worker, "read_session", 1)
    files.start(imported=str(path))
    assert held.held.wait(30)
    if cancel:
        files.job.cancel()
    with qtbot.waitSignal(files.job.finished, timeout=30_000) as ended:
        held.go_on()
    assert ended.args[4] is cancel
    assert not path.exists()
    if cancel:
        assert c.dataset is before
    else:
        assert c.dataset.x.tobytes() == x.tobytes()
        assert files.state.path is None and files.state.dirty
