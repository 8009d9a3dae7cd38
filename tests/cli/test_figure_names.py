"""A figure's name ends in .png or .svg: '.png' (a hidden file of that name) was refused with
"The file name must end in .png or .svg, got '.png'", which it does."""

from __future__ import annotations

from gdstudio.core.drawing.figure_data import figure_format
from tests import forked


def test_names_that_are_only_the_extension_are_figures():
    assert figure_format(".png") == "png"
    assert figure_format("/tmp/x/.SVG") == "svg"
    assert figure_format("a.png.txt") is None
    assert figure_format("png") is None


def test_the_trainer_writes_a_figure_named_dot_png(tmp_path):
    out = forked.run("-m", "gdstudio", "train", "--epochs", "2", "--quiet", "--figure",
                     str(tmp_path / ".png"), cwd=tmp_path, timeout=180)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / ".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
