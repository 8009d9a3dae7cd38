"""Hardening: fuzz ``read_dataset`` and the window's CSV import with hypothesis.

Whatever a user points the studio at (random bytes, random text, or something that looks
like a table but is not quite one, separated by commas, semicolons or tabs, with decimal
points or commas), reading it gives either a usable data set (at least one point, every value
finite and inside float32's range) or one :class:`DataError` whose message names the file.
Never any other exception; and what it reads, or refuses, is exactly what a plain reference
reading of the documented format (:func:`reference_read`) reads or refuses. A failed import
in the window leaves its data, undo history and plot exactly as they were.
"""

from __future__ import annotations

import csv
import io
import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings

from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import DataError
from gdstudio.ui.window.main_window import MainWindow

F32_MAX = float(np.finfo(np.float32).max)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --------------------------------------------------------------------------- strategies

NUMBER_TEXT = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(width=32, allow_nan=False, allow_infinity=False).map(repr),
    st.floats(min_value=-1e-30, max_value=1e-30).map(repr),  # tiny, incl. subnormal
    st.sampled_from([
        "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-Infinity",
        "1e39", "-1e39", "1e300", "-1e300", "1e309", "3.4028235e38", "-3.4028235e+38",
        "3.4028236e38", "3.4028234663852886e38", "3.402823669209385e38", "1e-45", "1e-320",
        "0", "-0", "-0.0", "+1", ".5", "5.", "1e5", "1E-5", " 7 ", "\t8\t",
        "0x10", "1_000", "1d5", "1,5", "１２", "٣", "1e", "e1", "--1", "1.2.3",
        "1,000", "2,5", ",5", "5,", "1.000,5", "-3,5e-2", "1e-50", "-1e-46", "1e-400", "0e-999",
        "-0,0", "0." + "0" * 120 + "1", "1" + "0" * 120, "0.00001e-320", "7e-46", "ınf", "İnf",
    ]),
)
FINITE_TEXT = st.one_of(  # numbers that read (in float64 at least)
    st.integers(-(10**6), 10**6).map(str),
    st.floats(width=32, allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e6, 1e6).map(lambda v: f"{v:.6g}"),
    st.floats(min_value=-1e-37, max_value=1e-37).map(repr),
)
WORD = st.sampled_from(["x", "y", "X", " Y ", "a", "b", "w", "loss", "x y", "#", "None",
                        '"x"', '"1"', '"1,2"', '"', "'", "\\", "é", "∞", "\u00a0", "\ufeff"])
CELL = st.one_of(
    NUMBER_TEXT, NUMBER_TEXT, NUMBER_TEXT, WORD, st.just(""),
    st.sampled_from([" ", "\t", "  ", "\u3000"]), st.text(max_size=6),
)
SEPARATOR = st.sampled_from([",", ",", ",", ";", "\t", ", ", " ", "|"])
NEWLINE = st.sampled_from(["\n", "\n", "\r\n", "\r", "\n\n", "\n \n", "\u2028", "\x85"])
HEADER = st.sampled_from([None, None, ["x", "y"], ["y", "x"], ["X", "Y"], ["t", "x", "y"],
                          ["a", "b"], ["x"], ["x", "x"], ["", ""]])


@st.composite
def tables(draw) -> bytes:
    """Rows of cells joined by one separator and one kind of newline, header optional."""
    sep = draw(SEPARATOR)
    newline = draw(NEWLINE)
    width = draw(st.sampled_from([2, 2, 2, 0, 1, 3, 4]))
    ragged = draw(st.booleans())
    row = st.lists(CELL, min_size=0, max_size=5) if ragged else st.lists(
        CELL, min_size=width, max_size=width)
    rows = draw(st.lists(row, min_size=0, max_size=8))
    header = draw(HEADER)
    if header is not None:
        rows = [header, *rows]
    text = newline.join(sep.join(cells) for cells in rows)
    text += draw(st.sampled_from(["", newline, newline * 2]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text.encode("utf-8")


def decimal_comma(text: str) -> str:
    return text.replace(".", ",")


@st.composite
def spreadsheet_tables(draw) -> bytes:
    """What spreadsheets write: semicolons or tabs, mostly decimal commas, sometimes a
    thousands separator, a mixed decimal mark, an extra column or a stray comma row."""
    sep = draw(st.sampled_from([";", ";", "\t", ","]))
    comma = sep != "," and draw(st.booleans())
    number = st.one_of(FINITE_TEXT, FINITE_TEXT, FINITE_TEXT, NUMBER_TEXT)
    number = number.map(decimal_comma) if comma else number
    cell = st.one_of(number, number, number, number, number, NUMBER_TEXT, st.sampled_from(
        ["1.000,5", "1,000", "12.345.678", " 2,25 ", "", '"1,5"', '"3"', "a"]))
    width = draw(st.sampled_from([2, 2, 2, 3]))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=0,
                         max_size=8))
    if draw(st.integers(0, 4)) == 0 and rows:
        rows[draw(st.integers(0, len(rows) - 1))].append(draw(cell))  # one wider row
    header = draw(st.sampled_from([None, ["x", "y"], ["y", "x"], ["Zeit", "Wert"],
                                   ["x", "y", "Etikett"], ["x", "y", ""], ['"x"', '"y"']]))
    if header is not None:
        rows = [header, *rows]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = draw(st.sampled_from(["", "\ufeff", "\n"])) + newline.join(
        sep.join(cells) for cells in rows) + draw(st.sampled_from(["", newline]))
    return text.encode("utf-8")


@st.composite
def plain_tables(draw) -> bytes:
    """Clean files numpy's fast reader takes, with at most one flaw it must hand over."""
    sep = draw(st.sampled_from([",", ";", "\t"]))
    comma = sep != "," and draw(st.booleans())
    rows = draw(st.lists(st.lists(FINITE_TEXT, min_size=2, max_size=2), min_size=1,
                         max_size=12))
    if comma:
        rows = [[decimal_comma(c) for c in row] for row in rows]
    if draw(st.booleans()):  # one flaw
        row = draw(st.integers(0, len(rows) - 1))
        rows[row][draw(st.integers(0, 1))] = draw(st.one_of(NUMBER_TEXT, st.sampled_from(
            ["1e-50", "1e39", "1e-400", "0." + "0" * 330 + "1", "1,000", "1.5", "1,5", " ",
             "", "1;2", "1\t2"])))
    header = draw(st.sampled_from([None, ["x", "y"], ["y", "x"], ["X ", " Y"], ["a", "b"]]))
    if header is not None:
        rows = [header, *rows]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(sep.join(cells) for cells in rows) + draw(st.sampled_from(
        ["", newline, newline * 2]))
    return text.encode("utf-8")


@st.composite
def numeric_tables(draw) -> bytes:
    """Mostly well-formed two-column files: the numbers are what is being fuzzed."""
    rows = draw(st.lists(st.tuples(NUMBER_TEXT, NUMBER_TEXT), min_size=1, max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = "x,y" + newline if draw(st.booleans()) else ""
    return (header + newline.join(f"{a},{b}" for a, b in rows)
            + draw(st.sampled_from(["", newline]))).encode("utf-8")


# --------------------------------------------------------------------------- checks


def note(outcome: str) -> None:
    """Count outcomes for ``--hypothesis-show-statistics`` (outside hypothesis: nothing)."""
    if currently_in_test_context():
        event(outcome)


NUMBER_CHARS = set("0123456789+-.,eE")
NON_FINITE_WORDS = {sign + word for sign in ("", "+", "-") for word in ("nan", "inf", "infinity")}


def reference_number(cell: str, comma: bool) -> float | None:
    """The value of a plain decimal number as Python's float() reads it; None otherwise."""
    text = cell.strip()
    if not text or not set(text) <= NUMBER_CHARS or ("," in text and not comma):
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def reference_read(content: bytes, dtype: str):
    """The documented format, read plainly: ``(x, y)`` lists of stored values, or None when the
    file must be refused. Slow and simple on purpose; shares no code with the reader."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.removeprefix("\ufeff")
    first = next((line for line in re.split(r"\r\n|\r|\n", text) if line.strip()), None)
    if "\0" in text or first is None:
        return None
    found = [sep for sep in ";\t," if sep in re.sub(r'"[^"]*"', "", first)]
    if not found:
        return None
    sep, comma = found[0], found[0] != ","
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)
                if any(cell.strip() for cell in row)]
    except csv.Error:
        return None
    if not rows:
        return None
    cols, width = (0, 1), 2
    head = rows[0]
    if len(head) >= 2 and all(reference_number(c, comma) is None
                              and c.strip().lower() not in NON_FINITE_WORDS for c in head[:2]):
        names = [c.strip().lower() for c in head]
        if "x" in names and "y" in names:
            cols = (names.index("x"), names.index("y"))
        while names and not names[-1]:
            names.pop()
        width = max(len(names), 2)
        rows = rows[1:]
    xs, ys, marks = [], [], []
    for row in rows:
        if len(row) <= max(cols) or any(cell.strip() for cell in row[width:]):
            return None
        for col, out in zip(cols, (xs, ys), strict=True):
            value = reference_number(row[col], comma)
            if value is None:
                return None
            marks += [m for m in ",." if m in row[col]] if comma else []
            with np.errstate(over="ignore"):
                stored = value if dtype == "float64" else float(np.float32(value))
            mantissa = re.split("[eE]", row[col].strip())[0].replace(",", ".")
            if math.isinf(stored) or (stored == 0 and Fraction(mantissa) != 0):
                return None
            out.append(stored)
    if not xs or len(set(marks)) > 1:
        return None
    return xs, ys


def check_read(path, content: bytes, dtype: str = "float32") -> Dataset | None:
    """Read ``content`` from ``path``; return the Dataset, or None after a proper DataError.
    Either way the outcome is the reference reading's."""
    path.write_bytes(content)
    expected = reference_read(content, dtype)
    try:
        dataset = read_dataset(path, dtype)
    except DataError as exc:
        message = str(exc)
        assert str(path) in message, f"the error does not name the file: {message!r}"
        assert "\n" not in message.strip()
        assert expected is None, f"refused, but the reference reads {expected}: {message}"
        note("DataError")
        return None
    # anything else propagates and fails the test
    note("Dataset")
    assert expected is not None, f"read {dataset}, but the reference refuses the file"
    assert isinstance(dataset, Dataset)
    assert len(dataset) >= 1
    assert dataset.dtype == dtype
    assert dataset.x.shape == dataset.y.shape
    for values, reference in zip((dataset.x, dataset.y), expected, strict=True):
        assert values.dtype == np.dtype(dtype)
        assert np.isfinite(values).all()
        assert (np.abs(values.astype(np.float64)) <= np.finfo(dtype).max).all()
        assert values.tobytes() == np.array(reference, dtype).tobytes()  # -0.0 included
    return dataset


@pytest.fixture(scope="module")
def shared_window(qapp, tmp_path_factory):
    """One window for many examples (a window per example would take minutes)."""
    folder = tmp_path_factory.mktemp("csv-window")
    win = MainWindow(settings=QSettings(str(folder / "settings.ini"),
                                        QSettings.Format.IniFormat))
    win.show()
    yield win
    win.close()
    win.deleteLater()
    qapp.processEvents()


def check_window_import(win: MainWindow, path, dataset: Dataset | None) -> None:
    """Import into the window: a failure changes nothing and says so; success loads exactly
    what read_dataset read (and is undone again, so that the next example starts alike)."""
    before = win.controller.model.dataset
    undo_count = win.controller.model.undo_stack.count()
    undo_index = win.controller.model.undo_stack.index()
    scatter_x, scatter_y = (np.array(a, copy=True) for a in win.plot.scatter.getData())
    count_text = win.count_label.text()
    win.messages.last = None
    ok = win.files.import_csv(str(path))
    if dataset is None:
        assert ok is False
        assert win.controller.model.dataset is before
        assert win.controller.model.undo_stack.count() == undo_count
        assert win.controller.model.undo_stack.index() == undo_index
        shown_x, shown_y = win.plot.scatter.getData()
        assert np.array_equal(shown_x, scatter_x) and np.array_equal(shown_y, scatter_y)
        assert win.count_label.text() == count_text
        title, text = win.messages.last
        assert title == "Cannot import the CSV file"
        assert str(path) in text and "The data was not changed." in text
    else:
        assert ok is True
        assert win.controller.model.dataset == dataset
        assert win.controller.model.undo_stack.index() == undo_index + 1
        win.act_undo.trigger()
        assert win.controller.model.dataset == before
    win.messages.close_all()  # close the non-blocking message boxes


@pytest.fixture
def example_file(tmp_path):
    return tmp_path / "fuzzed example.csv"  # a space in the name, as users' files have


# --------------------------------------------------------------------------- core


@FUZZ
@given(content=st.binary(max_size=300))
def test_arbitrary_bytes(example_file, content):
    check_read(example_file, content)


@FUZZ
@given(text=st.text(max_size=200))
def test_arbitrary_text(example_file, text):
    check_read(example_file, text.encode("utf-8"))


DTYPE = st.sampled_from(["float32", "float32", "float64"])


@settings(FUZZ, max_examples=400)
@given(content=tables(), dtype=DTYPE)
def test_generated_tables(example_file, content, dtype):
    check_read(example_file, content, dtype)


@settings(FUZZ, max_examples=400)
@given(content=plain_tables(), dtype=DTYPE)
def test_plain_tables(example_file, content, dtype):
    check_read(example_file, content, dtype)


@settings(FUZZ, max_examples=400)
@given(content=spreadsheet_tables(), dtype=DTYPE)
def test_spreadsheet_tables(example_file, content, dtype):
    check_read(example_file, content, dtype)


@FUZZ
@given(content=numeric_tables())
@example(content=b"0x10,0x10\n0,0")  # two cells that are no numbers: a header
def test_numeric_tables_read_exactly_what_is_written(example_file, content):
    dataset = check_read(example_file, content)
    if dataset is None:
        return
    # the values are the float32 roundings of the cells, in order
    text = content.decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    if all(reference_number(c, False) is None and c.strip().lower() not in NON_FINITE_WORDS
           for c in lines[0].split(",")[:2]):
        lines = lines[1:]  # a header: "x,y", or any first row of two cells that are no numbers
    cells = [[float(c) for c in line.split(",")[:2]] for line in lines]
    expected = np.array(cells, dtype=np.float32).reshape(-1, 2)
    assert np.array_equal(dataset.x, expected[:, 0])
    assert np.array_equal(dataset.y, expected[:, 1])


def test_known_nasty_files(tmp_path):
    """A few hand-picked cases; each fails with the file named, or reads as documented."""
    path = tmp_path / "nasty.csv"
    failing = [
        b"", b"\n\n\n", b"x,y\n", b"x,y\n\n", b"\xff\xfe1,2\n", b"1,2\x00\n", b"1\n2\n",
        b"1,nan\n", b"inf,1\n", b"1e39,1\n", b"-1e300,2\n", b"1,2\n3\n", b'"1,2\n',
        b"1 2\n3 4\n", b"x" * 200_000 + b",1\n", b"1,2\n" + b"a" * 200_000 + b"\n",
        b"\"" + b"1" * 200_000 + b"\",2\n", b"1e-50,1\n", b"2,1,000\n", b"x;y\n1,5;2.5\n",
    ]
    for content in failing:
        assert check_read(path, content) is None, content[:40]
    reading = {
        b"1,2\n": [(1, 2)],
        b"\xef\xbb\xbfx,y\r\n1,2\r\n": [(1, 2)],
        b"y,x\n1,2\n": [(2, 1)],
        b"3.4028235e38,-3.4028235e+38\n": [(F32_MAX, -F32_MAX)],
        b"1;2\n3;4\n": [(1, 2), (3, 4)],
        b"1\t2\n": [(1, 2)],
        b"x;y\r\n1,5;-2,25\r\n": [(1.5, -2.25)],
        b"1e-45,1\n": [(float(np.float32(1e-45)), 1.0)],
        b"x,y,label\n2,1,000\n": [(2, 1)],
    }
    for content, points in reading.items():
        dataset = check_read(path, content)
        assert dataset is not None, content
        assert list(zip(dataset.x.tolist(), dataset.y.tolist(), strict=True)) == points


# --------------------------------------------------------------------------- window

ANY_FILE = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=120).map(lambda t: t.encode("utf-8")),
    tables(),
    plain_tables(),
    spreadsheet_tables(),
    numeric_tables(),
)


@settings(FUZZ, max_examples=250)
@given(content=ANY_FILE)
def test_window_import_never_half_loads(shared_window, example_file, content):
    dataset = check_read(example_file, content)
    check_window_import(shared_window, example_file, dataset)
