"""Session files (no Qt): the round trip is exact, and a damaged, truncated, future-version
or hostile file raises one SessionError and nothing else (fuzzed as the CSV reader is)."""

from __future__ import annotations

import json
import os
import stat
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdstudio.core.files.lesson_rules import LESSON_CONTROLS, Lesson
from gdstudio.core.files.session import (
    LINE_VERSION,
    MAX_SESSION_BYTES,
    VERSION,
    RunRecord,
    Session,
    SessionError,
    session_chunks,
    write_session,
)
from gdstudio.core.files.session_read import parse_session, read_session
from gdstudio.core.models.line.optimum import Optimum
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import SETTINGS
from gdstudio.core.training.control import EpochProgress
from gdstudio.core.training.results import RunSummary
from tests.paths import ROOT

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def awkward_floats(n: int, seed: int) -> np.ndarray:
    """Floats whose shortest text is long, subnormals, huge and tiny values."""
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**63, n, dtype=np.uint64)
    values = bits.view(np.float64)
    values = np.where(np.isfinite(values), values, 0.1)
    values[:4] = [5e-324, -1.7976931348623157e308, 0.1 + 0.2, -0.0]
    return values


def summary(config: TrainConfig, n: int, status="done", **changes) -> RunSummary:
    base = RunSummary(
        config=config, w=-4.9999999999999991, b=0.012345678901234568, loss=0.1 + 0.2,
        epochs_done=n, status=status, n_points=5, dtype="float32", init_w=-10.0, init_b=-20.0,
        optimum=Optimum(-5.0, 0.01, 0.3, loss_fn="mse", note="n"),
        lsq=Optimum(None, None, 2.5, unique=False, description="every line through (0, 0)"),
        name="run 1", data_changed=True, w_std=None, b_std=None)
    import dataclasses

    return dataclasses.replace(base, **changes)


def full_session() -> Session:
    config = TrainConfig(method="minibatch", impl="module", optimizer="adam",
                         learning_rate=0.012345678901234567, batch_size=3, init_w=None,
                         init_b=None, beta1=0.8, eps=1e-7, loss="huber", huber_delta=0.25)
    h = awkward_floats(30, 1)
    kept = RunRecord(summary(config, 10), h[:10], h[10:20], h[20:30],
                     path=np.column_stack([h[:7], h[7:14]]), key=2, label="#2 adam",
                     color="#1f77b4", visible=False, stale=True)
    current = RunRecord(
        summary(TrainConfig(), 3, status="stopped",
                partial=EpochProgress(3, 41, 100, 1.5, -2.25), loss="", w_std=0.5,
                b_std=-1e-300), h[:3], h[3:6], h[6:9], path=None, init=(-10.0, -20.0),
        samples_per_epoch=5, updates_per_epoch=1, stale=False, kept=False)
    x = np.array([1.5, -2.25, 3.4028234663852886e38, 1e-45, 0.1], np.float32)
    return Session(x, x[::-1].copy(), "float32", config,
                   {"log_scale": True, "show_optimum": False, "landscape": True,
                    "curvature": True, "other_landscape": False, "log_odds": True,
                    "jitter": False, "residuals": "squares",
                    "presentation": False,
                    "speed": 0},
                   [kept], current, 5,
                   Lesson("Learning rates", ("method", "generate"), ("optimizer",), True))


def session_text(session: Session, compact: bool = True) -> str:
    """The text of ``session`` as this studio writes it, or (``compact=False``) as format
    version 1 did: every number a JSON list entry."""
    return "".join(session_chunks(session, "test", compact))


def assert_same(a: Session, b: Session) -> None:
    assert a.dtype == b.dtype
    for u, v in ((a.x, b.x), (a.y, b.y)):
        assert u.dtype == v.dtype and u.tobytes() == v.tobytes()
    assert a.settings == b.settings and a.view == b.view and a.next_run == b.next_run
    assert a.lesson == b.lesson
    assert len(a.runs) == len(b.runs)
    for r, s in zip([*a.runs, a.current], [*b.runs, b.current], strict=True):
        if r is None:
            assert s is None
            continue
        for name in ("loss", "w", "b"):  # float64, bit for bit (-0.0 and subnormals too)
            assert getattr(r, name).tobytes() == getattr(s, name).tobytes()
        assert (r.path is None) == (s.path is None)
        if r.path is not None:
            assert r.path.tobytes() == s.path.tobytes()
        assert r.summary == s.summary
        for name in ("key", "label", "color", "visible", "stale", "init",
                     "samples_per_epoch", "updates_per_epoch", "kept"):
            assert getattr(r, name) == getattr(s, name)


def test_round_trip_is_exact(tmp_path):
    session = full_session()
    path = tmp_path / "lesson.gdstudio"
    write_session(path, session, "test")
    back = read_session(path)
    assert_same(session, back)
    assert back.ignored == []
    doc = json.loads(path.read_text())
    assert doc["format"] == "gdstudio-session" and doc["version"] == LINE_VERSION == 2
    assert list(doc["settings"]) == [s.name for s in SETTINGS]
    assert doc["data"]["x"]["type"] == "float32" and doc["data"]["x"]["count"] == 5
    assert doc["runs"][0]["history"]["loss"]["type"] == "float64"


def test_old_format_files_still_open_exactly(tmp_path):
    """A file of format version 1 (every number a JSON list entry) opens as it always did."""
    session = full_session()
    text = session_text(session, compact=False)
    doc = json.loads(text)
    assert doc["version"] == 1 and isinstance(doc["data"]["x"], list)
    assert isinstance(doc["runs"][0]["history"]["w"], list)
    path = tmp_path / "old.gdstudio"
    path.write_text(text)
    assert_same(session, read_session(path))


def test_a_version_one_file_written_by_hand_opens(tmp_path):
    path = tmp_path / "hand.gdstudio"
    path.write_text('{"format": "gdstudio-session", "version": 1, "data": {"dtype": '
                    '"float64", "x": [0.1, 2, -3.5e-7], "y": [1e300, 0.2, -0.0]}}')
    back = read_session(path)
    assert back.x.dtype == np.float64 and back.x.tolist() == [0.1, 2.0, -3.5e-7]
    assert back.y.tobytes() == np.array([1e300, 0.2, -0.0]).tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_columns_round_trip_bit_for_bit(tmp_path, dtype):
    """Every bit pattern of a finite float (subnormals, -0.0, the extremes), in data of
    either type and in long histories: the compact columns keep them all."""
    rng = np.random.default_rng(3)
    if dtype == "float64":
        x = rng.integers(0, 2**63, 300_001, dtype=np.uint64).view(np.float64)
    else:
        x = rng.integers(0, 2**31, 300_001, dtype=np.uint32).view(np.float32)
    x = -np.where(np.isfinite(x), x, x.dtype.type(0.0))  # (one sign: a span beyond float64
    x[:3] = [-0.0, -np.finfo(x.dtype).smallest_subnormal, -np.finfo(x.dtype).max]  # refused)
    h = awkward_floats(200_000, 9)
    run = RunRecord(summary(TrainConfig(), len(h)), h, h[::-1].copy(), -h,
                    path=np.column_stack([h[:1000], h[1000:2000]]), key=1, label="#1",
                    color="#123456")
    session = Session(x, np.abs(x), dtype, runs=[run], next_run=2)
    path = tmp_path / "big.gdstudio"
    write_session(path, session)
    assert_same(session, read_session(path))


def test_float64_data_round_trips_exactly(tmp_path):
    # all of one sign (y the other): a span beyond float64 is refused (test_data_span.py)
    x = -np.abs(awkward_floats(1000, 7))
    session = Session(x, -x, "float64")
    write_session(tmp_path / "s.gdstudio", session)
    back = read_session(tmp_path / "s.gdstudio")
    assert back.x.dtype == np.float64 and back.x.tobytes() == x.tobytes()
    assert back.y.tobytes() == (-x).tobytes()


@pytest.mark.parametrize("where", ["x", "loss", "path"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_numbers_are_refused_and_nothing_is_written(tmp_path, where, bad):
    session = full_session()
    if where == "x":
        session.x = session.x.astype(np.float64)
        session.dtype = "float64"
        session.x[2] = bad
    elif where == "loss":
        session.runs[0].loss[5] = bad
    else:
        session.runs[0].path[3, 1] = bad
    path = tmp_path / "s.gdstudio"
    path.write_text("old")
    with pytest.raises(SessionError, match="not a finite number"):
        write_session(path, session)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["s.gdstudio"]


def test_settings_are_written_from_the_description(tmp_path, monkeypatch):
    """A setting added to the description later is saved and read with no other change;
    a file without it (older) gives its default; an unknown one (newer) is ignored and
    named."""
    doc = json.loads(session_text(full_session()))
    del doc["settings"]["beta2"]
    doc["settings"]["tolerance"] = 1e-6
    doc["view"]["grid"] = True
    doc["extra"] = {"anything": [1, 2]}
    back = parse_session(json.dumps(doc))
    assert back.settings.beta2 == TrainConfig().beta2
    assert back.ignored == ["settings.tolerance", "view.grid", "extra"]


def _write(tmp_path, doc) -> str:
    path = tmp_path / "s.gdstudio"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def _doc():
    """A version 1 document (its numbers in lists)."""
    return json.loads(session_text(full_session(), compact=False))


BAD = [
    (lambda d: d.update(version=VERSION + 1), "newer Gradient Descent Studio"),
    (lambda d: d.update(version="1"), "version: must be a whole number"),
    (lambda d: d.pop("format"), "not a Gradient Descent Studio session"),
    (lambda d: d["data"]["x"].pop(), "data.y: has 5 numbers; 4 expected"),
    (lambda d: d["data"]["x"].__setitem__(1, "1.5"), r"data.x\[1\]: must be a number"),
    (lambda d: d["data"]["x"].__setitem__(1, True), r"data.x\[1\]: must be a number"),
    (lambda d: d["data"]["x"].__setitem__(1, 1e39), r"data.x\[1\]: 1e\+39 is beyond float32"),
    (lambda d: d["data"].update(dtype="int8"), "data.dtype: must be one of"),
    (lambda d: d["settings"].update(learning_rate=-1), "settings.learning_rate: the learning"),
    (lambda d: d["settings"].update(epochs=2.5), "settings.epochs"),
    (lambda d: d["settings"].update(method="newton"), "settings.method: unknown method"),
    (lambda d: d["runs"][0]["history"]["w"].pop(), "runs.0..history.w|runs\\[0\\].history.w"),
    (lambda d: d["runs"][0]["history"]["loss"].__setitem__(2, 10**400),
     r"runs\[0\].history.loss\[2\]"),
    (lambda d: d["runs"][0].update(color="red; rm -rf /"), r"runs\[0\].color"),
    (lambda d: d["runs"][0].pop("key"), r"runs\[0\].key: is missing"),
    (lambda d: d["runs"][0].update(label='<img src="/etc/passwd">'), "must be plain text"),
    (lambda d: d["runs"].append(d["runs"][0]), "same key"),
    (lambda d: d["runs"][0]["summary"].update(status="running"), "status"),
    (lambda d: d["runs"][0]["summary"].update(epochs_done=11), "the history has 10 epochs"),
    (lambda d: d.update(next_run=1), "next_run"),
    (lambda d: d["view"].update(residuals="circles"), "view.residuals"),
    (lambda d: d["view"].update(speed=-1), "view.speed"),
    (lambda d: d["lesson"]["locked"].append("self_destruct"),
     "unknown control 'self_destruct'"),
    (lambda d: d["lesson"].update(presentation="yes"), "presentation"),
    (lambda d: d["lesson"].update(title="<a href='x'>click</a>"), "plain text"),
    (lambda d: d["current"].pop("init"), r"current.init: is missing"),
    (lambda d: d.update(data=[1, 2]), "data: must be an object"),
]


@pytest.mark.parametrize(("damage", "message"), BAD)
def test_each_damage_has_one_clear_message(tmp_path, damage, message):
    doc = _doc()
    damage(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(SessionError, match=message) as info:
        read_session(path)
    text = str(info.value)
    assert text.startswith(path) and "nan" not in text.lower().split() and "inf" not in text


@pytest.mark.parametrize("text", [
    "", "{", "[]", "null", '{"format": "gdstudio-session", "version": 1}',
    '{"format": "gdstudio-session", "version": 1, "data": {"dtype": "float32", "x": [NaN], '
    '"y": [1]}}',
    '{"format": "gdstudio-session", "version": 1, "data": {"dtype": "float32", "x": [Infinity]'
    ', "y": [1]}}',
    '{"format": "gdstudio-session", "format": "gdstudio-session", "version": 1}',
    "[" * 100_000 + "]" * 100_000,
    '{"format": "gdstudio-session", "version": 1, "data": {"dtype": "float32", "x": [1' +
    "0" * 5000 + '], "y": [1]}}',
    "\ufeff" + '{"format": "gdstudio-session", "version": 99}',
])
def test_hostile_texts(tmp_path, text):
    with pytest.raises(SessionError):
        read_session(_write(tmp_path, text))


def test_files_that_are_no_sessions(tmp_path):
    folder = tmp_path / "folder.gdstudio"
    folder.mkdir()
    with pytest.raises(SessionError, match="is a folder, not a session file"):
        read_session(folder)
    fifo = tmp_path / "pipe.gdstudio"
    os.mkfifo(fifo)
    with pytest.raises(SessionError, match="named pipe"):
        read_session(fifo)
    link = tmp_path / "dev.gdstudio"
    os.symlink("/dev/zero", link)
    assert stat.S_ISCHR(os.stat(link).st_mode)
    with pytest.raises(SessionError, match="character device"):
        read_session(link)
    with pytest.raises(SessionError, match="no such file"):
        read_session(tmp_path / "missing.gdstudio")
    binary = tmp_path / "bin.gdstudio"
    binary.write_bytes(struct.pack("<4d", 1, 2, 3, 4))
    with pytest.raises(SessionError, match="binary"):
        read_session(binary)
    big = tmp_path / "big.gdstudio"
    with open(big, "wb") as f:
        f.truncate(MAX_SESSION_BYTES + 1)  # sparse: no disk used
    with pytest.raises(SessionError, match="largest session file read is 1,073,741,824"):
        read_session(big)


def test_writing_refuses_devices_and_folders_and_writes_through_links(tmp_path):
    session = full_session()
    with pytest.raises(SessionError, match=r"Could not write|folder"):
        write_session(tmp_path, session)
    target = tmp_path / "real.gdstudio"
    target.write_text("old")
    link = tmp_path / "link.gdstudio"
    os.symlink(target, link)
    write_session(link, session)
    assert os.path.islink(link) and read_session(target).next_run == 5
    dev = tmp_path / "null.gdstudio"
    os.symlink("/dev/null", dev)
    with pytest.raises(SessionError):
        write_session(dev, session)
    assert os.path.islink(dev) and stat.S_ISCHR(os.stat(dev).st_mode)


VALID = session_text(full_session(), compact=False).encode()
VALID_COMPACT = session_text(full_session()).encode()


@FUZZ
@given(data=st.data(), valid=st.sampled_from([VALID, VALID_COMPACT]))
def test_mutated_files_raise_only_session_errors(data, valid):
    """Random truncations, byte flips, insertions and deletions of a valid file (of either
    format) either read as a checked session or raise SessionError, never anything else."""
    raw = bytearray(valid)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        i = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "truncate":
            raw = raw[:i]
        elif kind == "flip" and raw:
            raw[i] = data.draw(st.integers(0, 255))
        elif kind == "insert":
            raw[i:i] = data.draw(st.sampled_from(
                [b"NaN", b"1e999", b"-", b'"', b"{", b"]", b",", b"null", b"true", b"\xff",
                 b"99999999999999999999999", b"\x00", b'"x":1,']))
        elif raw:
            del raw[i:i + data.draw(st.integers(1, 20))]
    try:
        session = parse_session(bytes(raw))
    except SessionError as exc:
        assert str(exc)
        return
    assert np.isfinite(session.x).all() and len(session.x) == len(session.y)


@FUZZ
@given(value=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False,
                                                          allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20),
    key=st.sampled_from(["data", "settings", "view", "runs", "current", "lesson",
                         "next_run", "version"]),
    valid=st.sampled_from([VALID, VALID_COMPACT]))
def test_any_json_in_any_key_raises_only_session_errors(value, key, valid):
    doc = json.loads(valid)
    doc[key] = value
    try:
        parse_session(json.dumps(doc))
    except SessionError:
        pass


def test_every_lesson_control_name_is_known():
    assert len(set(LESSON_CONTROLS)) == len(LESSON_CONTROLS)
    assert {"learning_rate", "optimizer", "generate", "point_editing"} <= set(LESSON_CONTROLS)


def test_the_lesson_groups_hold_every_lesson_control_exactly_once():
    """File ▸ Save as lesson shows the controls by group: none left out, none twice; the
    settings by their kind (choices and switches: the method; numbers: hyperparameters)."""
    from gdstudio.core.files.lesson_rules import LESSON_GROUPS
    from gdstudio.core.settings.description import SETTINGS

    grouped = [name for _, names in LESSON_GROUPS for name in names]
    assert sorted(grouped) == sorted(LESSON_CONTROLS)
    groups = dict(LESSON_GROUPS)
    for s in SETTINGS:
        assert s.name in groups["Method" if s.kind in ("choice", "bool") else
                                "Hyperparameters"], s.name


def lesson_files_section() -> str:
    """The guide's section on lesson files (resources/guide/sessions-and-lessons.md)."""
    page = (ROOT / "resources" / "guide" / "sessions-and-lessons.md").read_text(encoding="utf-8")
    return page.split("## Lesson files\n", 1)[1].split("\n## ", 1)[0]


def test_the_guide_lesson_example_is_a_valid_lesson():

    from gdstudio.core.files.lesson_rules import lesson_from_json

    block = lesson_files_section().split("```json", 1)[1].split("```", 1)[0]
    lesson = lesson_from_json(json.loads("{" + block + "}")["lesson"])
    assert lesson.presentation and "learning_rate" not in lesson.locked
    assert "settings_panel" not in lesson.hidden  # (that would hide the learning rate too)


def test_the_guide_names_every_lesson_control():
    """The error for an unknown control name sends the teacher to this list."""
    from gdstudio.core.files.lesson_rules import OTHER_CONTROLS

    section = lesson_files_section()
    assert [name for name in OTHER_CONTROLS if f"`{name}`" not in section] == []


KEEP_SAVING = r"""
import sys
import numpy as np
from gdstudio.core.files.session import Session, write_session
x = np.arange(300_000, dtype=np.float64) * 0.1
n = 0
while True:
    write_session(sys.argv[1], Session(x + n, x, "float64"))
    print(n, flush=True)
    n += 1
"""


@pytest.mark.timeout(300)
def test_a_save_killed_midway_leaves_a_whole_session(tmp_path):
    """SIGKILL at random moments of saving: the file is always a whole session (the one
    before or the one being saved), never a torn one."""
    import random
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "s.gdstudio"
    rng = random.Random(5)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-c", KEEP_SAVING, str(path)], env=env,
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # one save done
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        session = read_session(path)
        assert len(session.x) == 300_000 and float(session.x[0]).is_integer()
        assert session.y[-1] == 299_999 * 0.1


# --------------------------------------------------------------------------- issue 16's attacks

MORE_BAD = [
    # a float32 value that would read as 0: refused as a CSV file and a paste refuse it
    (lambda d: d["data"]["x"].__setitem__(1, 1e-46),
     r"data.x\[1\]: 1e-46 is too small for float32: it would read as 0 \(the smallest "
     r"nonzero float32 is 1.4e-45\)$"),
    (lambda d: d["data"]["y"].__setitem__(0, -7e-46), r"data.y\[0\]: -7e-46 is too small"),
    # a partial epoch past its own end, or of no updates
    (lambda d: d["current"]["summary"]["partial"].update(done=101),
     r"current.summary.partial.done: must be a whole number from 1 to 100$"),
    (lambda d: d["current"]["summary"]["partial"].update(done=0),
     r"current.summary.partial.done: must be a whole number from 1 to 100$"),
    (lambda d: d["current"]["summary"]["partial"].update(total=0, done=0),
     r"current.summary.partial.total: must be a whole number from 1"),
    # a kept run's optimum with a Huber delta of no size, or a negative loss
    (lambda d: d["runs"][0]["summary"]["optimum"].update(huber_delta=-1.0),
     r"runs\[0\].summary.optimum.huber_delta: must be a number above 0, got -1.0$"),
    (lambda d: d["runs"][0]["summary"]["lsq"].update(huber_delta=0),
     r"runs\[0\].summary.lsq.huber_delta: must be a number above 0, got 0.0$"),
    (lambda d: d["runs"][0]["summary"]["optimum"].update(loss=-0.5),
     r"runs\[0\].summary.optimum.loss: must not be negative, got -0.5$"),
]


@pytest.mark.parametrize(("damage", "message"), MORE_BAD)
def test_values_the_studio_never_writes_are_refused_in_one_line(tmp_path, damage, message):
    doc = _doc()
    damage(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(SessionError, match=message) as info:
        read_session(path)
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


def test_a_float32_value_that_reads_as_0_is_refused_like_a_csv_file(tmp_path):
    from gdstudio.core.data.csv_read import read_dataset
    from gdstudio.core.errors import DataError

    csv = tmp_path / "tiny.csv"
    csv.write_text("x,y\n1,2\n1e-46,3\n")
    with pytest.raises(DataError, match="1e-46 is too small for float32: it would read as 0"):
        read_dataset(str(csv))
    doc = _doc()
    doc["data"]["x"][1] = 1e-46
    with pytest.raises(SessionError, match="1e-46 is too small for float32: it would read as 0"):
        read_session(_write(tmp_path, doc))
    doc["data"]["x"][1] = 1e-45  # the nearest float32 is a nonzero subnormal: kept
    assert read_session(_write(tmp_path, doc)).x[1] == np.float32(1e-45) != 0


def test_a_float64_number_that_reads_as_0_is_refused(tmp_path):
    doc = _doc()
    doc["data"]["dtype"] = "float64"
    text = json.dumps(doc).replace('"x": [1.5,', '"x": [1e-400,', 1)
    assert "1e-400" in text
    with pytest.raises(SessionError, match=r"1e-400 is too small for float64: it would read "
                                           r"as 0 \(the smallest nonzero float64 is 4.9e-324\)"):
        read_session(_write(tmp_path, text))
    text = text.replace("1e-400", "0e-400").replace("[1.5,", "[0.0,")
    assert read_session(_write(tmp_path, text)).x[0] == 0  # a zero written long is a zero


@pytest.mark.parametrize("version", [10**3999 + 7, 2**64, 1_000_000],
                         ids=["4,000 digits", "2**64", "a million"])
def test_a_huge_version_gives_a_short_message(tmp_path, version):
    doc = _doc()
    doc["version"] = version
    with pytest.raises(SessionError, match="written by a newer Gradient Descent Studio") as info:
        read_session(_write(tmp_path, doc))
    assert len(str(info.value)) < 250 and "\n" not in str(info.value)


def test_an_unknown_key_is_named_shortly(tmp_path):
    doc = _doc()
    doc["settings"]["k" * 100_000] = 1
    doc["view"]["two\nlines"] = 1
    back = read_session(_write(tmp_path, doc))
    assert back.ignored == ["settings." + "k" * 40 + "…", "view.two?lines"]


def test_standardize_kept_while_the_bias_is_off_saves_and_opens(tmp_path):
    """The studio keeps the Standardize box as set while the bias is off (it does not apply
    then): a session and a recovery file holding that open again as they were saved."""
    session = full_session()
    session.settings = TrainConfig(standardize=True, fit_bias=False)
    path = tmp_path / "s.gdstudio"
    write_session(path, session)
    back = read_session(path)
    assert back.settings == session.settings
    doc = _doc()
    doc["settings"].update(standardize=True, fit_bias=True, init_w=1.0, init_b=2.0)
    assert read_session(_write(tmp_path, doc)).settings.standardize  # (with the bias: as ever)
