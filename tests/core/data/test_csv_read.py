"""Reading data files: only regular files, bounded in size, the separators and decimal marks
spreadsheets write, nothing cut off, and no value silently turned into 0.

Reading a device or a named pipe is tried in a child process with 3 GiB of address space and
a time limit: a reader that reads /dev/zero without end, or waits on a pipe, then fails the
test instead of exhausting the machine or hanging the suite.
"""

from __future__ import annotations

import os
import socket
import subprocess
import textwrap

import numpy as np
import pytest
import torch

from gdstudio.cli.main import main
from gdstudio.core.data.commands import Append, Move
from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.dataset import Dataset, noisy_line, random_line
from gdstudio.core.errors import DataError
from tests import forked

CHILD = textwrap.dedent(
    """
    import os, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "read":
        from gdstudio.core.data.csv_read import read_dataset
        from gdstudio.core.errors import DataError
        if len(sys.argv) > 3:  # stat() says "a regular file", whatever the name is now
            regular = os.stat(sys.argv[3])
            real_stat = os.stat
            os.stat = lambda name, *a, **k: regular if name == path else real_stat(name, *a, **k)
        try:
            data = read_dataset(path)
        except DataError as exc:
            print(exc)
        else:
            print(f"read {len(data)} points")
    else:
        from gdstudio.cli.main import main
        sys.exit(main(["train", "--data", path, "--epochs", "1", "--quiet"]))
    """
)


def in_child(mode: str, *args, timeout: float = 90) -> subprocess.CompletedProcess:
    try:
        return forked.run("-c", CHILD, mode, *map(str, args), cwd=os.getcwd(), timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{mode} {args[0]} did not return within {timeout} s (it blocks)")


def refused_in_child(path, *more) -> str:
    """read_dataset's message for ``path``, read safely in a child process."""
    proc = in_child("read", path, *more)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


@pytest.fixture
def specials(tmp_path):
    """A named pipe, a link to /dev/zero, a link to /dev/null and a socket, in tmp_path."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    null = tmp_path / "null.csv"
    null.symlink_to("/dev/null")
    sock_path = tmp_path / "sock.csv"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(sock_path))
    yield {"fifo": fifo, "zero": zero, "null": null, "socket": sock_path}
    sock.close()


# --------------------------------------------------------------------------- inputs


def test_an_empty_path_is_refused():
    with pytest.raises(DataError, match="the file name is empty"):
        read_dataset("")


@pytest.mark.parametrize(("name", "kind"), [("fifo", "a named pipe"),
                                            ("zero", "a character device")])
def test_a_pipe_or_an_endless_device_is_refused_at_once(specials, name, kind):
    path = specials[name]
    assert refused_in_child(path) == f"{path}: is {kind}, not a CSV file."


@pytest.mark.parametrize(("name", "kind"), [("null", "a character device"),
                                            ("socket", "a socket")])
def test_other_special_files_are_refused(specials, name, kind):
    path = specials[name]
    with pytest.raises(DataError) as info:
        read_dataset(path)
    assert str(info.value) == f"{path}: is {kind}, not a CSV file."


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(DataError) as info:
        read_dataset(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a folder, not a CSV file."


def test_a_pipe_swapped_in_after_stat_is_refused_without_blocking(specials, tmp_path):
    regular = tmp_path / "regular.csv"
    regular.write_text("1,2\n")
    path = specials["fifo"]
    # stat() is made to see a regular file; the opened file is the pipe, caught by fstat.
    assert refused_in_child(path, regular) == f"{path}: is a named pipe, not a CSV file."


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from gdstudio.core.data import csv_read as csvread

    assert csvread.MAX_CSV_BYTES == 2**30
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as handle:  # sparse: no disk used
        handle.truncate(2**30 + 1)
    assert refused_in_child(huge) == (
        f"{huge}: is 1,073,741,825 bytes; the largest CSV file read is 1,073,741,824 bytes "
        "(1 GiB).")
    monkeypatch.setattr(csvread, "MAX_CSV_BYTES", 12)
    small = tmp_path / "small.csv"
    small.write_bytes(b"1,2\n3,4\n5,6\n")  # 12 bytes: the limit itself is allowed
    assert len(read_dataset(small)) == 3
    small.write_bytes(b"1,2\n3,4\n5,6\n7")
    with pytest.raises(DataError, match="13 bytes; the largest CSV file read is 12 bytes"):
        read_dataset(small)


@pytest.mark.parametrize("data", ["", "  "])
def test_cli_refuses_an_empty_data_name(capsys, data):
    assert main(["train", "--data", data, "--epochs", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "gdstudio train: --data needs a file name, got an empty one\n"


@pytest.mark.parametrize(("name", "kind"), [("fifo", "a named pipe"),
                                            ("zero", "a character device")])
def test_cli_refuses_a_pipe_or_a_device_with_exit_2(specials, name, kind):
    path = specials[name]
    proc = in_child("cli", path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stdout == ""
    assert proc.stderr == f"gdstudio train: {path}: is {kind}, not a CSV file.\n"


# --------------------------------------------------------------------------- CSV


def read_bytes(tmp_path, content: bytes, dtype="float32") -> Dataset:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    return read_dataset(path, dtype)


def points(data: Dataset) -> list[tuple[float, float]]:
    return list(zip(data.x.tolist(), data.y.tolist(), strict=True))


def message(tmp_path, content: bytes, dtype="float32") -> str:
    with pytest.raises(DataError) as info:
        read_bytes(tmp_path, content, dtype)
    text = str(info.value)
    assert text.startswith(str(tmp_path / "data.csv")) and "\n" not in text
    return text[len(str(tmp_path / "data.csv")):]


@pytest.mark.parametrize("content", [b"2,1,000\n", b"x,y\n1,2\n2,1,000\n", b"1,2\r\n2,1,000\r\n",
                                     b'x,y\n1,2\n2,1,"000"\n'])
def test_a_thousands_separator_is_not_cut_off(tmp_path, content):
    line = content.count(b"\n")
    text = message(tmp_path, content)
    assert text.startswith(f", line {line}: '2,1,000' has 3 cells split at commas, but ")
    assert "thousands" in text


def test_extra_cells_need_a_header_of_their_own(tmp_path):
    assert points(read_bytes(tmp_path, b"x,y,label\n2,1,000\n")) == [(2.0, 1.0)]
    assert points(read_bytes(tmp_path, b"x,y,label\n2,1\n")) == [(2.0, 1.0)]
    assert points(read_bytes(tmp_path, b"x,y\n2,1,\n")) == [(2.0, 1.0)]  # a blank extra cell
    assert message(tmp_path, b"x,y,label\n2,1,a,b\n") == (
        ", line 2: '2,1,a,b' has 4 cells split at commas, but the header names 3 columns; a "
        "number may not contain the separator (no thousands separators), and each further "
        "column needs a header.")


SEPARATED = {
    "semicolon, decimal comma": b"x;y\n1,5;2,25\n-3;4,0E-1\n",
    "semicolon, decimal point": b"x;y\n1.5;2.25\n-3;0.4\n",
    "semicolon, no header, crlf": b"1,5;2,25\r\n-3;0,4\r\n",
    "semicolon, quoted": b'"x";"y"\n"1,5";"2,25"\n-3;",4"\n',
    "semicolon, bom, blank lines": b"\xef\xbb\xbfx;y\n\n1,5 ; 2,25\n\n-3;0,4\n",
    "tab": b"x\ty\n1.5\t2.25\n-3\t0.4\n",
    "tab, decimal comma, crlf": b"x\ty\r\n1,5\t2,25\r\n-3\t0,4\r\n",
    "tab, swapped header": b"y\tx\n2.25\t1.5\n0.4\t-3\n",
    "comma, cr only": b"x,y\r1.5,2.25\r-3,0.4\r",
}


@pytest.mark.parametrize("name", list(SEPARATED))
def test_semicolons_tabs_and_decimal_commas(tmp_path, name):
    data = read_bytes(tmp_path, SEPARATED[name], "float64")
    assert points(data) == [(1.5, 2.25), (-3.0, 0.4)]


@pytest.mark.parametrize("name", ["semicolon, decimal comma", "semicolon, decimal point",
                                  "semicolon, no header, crlf", "tab",
                                  "tab, decimal comma, crlf", "tab, swapped header"])
def test_plain_files_take_the_fast_reader_whatever_the_separator_and_line_end(
        tmp_path, monkeypatch, name):
    from gdstudio.core.data import csv_read as csvread

    def careful(*args):
        raise AssertionError("the slow parser was used")

    monkeypatch.setattr(csvread, "_parse_careful", careful)
    assert points(read_bytes(tmp_path, SEPARATED[name], "float64")) == [(1.5, 2.25), (-3.0, 0.4)]
    lf = noisy_line(dtype="float64")
    text = "x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in points(lf))
    assert read_bytes(tmp_path, text.replace("\n", "\r\n").encode(), "float64") == lf


UNREADABLE = {
    # content: the message after the file name
    b"1 2\n3 4\n": ", line 1: '1 2' has no comma, semicolon or tab to separate x and y.",
    b"\n\nx\n1,2\n": ", line 3: 'x' has no comma, semicolon or tab to separate x and y.",
    b"x,y\n1;2\n": ", line 2: '1;2' has 1 cell(s) split at commas (the separator found on line "
                   "1); x and y need 2.",
    b"\nx;y\n1,5\n": ", line 3: '1,5' has 1 cell(s) split at semicolons (the separator found "
                     "on line 2); x and y need 2.",
    b"x;y\n1,5;2.5\n": ", line 2, column 2: '2.5' has a decimal point but '1,5' on line 2 has "
                       "a decimal comma; use one decimal mark.",
    b"x;y\n1.000,5;2\n": ", line 2, column 1: '1.000,5' is not a number (cells are split at "
                         "semicolons, found on line 1).",
    b'x,y\n"1,5",2\n': ", line 2, column 1: '1,5' is not a number (cells are split at commas, "
                       "found on line 1).",
    b"x,y\n1,\xd9\xa3\n": ", line 2, column 2: '\u0663' is not a number.",
}


@pytest.mark.parametrize("content", list(UNREADABLE))
def test_unreadable_files_say_which_separator_and_why(tmp_path, content):
    assert message(tmp_path, content) == UNREADABLE[content]


# --------------------------------------------------------------------------- underflow


@pytest.mark.parametrize("content", [b"x,y\n1,2\n1e-50,3\n", b"x;y\n1;2\n1e-50;3\n",
                                     b'x,y\n1,2\n"1e-50",3\n', b"x,y\r\n1,2\r\n1e-50,3\r\n"])
def test_values_that_underflow_float32_are_refused(tmp_path, content):
    assert message(tmp_path, content) == (
        ", line 3, column 1: 1e-50 is too small for float32: it would read as 0 (the smallest "
        "nonzero float32 is 1.4e-45); read it as float64 (gdstudio train --float64).")
    assert read_bytes(tmp_path, content, "float64").x.tolist() == [1.0, 1e-50]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("tiny", ["1e-400", "0." + "0" * 330 + "1", "0.00001e-320"])
def test_values_that_underflow_float64_are_refused(tmp_path, dtype, tiny):
    text = message(tmp_path, f"x,y\n0,1\n2,{tiny}\n".encode(), dtype)
    assert text.startswith(f", line 3, column 2: {tiny} is too small for {dtype}: it would "
                           "read as 0")


def test_zeros_and_nonzero_subnormals_are_kept(tmp_path):
    for content in (b"x,y\n1e-45,0\n-0.0e-999,0.000\n3e-39,5\n",
                    b"x,y\n1e-45,0\n-0.0e-999,0.000\n3e-39,5e0\n" + b"7,8\n" * 200):
        data = read_bytes(tmp_path, content)
        assert data.x.tolist()[:3] == [float(np.float32(1e-45)), -0.0, float(np.float32(3e-39))]
        assert np.signbit(data.x[1]) and data.y.tolist()[:3] == [0.0, 0.0, 5.0]


def test_values_that_overflow_suggest_float64(tmp_path):
    assert message(tmp_path, b"x,y\n1,1e39\n") == (
        ", line 2, column 2: 1e39 is too large for float32 (largest 3.40282e+38); read it as "
        "float64 (gdstudio train --float64).")
    assert message(tmp_path, b"x,y\n1,1e400\n", "float64") == (
        ", line 2, column 2: 1e400 is too large for float64 (largest 1.79769e+308).")


def test_generators_refuse_settings_that_underflow_float32():
    with pytest.raises(DataError, match=r"^slope 1e-50 is too small for float32: it would be 0"):
        noisy_line(slope=1e-50, noise=0.0)
    with pytest.raises(DataError, match=r"^noise 1e-50 is too small for float32"):
        random_line(noise=1e-50)
    with pytest.raises(DataError, match=r"^intercept -1e-46 is too small for float32"):
        noisy_line(intercept=-1e-46)
    assert noisy_line(slope=1e-50, noise=0.0, dtype="float64").y[0] == -5e-50
    # a nonzero subnormal is fine
    assert (noisy_line(slope=1e-45, noise=0.0, x_min=1.0, x_max=2.0).y != 0).all()


def test_generators_refuse_products_that_underflow():
    # slope and x are both fine in float32, but slope * x falls below 1.4e-45 for small x
    with pytest.raises(DataError, match="underflow float32"):
        random_line(n=1000, slope=1e-38, intercept=0.0, noise=0.0, x_min=0.0, x_max=1e-6)
    with pytest.raises(DataError, match="underflow float32"):
        random_line(n=1000, slope=1.0, noise=0.0, x_min=0.0, x_max=1e-44)
    # an underflow hidden by a larger intercept changes nothing and is not an error
    data = random_line(n=1000, slope=1e-38, intercept=1.0, noise=0.0, x_min=0.0, x_max=1e-6)
    assert (data.y == 1.0).all()


def test_generators_still_give_the_tutorial_bits():
    torch.manual_seed(0)
    X = torch.arange(-5, 5, 0.1).view(-1, 1)
    Y = -5 * X + 0.4 * torch.randn(X.size())
    data = noisy_line()
    assert data.x.tobytes() == X.view(-1).numpy().tobytes()
    assert data.y.tobytes() == Y.view(-1).numpy().tobytes()
    torch.manual_seed(3)
    X = -2.0 + (4.0 - -2.0) * torch.rand(50, 1)
    Y = 1.5 * X + 0.5 + 0.2 * torch.randn(X.size())
    data = random_line(50, 1.5, 0.5, 0.2, -2.0, 4.0, seed=3)
    assert data.x.tobytes() == X.view(-1).numpy().tobytes()
    assert data.y.tobytes() == Y.view(-1).numpy().tobytes()


@pytest.mark.parametrize("command", [Append(1e-50, 1.0), Append(2.0, -1e-46), Move(0, 1e-50, 1.0)])
def test_a_point_that_underflows_float32_is_refused(command):
    data = Dataset.from_points([(1.0, 2.0)])
    with pytest.raises(DataError, match="is too small for float32: a nonzero coordinate would "
                                        r"be stored as 0 \(the smallest nonzero float32 is "):
        command.apply(data)
    new, _ = command.apply(data.astype("float64"))
    assert len(new) >= 1
    kept, _ = Append(1e-45, 0.0).apply(data)  # a nonzero subnormal
    assert kept.x[-1] != 0
