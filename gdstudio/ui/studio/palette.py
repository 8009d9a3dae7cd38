"""The colours of runs (no Qt): the current run's, your line's, and the kept runs' in the
order given, each far from the others and from the marks drawn beside them (the guess, the
landscape's preview, the selected points) (tests/ui/studio/test_palette.py measures it)."""

from __future__ import annotations

#: The current run's colour (and the fit line's).
CURRENT_COLOR = "#d62728"
#: The colour of "your line" (the line the learner sets by hand).
YOUR_COLOR = "#2ca02c"
#: Kept runs' colours, in the order they are handed out; red is the current run's and green
#: your line's.
RUN_COLORS = ("#1f77b4", "#637939", "#9467bd", "#ff00ff", "#17becf", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#b8860b")

#: The orange of marks that are not runs: predict mode's guess (and its miss line), the
#: landscape's dashed preview of the next run, the data plot's selected points.
GUESS_COLOR = "#ff7f0e"
PREVIEW_COLOR = "#ff7f0e"
SELECTED_COLOR = "#ff7f0e"


def next_color(in_use) -> str:
    """The colour for a new kept run, given the colours of the runs kept now.

    A colour nobody uses, in palette order; when all are taken, the least used one. Runs
    keep their colour when others are removed, and no two runs share one while fewer than
    ``len(RUN_COLORS)`` are kept.
    """
    in_use = list(in_use)
    return min(RUN_COLORS, key=lambda color: (in_use.count(color), RUN_COLORS.index(color)))
