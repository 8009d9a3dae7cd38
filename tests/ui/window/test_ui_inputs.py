"""The window refuses a named pipe, an endless device and an empty name with a dialog, both
when it is opened with a file (``gdstudio FILE``) and through Import CSV.

Each special file is first read in a child process (see tests/test_csv_read.py): a reader that
would block on the pipe or read /dev/zero without end fails there, safely, before the window
is asked to open it.
"""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from tests.core.data.test_csv_read import refused_in_child

KINDS = {"fifo": "a named pipe", "zero": "a character device"}


@pytest.fixture
def special(tmp_path, request):
    if request.param == "fifo":
        path = tmp_path / "points.csv"
        os.mkfifo(path)
    else:
        path = tmp_path / "points.csv"
        path.symlink_to("/dev/zero")
    expected = f"{path}: is {KINDS[request.param]}, not a CSV file."
    assert refused_in_child(path) == expected
    return path, expected


@pytest.mark.parametrize("special", list(KINDS), indirect=True)
def test_import_refuses_a_pipe_or_a_device_with_a_dialog(window, special):
    path, expected = special
    before = window.controller.model.dataset
    undo = window.controller.model.undo_stack.count()
    assert window.files.import_csv(str(path)) is False
    assert window.messages.last == ("Cannot import the CSV file",
                                   f"{expected}\n\nThe data was not changed.")
    assert window.controller.model.dataset is before
    assert window.controller.model.undo_stack.count() == undo
    assert any(box.isVisible() for box in window.messages.boxes)


class Exited(Exception):
    pass


@pytest.fixture
def opened(qtbot, tmp_path, monkeypatch):
    """Call run_app(path) as `gdstudio PATH` does; return the window it opened.

    The event loop and the process exit are replaced so that run_app returns at once; the
    window gets a settings file in tmp_path.
    """
    import gdstudio.app
    import gdstudio.ui.window.main_window as main_window

    windows = []

    class Window(main_window.MainWindow):
        def __init__(self, dataset=None):
            super().__init__(dataset, QSettings(str(tmp_path / "settings.ini"),
                                                QSettings.Format.IniFormat))
            qtbot.addWidget(self)
            windows.append(self)

    app = QApplication.instance()
    names = (app.organizationName(), app.applicationName())
    monkeypatch.setattr(main_window, "MainWindow", Window)
    monkeypatch.setattr(gdstudio.app, "warm_up", lambda: None)
    monkeypatch.setattr(type(app), "exec", lambda self: 0)

    def exit_now(code):
        raise Exited(code)

    monkeypatch.setattr(gdstudio.app.os, "_exit", exit_now)

    def run(path):
        with pytest.raises(Exited):
            gdstudio.app.run_app(path)
        monkeypatch.undo()
        return windows[-1]

    yield run
    app.setOrganizationName(names[0])
    app.setApplicationName(names[1])
    for win in windows:
        win.close()


@pytest.mark.parametrize("special", list(KINDS), indirect=True)
def test_opening_the_window_with_a_pipe_or_a_device_shows_a_dialog(opened, special):
    path, expected = special
    win = opened(str(path))
    assert win.messages.last == ("Cannot open the CSV file",
                                f"{expected}\n\nShowing the tutorial's noisy line instead.")
    assert len(win.controller.model.dataset) == 100


def test_opening_the_window_with_an_empty_name_shows_a_dialog(opened):
    win = opened("")
    assert win.messages.last == (
        "Cannot open the CSV file",
        "No data file given: the file name is empty.\n\nShowing the tutorial's noisy line "
        "instead.")


def test_opening_the_window_with_a_semicolon_file(opened, tmp_path):
    path = tmp_path / "europe.csv"
    path.write_bytes(b"x;y\r\n1,5;2,25\r\n-3;0,5\r\n")
    win = opened(str(path))
    assert win.messages.last is None
    assert win.controller.model.dataset.x.tolist() == [1.5, -3.0]
    assert win.controller.model.dataset.y.tolist() == [2.25, 0.5]
