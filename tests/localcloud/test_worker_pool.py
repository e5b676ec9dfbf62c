"""Worker lifecycle without a server: generations and reaping of idle workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.lambda_runtime.launch import Launchers
from localcloud.lambda_runtime.pool import FunctionPool, Worker, WorkerSpec
from localcloud.lambda_runtime.sandbox import WorkerFolder, worker_user


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[WorkerFolder]:
    """Where the worker's user can read the code: pytest's folders are 0700, which `nobody`
    (the workers' user when the tests run as root) cannot enter."""
    folder = WorkerFolder(tmp_path, worker_user())
    yield folder
    folder.close()


ECHO = "def lambda_handler(e, c):\n    return e\n"


def start_worker(folder: WorkerFolder, generation: str, source: str = ECHO) -> Worker:
    code = folder.root / "code"
    code.mkdir(mode=0o755, exist_ok=True)
    (code / "lambda_function.py").write_text(source)
    (code / "lambda_function.py").chmod(0o644)
    environment = {
        "_HANDLER": "lambda_function.lambda_handler",
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_FUNCTION_NAME": "pool-test",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/pool-test",
    }
    launcher = Launchers(folder).for_runtime("python3.11")
    worker, _ = Worker.start(WorkerSpec(generation, code, [], [], environment, launcher), "stream")
    return worker


def test_idle_workers_are_reaped(folder: WorkerFolder) -> None:
    pool = FunctionPool()
    worker = start_worker(folder, "g1")
    pool.give_back(worker, "g1")
    pool.reap(idle_seconds=3600)
    assert worker.alive() and pool.idle == [worker]
    pool.reap(idle_seconds=0)
    assert not worker.alive() and pool.idle == []


def test_workers_of_an_old_generation_are_retired(folder: WorkerFolder) -> None:
    pool = FunctionPool()
    old = start_worker(folder, "g1")
    pool.give_back(old, "g1")
    assert pool.take_idle("g2") is None  # the code or configuration changed
    assert not old.alive()


def test_a_worker_answers_over_its_frames(folder: WorkerFolder) -> None:
    worker = start_worker(folder, "g1")
    request = {"requestId": "r1", "event": {"n": 1}, "deadlineMs": 2**41, "invokedFunctionArn": "a"}
    frame, lines = worker.invoke(request, timeout_s=5)
    worker.kill()
    assert frame is not None and frame["ok"] and frame["payload"] == '{"n": 1}'


def test_a_workers_lines_are_stamped_as_they_arrive(folder: WorkerFolder) -> None:
    handler = "import time\ndef lambda_handler(e, c):\n    print('a')\n    time.sleep(0.3)\n"
    worker = start_worker(folder, "g1", handler + "    print('b')\n")
    request = {"requestId": "r1", "event": {}, "deadlineMs": 2**41, "invokedFunctionArn": "a"}
    frame, lines = worker.invoke(request, timeout_s=5)
    worker.kill()
    assert frame is not None and [line.message for line in lines] == ["a", "b"]
    assert lines[1].timestamp_ms - lines[0].timestamp_ms >= 250


def test_a_busy_worker_of_a_deleted_function_stops_when_given_back(folder: WorkerFolder) -> None:
    pool = FunctionPool()
    busy = start_worker(folder, "g1")  # taken by an invoke while the function is deleted
    pool.shutdown()
    assert busy.alive()
    pool.give_back(busy, "g1")
    assert not busy.alive() and pool.idle == []
