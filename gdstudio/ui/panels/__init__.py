"""The studio's side panels: data, training settings and the readout under the plots."""

from gdstudio.ui.panels.data_panel import DataPanel
from gdstudio.ui.panels.readout import ReadoutPanel
from gdstudio.ui.panels.settings_panel import SettingsPanel

__all__ = ["DataPanel", "ReadoutPanel", "SettingsPanel"]
