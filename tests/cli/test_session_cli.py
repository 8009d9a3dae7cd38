"""``gdstudio train --session FILE.gdstudio``: a session's data trained with its settings,
headless, exactly as ``gdstudio train`` trains the same data with the same flags; a file that
cannot be used is one line on stderr and exit code 2, and no output is written."""

from __future__ import annotations

import base64
import json
import textwrap

import numpy as np
import pytest

from gdstudio.cli.main import main
from gdstudio.core.files.lesson_rules import Lesson
from gdstudio.core.files.session import VERSION, Session, write_session
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import SETTINGS
from tests import forked
from tests.paths import ROOT

#: Settings far from the defaults: mini-batches shuffled from a seed, Adam on the Huber loss,
#: a start drawn from the seed, a step schedule and a stop rule.
ADAM = TrainConfig(method="minibatch", impl="module", optimizer="adam", loss="huber",
                   learning_rate=0.05, epochs=9, batch_size=3, init_w=None, init_b=None,
                   seed=11, shuffle=True, beta1=0.8, eps=1e-7, huber_delta=0.5,
                   lr_schedule="step", lr_step_size=2, lr_gamma=0.75, tol=1e-12)
PLAIN = TrainConfig(method="sgd", impl="analytic", learning_rate=0.01, epochs=4,
                    init_w=0.5, init_b=-0.25, fit_bias=True, standardize=True)


def flags_of(config: TrainConfig) -> list[str]:
    """The ``gdstudio train`` flags that give ``config``."""
    out = []
    for s in SETTINGS:
        value = getattr(config, s.name)
        if s.kind == "bool":
            if (not value) if s.cli_inverted else value:
                out.append(s.flag)
        elif value is not None:
            out += [s.flag, repr(value) if s.kind == "float" else str(value)]
    return out


def points(dtype: str):
    rng = np.random.default_rng(5)
    x = rng.uniform(-3, 7, 23).astype(dtype)
    y = (2.5 * x - 1.25 + rng.normal(0, 0.5, 23)).astype(dtype)
    x[0] = np.finfo(dtype).smallest_subnormal  # kept, as a CSV file keeps it
    return x, y


def session_and_csv(tmp_path, dtype="float32", config=ADAM, lesson=None):
    x, y = points(dtype)
    session = tmp_path / "lesson.gdstudio"
    write_session(session, Session(x, y, dtype, config, lesson=lesson))
    data = tmp_path / "data.csv"
    data.write_text("x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n"
                                       for a, b in zip(x, y, strict=True)))
    return str(session), str(data)


def run(tmp_path, name: str, *args: str) -> dict[str, bytes]:
    """Train with ``args`` writing every output under ``name``; the outputs' bytes."""
    outputs = {"--history": f"{name}_history.csv", "--params": f"{name}_params.csv",
               "--script": f"{name}_run.py", "--figure": f"{name}_figure.svg"}
    argv = ["train", *args, "--quiet"]
    for flag, file in outputs.items():
        argv += [flag, str(tmp_path / file)]
    assert main(argv) == 0
    return {flag: (tmp_path / file).read_bytes() for flag, file in outputs.items()}


@pytest.mark.parametrize(("dtype", "config"), [("float32", ADAM), ("float64", PLAIN)])
def test_a_session_trains_as_its_data_and_flags_do_bit_for_bit(tmp_path, dtype, config):
    session, data = session_and_csv(tmp_path, dtype, config)
    wide = ["--float64"] if dtype == "float64" else []
    mine = run(tmp_path, "session", "--session", session)
    theirs = run(tmp_path, "data", "--data", data, *wide, *flags_of(config))
    assert mine["--history"] == theirs["--history"]
    assert mine["--params"] == theirs["--params"]
    assert mine["--script"] == theirs["--script"]
    # the figure names its own files nowhere: the same picture
    assert mine["--figure"] == theirs["--figure"]
    rows = mine["--history"].decode().splitlines()
    assert len(rows) > 2  # (a run that trained)


def test_training_options_given_replace_the_sessions_settings(tmp_path):
    session, data = session_and_csv(tmp_path)
    changed = ["--lr", "0.02", "--epochs", "5", "--optimizer", "rmsprop", "--init-w", "1.5",
               "--init-b", "-2"]
    mine = run(tmp_path, "session", "--session", session, *changed)
    expected = ADAM.replace(learning_rate=0.02, epochs=5, optimizer="rmsprop", init_w=1.5,
                            init_b=-2.0)
    theirs = run(tmp_path, "data", "--data", data, *flags_of(expected))
    assert mine["--history"] == theirs["--history"]
    assert mine["--params"] == theirs["--params"]
    assert len(mine["--history"].decode().splitlines()) == 1 + 5
    other = run(tmp_path, "unchanged", "--session", session)  # the override was used
    assert other["--history"] != mine["--history"]


def test_a_lesson_is_trained_and_its_open_settings_may_change(tmp_path, capsys):
    lesson = Lesson("Learning rates", locked=("epochs", "method"), hidden=("optimizer",))
    session, _ = session_and_csv(tmp_path, lesson=lesson)
    assert main(["train", "--session", session, "--lr", "0.5"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (f"# data and settings of the session {session} (lesson "
                                   "'Learning rates')")
    assert main(["train", "--session", session, "--epochs", "9", "--quiet"]) == 0  # its own


@pytest.mark.parametrize(("closed", "args", "label"), [
    ({"hidden": ("settings_panel",)}, ["--lr", "0.5"], "Learning rate"),
    ({"locked": ("random_init",)}, ["--init-w", "1"], "Initial w"),
])
def test_what_a_lesson_closes_another_way_is_closed_too(tmp_path, capsys, closed, args, label):
    session, _ = session_and_csv(tmp_path, lesson=Lesson("Rates", **closed))
    assert main(["train", "--session", session, *args]) == 2  # (ADAM's start is drawn)
    assert capsys.readouterr().err == (f"gdstudio train: the lesson in {session} locks "
                                       f"{label!r}: train it as the class would, without "
                                       f"{args[0]}\n")


def _damaged(tmp_path, name: str) -> str:
    session, _ = session_and_csv(tmp_path)
    text = open(session, encoding="utf-8").read()
    doc = json.loads(text)
    path = tmp_path / f"{name}.gdstudio"
    if name == "truncated":
        path.write_text(text[: len(text) // 2])
    elif name == "version":
        doc["version"] = VERSION + 1
        path.write_text(json.dumps(doc))
    elif name == "huge_version":
        doc["version"] = 10**3999
        path.write_text(json.dumps(doc))
    elif name == "tiny":  # (as a list of numbers: a compact float32 column cannot say it)
        x = doc["data"]["x"]
        x = np.frombuffer(base64.b64decode(x["base64"]), "<f4").tolist()
        x[3] = 1e-46
        doc["data"]["x"] = x
        path.write_text(json.dumps(doc))
    elif name == "bad_lesson":
        doc["lesson"] = {"title": "Rates", "locked": ["self_destruct"]}
        path.write_text(json.dumps(doc))
    elif name == "csv":
        path.write_text("x,y\n1,2\n")
    return str(path)


BAD_FILES = {
    "truncated": "is not a complete session file (JSON error at line",
    "version": f"version: the file is format version {VERSION + 1}, written by a newer "
               f"Gradient Descent Studio; this one reads version {VERSION}. Nothing was changed",
    "huge_version": "version: the file is format version far above any this studio knows",
    "tiny": "data.x[3]: 1e-46 is too small for float32: it would read as 0 (the smallest "
            "nonzero float32 is 1.4e-45)",
    "bad_lesson": "lesson: 'locked' names an unknown control 'self_destruct'",
    "csv": "is not a complete session file",
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_session_file_that_cannot_be_used_is_one_line_and_exit_2(tmp_path, capsys, name):
    path = _damaged(tmp_path, name)
    history = tmp_path / "h.csv"
    code = main(["train", "--session", path, "--history", str(history)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and not history.exists()
    assert len(err.splitlines()) == 1 and len(err) < 300, err
    assert err.startswith(f"gdstudio train: {path}: ") and BAD_FILES[name] in err


def test_a_session_with_no_points_is_named_in_its_one_line(tmp_path, capsys):
    """It said "The data set is empty…" without saying which file."""
    path = tmp_path / "empty.gdstudio"
    write_session(path, Session(np.zeros(0, np.float32), np.zeros(0, np.float32), "float32",
                                PLAIN))
    history = tmp_path / "h.csv"
    code = main(["train", "--session", str(path), "--history", str(history)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and not history.exists()
    assert err == (f"gdstudio train: {path}: the session's data set is empty: add at least "
                   "one point in the studio before training\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--slope", "2"], "gdstudio train: --slope cannot be given with --session: the session "
                       "holds its data (see 'gdstudio train --help')"),
    (["--float64"], "gdstudio train: --float64 cannot be given with --session"),
    (["--data", "x.csv"], "gdstudio train: argument --data: not allowed with argument "
                          "--session"),
    (["--generate"], "not allowed with argument --session"),
    (["--lr", "0.2", "--epochs", "3"], "gdstudio train: the lesson in {session} locks 'Epochs': "
                                       "train it as the class would, without --epochs"),
    (["--optimizer", "adam", "--impl", "module", "--momentum", "0.5"],
     "gdstudio train: the lesson in {session} locks 'Momentum'"),
    (["--history", "{session}"], "gdstudio train: refusing to overwrite the input {session}"),
    (["--session", ""], "gdstudio train: --session needs a file name, got an empty one"),
])
def test_options_that_do_not_go_with_a_session_are_one_line_and_exit_2(tmp_path, capsys, args,
                                                                        message):
    lesson = Lesson("Rates", locked=("epochs",), hidden=("momentum",))
    session, _ = session_and_csv(tmp_path, lesson=lesson)
    before = open(session, "rb").read()
    args = [a.replace("{session}", session) for a in args]
    code = main(["train", "--session", session, *args])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message.replace("{session}", session) in err, err
    assert open(session, "rb").read() == before


def test_standardize_kept_while_the_bias_is_off_is_said_as_the_studio_says_it(tmp_path, capsys):
    """The studio saves the Standardize box as set while the bias is off, and refuses to
    train that; so does the lesson check, in the studio's words."""
    session, _ = session_and_csv(tmp_path, config=TrainConfig(standardize=True, fit_bias=False))
    assert main(["train", "--session", session]) == 2
    err = capsys.readouterr().err
    assert err == ("gdstudio train: Standardizing centres x and y, so the line needs its bias "
                   "b: fit the bias or turn standardizing off.\n")
    assert main(["train", "--session", session, "--quiet", "--epochs", "2"]) == 2
    capsys.readouterr()


def test_a_session_run_loads_no_qt(tmp_path):
    session, _ = session_and_csv(tmp_path)
    code = textwrap.dedent(f"""
        import sys
        from gdstudio.cli.main import main
        code = main(["train", "--session", {session!r}, "--quiet", "--history", "h.csv",
                     "--params", "p.csv", "--script", "run.py"])
        assert code == 0, code
        assert not [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph")]
        assert "gdstudio.ui" not in sys.modules and "gdstudio.app" not in sys.modules
    """)
    result = forked.run("-c", code, cwd=tmp_path, env={"PYTHONPATH": str(ROOT),
                                                       "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "h.csv").exists() and (tmp_path / "run.py").exists()


def test_the_help_says_how_a_session_combines_with_options(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--session FILE.gdstudio" in text
    assert "A training option given as well replaces that one setting of the session" in text
    assert "cannot be given with it" in text


def test_what_the_file_has_that_this_version_does_not_know_is_named(tmp_path, capsys):
    session, _ = session_and_csv(tmp_path)
    doc = json.loads(open(session, encoding="utf-8").read())
    doc["settings"]["tolerance"] = 1e-3
    doc["view"]["two\nlines"] = True
    with open(session, "w", encoding="utf-8") as handle:
        json.dump(doc, handle)
    assert main(["train", "--session", session, "--epochs", "1"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (f"# data and settings of the session {session}; ignored what this "
                     "version does not know: settings.tolerance, view.two?lines")
