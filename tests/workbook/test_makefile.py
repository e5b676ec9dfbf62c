"""The Makefile and `make test`: the region recipes pass on, the workbook runs, their clouds
stopped even when cancelled, and how long a notebook cell may take."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from workbook.headless import CELL_TIMEOUT_S, NOTEBOOKS_DIR

REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def make(*args: str, env: dict[str, str]) -> str:
    run = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return run.stdout


def learner_env(**settings: str) -> dict[str, str]:
    """This process's environment without a region, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in REGION_VARIABLES}
    return {**env, **settings}


def region_seen_by_recipes(tmp_path: Path, env: dict[str, str]) -> str:
    """What a recipe's process finds in AWS_DEFAULT_REGION (as `make lab`'s kernels would)."""
    probe = tmp_path / "probe.mk"
    probe.write_text('probe:\n\t@echo "[$$AWS_DEFAULT_REGION]"\n')
    return make("-f", "Makefile", "-f", str(probe), "probe", env=env).strip()


def test_the_profiles_region_is_not_overridden(tmp_path: Path) -> None:
    # boto3 reads AWS_DEFAULT_REGION before the profile's `region`: a default exported by the
    # Makefile would send a learner's WORKBOOK_TARGET=aws run to the wrong region.
    env = learner_env(WORKBOOK_TARGET="aws", AWS_PROFILE="learner")
    assert region_seen_by_recipes(tmp_path, env) == "[]"


def test_a_region_the_learner_sets_is_passed_on(tmp_path: Path) -> None:
    env = learner_env(WORKBOOK_TARGET="aws", AWS_DEFAULT_REGION="eu-west-1")
    assert region_seen_by_recipes(tmp_path, env) == "[eu-west-1]"


def test_make_test_runs_the_workbook_twice_strictly_then_once_at_aws_delays() -> None:
    recipe = make("-n", "test", env=learner_env()).replace("\\\n", " ")  # -n: print only
    clouds = [line for line in recipe.splitlines() if "localcloud exec" in line]
    assert len(clouds) == 2
    strict, at_aws = clouds
    # Both clouds play the email recipient: nobody clicks confirmation links in a headless run.
    assert "LOCALCLOUD_SIMULATED_RECIPIENT=1" in strict
    assert "LOCALCLOUD_SIMULATED_RECIPIENT=1" in at_aws
    # The suites start their own clouds with the settings they choose.
    assert "env -u LOCALCLOUD_SIMULATED_RECIPIENT .venv/bin/python -m pytest tests" in strict
    assert strict.count("-m pytest notebooks") == 2  # the second pass on the same cloud
    assert "LOCALCLOUD_REALISM" not in strict
    assert "LOCALCLOUD_REALISM=aws" in at_aws
    assert "scripts/run-workbook" in at_aws


def test_a_cancelled_run_stops_its_cloud() -> None:
    """CI cancels a job with SIGTERM: `localcloud exec` (what `make test` runs in) must still
    stop its cloud, which runs in a session of its own and would otherwise outlive it."""
    run = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "exec", "--", "sh", "-c", "echo ready; exec sleep 60"],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # each line as it is printed
        stdout=subprocess.PIPE,
        text=True,
    )
    started = run.stdout.readline()  # "Local cloud running (pid N) at ..."
    server = int(re.search(r"\(pid (\d+)\)", started).group(1))
    while run.stdout.readline() != "ready\n":  # the cloud's settings, then the command's line
        pass
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=15) == 128 + signal.SIGTERM
    rest = run.stdout.read()  # to the end: the command was stopped too
    run.stdout.close()
    assert f"Stopped the local cloud (pid {server})" in rest
    with pytest.raises(ProcessLookupError):
        os.kill(server, 0)


def test_a_notebook_cell_may_wait_as_long_as_a_headless_run_allows() -> None:
    """nbval makes each cell a test; pytest.ini's per-test timeout would cut 07's AWS-sized
    waits short, so notebooks/conftest.py gives cells workbook/headless.py's limit."""
    spec = importlib.util.spec_from_file_location(
        "notebooks_conftest", NOTEBOOKS_DIR / "conftest.py"
    )
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)

    class Item:
        def __init__(self, path: Path) -> None:
            self.path = path
            self.markers: list[pytest.Mark] = []

        def add_marker(self, marker: pytest.MarkDecorator) -> None:
            self.markers.append(marker.mark)

    cell, test = Item(NOTEBOOKS_DIR / "07-x.ipynb"), Item(REPO / "tests" / "test_x.py")
    hooks.pytest_collection_modifyitems([cell, test])
    assert [(m.name, m.args) for m in cell.markers] == [("timeout", (CELL_TIMEOUT_S,))]
    assert CELL_TIMEOUT_S >= 900 + 60  # 07's longest wait for an alarm, and then some
    assert test.markers == []  # the suites keep pytest.ini's timeout


def test_make_lab_opens_the_project_root_at_notebook_00_without_node() -> None:
    recipe = make("-n", "lab", env=learner_env())
    assert "jupyter lab notebooks/00-set-up-the-workbook.ipynb --ServerApp.root_dir=." in recipe
    assert "npm" not in recipe


def test_make_test_says_what_is_missing_without_node(tmp_path: Path) -> None:
    # Only the recipe's own shell builtins are found: no npm anywhere on PATH.
    run = subprocess.run(
        ["make", "--no-print-directory", "-B", "node_modules/.installed"],
        cwd=REPO,
        env={**learner_env(), "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        executable=shutil.which("make"),
    )
    assert run.returncode != 0
    assert "make test needs Node.js 18 or newer, with npm" in run.stderr
    assert "make lab does not need it" in run.stderr
