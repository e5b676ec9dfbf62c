"""The learners' Postman collection (postman/), run by newman against a freshly deployed stack.

`scripts/deploy` builds a stack of its own (prefix `pm`) in the session's local cloud and writes
the Postman environment a learner would import; newman runs the collection with that
environment twice, because the collection must stay runnable again and again against one stack
(each run registers a new customer and makes a new Idempotency-Key).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, LocalCloud

COLLECTION = REPO / "postman" / "orders.postman_collection.json"
NEWMAN = REPO / "node_modules" / ".bin" / "newman"
DEPLOY = REPO / "scripts" / "deploy"
PREFIX = "pm"
DEPLOY_TIMEOUT_S = 420
NEWMAN_TIMEOUT_S = 180
# What the environment from scripts/deploy holds; everything else must be the collection's own.
ENVIRONMENT_VARIABLES = {"baseUrl", "adminApiKey"}


def collection() -> dict:
    return json.loads(COLLECTION.read_text())


def requests_of(items: list[dict]) -> list[dict]:
    """Every request of the collection, folders flattened, in running order."""
    found = []
    for item in items:
        found.extend(requests_of(item["item"]) if "item" in item else [item])
    return found


def test_the_collection_needs_only_the_deploy_environment() -> None:
    """A learner imports the collection and out/postman-environment.json, nothing else."""
    document = collection()
    own = {variable["key"] for variable in document["variable"]}
    used = set(re.findall(r"\{\{([^{}]+)\}\}", COLLECTION.read_text()))
    dynamic = {name for name in used if name.startswith("$")}
    assert used - dynamic - own == ENVIRONMENT_VARIABLES
    assert not own & ENVIRONMENT_VARIABLES, "a collection variable would hide the environment's"


def test_request_names_are_unique() -> None:
    """The paging request names itself as the next request: names must identify requests."""
    names = [request["name"] for request in requests_of(collection()["item"])]
    assert len(names) == len(set(names))


@pytest.mark.timeout(DEPLOY_TIMEOUT_S + 2 * NEWMAN_TIMEOUT_S + 60)
def test_the_collection_passes_twice_on_a_fresh_stack(cloud: LocalCloud, tmp_path: Path) -> None:
    if not NEWMAN.exists():
        pytest.fail("newman is not installed: run npm ci (make test does)")
    deployed = subprocess.run(
        [sys.executable, str(DEPLOY), "--prefix", PREFIX, "--out", str(tmp_path)],
        cwd=REPO,
        env=cloud.env(),
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT_S,
    )
    assert deployed.returncode == 0, f"scripts/deploy failed:\n{deployed.stdout}\n{deployed.stderr}"
    environment = tmp_path / "postman-environment.json"

    for run_number in (1, 2):
        run = subprocess.run(
            [
                str(NEWMAN),
                "run",
                str(COLLECTION),
                "--environment",
                str(environment),
                "--color",
                "off",
                "--timeout-request",
                "60000",  # ms; above OrderService's 29 s, so a slow answer is seen, not cut
            ],
            cwd=REPO,
            env=cloud.env(),
            capture_output=True,
            text=True,
            timeout=NEWMAN_TIMEOUT_S,
        )
        assert run.returncode == 0, f"newman run {run_number} failed:\n{run.stdout}\n{run.stderr}"
        assert "AssertionError" not in run.stdout, run.stdout
