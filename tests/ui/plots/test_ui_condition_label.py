"""The landscape's condition number (View ▸ Landscape curvature) covers neither the optimum
nor the path's end, with the normal text and presentation mode's larger one."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.ui.classroom.presentation import FONT_SCALE, LINE_SCALE, style_plot
from gdstudio.ui.numbers.landscape_model import LandscapeModel
from gdstudio.ui.plots.landscape_plot import LandscapePlot


@pytest.fixture
def model():
    m = LandscapeModel()
    yield m
    assert m.shutdown()


@pytest.fixture
def plot(qtbot, model):
    p = LandscapePlot()
    qtbot.addWidget(p)
    model.landscapeChanged.connect(p.set_frame)
    p.resize(420, 300)  # (a 1024×768 window's landscape)
    p.show()
    qtbot.waitExposed(p)
    return p


def label_rect(plot):
    text = plot.condition_text
    return text.mapRectToScene(text.boundingRect())


def at(plot, w, b) -> QPointF:
    return plot.getViewBox().mapViewToScene(QPointF(w, b))


@pytest.mark.parametrize("scale", [1.0, FONT_SCALE], ids=["normal", "presentation"])
@pytest.mark.parametrize("corner", [(0, 1), (1, 1), (0, 0), (1, 0)],
                         ids=["top left", "top right", "bottom left", "bottom right"])
def test_the_condition_number_leaves_the_optimum_and_the_path_end_in_sight(plot, model,
                                                                           qtbot, scale,
                                                                           corner):
    data = noisy_line()
    model.data_replaced(data)
    qtbot.waitUntil(lambda: plot.frame is not None)
    w_opt, b_opt = MSELandscape.from_dataset(data).optimum
    plot.curvature_action.setChecked(True)
    normal = label_rect(plot).height()
    if scale != 1.0:
        style_plot(plot, LINE_SCALE, 15, 20)
        assert label_rect(plot).height() > 1.4 * normal  # (the larger text)
    # the optimum near a corner of the view (``corner``: 0 left/bottom, 1 right/top), the
    # path ending beside it
    span = 10.0
    fx, fy = (0.08 if corner[0] == 0 else 0.92), (0.08 if corner[1] == 0 else 0.92)
    plot.show_ranges((w_opt - fx * span, w_opt + (1 - fx) * span),
                     (b_opt - fy * span, b_opt + (1 - fy) * span))
    end = (w_opt + (0.5 - fx) * 0.1 * span, b_opt + (0.5 - fy) * 0.1 * span)
    plot.set_path(np.array([[w_opt - 3.0, b_opt - 3.0], end]))
    qtbot.wait(10)
    assert plot.condition_text.isVisible()
    rect = label_rect(plot)
    assert plot.getViewBox().sceneBoundingRect().contains(rect)  # inside the view
    for w, b in ((w_opt, b_opt), end):
        assert not rect.contains(at(plot, w, b)), (w, b, rect)
