"""scripts/deploy and scripts/teardown, run as a learner would, against the test cloud."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from tests.conftest import REPO, LocalCloud, start_cloud


def script(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / name), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_every_script_has_help() -> None:
    for name in ("deploy", "teardown", "run-workbook"):
        run = script(name, "--help")
        assert run.returncode == 0, run.stderr
        assert "--prefix" in run.stdout


def test_a_stopped_cloud_is_a_one_line_error(cloud) -> None:  # noqa: ANN001
    env = {**cloud.env(), "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    run = script("deploy", "--prefix", "nothing", env=env)
    assert run.returncode != 0
    assert "make cloud" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.fixture(scope="module")
def cloud_waiting_for_a_person(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A cloud as `make cloud` starts it for JupyterLab: the learner clicks confirmation links."""
    yield from start_cloud(tmp_path_factory, {"LOCALCLOUD_SIMULATED_RECIPIENT": "0"})


def test_a_headless_run_needs_a_cloud_that_plays_the_recipient(
    cloud_waiting_for_a_person: LocalCloud,
) -> None:
    env = cloud_waiting_for_a_person.env()
    for name in ("deploy", "run-workbook"):
        run = script(name, "--prefix", "nobody", env=env)
        assert run.returncode != 0
        assert "LOCALCLOUD_SIMULATED_RECIPIENT=1 make cloud" in run.stderr
        assert "Traceback" not in run.stderr
        assert "running" not in run.stdout  # stopped before any notebook


def test_deploy_then_teardown(cloud, on_cloud: str, tmp_path: Path) -> None:  # noqa: ANN001
    deployed = script("deploy", "--prefix", on_cloud, "--out", str(tmp_path), env=cloud.env())
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr

    outputs = json.loads((tmp_path / "stack-outputs.json").read_text())
    assert outputs["prefix"] == on_cloud
    assert outputs["tables"][0] == f"{on_cloud}-Inventory"
    assert outputs["topicArn"].endswith(f":{on_cloud}-order-notifications")
    assert outputs["stateMachineArn"].endswith(f":stateMachine:{on_cloud}-OrderProcessing")
    postman = json.loads((tmp_path / "postman-environment.json").read_text())
    variables = {v["key"]: v["value"] for v in postman["values"]}
    assert variables == {"baseUrl": outputs["stageUrl"], "adminApiKey": outputs["adminApiKey"]}

    inventory = requests.get(f"{variables['baseUrl']}/inventory", timeout=30)
    assert inventory.status_code == 200
    keyed = requests.put(
        f"{variables['baseUrl']}/orders",
        json={"orderId": "none", "userId": "none", "status": "shipped"},
        headers={"X-Api-Key": variables["adminApiKey"]},
        timeout=30,
    )
    assert keyed.status_code == 404  # past the key check, to the function: no such order
    assert {
        f"{on_cloud}-Inventory",
        f"{on_cloud}-OrderService",
        f"{on_cloud}-OrderProcessing",
    } < set(named(on_cloud))

    torn_down = script("teardown", "--prefix", on_cloud, env=cloud.env())
    assert torn_down.returncode == 0, torn_down.stdout + torn_down.stderr
    assert named(on_cloud) == []


def named(prefix: str) -> list[str]:
    """What deploy makes of the kinds a teardown could miss, looked up independently of 08."""
    start = f"{prefix}-"
    names = boto3.client("dynamodb").list_tables()["TableNames"]
    names += [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]
    names += [r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]]
    names += [t["TopicArn"].rsplit(":", 1)[1] for t in boto3.client("sns").list_topics()["Topics"]]
    names += [
        m["name"] for m in boto3.client("stepfunctions").list_state_machines()["stateMachines"]
    ]
    return sorted(name for name in names if name.startswith(start))
