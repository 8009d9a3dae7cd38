"""``gdstudio train --notebook FILE.ipynb``: the run's notebook (the notebook builder's text of
the same data and settings), written with the other outputs under the same rules as
``--script``: a .ipynb name, never the input nor another output, a large data set in
``FILE_data.csv`` beside it (one file when the script names the same), all or nothing."""

from __future__ import annotations

import os

import pytest

from gdstudio.cli.main import main
from gdstudio.core.data.csv_io import dataset_text, read_dataset, write_dataset
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.two_classes import two_classes
from gdstudio.core.files.session import Session, write_session
from gdstudio.core.models.notebook import notebook_text
from gdstudio.core.models.run_script import script_text
from gdstudio.core.settings.config import TrainConfig
from tests.cli.test_outputs import (  # noqa: F401  (autouse: /dev/null stays a device)
    OLD,
    SAYS,
    SPECIAL,
    _dev_null_stays_a_device,
    listing,
    make_special,
    node_kind,
)

ARGS = ["--epochs", "4", "--lr", "0.05", "--init-w", "-10", "--init-b", "-20"]
CONFIG = TrainConfig(learning_rate=0.05, epochs=4, init_w=-10.0, init_b=-20.0)


@pytest.mark.parametrize(("argv", "config", "data"), [
    (ARGS, CONFIG, noisy_line()),
    (["--model", "logistic", "--impl", "module", "--optimizer", "adam", "--epochs", "3",
      "--seed", "4"], TrainConfig(model="logistic", loss="bce", impl="module",
                                  optimizer="adam", epochs=3, seed=4, init_w=None,
                                  init_b=None), two_classes(seed=4)),
], ids=["line", "logistic"])
def test_the_notebook_is_the_runs_notebook(tmp_path, capsys, argv, config, data):
    path = tmp_path / "run.ipynb"
    assert main(["train", *argv, "--quiet", "--notebook", str(path)]) == 0
    capsys.readouterr()
    assert listing(tmp_path) == ["run.ipynb"]  # (generated data: no CSV)
    assert path.read_text(encoding="utf-8") == notebook_text(data, config, "run_data.csv")


def test_a_session_and_a_diverged_run_write_their_notebook(tmp_path, capsys):
    """With --session, the session's data and settings (the options given replacing
    theirs); a run that diverges (exit code 3) writes it as it writes its script."""
    data = noisy_line(x_step=0.5)
    session = tmp_path / "s.gdstudio"
    write_session(session, Session(data.x, data.y, "float32", CONFIG))
    code = main(["train", "--session", str(session), "--lr", "1", "--quiet", "--notebook",
                 str(tmp_path / "n.ipynb"), "--script", str(tmp_path / "n.py")])
    _, err = capsys.readouterr()
    assert code == 3 and "diverged" in err
    config = CONFIG.replace(learning_rate=1.0)
    data = Dataset(data.x, data.y)  # (a session's points: no generator's recipe)
    assert (tmp_path / "n.ipynb").read_text(encoding="utf-8") == notebook_text(
        data, config, "n_data.csv")
    assert (tmp_path / "n.py").read_text() == script_text(data, config, "n_data.csv")


def big_data(tmp_path, name="in.csv"):
    write_dataset(tmp_path / name, noisy_line(x_step=0.03))  # 334 points, no recipe
    return read_dataset(tmp_path / name)


def test_a_large_data_set_goes_beside_the_notebook(tmp_path, capsys):
    data = big_data(tmp_path)
    assert main(["train", "--data", str(tmp_path / "in.csv"), *ARGS, "--quiet", "--notebook",
                 str(tmp_path / "big.ipynb")]) == 0
    capsys.readouterr()
    assert listing(tmp_path) == ["big.ipynb", "big_data.csv", "in.csv"]
    assert (tmp_path / "big.ipynb").read_text(encoding="utf-8") == notebook_text(
        data, CONFIG, "big_data.csv")
    assert (tmp_path / "big_data.csv").read_text() == dataset_text(data)


def test_the_script_and_the_notebook_share_their_data_csv(tmp_path, capsys):
    """``--script run.py --notebook run.ipynb``: both read run_data.csv, written once."""
    data = big_data(tmp_path)
    assert main(["train", "--data", str(tmp_path / "in.csv"), *ARGS, "--quiet", "--script",
                 str(tmp_path / "run.py"), "--notebook", str(tmp_path / "run.ipynb"),
                 "--history", str(tmp_path / "h.csv")]) == 0
    capsys.readouterr()
    assert listing(tmp_path) == ["h.csv", "in.csv", "run.ipynb", "run.py", "run_data.csv"]
    assert (tmp_path / "run_data.csv").read_text() == dataset_text(data)
    assert (tmp_path / "run.py").read_text() == script_text(data, CONFIG, "run_data.csv")
    assert (tmp_path / "run.ipynb").read_text(encoding="utf-8") == notebook_text(
        data, CONFIG, "run_data.csv")


def test_the_script_and_the_notebook_may_have_a_data_csv_each(tmp_path, capsys):
    data = big_data(tmp_path)
    assert main(["train", "--data", str(tmp_path / "in.csv"), *ARGS, "--quiet", "--script",
                 str(tmp_path / "a.py"), "--notebook", str(tmp_path / "b.ipynb")]) == 0
    capsys.readouterr()
    assert listing(tmp_path) == ["a.py", "a_data.csv", "b.ipynb", "b_data.csv", "in.csv"]
    assert (tmp_path / "a_data.csv").read_text() == (tmp_path / "b_data.csv").read_text() \
        == dataset_text(data)


def refused(tmp_path, capsys, *argv) -> str:
    """Run ``gdstudio train ARGV``: it must exit 2 before training, print one line on
    stderr and change nothing in ``tmp_path``; that line."""
    before = {p.name: (node_kind(p), p.read_bytes() if p.is_file() else None)
              for p in tmp_path.iterdir()}
    code = main(["train", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (out, err)
    assert len(err.splitlines()) == 1, err
    after = {p.name: (node_kind(p), p.read_bytes() if p.is_file() else None)
             for p in tmp_path.iterdir()}
    assert after == before
    return err.strip()


@pytest.mark.parametrize("name", ["run.py", "run", "run.ipynb.txt", "notebook.json"])
def test_the_notebook_must_be_an_ipynb_file(tmp_path, capsys, name):
    said = refused(tmp_path, capsys, *ARGS, "--history", str(tmp_path / "h.csv"),
                   "--notebook", str(tmp_path / name))
    assert said == f"gdstudio train: --notebook must name a .ipynb file, got " \
                   f"{str(tmp_path / name)!r}"


def test_an_empty_notebook_name_is_refused(tmp_path, capsys):
    assert refused(tmp_path, capsys, *ARGS, "--notebook", "") == \
        "gdstudio train: --notebook needs a file name, got ''"


@pytest.mark.parametrize("kind", SPECIAL)
def test_the_notebook_may_not_be_a_device_a_folder_or_a_loop(tmp_path, capsys, kind):
    path = tmp_path / "special.ipynb"
    if kind == "link loop":
        os.symlink(path.name, path)
    else:
        make_special(tmp_path, kind).rename(path)  # (a node by another name is the same node)
    said = refused(tmp_path, capsys, *ARGS, "--history", str(tmp_path / "h.csv"),
                   "--notebook", str(path))
    assert said.startswith("gdstudio train: Cannot write ") and str(path) in said
    assert SAYS[kind] in said


def test_the_notebook_may_not_be_the_input(tmp_path, capsys):
    write_dataset(tmp_path / "points.ipynb", noisy_line(x_step=0.5))  # (a CSV by any name)
    said = refused(tmp_path, capsys, "--data", str(tmp_path / "points.ipynb"), *ARGS,
                   "--notebook", str(tmp_path / "points.ipynb"))
    assert said == f"gdstudio train: refusing to overwrite the input {tmp_path / 'points.ipynb'}"


def test_the_notebook_may_not_be_another_output(tmp_path, capsys):
    said = refused(tmp_path, capsys, *ARGS, "--history", str(tmp_path / "n.ipynb"),
                   "--notebook", str(tmp_path / "n.ipynb"))
    assert said == "gdstudio train: --history and --notebook must be different files"


def test_the_notebooks_data_csv_may_not_be_the_input(tmp_path, capsys):
    big_data(tmp_path, "run_data.csv")
    said = refused(tmp_path, capsys, "--data", str(tmp_path / "run_data.csv"), *ARGS,
                   "--notebook", str(tmp_path / "run.ipynb"))
    assert said == (f"gdstudio train: --notebook {tmp_path / 'run.ipynb'} writes its data to "
                    f"{tmp_path / 'run_data.csv'}, which is another output or the input; "
                    "choose another notebook name")


def test_the_notebooks_data_csv_may_not_be_another_output(tmp_path, capsys):
    big_data(tmp_path)
    said = refused(tmp_path, capsys, "--data", str(tmp_path / "in.csv"), *ARGS,
                   "--script", str(tmp_path / "n_data.csv"), "--notebook",
                   str(tmp_path / "n.ipynb"))
    assert said.startswith(f"gdstudio train: --notebook {tmp_path / 'n.ipynb'} writes its "
                           f"data to {tmp_path / 'n_data.csv'}, which is another output")


def test_the_notebooks_data_csv_may_not_be_a_folder(tmp_path, capsys):
    big_data(tmp_path)
    (tmp_path / "n_data.csv").mkdir()
    said = refused(tmp_path, capsys, "--data", str(tmp_path / "in.csv"), *ARGS,
                   "--history", str(tmp_path / "h.csv"), "--notebook",
                   str(tmp_path / "n.ipynb"))
    assert "n_data.csv" in said and "folder" in said


def test_a_notebook_that_cannot_be_written_changes_nothing(tmp_path, capsys, monkeypatch):
    """All or nothing: a failure while the notebook is written (after the history has been
    streamed) leaves the old history and writes no other file."""
    from gdstudio.core.errors import ExportError
    from gdstudio.core.models import notebook

    def fails(*args, **kwargs):
        raise ExportError("Could not write the notebook: the disk is full. Nothing was "
                          "changed.")

    monkeypatch.setattr(notebook, "notebook_text", fails)
    (tmp_path / "h.csv").write_bytes(OLD)
    big_data(tmp_path)
    code = main(["train", "--data", str(tmp_path / "in.csv"), *ARGS, "--quiet", "--history",
                 str(tmp_path / "h.csv"), "--script", str(tmp_path / "run.py"), "--notebook",
                 str(tmp_path / "run.ipynb")])
    _, err = capsys.readouterr()
    assert code == 2 and err.splitlines() == [
        "gdstudio train: Could not write the notebook: the disk is full. Nothing was changed."]
    assert listing(tmp_path) == ["h.csv", "in.csv"]
    assert (tmp_path / "h.csv").read_bytes() == OLD


def test_the_help_names_the_notebook(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--notebook FILE.ipynb the Jupyter notebook of this run" in out


def test_the_notebook_needs_an_existing_folder(tmp_path, capsys):
    said = refused(tmp_path, capsys, *ARGS, "--history", str(tmp_path / "h.csv"),
                   "--notebook", str(tmp_path / "missing" / "run.ipynb"))
    assert said == (f"gdstudio train: Cannot write {tmp_path / 'missing' / 'run.ipynb'}: the "
                    f"folder {tmp_path / 'missing'} does not exist.")
