"""``gdstudio train``: in process with capsys, and as a real subprocess."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys

import pytest
import torch

from gdstudio.cli.main import main
from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import full_data_loss, train
from gdstudio.core.training.results import HISTORY_HEADER, PARAMS_HEADER
from tests import forked
from tests.core.models.line.test_parity import tutorial2_batch, tutorial2_data

TUTORIAL_ARGS = ["train", "--generate", "--seed", "0", "--lr", "0.1", "--epochs", "20",
                 "--init-w", "-10", "--init-b", "-20"]
TUTORIAL_CONFIG = TrainConfig(learning_rate=0.1, epochs=20, init_w=-10.0, init_b=-20.0, seed=0)


def tutorial2_batch_rows():
    """Tutorial 2, batch gradient descent, written out as the tutorial does (test_parity)."""
    with torch.random.fork_rng(devices=[]):
        X, Y = tutorial2_data()
    return [(epoch, *row) for epoch, row in enumerate(tutorial2_batch(X, Y))]


def table_rows(stdout: str):
    """The per-epoch rows of the printed table, parsed."""
    lines = stdout.splitlines()
    header = lines.index("epoch, \tloss, \tw, \tb")
    rows = []
    for line in lines[header + 1:]:
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != 4 or not cells[0].isdigit():
            break
        rows.append((int(cells[0]), float(cells[1]), float(cells[2]), float(cells[3])))
    return rows


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def history_rows(path):
    header, *rows = read_csv(path)
    assert header[:4] == ["epoch", "loss", "w", "b"]
    assert tuple(header) == HISTORY_HEADER
    return [(int(r[0]), float(r[1]), float(r[2]), float(r[3]), int(r[4]), int(r[5]))
            for r in rows]


def record_rows(records):
    return [(r.epoch, r.loss, r.w, r.b, r.samples_seen, r.updates) for r in records]


# --------------------------------------------------------------------------- success


def test_table_equals_the_tutorial_loop(capsys):
    assert main(TUTORIAL_ARGS) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("# 100 points; batch, manual autograd, lr=0.1; start w=-10.0, b=-20.0")
    rows = table_rows(out)
    assert len(rows) == 20
    assert rows == tutorial2_batch_rows()
    assert "final: w=" in out and "optimum (closed form): w*=" in out


def test_history_and_params_files(tmp_path, capsys):
    history = tmp_path / "history.csv"
    params = tmp_path / "params.csv"
    assert main([*TUTORIAL_ARGS, "--history", str(history), "--params", str(params)]) == 0
    capsys.readouterr()
    records = list(train(noisy_line(), TUTORIAL_CONFIG))
    assert history_rows(history) == record_rows(records)
    header, row = read_csv(params)
    assert tuple(header) == PARAMS_HEADER
    values = dict(zip(header, row, strict=True))
    assert float(values["w"]) == records[-1].w
    assert float(values["b"]) == records[-1].b
    assert float(values["loss"]) == full_data_loss(noisy_line(), TUTORIAL_CONFIG,
                                                   records[-1].w, records[-1].b)
    assert values["status"] == "done" and values["epochs_done"] == "20"
    assert float(values["learning_rate"]) == 0.1
    assert (float(values["init_w"]), float(values["init_b"])) == (-10.0, -20.0)
    assert values["n_points"] == "100" and values["dtype"] == "float32"


def test_options_reach_the_engine(tmp_path, capsys):
    history = tmp_path / "h.csv"
    argv = ["train", "--method", "minibatch", "--batch-size", "7", "--impl", "module",
            "--optimizer", "adam", "--loss", "huber", "--huber-delta", "0.5", "--lr", "0.05",
            "--epochs", "4", "--seed", "3", "--shuffle", "--float64", "--history", str(history)]
    assert main(argv) == 0
    capsys.readouterr()
    config = TrainConfig(method="minibatch", batch_size=7, impl="module", optimizer="adam",
                         loss="huber", huber_delta=0.5, learning_rate=0.05, epochs=4, seed=3,
                         shuffle=True, init_w=None, init_b=None)
    expected = list(train(noisy_line(seed=3, dtype="float64"), config))
    assert history_rows(history) == record_rows(expected)


def test_data_file_input(tmp_path, capsys):
    data = tmp_path / "in.csv"
    data.write_text("x,y\n1,2\n2,4\n3,6\n4,8\n")
    history = tmp_path / "h.csv"
    argv = ["train", "--data", str(data), "--lr", "0.01", "--epochs", "100", "--init-w", "0",
            "--init-b", "0", "--no-bias", "--quiet", "--history", str(history)]
    assert main(argv) == 0
    rows = history_rows(history)
    assert len(rows) == 100
    assert rows[-1][2] != 2.0 and f"{rows[-1][2]:.3f}" == "2.000"
    assert all(r[3] == 0.0 for r in rows)
    capsys.readouterr()


def test_quiet_prints_no_table(capsys):
    assert main([*TUTORIAL_ARGS, "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "epoch, \tloss" not in out
    assert not any(line.startswith("#") for line in out.splitlines())
    assert not any(line[:1].isdigit() for line in out.splitlines())
    assert out.startswith("final: w=")


def test_top_level_help_and_version(capsys):
    assert main(["--help"]) == 0
    assert "gdstudio train" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("gdstudio ")
    assert main(["--bogus"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1


# --------------------------------------------------------------------------- bad input


def write(path, text):
    path.write_text(text)
    return str(path)


BAD_CASES = {
    "lr not a number": lambda tmp: ["--lr", "abc"],
    "lr zero": lambda tmp: ["--lr", "0"],
    "lr negative": lambda tmp: ["--lr", "-1"],
    "lr nan": lambda tmp: ["--lr", "nan"],
    "unknown method": lambda tmp: ["--method", "newton"],
    "unknown option": lambda tmp: ["--frobnicate"],
    "missing data file": lambda tmp: ["--data", str(tmp / "missing.csv")],
    "data is a folder": lambda tmp: ["--data", str(tmp)],
    "bad csv": lambda tmp: ["--data", write(tmp / "bad.csv", "x,y\n1,2\n3,abc\n")],
    "header-only csv": lambda tmp: ["--data", write(tmp / "header.csv", "x,y\n")],
    "data and generate": lambda tmp: ["--data", write(tmp / "ok.csv", "1,2\n"), "--generate"],
    "batch size zero": lambda tmp: ["--method", "minibatch", "--batch-size", "0"],
    "batch size text": lambda tmp: ["--batch-size", "ten"],
    "epochs zero": lambda tmp: ["--epochs", "0"],
    "manual adam": lambda tmp: ["--impl", "manual", "--optimizer", "adam"],
    "nesterov without momentum": lambda tmp: ["--impl", "module", "--nesterov"],
    "output folder missing": lambda tmp: ["--params", str(tmp / "no such folder" / "p.csv")],
    "output is a folder": lambda tmp: ["--params", str(tmp)],
    "same output twice": lambda tmp: ["--params", str(tmp / "history.csv")],
    "bad generator": lambda tmp: ["--x-step", "0"],
    "bad n points": lambda tmp: ["--n-points", "0"],
    "negative seed": lambda tmp: ["--seed", "-1"],
}


@pytest.mark.filterwarnings("error")  # a warning would be a second line on stderr
@pytest.mark.parametrize("name", list(BAD_CASES))
def test_bad_input_exits_2_with_one_line_and_no_files(tmp_path, capsys, name):
    history = tmp_path / "history.csv"
    history.write_text("previous content\n")
    args = BAD_CASES[name](tmp_path)
    params = tmp_path / "params.csv"
    extra = ["--history", str(history)]
    if "--params" not in args:
        extra += ["--params", str(params)]
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["train", *args, *extra])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gdstudio train: ")
    assert "Traceback" not in err
    assert history.read_text() == "previous content\n"
    assert not params.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_bad_input_messages_say_what_is_wrong(tmp_path, capsys):
    expectations = {
        "lr not a number": "'abc' is not a number",
        "unknown method": "newton",
        "missing data file": "missing.csv",
        "bad csv": "line 3, column 2",
        "batch size zero": "batch size",
        "manual adam": "module implementation",
        "output folder missing": "does not exist",
    }
    for name, text in expectations.items():
        assert main(["train", *BAD_CASES[name](tmp_path)]) == 2
        _out, err = capsys.readouterr()
        assert text in err, (name, err)


def test_refuses_to_overwrite_the_input(tmp_path, capsys):
    data = tmp_path / "in.csv"
    data.write_text("1,2\n2,4\n")
    assert main(["train", "--data", str(data), "--history", str(data)]) == 2
    assert data.read_text() == "1,2\n2,4\n"
    assert len(capsys.readouterr().err.splitlines()) == 1


# --------------------------------------------------------------------------- divergence


def test_divergence_exits_3_with_finite_history(tmp_path, capsys):
    history = tmp_path / "h.csv"
    params = tmp_path / "p.csv"
    history.write_text("previous\n")
    code = main(["train", "--generate", "--lr", "5", "--epochs", "200", "--init-w", "-10",
                 "--init-b", "-20", "--history", str(history), "--params", str(params)])
    out, err = capsys.readouterr()
    assert code == 3
    with pytest.raises(TrainingDiverged) as info:
        list(train(noisy_line(), TrainConfig(learning_rate=5.0, epochs=200)))
    epoch = info.value.epoch
    rows = history_rows(history)
    assert len(rows) == epoch > 0
    assert all(math.isfinite(v) for row in rows for v in row)
    assert len(table_rows(out)) == epoch
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert f"diverged in epoch {epoch}" in lines[0]
    header, row = read_csv(params)
    values = dict(zip(header, row, strict=True))
    assert values["status"] == "diverged"
    assert float(values["w"]) == info.value.w and float(values["b"]) == info.value.b
    assert math.isfinite(float(values["loss"]))


# --------------------------------------------------------------------------- real processes


def run_cli(*args, cwd):
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "gdstudio", "train", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=env)


def test_subprocess_tutorial_run(tmp_path):
    history = tmp_path / "history.csv"
    result = run_cli(*TUTORIAL_ARGS[1:], "--history", "history.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert table_rows(result.stdout) == tutorial2_batch_rows()
    assert history_rows(history) == record_rows(list(train(noisy_line(), TUTORIAL_CONFIG)))


def forked_cli(*args, cwd):
    """``run_cli`` in a process forked from one that has imported torch (tests/forked.py)."""
    return forked.run("-m", "gdstudio", "train", *args, cwd=cwd)


def test_subprocess_bad_csv(tmp_path):
    (tmp_path / "header.csv").write_text("x,y\n")
    (tmp_path / "out.csv").write_text("keep\n")
    result = forked_cli("--data", "header.csv", "--history", "out.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "header.csv" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "out.csv").read_text() == "keep\n"


def test_subprocess_divergence(tmp_path):
    result = forked_cli("--lr", "5", "--epochs", "200", "--quiet", "--history", "h.csv",
                     cwd=tmp_path)
    assert result.returncode == 3
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "diverged in epoch" in result.stderr
    rows = history_rows(tmp_path / "h.csv")
    assert rows and all(math.isfinite(v) for row in rows for v in row)
