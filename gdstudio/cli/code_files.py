"""``gdstudio train --script FILE.py`` and ``--notebook FILE.ipynb``: the run's PyTorch script
(see :mod:`gdstudio.core.models.run_script`) and its Jupyter notebook (see
:mod:`gdstudio.core.models.notebook`), written with the run's other outputs, all or nothing.

A data set of more than 200 points is written beside the script as ``FILE_data.csv``, which
the script reads (and beside the notebook, the same way); that file is checked and written
as every other output. When the script and the notebook name the same data file
(``--script run.py --notebook run.ipynb``: both ``run_data.csv``, the same points) it is
written once.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The options that write code, and what their file is called in a message.
CODE_OUTPUTS = (("script", "script"), ("notebook", "notebook"))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _wanted(args, dataset) -> list[tuple[str, str, Path]]:
    """(option name, its file, the data CSV it reads) of each code output that reads one."""
    from gdstudio.core.models.run_script import data_csv_name, needs_data_csv

    if not needs_data_csv(dataset):
        return []
    return [(name, getattr(args, name), data_csv_name(getattr(args, name)))
            for name, _ in CODE_OUTPUTS if getattr(args, name, None)]


def check_code_data(args, dataset, targets: list[Path]) -> None:
    """The data CSVs that ``--script`` and ``--notebook`` write beside their files for a
    large data set: the same checks as every output (and never one of the others, nor the
    input; the script's and the notebook's may be the same file, written once); raises
    :class:`ExportError` when one may not be written."""
    from gdstudio.core.atomic import check_output
    from gdstudio.core.errors import ExportError

    inputs = [Path(given) for given in (args.data, getattr(args, "session", None)) if given]
    shared = []
    for name, path, csv_name in _wanted(args, dataset):
        target = check_output(csv_name)
        if target in shared:
            continue  # (the script's and the notebook's data: the same points, written once)
        if target in targets or any(_same_file(target, source) for source in inputs):
            raise ExportError(f"--{name} {path} writes its data to {csv_name}, which is "
                              f"another output or the input; choose another {name} name")
        shared.append(target)


def code_data_names(args, dataset) -> list[str]:
    """The data CSVs that ``--script`` and ``--notebook`` write beside their files, if the
    data needs them: each file once."""
    names, targets = [], []
    for _, _, csv_name in _wanted(args, dataset):
        target = Path(os.path.realpath(csv_name))
        if target not in targets:
            names.append(str(csv_name))
            targets.append(target)
    return names


def write_code_files(files, order: list[str], args, dataset, config) -> None:
    """The script and the notebook (files ``order.index("script")`` and
    ``order.index("notebook")``) and, for a large data set, their data CSVs (the files after
    the named outputs, as :func:`code_data_names` lists them)."""
    from gdstudio.core.data.csv_io import dataset_chunks
    from gdstudio.core.models.run_script import data_csv_name, script_text

    if args.script:
        files.write(order.index("script"), script_text(dataset, config,
                                                       data_csv_name(args.script).name))
    if args.notebook:
        from gdstudio.core.models.notebook import notebook_text

        files.write(order.index("notebook"), notebook_text(dataset, config,
                                                           data_csv_name(args.notebook).name))
    for i, _ in enumerate(code_data_names(args, dataset)):
        files.write_all(len(order) + i, dataset_chunks(dataset))
