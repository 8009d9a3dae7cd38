"""The generators: the noisy line's and the two classes' (logistic regression), their fields'
defaults and the data set their values describe."""

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


#: The two-class generator's fields (logistic regression): the values of
#: :func:`~gdstudio.core.data.two_classes.two_classes`.
TWO_CLASS_FIELDS = ("gap", "spread", "n0", "n1", "centre", "seed")


def two_class_defaults() -> dict:
    """The two-class generator's default values (the core's, written once there)."""
    from gdstudio.core.data.two_classes import TWO_CLASS_DEFAULTS

    return {name: TWO_CLASS_DEFAULTS[name] for name in TWO_CLASS_FIELDS}


def generate_two_classes(v: dict, wait_for_torch=None):
    """Make the two classes the generator's values describe (raises DataError): class 0
    around ``centre - gap / 2``, class 1 around ``centre + gap / 2``, drawn with torch off the
    GUI thread (``wait_for_torch`` as for :func:`generate`)."""
    from gdstudio.core.data.two_classes import two_classes

    problem = wait_for_torch() if wait_for_torch is not None else None
    if problem:
        raise DataError(problem)
    return call_off_gui_thread(two_classes, v["gap"], v["spread"], v["n0"], v["n1"],
                               v["centre"], v["seed"])
