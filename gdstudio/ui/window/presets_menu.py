"""Presets one click away: File ▸ Open preset (the controller loads one as one undoable edit).

The menu offers the presets of the model trained now (the line's, or logistic regression's
labelled ones: :func:`gdstudio.core.data.presets.presets_for`), and follows the model when it
is switched (the controller's ``modelChanged``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from gdstudio.core.data.presets import presets_for
from gdstudio.ui.studio.action_state import disabled_reasons


def build_presets_menu(menu_bar, controller) -> QMenu:
    """Add File ▸ Open preset (before the File menu's first separator)."""
    file_menu = menu_bar.actions()[0].menu()
    menu = QMenu("Open &preset", file_menu)
    menu.setToolTipsVisible(True)
    tips: dict = {}

    def fill(model: str) -> None:
        menu.clear()
        tips.clear()
        for key, preset in presets_for(model).items():
            action = menu.addAction(preset.title)
            action.setToolTip(preset.description)
            action.setObjectName(f"preset-{key}")
            action.triggered.connect(lambda *_, key=key: controller.load_preset(key))
            tips[action] = preset.description
        apply(controller.enabled_actions())

    def apply(enabled: dict) -> None:
        """Grey the presets (the menu's entry and its items) while the data may not be
        replaced (a run is active, a file is being imported), saying why in their tips, as
        other edits are greyed (:func:`gdstudio.ui.studio.action_state.enabled_actions`)."""
        on = bool(enabled.get("presets", True))
        reason = "" if on else disabled_reasons(controller.snapshot()).get("presets", "")
        entry = menu.menuAction()
        entry.setEnabled(on)
        entry.setStatusTip(f"Open preset: {reason}" if reason else "")
        entry.setToolTip(f"Open preset: {reason}" if reason else "Open preset")
        for action, tip in tips.items():
            action.setEnabled(on)
            action.setToolTip(f"{tip} ({reason})" if reason else tip)
            action.setStatusTip(reason or tip)

    controller.actionsChanged.connect(apply)
    controller.modelChanged.connect(fill)
    fill(controller.current_model)
    separators = [a for a in file_menu.actions() if a.isSeparator()]
    file_menu.insertMenu(separators[0] if separators else None, menu)
    return menu
