"""The noisy-line generator: its fields' defaults and the data set its values describe."""

from __future__ import annotations

from gdstudio.core.data.dataset import LINE_DEFAULTS, noisy_line, random_line
from gdstudio.core.errors import DataError
from gdstudio.ui.threads.offload import call_off_gui_thread

#: The generator's fields: the values of :func:`noisy_line` and :func:`random_line` and
#: ``random_x`` (N random x instead of a range by step).
FIELDS = ("slope", "intercept", "noise", "x_min", "x_max", "x_step", "n", "seed")

#: The generator's default values: the tutorial's line (:data:`LINE_DEFAULTS`), by step.
GENERATOR_DEFAULTS = {**{name: LINE_DEFAULTS[name] for name in FIELDS}, "random_x": False}


def generate(v: dict, wait_for_torch=None):
    """Make the data set the generator's values describe (raises DataError).

    The points are drawn with torch: ``wait_for_torch()``, if given, is called first; it
    waits for torch's background import and returns None, or why torch could not be loaded
    (see :func:`gdstudio.ui.threads.torch_wait.wait_for_torch`).
    """
    problem = wait_for_torch() if wait_for_torch is not None else None
    if problem:
        raise DataError(problem)
    if v.get("random_x"):
        return call_off_gui_thread(random_line, v["n"], v["slope"], v["intercept"], v["noise"],
                                   v["x_min"], v["x_max"], v["seed"])
    return call_off_gui_thread(noisy_line, v["slope"], v["intercept"], v["noise"], v["x_min"],
                               v["x_max"], v["x_step"], v["seed"])
