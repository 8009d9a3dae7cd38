"""File ▸ Export notebook… in the window: the notebook of the current data and settings (and,
for more than 200 points, its data CSV beside it), for both models; the name asked for, a
refused write said once with nothing written, and a large data set written off the GUI
thread."""

from __future__ import annotations

import os
import threading

import pytest
from PySide6.QtWidgets import QFileDialog

from gdstudio.core.data.csv_io import dataset_text
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.notebook import notebook_text
from gdstudio.ui.exports import notebook_export
from tests.qt_helpers import answer, open_question
from tests.ui.exports.test_ui_logistic_exports import to_logistic
from tests.ui.studio.test_ui_training import set_method


class Dialog:
    """QFileDialog.getSaveFileName answered with ``name`` in ``folder``; records what it was
    asked (caption, suggested path, filters)."""

    def __init__(self, monkeypatch, folder, name: str | None):
        self.asked = []
        self.answer = "" if name is None else str(folder / name)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self)

    def __call__(self, parent, caption, suggested, filters):
        self.asked.append((caption, suggested, filters))
        return self.answer, filters


def exported(window, qtbot, way) -> list[str]:
    """The files written by the export ``way()`` starts (on a worker thread)."""
    with qtbot.waitSignal(window.notebook_export.written, timeout=60_000) as done:
        assert way() is not False
    return done.args[0]


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def status(window) -> str:
    return window.statusBar().currentMessage()


def test_the_menu_writes_the_notebook_of_the_data_and_settings(window, qtbot, tmp_path,
                                                               monkeypatch):
    set_method(window, "minibatch", "module", "adam")
    window.panel.learning_rate.setText("0.03")
    window.panel.epochs.setValue(12)
    dialog = Dialog(monkeypatch, tmp_path, "lab")  # no suffix typed: .ipynb is appended
    assert exported(window, qtbot, window.act_export_notebook.trigger) == [
        str(tmp_path / "lab.ipynb")]
    c = window.controller
    assert dialog.asked == [("Export notebook",
                             window.files.default_path("gdstudio_run.ipynb"),
                             "Jupyter notebooks (*.ipynb);;All files (*)")]
    assert files_in(tmp_path) == ["lab.ipynb"]
    text = (tmp_path / "lab.ipynb").read_text(encoding="utf-8")
    assert text == notebook_text(c.dataset, c.settings, "lab_data.csv")
    assert "torch.optim.Adam" in text and "0.03" in text
    assert status(window) == "Wrote lab.ipynb."
    dialog.answer = ""
    window.act_export_notebook.trigger()  # the next time, the name it was saved as
    assert dialog.asked[-1][1] == window.files.default_path("lab.ipynb")


def test_the_name_follows_the_saved_script(window, tmp_path, monkeypatch):
    assert window.script_views.export_script(str(tmp_path / "fit.py"))
    dialog = Dialog(monkeypatch, tmp_path, None)  # cancelled: nothing is written
    assert not window.notebook_export.export_notebook()
    assert dialog.asked[0][1] == window.files.default_path("fit.ipynb")
    assert files_in(tmp_path) == ["fit.py"]


def test_a_large_data_set_s_csv_is_written_beside_and_the_dialog_says_so(
        window, qtbot, tmp_path, monkeypatch):
    line = noisy_line(x_step=0.04)  # 250 points, as plain data (no generator draws them)
    c = window.controller
    c.replace_data(Dataset(line.x, line.y), "Import data.csv")
    dialog = Dialog(monkeypatch, tmp_path, "lesson.ipynb")
    exported(window, qtbot, window.act_export_notebook.trigger)
    assert dialog.asked[0][0] == ("Export notebook (its 250 points are saved beside it as "
                                  "NAME_data.csv)")
    assert files_in(tmp_path) == ["lesson.ipynb", "lesson_data.csv"]
    assert (tmp_path / "lesson.ipynb").read_text(encoding="utf-8") == notebook_text(
        c.dataset, c.settings, "lesson_data.csv")
    assert (tmp_path / "lesson_data.csv").read_text() == dataset_text(c.dataset)
    assert status(window) == "Wrote lesson.ipynb and lesson_data.csv."


def test_logistic_regression_s_notebook(window, qtbot, tmp_path):
    c = to_logistic(window, qtbot)
    c.settings_model.update({"epochs": 4, "learning_rate": 0.5, "impl": "module",
                             "loss": "bce-logits"})
    exported(window, qtbot,
             lambda: window.notebook_export.export_notebook(str(tmp_path / "classes.ipynb")))
    text = (tmp_path / "classes.ipynb").read_text(encoding="utf-8")
    assert text == notebook_text(c.dataset, c.settings, "classes_data.csv")
    assert "BCEWithLogitsLoss" in text


def test_the_view_s_save_notebook_writes_it(window, qtbot, tmp_path, monkeypatch):
    view = window.script_views.show_view()
    qtbot.waitUntil(lambda: bool(view.text.toPlainText()), timeout=10_000)
    assert view.notebook_button.isEnabled()
    Dialog(monkeypatch, tmp_path, "run.ipynb")
    exported(window, qtbot, view.notebook_button.click)
    c = window.controller
    assert (tmp_path / "run.ipynb").read_text(encoding="utf-8") == notebook_text(
        c.dataset, c.settings, "run_data.csv")
    window.panel.learning_rate.setText("-1")  # no script, no notebook
    qtbot.waitUntil(lambda: not view.text.toPlainText(), timeout=5000)
    assert not view.notebook_button.isEnabled()


# ------------------------------------------------------------------ refusals


def refused(window, qtbot, path) -> str:
    """The one message of a refused export to ``path``."""
    said = []
    window.notebook_export.refused.connect(said.append)
    with qtbot.waitSignal(window.notebook_export.refused, timeout=60_000):
        assert window.notebook_export.export_notebook(str(path))  # (refused by the worker)
    qtbot.wait(100)  # (nothing more is said)
    title, text = window.controller.last_message
    assert title == "Export notebook" and said == [text]
    assert "\n" not in text and not window.notebook_export.writing()
    assert status(window) == ""  # (no longer "Writing…")
    return text


def test_a_folder_is_refused_and_nothing_is_written(window, qtbot, tmp_path):
    (tmp_path / "run.ipynb").mkdir()
    text = refused(window, qtbot, tmp_path / "run.ipynb")
    assert "folder" in text and "run.ipynb" in text
    assert files_in(tmp_path) == ["run.ipynb"] and (tmp_path / "run.ipynb").is_dir()
    text = refused(window, qtbot, tmp_path / "missing" / "run.ipynb")
    assert "missing" in text
    assert files_in(tmp_path) == ["run.ipynb"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder")
def test_a_read_only_folder_is_refused_and_nothing_is_written(window, qtbot, tmp_path):
    line = noisy_line(x_step=0.04)  # the notebook and its CSV: neither is written
    window.controller.replace_data(Dataset(line.x, line.y), "Import data.csv")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        text = refused(window, qtbot, folder / "run.ipynb")
        assert "run.ipynb" in text or "read-only" in text
        assert files_in(folder) == []
    finally:
        folder.chmod(0o755)


def test_settings_invalid_for_the_data_are_refused_before_asking(window, qtbot, tmp_path,
                                                                monkeypatch):
    dialog = Dialog(monkeypatch, tmp_path, "run.ipynb")
    window.panel.learning_rate.setText("-1")
    assert not window.notebook_export.export_notebook()
    title, text = window.controller.last_message
    assert title == "Export notebook" and text.startswith("No notebook can be written: ")
    assert "learning rate" in text.lower()
    window.panel.learning_rate.setText("0.01")
    window.controller.clear()  # no data
    assert not window.notebook_export.export_notebook()
    assert window.controller.last_message[1].startswith("No notebook can be written: No data")
    assert dialog.asked == [] and files_in(tmp_path) == []


def test_a_name_completed_with_ipynb_asks_before_replacing(window, qtbot, tmp_path,
                                                          monkeypatch):
    (tmp_path / "run.ipynb").write_text("mine")
    Dialog(monkeypatch, tmp_path, "run")  # the dialog asked about "run", not "run.ipynb"
    assert not window.notebook_export.export_notebook()
    assert "run.ipynb already exists" in open_question(window, "Replace notebook?").text()
    answer(window, "Cancel", "Replace notebook?")
    assert (tmp_path / "run.ipynb").read_text() == "mine"
    assert not window.notebook_export.export_notebook()
    exported(window, qtbot, lambda: answer(window, "Replace", "Replace notebook?"))
    c = window.controller
    assert (tmp_path / "run.ipynb").read_text(encoding="utf-8") == notebook_text(
        c.dataset, c.settings, "run_data.csv")


# ------------------------------------------------------------------ the worker


def test_the_notebook_is_written_off_the_gui_thread_one_at_a_time(window, qtbot, tmp_path,
                                                                 monkeypatch):
    threads = []
    write = notebook_export._write

    def recorded(*args):
        threads.append(threading.current_thread())
        return write(*args)

    monkeypatch.setattr(notebook_export, "_write", recorded)
    line = noisy_line(x_step=0.04)  # (250 points: its CSV too)
    c = window.controller
    c.replace_data(Dataset(line.x, line.y), "Import data.csv")
    window.panel.standardize.setChecked(True)
    export = window.notebook_export
    with qtbot.waitSignal(export.written, timeout=60_000) as done:
        assert export.export_notebook(str(tmp_path / "big.ipynb"))
        assert export.writing() and status(window) == "Writing big.ipynb (250 points)…"
        assert not export.export_notebook(str(tmp_path / "other.ipynb"))  # one at a time
        assert status(window) == "big.ipynb is still being written: wait for it."
    assert threads and threads[0] is not threading.main_thread()
    assert done.args == [[str(tmp_path / "big.ipynb"), str(tmp_path / "big_data.csv")]]
    assert files_in(tmp_path) == ["big.ipynb", "big_data.csv"]
    assert (tmp_path / "big.ipynb").read_text(encoding="utf-8") == notebook_text(
        c.dataset, c.settings, "big_data.csv")
    assert status(window) == "Wrote big.ipynb and big_data.csv."
