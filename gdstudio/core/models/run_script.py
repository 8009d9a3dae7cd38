"""The PyTorch script of a run, whatever its model: ``gdstudio train --script`` and the
studio's View ▸ PyTorch code / File ▸ Export script call these, and the settings' ``model``
chooses the line's script (:mod:`gdstudio.core.models.line.script`) or logistic regression's
(:mod:`gdstudio.core.models.logistic.script`). Both read a large data set from the CSV beside
the script, named the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

from gdstudio.core.models.line import script as line_script
from gdstudio.core.models.line.script import INLINE_POINTS, data_csv_name, needs_data_csv
from gdstudio.core.models.logistic import script as logistic_script

__all__ = ["INLINE_POINTS", "data_csv_name", "needs_data_csv", "script_problem", "script_text",
           "write_script"]


def script_text(dataset, config, data_csv: str = "run_data.csv") -> str:
    """The script of a run of ``config`` on ``dataset`` (valid settings for the data; see
    :func:`gdstudio.core.models.line.script.script_text`)."""
    if getattr(config, "model", "line") == "logistic":
        return logistic_script.script_text(dataset, config, data_csv)
    return line_script.script_text(dataset, config, data_csv)


def script_problem(dataset, config) -> str | None:
    """Why no script can be written for ``dataset`` and ``config`` (the message a run would
    give), or None."""
    problem = line_script.script_problem(dataset, config)
    if problem is None and getattr(config, "model", "line") == "logistic":
        from gdstudio.core.errors import StudioError
        from gdstudio.core.models.logistic.labels import check_labels

        try:
            check_labels(dataset.y)
        except StudioError as exc:
            return str(exc)
    return problem


def write_script(path: str | os.PathLike, dataset, config) -> list[Path]:
    """Write the script to ``path`` (and, for a large data set, its data CSV beside it), all
    or nothing, atomically; return the files written."""
    return line_script.write_script(path, dataset, config, text_of=script_text)
