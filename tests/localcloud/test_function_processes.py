"""What a function's process sees: what Lambda gives it, and nothing of the local cloud."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re

import pytest
from botocore.exceptions import ClientError

from localcloud.lambda_runtime import interpreters
from tests.conftest import REPO
from tests.localcloud.functions import ROLE, deploy, zip_of

# The runtime SDK's pins, {"boto3": "1.40.0", ...}
RUNTIME_SDK = dict(
    re.findall(r"^(\S+)==(\S+)", (REPO / "requirements-lambda-runtime.txt").read_text(), re.M)
)

WHO_AM_I = """
import os, sys

def lambda_handler(event, context):
    return {"version": sys.version, "pid": os.getpid(), "uid": os.getuid(), "path": sys.path}
"""


@pytest.fixture(scope="module")
def lam(cloud):  # noqa: ANN001, ANN201
    return cloud.client("lambda", retries={"max_attempts": 1})


def invoke(lam, name: str, **kwargs) -> tuple[dict, object]:  # noqa: ANN001
    response = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail", **kwargs)
    return response, json.loads(response["Payload"].read() or "null")


def log_tail(response: dict) -> str:
    return base64.b64decode(response["LogResult"]).decode()


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    return True


@pytest.mark.parametrize("module", ["requests", "pandas", "moto"])
def test_the_local_clouds_packages_are_not_importable(lam, module: str) -> None:  # noqa: ANN001
    name = deploy(lam, f"import {module}\ndef lambda_handler(e, c):\n    return 1\n")
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == (
        f"Unable to import module 'lambda_function': No module named '{module}'"
    )


def test_boto3_is_the_runtimes_own(lam) -> None:  # noqa: ANN001
    source = """
    import boto3, botocore
    def lambda_handler(e, c):
        return {"boto3": boto3.__version__, "botocore": botocore.__version__}
    """
    response, body = invoke(lam, deploy(lam, source))
    assert "FunctionError" not in response, body
    assert body == {"boto3": RUNTIME_SDK["boto3"], "botocore": RUNTIME_SDK["botocore"]}


def test_the_path_holds_the_package_and_the_sdk_and_no_site_packages(lam) -> None:  # noqa: ANN001
    _, body = invoke(lam, deploy(lam, WHO_AM_I))
    path = body["path"]
    assert path[1].endswith("lambda-runtime-sdk")  # after the package (/var/task)
    assert not any("site-packages" in entry or "dist-packages" in entry for entry in path)
    if os.geteuid() == 0:  # Lambda runs functions as an unprivileged user
        assert body["uid"] != 0


def test_layers_are_found_where_lambda_unpacks_them_and_a_later_one_wins(lam) -> None:  # noqa: ANN001
    def layer(files: dict[str, str]) -> str:
        content = {"ZipFile": zip_of(files)}
        return lam.publish_layer_version(LayerName="path-layer", Content=content)["LayerVersionArn"]

    first = layer(
        {
            "python/lib/python3.11/site-packages/packaged.py": "WHERE = 'site-packages'\n",
            "python/common.py": "WHERE = 'first layer'\n",
        }
    )
    second = layer({"python/common.py": "WHERE = 'second layer'\n"})
    source = """
    import common, packaged
    def lambda_handler(e, c):
        return [packaged.WHERE, common.WHERE]
    """
    name = deploy(lam, source, Layers=[first, second])
    assert invoke(lam, name)[1] == ["site-packages", "second layer"]


@pytest.mark.skipif(interpreters.find("3.12") is None, reason="no Python 3.12 installed here")
def test_a_python312_function_runs_on_python_312(lam) -> None:  # noqa: ANN001
    response, body = invoke(lam, deploy(lam, WHO_AM_I, Runtime="python3.12"))
    assert body["version"].startswith("3.12.")
    assert "LOCALCLOUD:" not in log_tail(response)


@pytest.mark.skipif(interpreters.find("3.14") is not None, reason="Python 3.14 is installed")
def test_a_runtime_not_installed_runs_on_the_local_python_and_says_so(lam) -> None:  # noqa: ANN001
    name = deploy(lam, WHO_AM_I, Runtime="python3.14")
    response, body = invoke(lam, name)
    assert "FunctionError" not in response
    assert not body["version"].startswith("3.14")
    notice = next(line for line in log_tail(response).splitlines() if "LOCALCLOUD:" in line)
    assert "no Python 3.14 is installed here" in notice
    assert f"runs on Python {body['version'].split()[0]}" in notice
    assert "LOCALCLOUD:" not in log_tail(invoke(lam, name)[0])  # said at the cold start only


def test_a_file_others_cannot_read_is_refused_as_on_lambda(lam) -> None:  # noqa: ANN001
    source = "def lambda_handler(e, c):\n    return 'read'\n"
    private = f"fn-private-{os.getpid()}"
    lam.create_function(
        FunctionName=private,
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": zip_of({"lambda_function.py": source}, {"lambda_function.py": 0o600})},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=private, WaiterConfig={"Delay": 0.1})
    response, body = invoke(lam, private)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "PermissionError"
    assert body["errorMessage"] == "[Errno 13] Permission denied: '/var/task/lambda_function.py'"
    assert invoke(lam, deploy(lam, source))[1] == "read"  # the same file, 0644


def test_the_package_folder_is_read_only(lam) -> None:  # noqa: ANN001
    source = """
    import os
    def lambda_handler(e, c):
        open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "new.txt"), "w")
    """
    response, body = invoke(lam, deploy(lam, source))
    assert body["errorType"] == "PermissionError"
    assert body["errorMessage"] == "[Errno 13] Permission denied: '/var/task/new.txt'"


def test_deleting_a_function_stops_its_workers(lam) -> None:  # noqa: ANN001
    name = deploy(lam, WHO_AM_I)
    pid = invoke(lam, name)[1]["pid"]
    assert process_exists(pid)
    lam.delete_function(FunctionName=name)
    assert not process_exists(pid)


def test_deleting_a_version_stops_its_workers_only(lam) -> None:  # noqa: ANN001
    name = deploy(lam, WHO_AM_I)
    lam.publish_version(FunctionName=name)
    version_pid = invoke(lam, name, Qualifier="1")[1]["pid"]
    latest_pid = invoke(lam, name)[1]["pid"]
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert not process_exists(version_pid)
    assert process_exists(latest_pid)


@pytest.mark.parametrize("runtime", ["python3.7", "python2.7"])
def test_a_retired_runtime_is_refused_at_create(lam, runtime: str) -> None:  # noqa: ANN001
    with pytest.raises(ClientError) as refused:
        deploy(lam, WHO_AM_I, Runtime=runtime)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        f"The runtime parameter of {runtime} is no longer supported for creating or updating "
        "AWS Lambda functions. We recommend you use a supported runtime while creating or "
        "updating functions."
    )


def test_runtimes_are_blocked_from_the_dates_aws_publishes() -> None:
    assert interpreters.refusal("python3.10", True, today=dt.date(2026, 11, 29)) is None
    assert interpreters.refusal("python3.10", True, today=dt.date(2026, 11, 30))
    assert interpreters.refusal("python3.10", False, today=dt.date(2026, 11, 30)) is None
    assert interpreters.refusal("python3.10", False, today=dt.date(2027, 1, 15))
    assert interpreters.refusal("nodejs22.x", True) is None


def test_an_update_to_a_retired_runtime_is_refused(lam) -> None:  # noqa: ANN001
    name = deploy(lam, WHO_AM_I)
    with pytest.raises(ClientError) as refused:
        lam.update_function_configuration(FunctionName=name, Runtime="python3.8")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert lam.get_function_configuration(FunctionName=name)["Runtime"] == "python3.11"
