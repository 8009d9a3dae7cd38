"""Every outcome of ``gdstudio train`` is 0, 2, 3 or a signal's code, with at most one line on
stderr and never a traceback; an interrupted run still writes its files; memory does not grow
with the epochs.

Signals, pipes and a full standard output are tried on real processes. A test waits for the
process to print (its table, or a marker) before it sends a signal; it never sleeps.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from gdstudio.cli.main import main
from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.errors import ConfigError, TrainingDiverged
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from tests.paths import ROOT

F32_MAX = float(np.finfo(np.float32).max)
LONG = ["--impl", "manual", "--epochs", "100000000", "--lr", "0.01"]  # runs until stopped


def env() -> dict:
    environment = dict(os.environ, PYTHONPATH=ROOT)
    environment.pop("PYTHONWARNINGS", None)
    return environment


def start(args, cwd, script=None, **kwargs) -> subprocess.Popen:
    head = ["-c", script] if script else ["-m", "gdstudio"]
    return subprocess.Popen([sys.executable, *head, "train", *args], cwd=cwd, env=env(),
                            text=True, **kwargs)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def params_row(path) -> dict:
    header, row = read_csv(path)
    return dict(zip(header, row, strict=True))


def check_files(folder: Path, epochs: int, status: str) -> None:
    """The history and parameters of a run that ended after ``epochs`` epochs."""
    history = read_csv(folder / "h.csv")
    assert history[0][:4] == ["epoch", "loss", "w", "b"]
    assert [int(r[0]) for r in history[1:]] == list(range(epochs))
    values = params_row(folder / "p.csv")
    assert values["status"] == status and int(values["epochs_done"]) == epochs
    if epochs:
        assert float(values["w"]) == float(history[-1][2])
    assert sorted(p.name for p in folder.iterdir()) == ["h.csv", "p.csv"], "temporary files"


def wait_for_table(proc) -> list[str]:
    """Read standard output until the first row of the table (training has started)."""
    lines = []
    while True:
        line = proc.stdout.readline()
        assert line, f"the process ended early: {proc.wait()} {proc.stderr.read()}"
        lines.append(line)
        if line.startswith("0, \t"):
            return lines


def table_epochs(text: str) -> int:
    return sum(1 for line in text.splitlines() if line[:1].isdigit() and ", \t" in line)


# --------------------------------------------------------------------------- settings


DTYPE_LIMITS = {
    "module SGD lr 3.5e38": (["--impl", "module", "--lr", "3.5e38"], "too large"),
    "Adam lr 1e38": (["--impl", "module", "--optimizer", "adam", "--lr", "1e38"], "Adam"),
    "RMSprop lr 1e39": (["--impl", "module", "--optimizer", "rmsprop", "--lr", "1e39"],
                        "too large"),
    "Adagrad lr 1e39": (["--impl", "module", "--optimizer", "adagrad", "--lr", "1e39"],
                        "too large"),
    "weight decay 1e39": (["--impl", "module", "--weight-decay", "1e39"], "too large"),
    "module start 1e39": (["--impl", "module", "--init-w", "1e39"], "too large"),
    "analytic lr 1e39": (["--impl", "analytic", "--method", "sgd", "--lr", "1e39"],
                         "too large"),
    "lr 1e-50 rounds to 0": (["--lr", "1e-50"], "round to 0"),
}


@pytest.mark.filterwarnings("error")  # a warning would be a second line on stderr
@pytest.mark.parametrize("name", list(DTYPE_LIMITS))
def test_settings_float32_cannot_hold_exit_2(tmp_path, capsys, name):
    args, says = DTYPE_LIMITS[name]
    code = main(["train", "--epochs", "3", *args, "--history", str(tmp_path / "h.csv")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdstudio train: "), err
    assert says in lines[0] and "float32" in lines[0]
    assert "inf" not in lines[0].replace("information", "")
    assert list(tmp_path.iterdir()) == []


def test_float64_data_takes_what_float32_cannot(capsys):
    for args in (["--impl", "module", "--lr", "1e39"],
                 ["--impl", "module", "--optimizer", "adam", "--lr", "1e38"],
                 ["--impl", "module", "--weight-decay", "1e39"]):
        assert main(["train", "--float64", "--quiet", "--epochs", "3", *args]) in (0, 3)
        assert "Traceback" not in capsys.readouterr().err


def _largest(accepted, start: float) -> float:
    """The largest float accepted by ``accepted``, searched one float at a time from
    ``start`` (which must be within a few floats of it)."""
    value = start
    for _ in range(1000):
        if accepted(value):
            above = float(np.nextafter(value, math.inf))
            if not accepted(above):
                return value
            value = above
        else:
            value = float(np.nextafter(value, 0.0))
    raise AssertionError("no limit near the start")


def _fits(config: TrainConfig) -> bool:
    try:
        config.validate("float32")
    except ConfigError:
        return False
    return True


def _torch_takes(config: TrainConfig) -> bool:
    """One step of torch.optim on float32 parameters, with no check of ours in the way."""
    import torch

    from gdstudio.core.models.line.implementations import make_optimizer

    model = torch.nn.Linear(1, 1, dtype=torch.float32)
    try:
        with torch.no_grad():
            model.weight.fill_(config.init_w)
        optimizer = make_optimizer(config, model.parameters())
        model(torch.ones(4, 1)).pow(2).mean().backward()
        optimizer.step()
    except RuntimeError as exc:
        assert "overflow" in str(exc)
        return False
    return True


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad"])
@pytest.mark.parametrize("setting", ["learning_rate", "weight_decay", "init_w"])
def test_the_float32_limits_are_exactly_what_torch_takes(optimizer, setting):
    """The largest accepted value is one torch takes; the next float is refused by both."""
    base = TrainConfig(impl="module", optimizer=optimizer, epochs=2, method="sgd", init_w=0.5)
    near = F32_MAX * (1 - base.beta1) if (optimizer, setting) == ("adam", "learning_rate") \
        else F32_MAX
    largest = _largest(lambda v: _fits(base.replace(**{setting: v})), near)
    assert largest == F32_MAX or (optimizer == "adam" and setting == "learning_rate")
    assert _torch_takes(base.replace(**{setting: largest}))
    with contextlib.suppress(TrainingDiverged):  # a diverging run is fine, a crash is not
        list(train(noisy_line(), base.replace(**{setting: largest})))
    above = base.replace(**{setting: float(np.nextafter(largest, math.inf))})
    assert not _torch_takes(above)
    with pytest.raises(ConfigError):
        above.validate("float32")
    with pytest.raises(ConfigError):
        train(noisy_line(), above)
    above.validate()  # without a dtype nothing about the data is assumed
    above.validate("float64")


# --------------------------------------------------------------------------- arguments


def test_negative_numbers_in_e_notation_are_values(tmp_path, capsys):
    params = tmp_path / "p.csv"
    code = main(["train", "--quiet", "--epochs", "2", "--init-w", "-1e-3", "--intercept",
                 "-2.5E+3", "--init-b=-5", "--params", str(params)])
    err = capsys.readouterr().err
    assert code == 0, err
    values = params_row(params)
    assert float(values["init_w"]) == -1e-3 and float(values["init_b"]) == -5.0
    assert abs(float(values["b_optimal"]) + 2500.0) < 1.0  # the line's intercept arrived
    assert main(["train", "--lr", "-1e-3"]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert main(["train", "--init-w", "-inf"]) == 2
    assert "not a finite number" in capsys.readouterr().err


# --------------------------------------------------------------------------- standard output


def test_a_closed_pipe_stops_the_run_writes_the_files_and_exits_141(tmp_path):
    """``gdstudio train ... | head -2``: quietly, with the files of the epochs done."""
    proc = start(["--impl", "analytic", "--epochs", "1000000000", "--history", "h.csv",
                  "--params", "p.csv"], tmp_path, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE)
    head = subprocess.Popen(["head", "-2"], stdin=proc.stdout, stdout=subprocess.PIPE,
                            text=True)
    proc.stdout.close()  # head is now the only reader
    shown, _ = head.communicate(timeout=120)
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141, err
    assert err == ""
    assert shown.startswith("# 100 points;") and len(shown.splitlines()) == 2
    epochs = int(params_row(tmp_path / "p.csv")["epochs_done"])
    assert 0 < epochs < 1_000_000_000
    check_files(tmp_path, epochs, "stopped")


@pytest.mark.parametrize("quiet", [False, True], ids=["table", "quiet"])
def test_a_full_standard_output_exits_2_and_changes_no_file(tmp_path, quiet):
    (tmp_path / "h.csv").write_text("keep\n")
    args = ["--impl", "analytic", "--epochs", "2000", "--history", "h.csv", "--params", "p.csv"]
    with open("/dev/full", "w") as full:  # writing to /dev/full is its normal use
        result = subprocess.run([sys.executable, "-m", "gdstudio", "train", *args,
                                 *(["--quiet"] if quiet else [])], cwd=tmp_path, env=env(),
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "standard output" in lines[0] and "No space left on device" in lines[0]
    assert (tmp_path / "h.csv").read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv"]


# --------------------------------------------------------------------------- signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_run_and_writes_the_files(tmp_path, signum):
    proc = start([*LONG, "--history", "h.csv", "--params", "p.csv"], tmp_path,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = wait_for_table(proc)
        proc.send_signal(signum)
        out, err = proc.stdout.read(), proc.stderr.read()  # (until the process closes them)
        proc.wait(timeout=120)
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 128 + signum, err
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    name = "SIGINT (Ctrl+C)" if signum == signal.SIGINT else "SIGTERM"
    epochs = int(params_row(tmp_path / "p.csv")["epochs_done"])
    assert lines[0] == (f"gdstudio train: stopped by {name} after {epochs} epoch(s); the "
                        "output files hold them.")
    assert table_epochs("".join(first) + out) == epochs > 0
    check_files(tmp_path, epochs, "stopped")


SLOW_WRITE = textwrap.dedent(
    """
    import os, sys
    real_fsync, held = os.fsync, []

    def fsync(fd):  # the first file reaching the disk waits for the test's go
        if not held:
            held.append(fd)
            print("@@ writing", flush=True)
            sys.stdin.readline()
        return real_fsync(fd)

    os.fsync = fsync
    from gdstudio.cli.main import main
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_second_signal_while_the_files_are_written_waits_for_them(tmp_path, second):
    (tmp_path / "h.csv").write_text("old\n")
    proc = start([*LONG, "--history", "h.csv", "--params", "p.csv"], tmp_path,
                 script=SLOW_WRITE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE)
    try:
        wait_for_table(proc)
        proc.send_signal(signal.SIGINT)  # stop: the files are written next
        while (line := proc.stdout.readline()) != "@@ writing\n":
            assert line, f"the process ended early: {proc.wait()} {proc.stderr.read()}"
        proc.send_signal(second)  # while a file is being written
        proc.stdin.write("go\n")
        proc.stdin.close()
        proc.stdout.read()
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 130, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "stopped by SIGINT" in err
    epochs = int(params_row(tmp_path / "p.csv")["epochs_done"])
    check_files(tmp_path, epochs, "stopped")


# --------------------------------------------------------------------------- memory


@pytest.mark.parametrize("history", [False, True], ids=["quiet", "quiet+history"])
def test_memory_does_not_grow_with_the_epochs(tmp_path, capsys, history):
    """The CLI used to keep every epoch (about 290 bytes each) until the end."""

    def peak(epochs: int) -> int:
        args = ["train", "--impl", "analytic", "--quiet", "--lr", "0.01", "--epochs",
                str(epochs)]
        if history:
            args += ["--history", str(tmp_path / f"h{epochs}.csv")]
        tracemalloc.start()
        try:
            assert main(args) == 0
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            capsys.readouterr()

    small, large = peak(2_000), peak(20_000)
    assert large - small < 1_000_000, f"{(large - small) / 18_000:.0f} bytes an epoch"
    if history:
        assert len(read_csv(tmp_path / "h20000.csv")) == 20_001
