"""A plot dropped without a parent (an exported figure's, a test's) is freed at once, never
left to the garbage collector.

Its own items held it (a view box its plot, the condition number's label a method of it, a
path's pieces their plot): a cycle only the collector frees, and it frees the Qt objects of
a cycle in any order. It could delete the view box first while the plot lived; deleting the
view box's label dropped the last reference to the plot, whose scene then deleted the
half-deleted view box: a segmentation fault in the collector (seen on the GUI thread's
collection timer, tests/ui/views as one run). With no cycle through the plot, there is
nothing left for the collector to free in the wrong order.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from gdstudio.ui.plots.data_plot import DataPlot
from gdstudio.ui.plots.landscape_plot import LandscapePlot
from gdstudio.ui.plots.loss_plot import LossPlot


def _landscape():
    plot = LandscapePlot()
    path = np.array([[0.0, 0.0], [1.0, 0.5], [2.0, 0.7]])
    plot.set_path(path)
    plot.add_kept("kept", path, 0, "a kept run")
    plot.curvature_action.setChecked(True)  # (the condition number's label shown)
    return plot


@pytest.mark.parametrize("make", [DataPlot, LossPlot, _landscape],
                         ids=["data", "loss", "landscape"])
def test_a_plot_dropped_without_a_parent_is_freed_at_once(qtbot, make):
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # (only reference counting frees it now)
    try:
        plot = make()
        plot.resize(400, 300)
        plot.show()
        qtbot.waitExposed(plot)
        plot.close()
        freed = weakref.ref(plot)
        del plot
        assert freed() is None
    finally:
        if enabled:
            gc.enable()
