"""Logistic regression's exports in the window: View ▸ PyTorch code shows its script, File ▸
Export figure draws the labels, the sigmoid and its boundary over the cross-entropy, and a
trained run's script prints the history the window trained, bit for bit."""

from __future__ import annotations

import numpy as np

from gdstudio.core.models.run_script import script_text
from gdstudio.ui.exports.figure_export import studio_figure
from tests import forked


def to_logistic(window, qtbot):
    c = window.controller
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    return c


def test_the_pytorch_code_is_logistic_regressions(window, qtbot):
    c = to_logistic(window, qtbot)
    window.act_pytorch_code.trigger()
    text = window.script_views.view.text
    qtbot.waitUntil(lambda: "sigmoid" in text.toPlainText(), timeout=5000)
    assert text.toPlainText() == script_text(c.dataset, c.settings, "gdstudio_run_data.csv")
    c.settings_model.update({"impl": "module", "loss": "bce-logits"})
    qtbot.waitUntil(lambda: "nn.BCEWithLogitsLoss()" in text.toPlainText(), timeout=5000)
    assert text.toPlainText() == script_text(c.dataset, c.settings, "gdstudio_run_data.csv")


def test_the_figure_draws_the_sigmoid_and_its_boundary(window, qtbot, tmp_path):
    c = to_logistic(window, qtbot)
    assert c.start_parameters() == (0.0, 0.0)  # flat: p = 0.5 everywhere, no boundary
    assert studio_figure(c)[0].boundary is None
    c.settings_model.update({"init_w": 1.5, "init_b": -0.5})
    data, _, config, optimum, _ = studio_figure(c)
    w, b = c.start_parameters()
    assert (data.model, config.model, config.loss) == ("logistic", "logistic", "bce")
    assert data.boundary == -b / w
    xs, p = data.sigmoid
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(w * xs + b))), rtol=0, atol=1e-15)
    assert optimum.kind == "unique"  # the overlapping classes: a finite optimum (a star)
    assert set(np.unique(data.y)) == {0.0, 1.0}
    out = tmp_path / "classes.png"
    assert window.figure_export.export(str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert window.statusBar().currentMessage().startswith("Exported the figure")


def test_the_exported_script_prints_the_history_the_window_trained(window, qtbot, tmp_path):
    c = to_logistic(window, qtbot)
    c.settings_model.update({"epochs": 4, "learning_rate": 0.5})
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    assert window.script_views.export_script(str(tmp_path / "run.py"))
    done = forked.run(str(tmp_path / "run.py"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    h = c.history
    rows = [f"{i},{loss!r},{w!r},{b!r}" for i, (loss, w, b) in
            enumerate(zip(h.loss.tolist(), h.w.tolist(), h.b.tolist(), strict=True))]
    assert len(rows) == 4 and done.stdout.splitlines() == ["epoch,loss,w,b", *rows]
