"""Deployment packages: what goes in a function's zip and in the Powertools layer."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from localcloud.lambda_runtime import interpreters, launch
from workbook import stack
from workbook.packaging import code_sha256, function_zip, layer_zip


def names_in(package: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(package)).namelist()


@pytest.mark.parametrize("spec", stack.FUNCTIONS, ids=lambda spec: spec.folder)
def test_function_zip_holds_the_handler_at_the_top_and_no_policy(spec: stack.FunctionSpec) -> None:
    names = names_in(function_zip(spec.folder))
    assert f"{spec.handler.split('.')[0]}.py" in names
    assert "policy.json" not in names
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)


def test_zips_are_reproducible_so_their_hash_says_whether_code_changed() -> None:
    assert function_zip("order_service") == function_zip("order_service")
    assert code_sha256(function_zip("order_service")) != code_sha256(function_zip("user_service"))


def test_code_sha256_is_what_lambda_reports() -> None:
    package = function_zip("inventory_check")
    expected = base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert code_sha256(package) == expected


def test_layer_has_powertools_and_its_dependencies_under_python() -> None:
    names = names_in(layer_zip())
    assert "python/aws_lambda_powertools/__init__.py" in names
    assert "python/aws_lambda_powertools/utilities/idempotency/__init__.py" in names
    assert "python/jmespath/__init__.py" in names
    assert "python/typing_extensions.py" in names
    assert all(name.startswith("python/") for name in names)
    assert not any("__pycache__" in name for name in names)


@pytest.mark.parametrize("spec", stack.FUNCTIONS, ids=lambda spec: spec.folder)
def test_each_function_imports_with_only_its_zip_the_layer_and_the_runtime_sdk(
    spec: stack.FunctionSpec, tmp_path: Path
) -> None:
    """On Lambda the handler sees its package, the layer and the runtime's boto3, nothing
    else: Powertools' own dependencies must be in the layer."""
    for folder, package in (("task", function_zip(spec.folder)), ("opt", layer_zip())):
        zipfile.ZipFile(io.BytesIO(package)).extractall(tmp_path / folder)
    python = interpreters.find(interpreters.python_version_of(stack.RUNTIME))
    python = python or interpreters.own()
    path = [tmp_path / "task", tmp_path / "opt" / "python", launch.SDK_FOLDER]
    module = spec.handler.rsplit(".", 1)[0]
    script = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}; import {module}"
    imported = subprocess.run(
        [str(python.executable), "-I", "-S", "-c", script],
        cwd=tmp_path / "task",
        env={"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1"}
        | {name: "x" for name in spec.environment}
        | {"LOG_LEVEL": "INFO"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr


def test_an_unknown_folder_or_package_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        function_zip("no_such_function")
    with pytest.raises(ModuleNotFoundError):
        layer_zip(["no_such_package_here"])
