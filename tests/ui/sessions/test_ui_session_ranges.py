"""A session whose whole-number settings exceed the window's fields (epochs of 1e30) is
refused with a message and changes nothing; it opened with the values silently cut to the
fields' maximum (and the title said there was nothing to save)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("name", ["epochs", "batch_size"])
def test_a_setting_beyond_its_field_is_refused(window, tmp_path, name):
    c = window.controller
    path = tmp_path / "big.gdstudio"
    assert window.session_files.save_as(str(path))
    c.add_point(0.5, 0.25)  # (a change that opening would lose)
    doc = json.loads(path.read_text())
    doc["settings"][name] = 10**30
    path.write_text(json.dumps(doc))
    before = (len(c.dataset), window.panel.config(), window.windowTitle())
    assert not window.session_files.open_path(str(path))
    title, text = c.last_message
    assert title == "Cannot open the session"
    highest = getattr(window.panel, name).maximum()
    assert f"settings.{name}: must be at most {highest:,}" in text
    assert "Nothing was changed." in text
    assert (len(c.dataset), window.panel.config(), window.windowTitle()) == before
