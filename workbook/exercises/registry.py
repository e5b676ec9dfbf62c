"""The exercises and their checks, registered by the module of each notebook (nb01 ... nb07)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbook.session import Session

# A check looks at the learner's resources and answers None when the exercise is done, or a
# hint: what is still missing, and where to look. Never the answer itself.
Check = Callable[[Session], str | None]


@dataclass(frozen=True)
class Exercise:
    id: str  # "<notebook>-<n>": "04-1" is notebook 04's first exercise
    passed: str  # what a pass confirms, in one line
    check: Check


EXERCISES: dict[str, Exercise] = {}


def exercise(exercise_id: str, *, passed: str) -> Callable[[Check], Check]:
    """Register the decorated function as the check of exercise `exercise_id`."""

    def register(check: Check) -> Check:
        if exercise_id in EXERCISES:
            raise ValueError(f"exercise {exercise_id} is registered twice")
        EXERCISES[exercise_id] = Exercise(exercise_id, passed, check)
        return check

    return register
