"""``gdstudio train --script FILE.py``: the script of the run, written with the other outputs
under the same rules, and, run as ``python FILE.py``, the history's first four columns.

A data set of more than 200 points goes to ``FILE_data.csv`` beside the script, which the
script reads from its own folder (whatever the current folder).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gdstudio.cli.main import main
from gdstudio.core.data.csv_io import write_dataset
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.script import INLINE_POINTS, script_text, write_script
from gdstudio.core.settings.config import TrainConfig
from tests import forked
from tests.cli.test_outputs import (  # noqa: F401  (autouse: /dev/null stays a device)
    SAYS,
    SPECIAL,
    _dev_null_stays_a_device,
    listing,
    make_special,
    node_kind,
    run_cli,
)
from tests.paths import ROOT

ARGS = ["--epochs", "6", "--lr", "0.05", "--init-w", "-10", "--init-b", "-20"]


def run_script(path: Path, cwd: Path) -> list[str]:
    done = forked.run(str(path), cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


DATA_RUNNER = """
import contextlib, io, json, runpy, sys
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    names = runpy.run_path(sys.argv[1], run_name="__main__")
X, Y = names["X"], names["Y"]
print(json.dumps({"printed": printed.getvalue().splitlines(), "dtype": str(X.dtype),
                  "x": [v.hex() for v in X.view(-1).double().tolist()],
                  "y": [v.hex() for v in Y.view(-1).double().tolist()]}))
"""


def run_script_with_data(path: Path, cwd: Path) -> dict:
    """Run the script at ``path`` in a fresh interpreter: what it printed (``printed``), and
    the data it trained on, ``X`` and ``Y`` as exact hex floats (``x``, ``y``) and their
    ``dtype``."""
    done = forked.run("-c", DATA_RUNNER, str(path), cwd=cwd)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def hex_values(values) -> list[str]:
    return [float(v).hex() for v in values.tolist()]


def history_columns(path: Path) -> list[str]:
    """``epoch,loss,w,b`` of a history file (its first four columns)."""
    return [",".join(line.split(",")[:4]) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_the_script_prints_the_history_of_the_cli(tmp_path):
    done = run_cli("--method", "minibatch", "--batch-size", "7", "--shuffle", "--seed", "4",
                   "--impl", "module", "--optimizer", "rmsprop", "--momentum", "0.5", *ARGS,
                   "--history", "h.csv", "--script", "run.py", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(listing(tmp_path)) == ["h.csv", "run.py"]  # 100 points: inline, no CSV
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run_script(tmp_path / "run.py", elsewhere) == history_columns(tmp_path / "h.csv")


def test_a_large_data_set_is_read_from_the_csv_beside_the_script(tmp_path):
    write_dataset(tmp_path / "in.csv", noisy_line(x_step=10 / (INLINE_POINTS + 1)))
    done = run_cli("--data", "in.csv", "--method", "sgd", "--shuffle",
                   "--lr", "0.01", "--epochs", "3", "--history", "h.csv", "--script",
                   "big.py", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(listing(tmp_path)) == ["big.py", "big_data.csv", "h.csv", "in.csv"]
    text = (tmp_path / "big.py").read_text()
    assert "with_name('big_data.csv')" in text and "\nx = [float(row[0]) for row in rows]\n" \
        in text
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run_script(tmp_path / "big.py", elsewhere) == history_columns(tmp_path / "h.csv")


@pytest.mark.parametrize("data", [[], ["--slope", "2.5", "--intercept", "-1.25", "--noise",
                                           "0.3", "--x-min", "-3", "--x-step", "0.07",
                                           "--float64"],
                                  ["--n-points", "450", "--x-min", "-2", "--x-max", "7"]],
                         ids=["default-line", "float64-line", "450-random-x"])
def test_the_generators_data_is_generated_by_the_script_bit_for_bit(tmp_path, data):
    """The trainer's own noisy line (the tutorial's by default): the script draws it as the
    tutorial does (the same seed, no list of numbers, no CSV even for 450 points), the very
    same numbers, and prints the same history."""
    done = run_cli(*data, "--seed", "5", "--epochs", "4", "--lr", "0.01", "--init-w", "1",
                   "--init-b", "2", "--history", "h.csv", "--script", "run.py", "--quiet",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(listing(tmp_path)) == ["h.csv", "run.py"]
    text = (tmp_path / "run.py").read_text()
    assert "torch.manual_seed(5)\n" in text and "x = [" not in text and "csv" not in text
    ran = run_script_with_data(tmp_path / "run.py", tmp_path)
    assert ran["printed"] == history_columns(tmp_path / "h.csv")
    kind = {"--n-points": "random_line"}.get(data[0] if data else "", "noisy_line")
    args = dict(zip(data[::2], data[1::2], strict=False))
    dtype = "float64" if "--float64" in data else "float32"
    from gdstudio.core.data.dataset import random_line

    if kind == "noisy_line":
        line = noisy_line(float(args.get("--slope", -5.0)), float(args.get("--intercept", 0.0)),
                          float(args.get("--noise", 0.4)), float(args.get("--x-min", -5.0)),
                          5.0, float(args.get("--x-step", 0.1)), 5, dtype)
    else:
        line = random_line(450, -5.0, 0.0, 0.4, -2.0, 7.0, 5, dtype)
    assert ran["dtype"] == f"torch.{dtype}"
    assert ran["x"] == hex_values(line.x) and ran["y"] == hex_values(line.y)


def test_up_to_200_points_are_inline(tmp_path):
    data = Dataset.from_points([(i * 0.5, 1.0 - i) for i in range(INLINE_POINTS)])
    written = write_script(tmp_path / "run.py", data, TrainConfig(epochs=2))
    assert [p.name for p in written] == ["run.py"] and listing(tmp_path) == ["run.py"]
    bigger = Dataset.from_points([(i * 0.5, 1.0 - i) for i in range(INLINE_POINTS + 1)])
    written = write_script(tmp_path / "run.py", bigger, TrainConfig(epochs=2))
    assert [p.name for p in written] == ["run.py", "run_data.csv"]


def test_inline_literals_read_back_exactly():
    # float32 values whose shortest float32 digits would round twice through a float64 are
    # written with the float64's digits
    import numpy as np

    values = np.frombuffer(np.random.default_rng(0).integers(0, 2**31, 4000, dtype=np.uint32)
                           .astype("<u4").tobytes(), dtype="<f4")
    values = values[np.isfinite(values)][:3000]
    from gdstudio.core.models.line.script_parts import data_literal

    for v in values:
        text = data_literal(v, "float32")
        assert np.float32(float(text)).tobytes() == v.tobytes(), (v, text)


@pytest.mark.parametrize("kind", SPECIAL)
def test_script_refuses_a_non_regular_output_before_training(tmp_path, capsys, kind):
    path = make_special(tmp_path, kind)
    before_kind, before = node_kind(path), listing(tmp_path)
    code = main(["train", *ARGS, "--history", str(tmp_path / "h.csv"), "--script", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("gdstudio train: Cannot write ") and str(path) in err, err
    assert SAYS[kind] in err
    assert node_kind(path) == before_kind and listing(tmp_path) == before


def test_script_refuses_a_non_regular_data_csv_before_training(tmp_path, capsys):
    (tmp_path / "big_data.csv").mkdir()
    write_dataset(tmp_path / "in.csv", noisy_line(x_step=0.03))  # 334 points
    before = listing(tmp_path)
    code = main(["train", "--data", str(tmp_path / "in.csv"), "--epochs", "2", "--script",
                 str(tmp_path / "big.py"), "--history", str(tmp_path / "h.csv")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "big_data.csv" in err and "folder" in err, err
    assert listing(tmp_path) == before


def test_script_data_csv_may_not_be_the_input(tmp_path, capsys):
    write_dataset(tmp_path / "run_data.csv", noisy_line(x_step=0.02))  # 500 points
    before = (tmp_path / "run_data.csv").read_bytes()
    code = main(["train", "--data", str(tmp_path / "run_data.csv"), "--epochs", "2",
                 "--script", str(tmp_path / "run.py")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.splitlines() == [f"gdstudio train: --script {tmp_path / 'run.py'} writes its "
                                f"data to {tmp_path / 'run_data.csv'}, which is another output "
                                "or the input; choose another script name"]
    assert listing(tmp_path) == ["run_data.csv"]
    assert (tmp_path / "run_data.csv").read_bytes() == before


def test_script_and_history_must_differ(tmp_path, capsys):
    code = main(["train", *ARGS, "--history", str(tmp_path / "a"), "--script",
                 str(tmp_path / "a")])
    _, err = capsys.readouterr()
    assert code == 2 and "--history and --script must be different files" in err
    assert listing(tmp_path) == []


def test_script_is_written_through_a_link(tmp_path, capsys):
    target = tmp_path / "real.py"
    target.write_text("old")
    os.symlink("real.py", tmp_path / "link.py")
    assert main(["train", *ARGS, "--quiet", "--script", str(tmp_path / "link.py")]) == 0
    capsys.readouterr()
    assert os.path.islink(tmp_path / "link.py")
    assert target.read_text() == script_text(noisy_line(), TrainConfig(
        learning_rate=0.05, epochs=6, init_w=-10.0, init_b=-20.0))


def guide_example() -> str:
    """The guide's example (The code behind a run): the script of tutorial 1's data and what it
    prints."""
    from gdstudio.core.training.lifecycle import TrainingRun
    from gdstudio.core.training.results import history_row

    data = Dataset.from_points([(1, 2), (2, 4), (3, 6), (4, 8)])
    config = TrainConfig(learning_rate=0.01, epochs=5, init_w=0.0, init_b=0.0)
    rows = [",".join(history_row(r).split(",")[:4]) for r in TrainingRun(data, config).records()]
    return ("```python\n" + script_text(data, config) + "```\n\nRunning it:\n\n"
            "```console\n$ python run.py\nepoch,loss,w,b\n" + "\n".join(rows) + "\n```\n")


def test_the_guide_shows_the_script_the_code_writes():
    page = (ROOT / "resources" / "guide" / "code-behind-a-run.md").read_text(encoding="utf-8")
    start = page.index("<!-- script:start -->\n") + len("<!-- script:start -->\n")
    assert page[start:page.index("<!-- script:end -->")] == guide_example()
