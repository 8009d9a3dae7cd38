"""Predict mode's arithmetic: how far a guessed next (w, b) is from the step's real end, and
the tally of the guesses (no Qt).

The distance is Euclidean in the (w, b) plane, in the parameters' own units, and also given
relative to the step's length (the distance from the point before the step to its end). A
guess is *close* within :data:`CLOSE_FRACTION` of the step's length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["CLOSE_FRACTION", "GuessResult", "Tally", "score_guess"]

#: A guess within this fraction of the step's length counts as close.
CLOSE_FRACTION = 0.1


def _point(value) -> tuple[float, float]:
    w, b = value
    return float(w), float(b)


@dataclass(frozen=True)
class GuessResult:
    """One guess: where it was, where the step started and ended, and how far off it was."""

    guess: tuple[float, float]
    before: tuple[float, float]
    after: tuple[float, float]
    #: The distance from the guess to the step's end, in (w, b) units (None when a point
    #: is not finite: the step diverged).
    distance: float | None
    #: The step's length, in (w, b) units (None as for ``distance``).
    step: float | None

    @property
    def relative(self) -> float | None:
        """The distance as a fraction of the step's length (None for a step of length 0)."""
        if self.distance is None or not self.step:
            return None
        return self.distance / self.step

    @property
    def counted(self) -> bool:
        """It enters the tally (every point finite)."""
        return self.distance is not None

    @property
    def close(self) -> bool:
        if self.distance is None:
            return False
        return self.distance <= CLOSE_FRACTION * self.step

    def words(self) -> str:
        """One sentence for the status line."""
        w, b = self.after
        if not self.counted:
            return ("The step diverged (its end is not a finite number), so this guess is not "
                    "counted.")
        where = f"The step went to w = {w:.4g}, b = {b:.4g}; your guess was {self.distance:.3g} "
        if self.relative is None:
            return where + "away (the step did not move)."
        verdict = " — close!" if self.close else ""
        return where + f"away, {self.relative:.0%} of the step's length{verdict}"


def score_guess(guess, before, after) -> GuessResult:
    """Score ``guess`` of the step from ``before`` to ``after`` (each ``(w, b)``)."""
    guess, before, after = _point(guess), _point(before), _point(after)
    if not all(math.isfinite(v) for v in (*guess, *before, *after)):
        return GuessResult(guess, before, after, None, None)
    distance = math.hypot(guess[0] - after[0], guess[1] - after[1])
    step = math.hypot(after[0] - before[0], after[1] - before[1])
    if not (math.isfinite(distance) and math.isfinite(step)):
        return GuessResult(guess, before, after, None, None)
    return GuessResult(guess, before, after, distance, step)


@dataclass
class Tally:
    """The guesses so far: how many were counted, how far off they were, how many close."""

    results: list[GuessResult] = field(default_factory=list)

    def add(self, result: GuessResult) -> None:
        if result.counted:
            self.results.append(result)

    @property
    def count(self) -> int:
        return len(self.results)

    @property
    def close(self) -> int:
        return sum(r.close for r in self.results)

    @property
    def mean_distance(self) -> float | None:
        if not self.results:
            return None
        return math.fsum(r.distance for r in self.results) / len(self.results)

    def words(self) -> str:
        """The tally in a few words, for the status bar."""
        if not self.results:
            return "Predict: click the landscape where the next step will land, then F10."
        guesses = "1 guess" if self.count == 1 else f"{self.count} guesses"
        return (f"Predict: {guesses}, {self.close} close (within "
                f"{CLOSE_FRACTION:.0%} of the step), mean distance {self.mean_distance:.3g}")
