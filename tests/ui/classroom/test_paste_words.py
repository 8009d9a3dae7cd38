"""The words of a paste: one pasted point is 'it', and pasted binary is not 'the file'."""

from __future__ import annotations

import pytest

from gdstudio.core.data.paste import parse_points
from gdstudio.core.errors import DataError
from gdstudio.ui.classroom.classroom_tools import paste_points


def test_binary_pasted_text_is_not_called_a_file():
    with pytest.raises(DataError) as caught:
        parse_points("1\t2\n\x00\x01\n")
    assert str(caught.value) == "The pasted text, line 2: is binary data, not text."


def test_one_pasted_point_is_taken_out_as_it(window):
    c = window.controller
    messages = []
    c.statusReported.connect(lambda text, _ms: messages.append(text))
    assert paste_points(c, "1\t2\n")
    assert messages[-1] == "Pasted 1 point; Ctrl+Z takes it out again."
    assert paste_points(c, "1\t2\n3\t4\n")
    assert messages[-1] == "Pasted 2 points; Ctrl+Z takes them out again."
