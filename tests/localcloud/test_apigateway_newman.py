"""The Postman collection for the API Gateway emulation, run by newman against a deployed stage."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.localcloud.apigateway_api import build_api

COLLECTION = Path(__file__).parent / "postman" / "apigateway.postman_collection.json"


def test_postman_collection_passes(cloud) -> None:  # noqa: ANN001
    if not (REPO / "node_modules" / ".bin" / "newman").exists():
        pytest.fail("newman is not installed: run npm ci")
    api = build_api(cloud)
    run = subprocess.run(
        [
            "npx",
            "--no-install",
            "newman",
            "run",
            str(COLLECTION),
            "--env-var",
            f"baseUrl={api.url()}",
            "--env-var",
            f"apiKey={api.keys['newman']}",
            "--color",
            "off",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "AssertionError" not in run.stdout
