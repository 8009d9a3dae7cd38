"""View ▸ PyTorch code and File ▸ Export script… in the window: the script of the current data
and settings, kept up to date, copied, saved (with its data CSV for more than 200 points), and
when run, the history the window trained, bit for bit."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.script import script_text
from gdstudio.ui.exports import script_view
from tests import forked
from tests.cli.test_script_cli import hex_values, run_script_with_data
from tests.ui.studio.test_ui_training import set_method, train_to_end


def shown_script(window) -> str:
    return window.script_views.view.text.toPlainText()


def test_view_shows_the_script_of_the_current_data_and_settings(window, qtbot):
    window.act_pytorch_code.trigger()
    view = window.script_views.view
    assert view.isVisible() and not view.isModal()
    assert view.isWindow() and window.isEnabled()  # a window of its own; the studio stays usable
    assert view.text.font().fixedPitch()  # (the offscreen platform may have no such font)
    c = window.controller
    assert shown_script(window) == script_text(c.dataset, c.settings, "gdstudio_run_data.csv")
    assert "draws the generator's points" in view.note.text()  # the tutorial's line

    window.panel.learning_rate.setText("0.0125")  # the settings change: the script follows
    qtbot.waitUntil(lambda: "lr = 0.0125" in shown_script(window), timeout=3000)
    set_method(window, "minibatch", "module", "adam")
    qtbot.waitUntil(lambda: "torch.optim.Adam(model.parameters(), lr=0.0125)"
                    in shown_script(window), timeout=3000)
    c.add_point(0.25, 100.0)  # the data changes: so does the script
    qtbot.waitUntil(lambda: "# The data: 101 points" in shown_script(window), timeout=3000)
    assert shown_script(window) == script_text(c.dataset, c.settings, "gdstudio_run_data.csv")
    assert "The data is in the script" in view.note.text()  # edited: plain data


def test_view_says_why_there_is_no_script(window, qtbot):
    window.act_pytorch_code.trigger()
    view = window.script_views.view
    window.panel.learning_rate.setText("-1")
    qtbot.waitUntil(lambda: shown_script(window) == "", timeout=3000)
    assert "learning rate" in view.note.text().lower()
    assert not view.copy_button.isEnabled() and not view.save_button.isEnabled()
    window.panel.learning_rate.setText("0.1")
    window.controller.clear()
    qtbot.waitUntil(lambda: view.note.text().startswith("No data"), timeout=3000)
    assert not window.script_views.export_script(str(window.controller.last_dir or "") + "x.py")
    assert window.controller.last_message[1].startswith("No script can be written: No data")


def test_copy_puts_the_script_on_the_clipboard(window):
    window.act_pytorch_code.trigger()
    window.script_views.view.copy_button.click()
    assert QGuiApplication.clipboard().text() == shown_script(window)


def test_exported_script_prints_the_history_the_window_trained(window, qtbot, tmp_path):
    set_method(window, "minibatch", "module", "sgd")
    window.panel.learning_rate.setText("0.01")
    window.panel.epochs.setValue(8)
    window.panel.batch_size.setValue(7)
    window.panel.shuffle.setChecked(True)
    window.panel.seed.setValue(3)
    train_to_end(window, qtbot)
    assert window.script_views.export_script(str(tmp_path / "run.py"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.py"]
    done = forked.run(str(tmp_path / "run.py"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    h = window.controller.history
    rows = [f"{i},{loss!r},{w!r},{b!r}" for i, (loss, w, b) in
            enumerate(zip(h.loss.tolist(), h.w.tolist(), h.b.tolist(), strict=True))]
    assert len(rows) == 8 and done.stdout.splitlines() == ["epoch,loss,w,b", *rows]


def test_export_of_a_large_data_set_writes_its_csv_beside_and_says_so(window, qtbot, tmp_path,
                                                                      monkeypatch):
    line = noisy_line(x_step=0.04)  # 250 points, as plain data (no generator draws them)
    window.controller.replace_data(Dataset(line.x, line.y), "Import data.csv")
    asked = []

    def save_name(parent, caption, folder, filters):
        asked.append(caption)
        return str(tmp_path / "lesson.py"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    window.act_export_script.trigger()
    assert asked == ["Export script (its 250 points are saved beside it as NAME_data.csv)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.py", "lesson_data.csv"]
    text = (tmp_path / "lesson.py").read_text()
    assert "with_name('lesson_data.csv')" in text
    window.act_pytorch_code.trigger()  # the view now names the saved script's CSV
    assert "lesson_data.csv" in window.script_views.view.note.text()
    assert shown_script(window) == text


def test_the_generators_line_is_generated_by_the_script_and_edited_data_is_listed(
        window, qtbot, tmp_path):
    """The tutorial's line (the first data), a line and 250 random x from the generator:
    each script draws its data as the generator did (the same seed, no list of numbers, no
    CSV), and the numbers it trains on and the history it prints are the window's bit for
    bit. Once a point is moved or added, the data is plain: the script lists it (100
    points) or reads it from the CSV beside it (251)."""
    c = window.controller
    window.panel.epochs.setValue(3)
    window.panel.learning_rate.setText("0.01")
    steps = [("generated", None), ("listed", lambda: c.move_point(3, -4.5, 30.0)),
             ("generated", lambda: c.generate(slope=2.5, intercept=-1.25, noise=0.3,
                                              x_min=-2.0, x_max=3.0, x_step=0.05, seed=11)),
             ("generated", lambda: c.generate(random_x=True, n=250, x_min=-1.0, x_max=4.0,
                                              seed=7)),
             ("csv", lambda: c.add_point(0.25, 100.0))]
    for i, (how, change) in enumerate(steps):
        if change is not None:
            assert change()
        train_to_end(window, qtbot)
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        assert window.script_views.export_script(str(folder / "run.py"))
        files = sorted(p.name for p in folder.iterdir())
        assert files == (["run.py", "run_data.csv"] if how == "csv" else ["run.py"]), i
        data_part = (folder / "run.py").read_text().split("# The model")[0]
        assert ("torch.manual_seed(" in data_part) == (how == "generated"), i
        assert ("\nx = [" in data_part) == (how != "generated"), i
        ran = run_script_with_data(folder / "run.py", folder)
        d, h = c.dataset, c.history
        assert ran["x"] == hex_values(d.x) and ran["y"] == hex_values(d.y)
        assert ran["dtype"] == f"torch.{d.dtype}"
        rows = [f"{k},{loss!r},{w!r},{b!r}" for k, (loss, w, b) in
                enumerate(zip(h.loss.tolist(), h.w.tolist(), h.b.tolist(), strict=True))]
        assert len(rows) == 3 and ran["printed"] == ["epoch,loss,w,b", *rows]


def test_export_refuses_a_folder_and_writes_nothing(window, tmp_path):
    (tmp_path / "run.py").mkdir()
    assert not window.script_views.export_script(str(tmp_path / "run.py"))
    title, text = window.controller.last_message
    assert title == "Export script" and "folder" in text and "run.py" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.py"]


def test_a_cancelled_dialog_writes_nothing(window, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    assert not window.script_views.export_script()
    assert list(tmp_path.iterdir()) == []


def test_menus_hold_the_two_actions(window):
    titles = {a.text(): [x.text() for x in a.menu().actions()] for a in
              window.menuBar().actions() if a.menu() is not None}
    assert "Export P&yTorch script…" in titles["&File"]
    assert "P&yTorch code" in titles["&View"]
    assert script_view.current_script(window.controller)[1] is None


def test_a_large_data_set_s_script_is_written_off_the_gui_thread(window, qtbot):
    from gdstudio.core.data.dataset import random_line

    views = window.script_views
    c = window.controller
    line = random_line(script_view.BACKGROUND_POINTS + 1)  # as plain data
    c.replace_data(Dataset(line.x, line.y), "Import data.csv")
    window.panel.standardize.setChecked(True)
    window.act_pytorch_code.trigger()
    assert views.writing() and views.view.note.text() == "Writing the script…"
    window.panel.learning_rate.setText("0.03")  # while it is written: the newest one wins
    views.refresh()
    qtbot.waitUntil(lambda: not views.writing(), timeout=20_000)
    assert shown_script(window) == script_text(c.dataset, c.settings, "gdstudio_run_data.csv")
    assert "lr = 0.03" in shown_script(window) and "X_MEAN" in shown_script(window)
    assert "more than 200" in views.view.note.text()
