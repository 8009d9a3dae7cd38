"""A session file with a number of thousands of digits gets a message for a user; it quoted
Python's own ('use sys.set_int_max_str_digits() to increase the limit')."""

from __future__ import annotations

import json

import pytest

from gdstudio.core.files.session import SessionError
from gdstudio.core.files.session_read import read_session


@pytest.mark.parametrize("where", ["version", "y"])
def test_a_number_of_thousands_of_digits(tmp_path, where):
    doc = {"format": "gdstudio-session", "version": 1,
           "data": {"dtype": "float32", "x": [1.0], "y": [2.0]}}
    text = json.dumps(doc)
    text = (text.replace('"version": 1', '"version": 1' + "0" * 5000) if where == "version"
            else text.replace("2.0", "1" + "0" * 5000))
    path = tmp_path / "digits.gdstudio"
    path.write_text(text)
    with pytest.raises(SessionError) as caught:
        read_session(path)
    assert str(caught.value) == (f"{path}: is not a valid session file (a number has more "
                                 "than 4,300 digits).")
