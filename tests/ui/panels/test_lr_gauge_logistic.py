"""The learning-rate gauge for logistic regression: the bound 8/λmax(XᵀX/N) from the
cross-entropy's largest curvature, the exact curvature at the start (a guide), and *Use safe
step* (half the bound)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.numbers.logistic_numbers import LogisticGuides
from gdstudio.ui.panels.lr_gauge import LearningRateGauge
from gdstudio.ui.panels.settings_panel import SettingsPanel

X = np.array([-2.0, -1.0, -0.5, 0.3, 1.0, 1.5, 2.5, 4.0])
Y = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
DATA = Dataset(X, Y)
BATCH = TrainConfig(model="logistic", loss="bce", method="batch", init_w=0.5, init_b=-0.25)


def bound_brute(x, fit_bias=True) -> float:
    """8 / λmax(XᵀX/N), X = [x, 1], in float64."""
    cols = [x, np.ones_like(x)] if fit_bias else [x]
    m = np.column_stack(cols)
    return 8.0 / np.linalg.eigvalsh(m.T @ m / len(x))[-1]


def curvature_brute(x, w, b) -> float:
    """λmax of (1/N) Σ σ(1-σ) [x, 1][x, 1]ᵀ at (w, b), in float64."""
    p = 1.0 / (1.0 + np.exp(-(w * x + b)))
    m = np.column_stack([x, np.ones_like(x)])
    return np.linalg.eigvalsh((m * (p * (1 - p))[:, None]).T @ m / len(x))[-1]


def test_the_guide_is_the_cross_entropys_bound_and_the_curvature_at_the_start():
    guide = LogisticGuides(DATA)(BATCH)
    assert guide.limit == pytest.approx(bound_brute(X), rel=1e-12)
    assert guide.optimal == pytest.approx(bound_brute(X) / 2, rel=1e-12)
    assert guide.curvature == pytest.approx(curvature_brute(X, 0.5, -0.25), rel=1e-12)
    assert not guide.guide_only
    text = guide.text()
    assert f"stable below {guide.limit:.4g}" in text
    assert "cross-entropy" in text and "a guide: at the start the curvature" in text
    assert f"{2 / guide.curvature:.4g}" in text
    assert "nan" not in text and "inf" not in text


def test_momentum_makes_it_a_guide_only_and_stochastic_steps_get_8_times_the_lines():
    momentum = BATCH.replace(impl="module", optimizer="sgd", momentum=0.9)
    assert LogisticGuides(DATA)(momentum).guide_only
    assert "a guide only" in LogisticGuides(DATA)(momentum).text()
    sgd = LogisticGuides(DATA)(BATCH.replace(method="sgd"))
    # each one-point step: cross-entropy curvature ≤ (x² + 1)/4
    assert sgd.limit == pytest.approx(8.0 / (np.max(X * X) + 1.0), rel=1e-12)
    assert sgd.optimal is None


def test_the_squared_error_on_sigma_has_its_own_bound():
    guide = LogisticGuides(DATA)(BATCH.replace(loss="mse"))
    assert guide.limit == pytest.approx(bound_brute(X) / 8 * 2 / 0.15405857012135051,
                                        rel=1e-12)
    assert "MSE on \u03c3" in guide.text() and "not convex" in guide.text()


def test_the_gauge_shows_the_bound_and_use_safe_step_sets_half_of_it(qtbot):
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    gauge = panel.lr_gauge
    panel.set_step_guide(LogisticGuides(DATA))
    guide = LogisticGuides(DATA)(BATCH)
    gauge.set_guide(guide, 0.1)
    assert gauge.bar.scale.limit == guide.limit
    assert gauge.use_optimal.text() == "Use safe step"
    assert "half the stable bound" in gauge.use_optimal.toolTip()
    assert "at the start the curvature" in gauge.bar.toolTip()
    panel.model_choice.setCurrentIndex(panel.model_choice.findData("logistic"))
    panel.loss.setCurrentIndex(panel.loss.findData("bce"))
    panel.method.setCurrentIndex(panel.method.findData("batch"))
    assert panel.model.draft().model == "logistic" and panel.model.draft().loss == "bce"
    panel.set_step_guide(LogisticGuides(DATA))
    with qtbot.waitSignal(panel.settingsChanged):
        qtbot.mouseClick(gauge.use_optimal, Qt.MouseButton.LeftButton)
    rate = panel.learning_rate.value()
    assert bound_brute(X) / 2 * (1 - 1e-3) < rate <= bound_brute(X) / 2


def test_a_line_guide_puts_the_button_back():
    gauge = LearningRateGauge()
    gauge.set_guide(LogisticGuides(DATA)(BATCH), 0.1)
    from gdstudio.core.models.line.stepsize import step_guide

    gauge.set_guide(step_guide(DATA, TrainConfig(method="batch")), 0.1)
    assert gauge.use_optimal.text() == "Use optimal step"
