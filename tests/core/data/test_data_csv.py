"""Data generators, CSV reading and writing, atomic writes and the edit commands."""

from __future__ import annotations

import math
import os
import stat

import numpy as np
import pytest
import torch

from gdstudio.core.data import csv_io as csvio
from gdstudio.core.data.commands import Append, Clear, Delete, Insert, Move, Replace
from gdstudio.core.data.csv_io import atomic_write, write_dataset
from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.dataset import Dataset, noisy_line, random_line
from gdstudio.core.errors import DataError, ExportError

F32_MAX = float(np.finfo(np.float32).max)


def same_bits(a: Dataset, b: Dataset) -> bool:
    """Equal bit for bit: same dtype, same values, same signs of zero."""
    return (a.dtype == b.dtype and a.x.tobytes() == b.x.tobytes()
            and a.y.tobytes() == b.y.tobytes())


# --------------------------------------------------------------------------- generators


def test_noisy_line_is_reproducible_bit_for_bit():
    a, b = noisy_line(seed=3), noisy_line(seed=3)
    assert same_bits(a, b)
    assert not np.array_equal(a.y, noisy_line(seed=4).y)
    assert np.array_equal(a.x, noisy_line(seed=4).x)  # the noise, not the x, depends on it


def test_noisy_line_defaults_and_options():
    data = noisy_line()
    assert len(data) == 100 and data.dtype == "float32"
    assert data.x[0] == -5.0 and data.x[-1] == pytest.approx(4.9)
    assert not data.x.flags.writeable and not data.y.flags.writeable
    flat = noisy_line(slope=2.0, intercept=1.0, noise=0.0, x_min=0.0, x_max=1.0, x_step=0.25)
    assert flat.x.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert flat.y.tolist() == [1.0, 1.5, 2.0, 2.5]
    wide = noisy_line(dtype="float64")
    assert wide.dtype == "float64" and len(wide) == 100


def test_generators_leave_the_global_rng_alone():
    torch.manual_seed(77)
    state = torch.get_rng_state()
    noisy_line(seed=1)
    random_line(seed=2)
    assert torch.equal(torch.get_rng_state(), state)


def test_random_line():
    a = random_line(n=250, slope=3.0, intercept=-2.0, noise=0.5, x_min=-1.0, x_max=4.0, seed=8)
    assert same_bits(a, random_line(n=250, slope=3.0, intercept=-2.0, noise=0.5, x_min=-1.0,
                                    x_max=4.0, seed=8))
    assert len(a) == 250 and a.dtype == "float32"
    assert (a.x >= -1.0).all() and (a.x < 4.0).all()
    residual = a.y - (3.0 * a.x - 2.0)
    assert 0.35 < float(np.std(residual)) < 0.65
    assert not np.array_equal(a.x, random_line(n=250, seed=9).x)
    exact = random_line(n=5, slope=2.0, intercept=1.0, noise=0.0, seed=0, dtype="float64")
    assert exact.dtype == "float64"
    assert np.array_equal(exact.y, 2.0 * exact.x + 1.0)
    assert len(random_line(n=1)) == 1
    assert len(random_line(n=np.int64(3))) == 3


BAD_GENERATOR_ARGS = {
    "noise negative": (noisy_line, {"noise": -0.1}),
    "step zero": (noisy_line, {"x_step": 0.0}),
    "step negative": (noisy_line, {"x_step": -0.1}),
    "max below min": (noisy_line, {"x_min": 1.0, "x_max": 0.0}),
    "max equals min": (noisy_line, {"x_min": 1.0, "x_max": 1.0}),
    "slope nan": (noisy_line, {"slope": math.nan}),
    "intercept inf": (noisy_line, {"intercept": math.inf}),
    "x_min text": (noisy_line, {"x_min": "0"}),
    "too many points": (noisy_line, {"x_step": 1e-7}),
    "overflow": (noisy_line, {"slope": 1e38}),
    "seed negative": (noisy_line, {"seed": -1}),
    "seed float": (noisy_line, {"seed": 1.5}),
    "seed huge": (noisy_line, {"seed": 2**64}),
    "dtype float16": (noisy_line, {"dtype": "float16"}),
    "dtype unknown": (noisy_line, {"dtype": "bogus"}),
    "n zero": (random_line, {"n": 0}),
    "n negative": (random_line, {"n": -5}),
    "n too many": (random_line, {"n": 10_000_001}),
    "n float": (random_line, {"n": 2.5}),
    "n nan": (random_line, {"n": math.nan}),
    "n text": (random_line, {"n": "10"}),
    "n none": (random_line, {"n": None}),
    "random noise negative": (random_line, {"noise": -1.0}),
    "random max below min": (random_line, {"x_min": 2.0, "x_max": -2.0}),
    "random slope inf": (random_line, {"slope": -math.inf}),
    "random seed negative": (random_line, {"seed": -3}),
    "random dtype unknown": (random_line, {"dtype": "int8"}),
}


@pytest.mark.parametrize("name", list(BAD_GENERATOR_ARGS))
def test_bad_generator_arguments_raise_data_error(name):
    function, kwargs = BAD_GENERATOR_ARGS[name]
    with pytest.raises(DataError) as info:
        function(**kwargs)
    assert str(info.value)


def test_dataset_construction():
    data = Dataset.from_points([(1, 2), (3, 4)], dtype="float64")
    assert data.dtype == "float64" and data.x.tolist() == [1.0, 3.0]
    assert Dataset(np.arange(3), np.arange(3)).dtype == "float32"
    assert len(Dataset.empty()) == 0
    with pytest.raises(DataError):
        Dataset(np.zeros(3), np.zeros(2))
    with pytest.raises(DataError):
        Dataset(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(DataError):
        Dataset.from_points([(1, 2)], dtype="float16")
    assert data.astype("float32") == Dataset.from_points([(1, 2), (3, 4)])
    assert data.astype("float64") is data


# --------------------------------------------------------------------------- CSV round trip

AWKWARD = [1e-45, -1e-45, 3.4028235e38, -3.4028235e38, -0.0, 0.0, 0.1, -0.1, 1.0 / 3.0,
           1e-38, 1.1754942e-38, 16777217.0, 123456.789, -2.5, 1e30]


def random_finite(dtype, count, seed):
    """Random bit patterns: every kind of finite number, normal or not."""
    rng = np.random.default_rng(seed)
    bits = np.dtype(dtype).itemsize * 8
    raw = rng.integers(0, 2**bits, size=4 * count, dtype=np.uint64, endpoint=False)
    values = raw.astype(f"uint{bits}").view(dtype)
    return values[np.isfinite(values)][:count]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_csv_round_trip_is_exact(tmp_path, dtype):
    t = np.dtype(dtype)
    awkward = np.array(AWKWARD, dtype=t)
    extra = [5e-324, 1.7976931348623157e308, 2.2250738585072014e-308] if dtype == "float64" \
        else []
    x = np.concatenate([awkward, np.array(extra, dtype=t), random_finite(t, 300, 1)])
    y = np.concatenate([awkward[::-1], np.array(extra, dtype=t)[::-1], random_finite(t, 300, 2)])
    data = Dataset(x, y)
    assert data.dtype == dtype
    path = tmp_path / "points.csv"
    write_dataset(path, data)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("x,y\n") and text.endswith("\n") and "\r" not in text
    back = read_dataset(path, dtype)
    assert same_bits(back, data)
    assert np.signbit(back.x[AWKWARD.index(-0.0)])
    # The careful parser (CRLF line ends) reads the same numbers.
    path.write_bytes(text.replace("\n", "\r\n").encode())
    assert same_bits(read_dataset(path, dtype), data)


def test_csv_round_trip_of_float32_data_read_as_float64(tmp_path):
    data = noisy_line()
    write_dataset(tmp_path / "p.csv", data)
    wide = read_dataset(tmp_path / "p.csv", "float64")
    assert wide.dtype == "float64"
    assert np.array_equal(wide.x, data.x.astype(np.float64))


def test_empty_dataset_round_trip(tmp_path):
    write_dataset(tmp_path / "e.csv", Dataset.empty())
    assert (tmp_path / "e.csv").read_text() == "x,y\n"
    with pytest.raises(DataError):  # a data set needs points
        read_dataset(tmp_path / "e.csv")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("header", ["", "x,y", "X , Y", "y,x", "x,y,label", "index,x,y"])
def test_header_is_optional(tmp_path, header, newline):
    columns = [c.strip().lower() for c in header.split(",")] if header else ["x", "y"]
    rows = [{"x": "1", "y": "2", "label": "a", "index": "0"},
            {"x": "3.5", "y": "-4", "label": "b", "index": "1"}]
    lines = ([header] if header else []) + [",".join(r[c] for c in columns) for r in rows]
    path = tmp_path / "h.csv"
    path.write_text(newline.join(lines) + newline, encoding="utf-8", newline="")
    data = read_dataset(path)
    assert data.x.tolist() == [1.0, 3.5] and data.y.tolist() == [2.0, -4.0]


def test_tolerated_formatting(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b'\xef\xbb\xbfx,y\n\n 1 , 2 \n"3","4"\n\n5e0,-6E-0\n\n')
    data = read_dataset(path)
    assert data.x.tolist() == [1.0, 3.0, 5.0] and data.y.tolist() == [2.0, 4.0, -6.0]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_float32_largest_value_reads(tmp_path, newline):
    path = tmp_path / "big.csv"
    # float32's own text for its largest value, and the largest double that rounds to it.
    just_below = float(np.nextafter(2.0**128 - 2.0**103, 0.0))
    path.write_text(newline.join(["3.4028235e38,1", f"-1,{just_below!r}"]) + newline,
                    newline="")
    data = read_dataset(path)
    assert data.x[0] == np.float32(F32_MAX) and data.y[1] == np.float32(F32_MAX)
    path.write_text(newline.join(["1,2", f"{2.0**128 - 2.0**103!r},1"]) + newline, newline="")
    with pytest.raises(DataError, match=r"line 2, column 1.*too large for float32"):
        read_dataset(path)


# --------------------------------------------------------------------------- bad CSV input

BAD_CSV = {
    # name: (bytes, dtype, line, column)
    "non-numeric": (b"x,y\n1,2\n3,abc\n", "float32", 3, 2),
    "non-numeric first row": (b"1,abc\n2,3\n", "float32", 1, 2),
    "non-numeric crlf": (b"x,y\r\n1,2\r\nfoo,3\r\n", "float32", 3, 1),
    "empty cell": (b"x,y\n1,\n", "float32", 2, 2),
    "underscore": (b"x,y\n1_000,2\n", "float32", 2, 1),
    "nan": (b"x,y\n1,2\nnan,3\n", "float32", 3, 1),
    "NaN upper": (b"1,2\n3,NaN\n", "float64", 2, 2),
    "inf": (b"x,y\n1,inf\n", "float32", 2, 2),
    "-Infinity": (b"x,y\n1,2\n4,5\n-Infinity,1\n", "float64", 4, 1),
    "overflow to inf": (b"x,y\n1,1e400\n", "float64", 2, 2),
    "1e39 in float32": (b"x,y\n1,2\n1e39,3\n", "float32", 3, 1),
    "one column": (b"x,y\n1,2\n3\n", "float32", 3, None),
    "one column first": (b"5\n1,2\n", "float32", 1, None),
    "not utf-8": (b"x,y\n1,2\n\xff\xfe,3\n", "float32", 3, None),
    "latin-1": (b"x,y\n1,2\n3,4\n# caf\xe9\n", "float32", 4, None),
    "binary": (b"x,y\n1,2\x00\x00\n", "float32", 2, None),
    "header only": (b"x,y\n", "float32", None, None),
    "header only crlf": (b"x,y\r\n\r\n", "float32", None, None),
    "empty file": (b"", "float32", None, None),
    "blank lines only": (b"\n\n  \n", "float32", None, None),
}


@pytest.mark.filterwarnings("error")  # a warning would reach the user's terminal
@pytest.mark.parametrize("name", list(BAD_CSV))
def test_bad_csv_raises_data_error_naming_file_line_column(tmp_path, name):
    content, dtype, line, column = BAD_CSV[name]
    path = tmp_path / "bad data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_dataset(path, dtype)
    message = str(info.value)
    assert str(path) in message
    if line is not None:
        assert f"line {line}" in message
    if column is not None:
        assert f"column {column}" in message
    assert "\n" not in message


def test_1e39_is_fine_in_float64(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n1,2\n1e39,3\n")
    assert read_dataset(path, "float64").x.tolist() == [1.0, 1e39]


def test_missing_file_and_folder(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DataError, match="no such file") as info:
        read_dataset(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(DataError, match="folder") as info:
        read_dataset(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.csv"
    path.write_text("1,2\n")

    real_open = os.open

    def refuse(name, *args, **kwargs):
        if os.fspath(name) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(DataError, match="Permission denied") as info:
        read_dataset(path)
    monkeypatch.undo()
    assert str(path) in str(info.value)


def test_read_dataset_rejects_unknown_dtype(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("1,2\n")
    with pytest.raises(DataError):
        read_dataset(path, "float16")


# --------------------------------------------------------------------------- atomic writes


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_atomic_write_creates_and_replaces(tmp_path):
    path = tmp_path / "out.csv"
    atomic_write(path, "one\n")
    assert path.read_text() == "one\n"
    atomic_write(path, "two\r\nline é\n")
    assert path.read_bytes() == "two\r\nline é\n".encode()
    assert listing(tmp_path) == ["out.csv"]


def test_atomic_write_keeps_the_file_mode(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")
    path.chmod(0o640)
    atomic_write(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_atomic_write_new_file_honours_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.csv", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644


@pytest.mark.parametrize("failing", ["replace", "fsync"])
@pytest.mark.parametrize("existing", [True, False])
def test_failed_write_changes_nothing(tmp_path, monkeypatch, failing, existing):
    path = tmp_path / "out.csv"
    if existing:
        path.write_text("old content\n")
    before = listing(tmp_path)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csvio.os, failing, boom)
    with pytest.raises(ExportError) as info:
        atomic_write(path, "new content\n")
    monkeypatch.undo()
    assert str(path) in str(info.value)
    assert "No space left on device" in str(info.value)
    assert listing(tmp_path) == before
    if existing:
        assert path.read_text() == "old content\n"
    else:
        assert not path.exists()


def test_failed_write_dataset_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "points.csv"
    write_dataset(path, noisy_line())
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(csvio.os, "replace", boom)
    with pytest.raises(ExportError):
        write_dataset(path, noisy_line(seed=1))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert listing(tmp_path) == ["points.csv"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can write into read-only folders")
def test_write_into_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "out.csv"
    path.write_text("old content\n")
    folder.chmod(0o555)
    try:
        with pytest.raises(ExportError) as info:
            atomic_write(path, "new content\n")
        assert str(path) in str(info.value)
        assert path.read_text() == "old content\n"
        assert listing(folder) == ["out.csv"]
    finally:
        folder.chmod(0o755)


def test_write_to_missing_folder_or_a_folder(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "out.csv", "x")
    assert listing(tmp_path) == []
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(ExportError, match="folder"):
        atomic_write(tmp_path / "dir.csv", "x")
    assert listing(tmp_path) == ["dir.csv"]


# --------------------------------------------------------------------------- commands


def sample(dtype="float32"):
    t = np.dtype(dtype)
    return Dataset(np.array([-0.0, 1e-45, 0.1, 3.4e38, 7.0], t),
                   np.array([0.5, -0.0, 2.0, -1e-40, 8.0], t))


def check_undo_redo(command, data):
    new, inverse = command.apply(data)
    back, redo = inverse.apply(new)
    assert same_bits(back, data)
    again, _ = redo.apply(back)
    assert same_bits(again, new)
    return new


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_commands_are_undone_exactly(dtype):
    data = sample(dtype)
    new = check_undo_redo(Append(1.5, -2.5), data)
    assert len(new) == 6 and (new.x[-1], new.y[-1]) == (1.5, -2.5)
    new = check_undo_redo(Append(9.0, 9.0, index=0), data)
    assert (new.x[0], new.y[0]) == (9.0, 9.0) and same_bits(Dataset(new.x[1:], new.y[1:]), data)
    new = check_undo_redo(Append(9.0, 9.0, index=5), data)
    assert new.x[5] == 9.0
    new = check_undo_redo(Move(0, 4.0, -4.0), data)
    assert (new.x[0], new.y[0]) == (4.0, -4.0) and len(new) == 5
    new = check_undo_redo(Move(1, 0.1, -0.0), data)
    new = check_undo_redo(Delete((3, 0, 3)), data)
    assert new.x.tolist() == data.x[[1, 2, 4]].tolist()
    new = check_undo_redo(Delete((0, 1, 2, 3, 4)), data)
    assert len(new) == 0 and new.dtype == dtype
    new = check_undo_redo(Replace(noisy_line()), data)
    assert same_bits(new, noisy_line())
    new = check_undo_redo(Clear(dtype), data)
    assert len(new) == 0
    assert new.dtype == dtype


def test_command_sequence_undone_in_reverse():
    data = sample()
    history = []
    current = data
    for command in (Append(1, 1), Move(2, 5, 5), Delete((0, 4)), Append(2, 2, index=1),
                    Replace(noisy_line()), Delete((99,)), Clear()):
        current, inverse = command.apply(current)
        history.append(inverse)
    for inverse in reversed(history):
        current, _ = inverse.apply(current)
    assert same_bits(current, data)


def test_commands_leave_the_input_alone():
    data = sample()
    copy = Dataset(data.x.copy(), data.y.copy())
    for command in (Append(1, 1), Move(2, 5, 5), Delete((0,)), Clear()):
        command.apply(data)
    assert same_bits(data, copy)


INVALID_COMMANDS = {
    "move past end": Move(5, 1.0, 1.0),
    "move negative": Move(-1, 1.0, 1.0),
    "move nan": Move(0, math.nan, 1.0),
    "move inf": Move(0, 1.0, math.inf),
    "move too large for float32": Move(0, 1e39, 1.0),
    "append nan": Append(math.nan, 0.0),
    "append -inf": Append(0.0, -math.inf),
    "append past end": Append(0.0, 0.0, index=6),
    "append negative index": Append(0.0, 0.0, index=-1),
    "delete nothing": Delete(()),
    "delete past end": Delete((5,)),
    "delete negative": Delete((-1,)),
    "insert past end": Insert((9,), Dataset.from_points([(1, 1)])),
    "insert negative": Insert((-1,), Dataset.from_points([(1, 1)])),
    "insert count mismatch": Insert((0, 1), Dataset.from_points([(1, 1)])),
    "insert duplicate": Insert((1, 1), Dataset.from_points([(1, 1), (2, 2)])),
}


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("name", list(INVALID_COMMANDS))
def test_invalid_commands_raise_data_error(name):
    with pytest.raises(DataError) as info:
        INVALID_COMMANDS[name].apply(sample())
    assert str(info.value)


def test_large_values_fit_in_float64():
    new, _ = Move(0, 1e39, 1.0).apply(sample("float64"))
    assert new.x[0] == 1e39
