"""The learning-rate gauge: its scale against the step-size guide, its colours, its button."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import make
from gdstudio.core.data.standardize import Standardization
from gdstudio.core.drawing.lr_scale import GaugeScale, readable_rate
from gdstudio.core.models.line.stepsize import GuideCache, step_guide
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.panels.lr_gauge import REGION_COLORS, LearningRateGauge
from gdstudio.ui.panels.settings_panel import SettingsPanel

BATCH = TrainConfig(method="batch", loss="mse")


def exact_batch_steps(x):
    """2/λmax and 2/(λmin + λmax) of H = 2·[[mean x², mean x], [mean x, 1]], in float64."""
    x = np.asarray(x, dtype=np.float64)
    lam = np.linalg.eigvalsh(2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]]))
    return 2 / lam[1], 2 / (lam[0] + lam[1])


def test_scale_marks_the_guides_limit_and_optimal_step():
    data = make("study-hours")
    guide = step_guide(data, BATCH)
    limit, optimal = exact_batch_steps(data.x)
    assert (guide.limit, guide.optimal) == pytest.approx((limit, optimal), rel=1e-12)
    scale = GaugeScale.of(guide)
    assert scale.position(guide.limit) == pytest.approx(0.75, abs=1e-12)  # 3 of 4 decades
    assert scale.position(guide.optimal) == pytest.approx(
        (math.log10(optimal / limit) + 3) / 4, abs=1e-12)
    assert scale.position(limit / 1000) == pytest.approx(0.0, abs=1e-12)
    assert scale.position(limit * 1e-9) == 0.0 and scale.position(limit * 1e9) == 1.0
    assert [scale.region(f * limit) for f in (0.001, 0.0999, 0.1, 0.5, 0.9999, 1.0, 3.0)] == [
        "slow", "slow", "safe", "safe", "safe", "unstable", "unstable"]
    assert scale.region(optimal) == "safe"


def test_no_limit_no_scale():
    data = make("study-hours")
    assert GaugeScale.of(step_guide(data, BATCH.replace(loss="mae"))) is None
    assert GaugeScale.of(None) is None


def test_standardized_runs_get_the_guide_of_the_standardized_data():
    data = make("study-hours")
    guide = GuideCache(data)(BATCH.replace(standardize=True))
    # the steps of the standardized data as the run has them (float32), exactly
    std = Standardization.of_dataset(data).apply_dataset(data)
    assert (guide.limit, guide.optimal) == pytest.approx(exact_batch_steps(std.x), rel=1e-12)
    # the bowl is round (H = 2·I up to float32 rounding): limit 1, optimal step 0.5
    assert (guide.limit, guide.optimal) == pytest.approx((1.0, 0.5), rel=1e-6)
    flat = GuideCache(Dataset(np.array([2.0, 2.0]), np.array([1.0, 3.0])))
    guide = flat(BATCH.replace(standardize=True))
    assert guide.limit is None and "Every x is the same" in guide.text()


def _bar_color(gauge, x):
    image = gauge.bar.grab().toImage()
    return image.pixelColor(round(x), gauge.bar.height() // 2)


def test_gauge_colours_and_marks(qtbot):
    gauge = LearningRateGauge()
    qtbot.addWidget(gauge)
    gauge.resize(420, 30)
    gauge.show()
    qtbot.waitExposed(gauge)
    guide = step_guide(make("study-hours"), BATCH)
    lr = 0.5 * guide.limit
    gauge.set_guide(guide, lr)
    bar = gauge.bar
    assert bar.x_of(guide.limit) == pytest.approx(0.75 * (bar.width() - 1))
    assert bar.x_of(guide.optimal) == pytest.approx(
        GaugeScale.of(guide).position(guide.optimal) * (bar.width() - 1))
    assert gauge.region() == "safe"
    for f, region in ((0.01, "slow"), (0.3, "safe"), (4.0, "unstable")):
        assert bar.region_color(f * guide.limit) == REGION_COLORS[region]
        assert _bar_color(gauge, bar.x_of(f * guide.limit)) == REGION_COLORS[region]
    # the current rate's mark, dark, at its place
    assert _bar_color(gauge, bar.x_of(lr)).lightness() < 60
    gauge.set_guide(guide, 2 * guide.limit)
    assert gauge.region() == "unstable"
    assert "unstable" in bar.toolTip()
    gauge.set_guide(step_guide(make("study-hours"), BATCH.replace(loss="mae")), 0.1)
    assert gauge.region() is None and not gauge.use_optimal.isEnabled()


@pytest.mark.parametrize(("rate", "shown"), [
    (0.02957046874319762, 0.02957), (0.0012345999, 0.001234), (1.999999, 1.999),
    (123456.7, 123400.0), (2.5e-7, 2.5e-7), (9.99999e-5, 9.999e-5), (1.0, 1.0)])
def test_the_optimal_step_is_cut_to_four_significant_digits(rate, shown):
    assert readable_rate(rate) == shown
    assert readable_rate(rate) <= rate


def test_use_optimal_step_sets_the_learning_rate_field(qtbot):
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    data = make("study-hours")
    panel.set_step_guide(GuideCache(data))
    gauge = panel.lr_gauge
    assert gauge.region() == "unstable"  # the default 0.1 is far above 2/λmax ≈ 0.0012
    assert gauge.use_optimal.isEnabled()
    with qtbot.waitSignal(panel.settingsChanged):
        qtbot.mouseClick(gauge.use_optimal, Qt.MouseButton.LeftButton)
    optimal = step_guide(data, BATCH).optimal
    # four significant digits, cut toward zero: exactly the number the field shows
    text = panel.learning_rate.text()
    digits = text.lower().split("e")[0].replace(".", "").lstrip("0")
    assert len(digits) <= 4, text
    assert panel.learning_rate.value() == float(text) == panel.config().learning_rate
    assert optimal * (1 - 1e-3) < float(text) <= optimal
    assert gauge.region() == "safe"
    # per-point descent has a limit but no optimal step: the button is off
    panel.method.setCurrentIndex(panel.method.findData("sgd"))
    assert not gauge.use_optimal.isEnabled() and gauge.bar.scale is not None
