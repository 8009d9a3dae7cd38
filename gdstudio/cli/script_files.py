"""``gdstudio train --script FILE.py``: the run's PyTorch script (see
:mod:`gdstudio.core.models.run_script`), written with the run's other outputs, all or nothing.

A data set of more than 200 points is written beside the script as ``FILE_data.csv``, which
the script reads; that file is checked and written as every other output.
"""

from __future__ import annotations

import os
from pathlib import Path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_script_data(args, dataset, targets: list[Path]) -> None:
    """The data CSV that ``--script`` writes beside the script for a large data set: the
    same checks as every output (and never one of the others, nor the input); raises
    :class:`ExportError` when it may not be written."""
    from gdstudio.core.atomic import check_output
    from gdstudio.core.errors import ExportError
    from gdstudio.core.models.run_script import data_csv_name, needs_data_csv

    if not args.script or not needs_data_csv(dataset):
        return
    name = data_csv_name(args.script)
    target = check_output(name)
    inputs = [Path(given) for given in (args.data, getattr(args, "session", None)) if given]
    if target in targets or any(_same_file(target, source) for source in inputs):
        raise ExportError(f"--script {args.script} writes its data to {name}, which is "
                          "another output or the input; choose another script name")


def script_data_names(args, dataset) -> list[str]:
    """The data CSV that ``--script`` writes beside the script, if the data needs one."""
    from gdstudio.core.models.run_script import data_csv_name, needs_data_csv

    if args.script and needs_data_csv(dataset):
        return [str(data_csv_name(args.script))]
    return []


def write_script_files(files, index: int, path: str, dataset, config) -> None:
    """The script (file ``index``) and, for a large data set, its data CSV (the file after
    the last named output)."""
    from gdstudio.core.data.csv_io import dataset_chunks
    from gdstudio.core.models.run_script import data_csv_name, needs_data_csv, script_text

    files.write(index, script_text(dataset, config, data_csv_name(path).name))
    if needs_data_csv(dataset):
        files.write_all(len(files.names) - 1, dataset_chunks(dataset))
