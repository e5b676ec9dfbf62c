"""Worker lifecycle without a server: generations and reaping of idle workers."""

from __future__ import annotations

from pathlib import Path

from localcloud.lambda_runtime.pool import FunctionPool, Worker, WorkerSpec


def start_worker(tmp_path: Path, generation: str) -> Worker:
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return e\n")
    environment = {
        "_HANDLER": "lambda_function.lambda_handler",
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_FUNCTION_NAME": "pool-test",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/pool-test",
    }
    worker, _ = Worker.start(WorkerSpec(generation, tmp_path, [], environment), "stream")
    return worker


def test_idle_workers_are_reaped(tmp_path: Path) -> None:
    pool = FunctionPool()
    worker = start_worker(tmp_path, "g1")
    pool.give_back(worker, "g1")
    pool.reap(idle_seconds=3600)
    assert worker.alive() and pool.idle == [worker]
    pool.reap(idle_seconds=0)
    assert not worker.alive() and pool.idle == []


def test_workers_of_an_old_generation_are_retired(tmp_path: Path) -> None:
    pool = FunctionPool()
    old = start_worker(tmp_path, "g1")
    pool.give_back(old, "g1")
    assert pool.take_idle("g2") is None  # the code or configuration changed
    assert not old.alive()


def test_a_worker_answers_over_its_frames(tmp_path: Path) -> None:
    worker = start_worker(tmp_path, "g1")
    request = {"requestId": "r1", "event": {"n": 1}, "deadlineMs": 2**41, "invokedFunctionArn": "a"}
    frame, lines = worker.invoke(request, timeout_s=5)
    worker.kill()
    assert frame is not None and frame["ok"] and frame["payload"] == '{"n": 1}'
