"""Compact session columns (format version 2; no Qt): a damaged column is refused in one
line, progress is reported, a cancelled save leaves the old file, a cancelled open raises
SessionCancelled, and opening a million points holds at most three times the file's size."""

from __future__ import annotations

import base64
import json
import os
import tracemalloc
import zlib

import numpy as np
import pytest

from gdstudio.core.files.session import (
    RunRecord,
    Session,
    SessionCancelled,
    SessionError,
    session_chunks,
    write_session,
)
from gdstudio.core.files.session_read import PROGRESS_TOTAL, parse_session, read_session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.results import RunSummary


def _summary(n: int) -> RunSummary:
    return RunSummary(config=TrainConfig(), w=2.0, b=0.5, loss=0.25, epochs_done=n,
                      status="done", n_points=4, dtype="float32", init_w=0.0, init_b=0.0)


def _session(n: int = 4, epochs: int = 3) -> Session:
    x = np.linspace(-1, 1, n, dtype=np.float32)
    h = np.linspace(1.0, 0.1, epochs)
    run = RunRecord(_summary(epochs), h, 2 * h, -h, path=np.column_stack([h, h]), key=1,
                    label="#1", color="#1f77b4")
    return Session(x, 2 * x + 1, "float32", runs=[run], next_run=2)


def _doc(session: Session | None = None) -> dict:
    return json.loads("".join(session_chunks(session or _session())))


def _column(values: np.ndarray) -> dict:
    raw = np.ascontiguousarray(values).tobytes()
    kind = "float32" if values.dtype == np.float32 else "float64"
    return {"type": kind, "count": int(values.size), "crc32": zlib.crc32(raw),
            "base64": base64.b64encode(raw).decode()}


def _nan_x(d):
    x = np.array([0.0, 1.0, np.nan, 3.0], np.float32)
    d["data"]["x"] = _column(x)


def _flip(d):  # one character changed: still base64, still the length, not the numbers
    text = d["data"]["y"]["base64"]
    d["data"]["y"]["base64"] = ("B" if text[0] != "B" else "C") + text[1:]


def _path(d) -> dict:
    return d["runs"][0]["path"]


DAMAGE = [
    (lambda d: d["data"]["x"].update(base64=d["data"]["x"]["base64"][:-4]),
     r"data.x.base64: holds 15 bytes; 4 float32 numbers are 16 bytes \(the file is cut short"),
    (lambda d: d["data"]["x"].update(base64=d["data"]["x"]["base64"][:-1]),
     r"data.x.base64: is not whole base64"),
    (lambda d: d["data"]["x"].update(count=5), r"data.x.base64: holds 16 bytes; 5 float32"),
    (lambda d: d["data"]["y"].update(count=3), "data.y: has 3 numbers; 4 expected"),
    (_flip, r"data.y: the checksum \(crc32\) does not match its numbers: the file is damaged"),
    (lambda d: d["data"]["x"].update(base64="!" + d["data"]["x"]["base64"][1:]),
     r"data.x.base64: is not valid base64 \(the file is damaged\)"),
    (lambda d: d["data"]["x"].update(base64="é" + d["data"]["x"]["base64"][1:]),
     r"data.x.base64: is not valid base64"),
    (_nan_x, r"data.x\[2\]: must be a finite number"),
    (lambda d: d["runs"][0]["history"].update(loss=_column(np.array([1.0, np.inf, 2.0]))),
     r"runs\[0\].history.loss\[1\]: must be a finite number"),
    (lambda d: d["runs"][0]["history"].update(w=_column(np.zeros(2))),
     r"runs\[0\].history.w: has 2 numbers; 3 expected"),
    (lambda d: _path(d).update(b=_column(np.zeros(4))), r"runs\[0\].path.b: has 4 numbers"),
    (lambda d: d["data"]["x"].update(type="int8"), "data.x.type: must be one of float32, "),
    (lambda d: d["data"]["x"].update(count=-4), "data.x.count: must be a whole number"),
    (lambda d: d["data"]["x"].update(count=True), "data.x.count: must be a whole number"),
    (lambda d: d["data"]["x"].update(crc32="abc"), "data.x.crc32: must be a whole number"),
    (lambda d: d["data"]["x"].update(crc32=2**32), "data.x.crc32: must be a whole number"),
    (lambda d: d["data"]["x"].pop("crc32"), "data.x.crc32: is missing"),
    (lambda d: d["data"]["x"].update(base64=[1, 2]), "data.x.base64: must be a text"),
    (lambda d: d["data"]["x"].update(zlib=True), "data.x: a compact column has the keys "
     "type, count, crc32, base64; 'zlib' is not one of them"),
    (lambda d: d["data"].update(x=_column(np.array([1e39, 0, 0, 0]))),
     r"data.x\[0\]: 1e\+39 is beyond float32's range"),
    (lambda d: d["data"].update(x=_column(np.array([1e-50, 0, 0, 0]))),
     r"data.x\[0\]: 1e-50 is too small for float32"),
]


@pytest.mark.parametrize(("damage", "message"), DAMAGE)
def test_a_damaged_compact_column_is_refused_in_one_line(tmp_path, damage, message):
    doc = _doc()
    damage(doc)
    path = tmp_path / "s.gdstudio"
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=message) as info:
        read_session(path)
    text = str(info.value)
    assert text.startswith(str(path)) and "\n" not in text and len(text) < 300


def test_a_truncated_compact_file_is_refused_in_one_line(tmp_path):
    text = "".join(session_chunks(_session(50_000)))
    path = tmp_path / "s.gdstudio"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(SessionError, match="is not a complete session file") as info:
        read_session(path)
    assert "\n" not in str(info.value)


def test_float64_columns_of_float32_data_and_float32_histories_read_exactly():
    """A column may be of either type: a float64 column of float32 data is checked as a
    list would be; a float32 history widens to float64 exactly."""
    doc = _doc()
    x = np.array([0.5, -1.25, 3.0, 0.1], np.float64)
    doc["data"]["x"] = _column(x)
    h = np.array([0.1, 0.2, 0.3], np.float32)
    doc["runs"][0]["history"]["loss"] = _column(h)
    back = parse_session(json.dumps(doc))
    assert back.x.dtype == np.float32 and back.x.tobytes() == x.astype(np.float32).tobytes()
    loss = back.runs[0].loss
    assert loss.dtype == np.float64 and loss.tobytes() == h.astype(np.float64).tobytes()


def test_saving_and_opening_report_progress(tmp_path):
    session = _session(300_000, 50_000)
    path = tmp_path / "s.gdstudio"
    saved: list[tuple[int, int]] = []
    write_session(path, session, progress=lambda d, t: saved.append((d, t)))
    total = 2 * 300_000 * 4 + 3 * 50_000 * 8 + 2 * 50_000 * 8
    assert len(saved) > 3 and saved[-1] == (total, total)
    assert all(t == total for _, t in saved) and [d for d, _ in saved] == sorted(
        d for d, _ in saved)
    opened: list[tuple[int, int]] = []
    read_session(path, progress=lambda d, t: opened.append((d, t)))
    done = [d for d, _ in opened]
    assert len(opened) >= 5 and done == sorted(done) and done[0] > 0
    assert opened[-1] == (PROGRESS_TOTAL, PROGRESS_TOTAL)


def test_a_cancelled_save_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "s.gdstudio"
    write_session(path, _session(4))
    before = path.read_bytes()
    reports: list[int] = []
    with pytest.raises(SessionCancelled):
        write_session(path, _session(1_000_000), progress=lambda d, t: reports.append(d),
                      cancelled=lambda: len(reports) >= 2)
    assert len(reports) == 2  # (it stopped midway, not at the end)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["s.gdstudio"]


def test_a_cancelled_open_raises_and_returns_nothing(tmp_path):
    path = tmp_path / "s.gdstudio"
    write_session(path, _session(100_000, 100))
    reports: list[int] = []
    with pytest.raises(SessionCancelled):
        read_session(path, progress=lambda d, t: reports.append(d),
                     cancelled=lambda: len(reports) >= 2)
    assert 0 < reports[-1] < PROGRESS_TOTAL


def test_a_cancel_before_the_first_byte_writes_nothing(tmp_path):
    path = tmp_path / "new.gdstudio"
    with pytest.raises(SessionCancelled):
        write_session(path, _session(), cancelled=lambda: True)
    assert os.listdir(tmp_path) == []


def test_opening_a_million_points_holds_at_most_three_times_the_file(tmp_path):
    """Peak memory (bytes allocated, tracemalloc) while a session of 10^6 float32 points
    and a 10^5-epoch history is read: at most 3x the file's size (it was 9.5x with
    numbers as JSON text)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=1_000_000).astype(np.float32)
    h = rng.random(100_000)
    run = RunRecord(_summary(len(h)), h, h, h, key=1, label="#1", color="#1f77b4")
    path = tmp_path / "big.gdstudio"
    write_session(path, Session(x, 2 * x, "float32", runs=[run], next_run=2))
    size = path.stat().st_size
    del x, h, run
    tracemalloc.start()
    try:
        back = read_session(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(back.x) == 1_000_000 and len(back.runs[0].loss) == 100_000
    assert peak <= 3 * size, f"peak {peak:,} bytes for a file of {size:,}"


def test_the_guide_example_column_reads_as_it_says():
    from gdstudio.core.files.session_columns import read_column
    from tests.paths import ROOT

    page = (ROOT / "resources" / "guide" / "sessions-and-lessons.md").read_text("utf-8")
    block = page.split("## Session files\n", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    column = json.loads("{" + block + "}")["x"]
    values = read_column(dict(column), "x")
    assert values.dtype == np.float32 and values.tolist() == [1.5, -2.25, 2.5]
    assert np.frombuffer(base64.b64decode(column["base64"]), "<f4").tolist() == [1.5, -2.25,
                                                                                 2.5]


@pytest.mark.parametrize("where", ["before", "between", "after"])
def test_a_number_that_reads_as_zero_is_refused_around_compact_columns(where):
    """The search for such numbers skips the base64 texts, and nothing else: one before
    the first column, between two, or after the last is still refused."""
    text = json.dumps(_doc())
    tiny = "1e-400"
    if where == "before":
        text = text.replace('"saved_by": ""', f'"saved_by": "", "extra": {tiny}', 1)
    elif where == "between":
        text = text.replace('"y": {', f'"z": {tiny}, "y": {{', 1)
    else:
        text = text.replace('"init_w": 0.0', f'"init_w": {tiny}', 1)
    assert tiny in text
    with pytest.raises(SessionError, match="1e-400 is too small for float64"):
        parse_session(text)
