"""A lesson and Export notebook: a lesson that locks Export PyTorch script (as every lesson
written before notebooks did) locks the notebook too, by every way in (the greyed menu
entry, the handler, the code window's Save notebook…); a lesson may lock the notebook alone
and leave the script open. (The notebook has no shortcut.)"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from gdstudio.core.files.lesson_rules import Lesson
from gdstudio.ui.sessions.lesson_dialog import class_view, summary_lines
from gdstudio.ui.studio.action_state import lesson_refusal


def set_lesson(window, locked=(), hidden=()):
    window.session_files.lesson_view.set_lesson(Lesson("Code stays here", locked, hidden))


def test_locking_the_script_locks_the_notebook_by_every_way_in(window, qtbot, tmp_path,
                                                              monkeypatch):
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a: asked.append(a) or (str(tmp_path / "run.ipynb"), ""))
    view = window.script_views.show_view()
    qtbot.waitUntil(lambda: bool(view.text.toPlainText()), timeout=10_000)
    action = window.act_export_notebook
    assert action.isEnabled() and view.notebook_button.isEnabled()
    said = []
    window.controller.statusReported.connect(lambda text, _ms: said.append(text))
    for lesson in ({"locked": ("export_script",)}, {"hidden": ("export_script",)},
                   {"locked": ("export_notebook",)}):
        set_lesson(window, **lesson)
        assert not action.isEnabled() and action.isVisible()
        assert not view.notebook_button.isEnabled()
        said.clear()
        action.trigger()  # greyed: nothing happens, nothing is said
        view.notebook_button.click()
        assert said == []
        name = (lesson.get("locked") or lesson.get("hidden"))[0]
        for way in (window.notebook_export.export_notebook,
                    lambda: window.notebook_export.export_notebook(str(tmp_path / "a.ipynb"))):
            assert not way()
            assert said[-1] == lesson_refusal(name)
        assert asked == [] and list(tmp_path.iterdir()) == []
        # locked alone, the notebook leaves the script open
        assert window.act_export_script.isEnabled() == (name == "export_notebook")
        window.session_files.clear_lesson()
        assert action.isEnabled() and view.notebook_button.isEnabled()
    with qtbot.waitSignal(window.notebook_export.written, timeout=60_000):
        action.trigger()
    assert len(asked) == 1 and (tmp_path / "run.ipynb").exists()


def test_the_teacher_sees_the_notebook_locked_with_the_script():
    lesson = Lesson("Code stays here", ("export_script",), ())
    seen = class_view(lesson)
    assert seen["export_notebook"] == ("locked", "export_script")
    assert seen["export_script"] == ("locked", None)
    assert any("Export notebook" in line and "Tools" in line for line in summary_lines(lesson))
    alone = class_view(Lesson("No notebook", ("export_notebook",), ()))
    assert alone["export_notebook"] == ("locked", None) and alone["export_script"][0] == "open"
