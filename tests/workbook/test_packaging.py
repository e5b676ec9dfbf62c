"""Deployment packages: what goes in a function's zip and in the Powertools layer."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from localcloud.lambda_runtime import interpreters, launch
from workbook import packaging, stack
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
    assert "python/fastjsonschema/__init__.py" in names  # the handlers' request validation
    assert "python/jmespath/__init__.py" in names
    assert "python/typing_extensions.py" in names
    assert all(name.startswith("python/") for name in names)
    assert not any("__pycache__" in name or name.startswith("python/bin/") for name in names)


def pins() -> dict[str, str]:
    """The layer's requirements file as {normalised name: version}."""
    found = {}
    for line in stack.LAYER_REQUIREMENTS_FILE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = re.fullmatch(r"([\w.-]+)(?:\[[\w,]+\])?==([\w.]+)", line).groups()
            found[re.sub(r"[-_.]+", "_", name).lower()] = version
    return found


def test_the_layer_holds_exactly_the_pinned_versions() -> None:
    """Each pin installed, at its version, and nothing unpinned crept in as a dependency."""
    installed = {}
    for name in names_in(layer_zip()):
        match = re.fullmatch(r"python/([^/]+)-([^-/]+)\.dist-info/METADATA", name)
        if match:
            installed[match[1].lower()] = match[2]
    assert installed == pins()


def test_the_tests_run_the_powertools_the_layer_deploys() -> None:
    """The handlers are tested in-process with this environment's packages (tests/orders)."""
    for name, version in pins().items():
        assert metadata.version(name) == version, f"requirements.txt and the layer differ: {name}"


def test_the_layer_is_pip_installed_from_lambda_platform_wheels() -> None:
    """AWS's recipe for a Python layer: wheels for the runtime's Python and Lambda's Linux."""
    command = packaging.pip_install_command(
        Path("out/python"), stack.LAYER_REQUIREMENTS_FILE, stack.RUNTIME, stack.ARCHITECTURE
    )
    joined = " ".join(command)
    assert "--target out/python" in joined
    assert "--platform manylinux2014_x86_64 --implementation cp" in joined
    assert f"--python-version {stack.RUNTIME.removeprefix('python')} --only-binary=:all:" in joined
    assert f"--requirement {stack.LAYER_REQUIREMENTS_FILE}" in joined
    arm = packaging.pip_install_command(Path("p"), Path("r.txt"), "python3.12", "arm64")
    assert "manylinux2014_aarch64" in arm and "3.12" in arm
    with pytest.raises(ValueError, match="architecture"):
        packaging.pip_install_command(Path("p"), Path("r.txt"), "python3.13", "sparc")
    with pytest.raises(ValueError, match="runtime"):
        packaging.pip_install_command(Path("p"), Path("r.txt"), "nodejs22.x", "x86_64")


def test_the_layer_is_built_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip is stood in for (no download): what it installs lands under python/, its console
    scripts stay out, and a second build of the same pins, Python and platform runs no pip."""
    calls: list[list[str]] = []

    def fake_pip(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        calls.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pkg").mkdir(parents=True)
        (target / "pkg" / "__init__.py").write_text("VERSION = 1\n")
        (target / "bin").mkdir()
        (target / "bin" / "tool").write_text("#!/usr/bin/python3\n")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(packaging, "LAYER_CACHE", tmp_path / "layers")
    monkeypatch.setattr(packaging.subprocess, "run", fake_pip)
    built = layer_zip()
    assert names_in(built) == ["python/pkg/__init__.py"]
    assert [p.suffix for p in (tmp_path / "layers").iterdir()] == [".zip"]  # no leftovers
    assert layer_zip() == built and len(calls) == 1
    layer_zip(runtime="python3.12")  # another Python is another build
    layer_zip(architecture="arm64")  # and so is another platform
    assert len(calls) == 3 and "manylinux2014_aarch64" in calls[-1]


def test_without_pypi_and_without_a_build_the_error_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packaging, "LAYER_CACHE", tmp_path / "layers")
    # A closed port as the only index, and no configured mirrors or pip cache to fall back on.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(RuntimeError, match="Is PyPI reachable") as refused:
        layer_zip()
    assert str(packaging.LAYER_CACHE) in str(refused.value)
    assert list((tmp_path / "layers").iterdir()) == []


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


def test_an_unknown_folder_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        function_zip("no_such_function")


def test_an_edited_copy_changes_only_the_edited_file_and_leaves_the_folder_alone() -> None:
    original = function_zip("order_service")
    text = (stack.LAMBDAS_DIR / "order_service" / "app.py").read_text()
    edited = function_zip("order_service", edited={"app.py": text + "\n# edited\n"})
    archive = zipfile.ZipFile(io.BytesIO(edited))
    assert archive.read("app.py").decode().endswith("# edited\n")
    assert names_in(edited) == names_in(original)
    assert archive.getinfo("app.py").external_attr == 0o644 << 16  # readable by Lambda
    assert code_sha256(edited) != code_sha256(original)
    assert function_zip("order_service") == original
    assert function_zip("order_service", edited={"app.py": text}) == original


def test_only_files_the_folder_has_can_be_edited() -> None:
    with pytest.raises(FileNotFoundError, match="no handler.py"):
        function_zip("inventory_check", edited={"handler.py": "print()"})
