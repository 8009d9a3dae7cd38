"""A lesson that locks Export script but not View ▸ PyTorch code: the code window's Save…
wrote the script all the same."""

from __future__ import annotations

from gdstudio.core.files.lesson_rules import Lesson


def test_the_code_windows_save_follows_a_locked_export_script(window, qtbot, tmp_path):
    views = window.script_views
    view = views.show_view()
    qtbot.waitUntil(lambda: bool(view.text.toPlainText()), timeout=10_000)
    assert view.save_button.isEnabled()
    lesson = Lesson("Read only", ("export_script",), (), False)
    window.session_files.lesson_view.set_lesson(lesson)
    assert not view.save_button.isEnabled()
    written = []
    views.export_script = lambda path=None: written.append(path) or True
    view.save_button.click()
    assert written == []
    window.session_files.clear_lesson()
    assert view.save_button.isEnabled()
    assert view.copy_button.isEnabled()
