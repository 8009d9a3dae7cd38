"""Pasting many rows reads them with the CSV file reader's fast parser: a million pasted
rows held the window for 10 to 14 s, where the same text read as a file took about 1 s (the
careful parser is 10 to 15 times slower; ``tests/bench/large.py`` measures both)."""

from __future__ import annotations

import numpy as np

from gdstudio.core.data import paste
from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.paste import parse_points


def test_a_large_paste_is_read_by_the_fast_parser_as_the_same_file(tmp_path, monkeypatch):
    rows = 300_000
    text = "x\ty\n" + "".join(f"{i}\t{i * 0.5}\n" for i in range(rows))
    path = tmp_path / "same.csv"
    path.write_text(text)
    from_file = read_dataset(path)

    fast, read_fast = [], paste._parse_fast

    def careful(*args, **kwargs):
        raise AssertionError("a plain pasted table went to the careful parser")

    monkeypatch.setattr(paste, "_parse_fast", lambda *a: fast.append(read_fast(*a)) or fast[-1])
    monkeypatch.setattr(paste, "_parse_careful", careful)
    pasted = parse_points(text)
    assert len(fast) == 1 and fast[0] is not None  # read by the fast parser, whole
    assert len(pasted) == rows
    np.testing.assert_array_equal(pasted.x, from_file.x)
    np.testing.assert_array_equal(pasted.y, from_file.y)


def test_a_pasted_decimal_comma_table_reads_as_a_file_reads_it(tmp_path):
    text = "1,5\t2,25\n-3\t4,125\n"
    (tmp_path / "t.csv").write_text(text)
    pasted, from_file = parse_points(text), read_dataset(tmp_path / "t.csv")
    np.testing.assert_array_equal(pasted.x, from_file.x)
    np.testing.assert_array_equal(pasted.y, [2.25, 4.125])
