"""Labelled points for logistic regression, from a CSV file or pasted: y must be 0 or 1, and
any other label is refused naming its line and value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdstudio.core.data.csv_io import write_dataset
from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.paste import parse_points
from gdstudio.core.errors import DataError


def _file(tmp_path, text, name="labels.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("text", [
    "x,y\n0.5,0\n1.5,1\n2.5,1\n",
    "x,label\n0.5,0\n1.5,1\n2.5,1\n",
    "X, Label\n0.5,0\n1.5,1\n2.5,1\n",
    "label,x\n0,0.5\n1,1.5\n1,2.5\n",
    "0.5,0\n1.5,1\n2.5,1\n",
    "x,y\n0.5,0.0\n1.5,1.0\n2.5,1e0\n",
    "x,y\r\n0.5,-0\r\n1.5,+1\r\n2.5,1.000\r\n",
    "x;label\n0,5;0\n1,5;1,0\n2,5;1\n",
    "x\tlabel\n0.5\t0\n1.5\t1\n\n2.5\t1\n",
    '"x","label"\n"0.5","0"\n1.5,1\n2.5,1\n',
    "y,label,x\n9,0,0.5\n9,1,1.5\n9,1,2.5\n",
])
def test_labels_read_from_every_layout(tmp_path, text):
    data = read_dataset(_file(tmp_path, text), labels=True)
    assert data.x.tolist() == [0.5, 1.5, 2.5]
    assert data.y.tolist() == [0.0, 1.0, 1.0]
    assert not np.signbit(data.y).any()  # "-0" is stored as the label 0
    assert data.dtype == "float32"


def test_labels_in_float64_and_round_trip_through_the_written_file(tmp_path):
    data = Dataset(np.array([-1e-300, 0.1, 3.7e9]), np.array([1.0, 0.0, 1.0]))
    path = tmp_path / "out.csv"
    write_dataset(path, data)
    assert path.read_text().splitlines()[0] == "x,y"
    back = read_dataset(path, "float64", labels=True)
    assert back == data and back.dtype == "float64"


@pytest.mark.parametrize("text, where, got", [
    ("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(5)) + "5,0.5\n", "line 7, column 2",
     "0.5"),
    ("x,label\n1,0\n2,true\n", "line 3, column 2", "'true'"),
    ("1,1\n2,2\n", "line 2, column 2", "2"),
    ("x,y\n1,0\n2,-1\n", "line 3, column 2", "-1"),
    ("x,y\n1,0\n2,nan\n", "line 3, column 2", "'nan'"),
    ("x,y\n1,0\n2,\n", "line 3, column 2", "''"),
    ("label,x\n1,0\n0.99,2\n", "line 3, column 1", "0.99"),
    ("x;y\n1;0\n2;0,5\n", "line 3, column 2", "0,5"),
    ("x,y\n1,0\n2,yes\n", "line 3, column 2", "'yes'"),
])
def test_a_label_other_than_0_or_1_is_refused_naming_line_and_value(tmp_path, text, where,
                                                                     got):
    path = _file(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_dataset(path, labels=True)
    assert str(info.value) == f"{path}, {where}: the label must be 0 or 1, got {got}."


def test_a_bad_label_far_down_a_large_file_is_named(tmp_path):
    # The fast reader reads the numbers; a bad label sends the file to the careful one,
    # which names it.
    rows = [f"{i * 0.001!r},{i % 2}" for i in range(30_000)]
    rows[25_000] = "25.0,2"
    path = _file(tmp_path, "x,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r", line 25002, column 2: the label must be 0 or 1, "
                                        r"got 2\.$"):
        read_dataset(path, labels=True)
    rows[25_000] = "25.0,0"
    path.write_text("x,y\n" + "\n".join(rows) + "\n")
    data = read_dataset(path, labels=True)
    assert len(data) == 30_000 and data.y.sum() == 15_000


def test_the_line_still_reads_any_y_and_other_problems_keep_their_words(tmp_path):
    assert read_dataset(_file(tmp_path, "x,y\n1,0.5\n2,7\n")).y.tolist() == [0.5, 7.0]
    assert read_dataset(_file(tmp_path, "label,x\n3,1\n")).x.tolist() == [1.0]
    path = _file(tmp_path, "x,y\n1,0\nabc,1\n")
    with pytest.raises(DataError, match=r"line 3, column 1: 'abc' is not a number\.$"):
        read_dataset(path, labels=True)
    path = _file(tmp_path, "x,y\n1,0\n2\n")
    with pytest.raises(DataError, match="line 3: '2' has 1 cell"):
        read_dataset(path, labels=True)


# --------------------------------------------------------------------------- paste


def test_pasted_labels():
    data = parse_points("x\tlabel\n1,5\t0\n2\t1\n", labels=True)
    assert data.x.tolist() == [1.5, 2.0] and data.y.tolist() == [0.0, 1.0]
    assert parse_points("1\t0.5\n", labels=False).y.tolist() == [0.5]


@pytest.mark.parametrize("text, message", [
    ("1\t0\n2\t0.5\n", "The pasted text, line 2, column 2: the label must be 0 or 1, got 0.5."),
    ("x,y\n1,0\n\n2,False\n",
     "The pasted text, line 4, column 2: the label must be 0 or 1, got 'False'."),
    ("1;1\n2;3\n", "The pasted text, line 2, column 2: the label must be 0 or 1, got 3."),
])
def test_a_pasted_label_other_than_0_or_1_is_refused_naming_the_row(text, message):
    with pytest.raises(DataError) as info:
        parse_points(text, labels=True)
    assert str(info.value) == message


# --------------------------------------------------------------------------- any table

LABEL_CELL = st.sampled_from(["0", "1", "0.0", "1.0", "-0", "+1", "1e0", "0,0", "1,0", "0.5",
                              "2", "-1", "true", "False", "", " ", "nan", "inf", "1e-400",
                              '"1"', "0x1", "１"])
X_CELL = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
                   st.sampled_from(["1,5", "abc", "", "nan", "1e39", "-0"]))
HEADERS = st.sampled_from([None, "x{s}y", "x{s}label", "label{s}x", "y{s}x", "a{s}b",
                           "x{s}y{s}label"])


@st.composite
def labelled_tables(draw) -> str:
    sep = draw(st.sampled_from([",", ";", "\t"]))
    header = draw(HEADERS)
    width = 3 if header is not None and header.count("{s}") == 2 else 2
    rows = draw(st.lists(st.lists(st.one_of(X_CELL, LABEL_CELL), min_size=width,
                                  max_size=width), max_size=6))
    lines = ([header.format(s=sep)] if header else []) + [sep.join(r) for r in rows]
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=labelled_tables(), dtype=st.sampled_from(["float32", "float64"]))
def test_labels_read_what_the_line_reads_when_every_y_is_0_or_1(tmp_path, text, dtype):
    """The labels mode reads exactly the points the line's reader reads, when each y is 0 or
    1 (-0 as 0), and refuses the file in one line otherwise; the same for a paste."""
    path = _file(tmp_path, text, "any.csv")
    first = text.split("\n", 1)[0]
    both = "y" in first and "label" in first  # (the two modes read different columns)
    for read in (lambda labels: read_dataset(path, dtype, labels=labels),
                 lambda labels: parse_points(text, dtype, labels=labels)):
        try:
            plain = read(False)
        except DataError:
            plain = None
        try:
            labelled = read(True)
        except DataError as exc:
            assert "\n" not in str(exc)
            assert both or plain is None or not set(plain.y.tolist()) <= {0.0, 1.0}
            continue
        assert set(labelled.y.tolist()) <= {0.0, 1.0}
        assert not np.signbit(labelled.y).any()
        if not both:
            assert labelled == plain
