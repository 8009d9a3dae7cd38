"""The landscape's axes say w and b as they are: zoomed to |w| < 1 (where a logistic run
starting at w = b = 0 is framed), the ticks read 0.5, not 500 with a "(x0.001)" in the
axis title that a learner reads past."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from gdstudio.ui.plots.landscape_plot import LandscapePlot


def test_small_ranges_are_ticked_in_w_and_b_themselves(qtbot):
    p = LandscapePlot()
    qtbot.addWidget(p)
    p.resize(640, 520)
    p.show()
    qtbot.waitExposed(p)
    p.getViewBox().setRange(xRange=(-0.6, 0.6), yRange=(-0.6, 0.6), padding=0)
    QApplication.processEvents()
    for side, name in (("bottom", "w (slope)"), ("left", "b (intercept)")):
        axis = p.getAxis(side)
        assert name in axis.labelString()
        assert "x0.001" not in axis.labelString() and "0.001" not in axis.labelString()
        ticks = [s for level in axis.tickValues(-0.6, 0.6, 400) for s in
                 axis.tickStrings(level[1], axis.autoSIPrefixScale, level[0])]
        assert "0.5" in ticks and "500" not in ticks
