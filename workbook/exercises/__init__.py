"""Checked exercises: the "your turn" tasks that end notebooks 01 to 07.

A learner changes the system; `check("04-1", s)` then looks at their resources through the AWS
APIs (never at their code) and prints a pass, or a hint that says what is still missing. The
answer to each is in `solutions/<id>.py`, which runs in its notebook (`%load
../solutions/04-1.py`) with only the session `s` defined. `make test` runs every check before
and after its solution (tests/workbook/test_exercises.py).
"""

from __future__ import annotations

from pathlib import Path

# Each notebook's module registers its checks when imported.
from workbook.exercises import nb01, nb02, nb03, nb04, nb05, nb06, nb07  # noqa: F401
from workbook.exercises.registry import EXERCISES
from workbook.session import Session

SOLUTIONS_DIR = Path(__file__).resolve().parents[2] / "solutions"


def solution(exercise_id: str) -> Path:
    """The file with the answer to an exercise."""
    return SOLUTIONS_DIR / f"{exercise_id}.py"


def verdict(exercise_id: str, session: Session) -> str | None:
    """None if the exercise is done, else the hint."""
    if exercise_id not in EXERCISES:
        raise KeyError(f"no exercise {exercise_id!r}; there are {', '.join(sorted(EXERCISES))}")
    return EXERCISES[exercise_id].check(session)


def check(exercise_id: str, session: Session) -> None:
    """Print whether the exercise is done, or a hint about what is still missing."""
    hint = verdict(exercise_id, session)
    if hint is None:
        print(f"PASS {exercise_id}: {EXERCISES[exercise_id].passed}")
    else:
        print(f"NOT YET {exercise_id}: {hint}")
        print(f"(Stuck? `%load ../solutions/{exercise_id}.py` loads an answer into a cell.)")
