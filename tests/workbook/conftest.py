"""Fixtures for the workbook's tests: this process pointed at the test session's local cloud."""

from __future__ import annotations

import uuid

import pytest

# The variables that decide where boto3 and the workbook go (see tests/conftest.py's env()).
TARGET_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_DISABLE_HOST_PREFIX_INJECTION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)


@pytest.fixture
def prefix() -> str:
    """A prefix of its own per test, so tests sharing the cloud never see each other's stack."""
    return f"t{uuid.uuid4().hex[:8]}"


@pytest.fixture
def on_cloud(cloud, prefix: str, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: ANN001
    """Point this process (and notebook kernels it starts) at `cloud`, with `prefix`."""
    environment = cloud.env()
    for key in TARGET_VARIABLES:
        monkeypatch.setenv(key, environment[key])
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("WORKBOOK_TARGET", "local")
    monkeypatch.setenv("WORKBOOK_PREFIX", prefix)
    return prefix
