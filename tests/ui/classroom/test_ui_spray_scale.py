"""The spray brush on data of tiny scale: pyqtgraph gives no pixel size there (NaN), and the
stroke's points were NaN: the spray was refused with a message quoting nan."""

from __future__ import annotations

import numpy as np

from gdstudio.core.data.dataset import Dataset


def test_the_spray_works_on_data_a_thousand_trillion_times_smaller_than_1(window, qtbot):
    c = window.controller
    scale = 1e-300
    c.replace_data(Dataset(np.array([-1.0, 0.0, 1.0]) * scale,
                           np.array([1.0, -1.0, 0.5]) * scale), "tiny")
    window.fit_views()
    c.last_message = None
    tool = window.classroom.spray
    tool.seed = 5
    window.act_spray.setChecked(True)
    assert tool.begin(0.5 * scale, 0.25 * scale)
    assert tool.finish()
    assert c.last_message is None
    d = c.model.dataset
    assert len(d) == 3 + 6
    added = np.column_stack([d.x[3:], d.y[3:]])
    assert np.isfinite(added).all()
    (x0, x1), (y0, y1) = window.plot.getViewBox().viewRange()
    # around the cursor: within a tenth of the view (12 px is a few hundredths of it)
    assert np.all(np.abs(added[:, 0] - 0.5 * scale) < 0.1 * (x1 - x0))
    assert np.all(np.abs(added[:, 1] - 0.25 * scale) < 0.1 * (y1 - y0))
    assert np.ptp(added[:, 0]) > 0 and np.ptp(added[:, 1]) > 0  # (noise, not one point)
