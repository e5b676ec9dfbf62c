"""Every exercise's check, proved both ways on a stack built as the notebooks build it: it
gives a hint on the untouched stack, and passes once the answer in solutions/ has run."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, LocalCloud
from workbook import exercises
from workbook.exercises.registry import EXERCISES
from workbook.session import Session, open_session

PREFIX = "ex"
NOTEBOOKS = sorted((REPO / "notebooks").glob("0*.ipynb"))


@pytest.fixture(scope="module")
def stack(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Notebooks 01-05 on their own prefix: the exercises change it, no other test uses it."""
    env = {**cloud.env(), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    out = tmp_path_factory.mktemp("exercises")
    deployed = subprocess.run(
        [str(REPO / "scripts" / "deploy"), "--prefix", PREFIX, "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if deployed.returncode != 0:
        pytest.fail(f"scripts/deploy failed:\n{deployed.stdout}\n{deployed.stderr}")


@pytest.fixture
def session(stack: None, on_cloud: str, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("WORKBOOK_PREFIX", PREFIX)
    return open_session(echo=False)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_the_check_hints_until_the_answer_has_run(
    session: Session, exercise_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    hint = exercises.verdict(exercise_id, session)
    assert hint, f"{exercise_id} passes before anything was done"
    exercises.check(exercise_id, session)
    assert capsys.readouterr().out.startswith(f"NOT YET {exercise_id}: {hint}")

    runpy.run_path(str(exercises.solution(exercise_id)), init_globals={"s": session})

    assert exercises.verdict(exercise_id, session) is None
    capsys.readouterr()
    exercises.check(exercise_id, session)
    assert capsys.readouterr().out.startswith(f"PASS {exercise_id}")


def test_every_exercise_has_an_answer_and_every_answer_an_exercise() -> None:
    answers = {path.stem for path in exercises.SOLUTIONS_DIR.glob("*.py")}
    assert answers == set(EXERCISES)


def test_notebooks_01_to_07_each_end_with_a_checked_exercise() -> None:
    for path in NOTEBOOKS:
        number = path.name[:2]
        sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
        checked = {i for i in EXERCISES if i.startswith(f"{number}-")}
        if "01" <= number <= "07":
            assert checked, f"{path.name} has no exercise"
        for exercise_id in checked:
            assert any(f'check("{exercise_id}", s)' in source for source in sources), (
                f"{path.name} never checks {exercise_id}"
            )
