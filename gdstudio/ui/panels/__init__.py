"""The studio's side panels: data, training settings and the readout under the plots."""

from .data_panel import DataPanel
from .readout import ReadoutPanel
from .settings_panel import SettingsPanel

__all__ = ["DataPanel", "ReadoutPanel", "SettingsPanel"]
