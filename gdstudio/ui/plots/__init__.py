"""The studio's two plots: the editable data plot and the loss plot."""

from gdstudio.ui.plots.common import RUN_COLORS
from gdstudio.ui.plots.data_plot import HIT_RADIUS_PX, MAX_SHOWN_POINTS, DataPlot, EditViewBox
from gdstudio.ui.plots.loss_plot import LossPlot

__all__ = ["HIT_RADIUS_PX", "MAX_SHOWN_POINTS", "RUN_COLORS", "DataPlot", "EditViewBox",
           "LossPlot"]
