"""How a function's worker process is started: which Python, which bootstrap, as which user.

The worker sees what a Lambda execution environment holds and nothing of the local cloud: the
interpreter the function's `Runtime` names (python3.12 runs on a Python 3.12 when one is
installed here), started isolated (`-I -S`: no PYTHONPATH, no site or user packages), and on its
path only the package, its layers and the runtime's SDK (boto3 and botocore at the versions of
requirements-lambda-runtime.txt, which `make install` puts in .venv/lambda-runtime-sdk).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

from localcloud.lambda_runtime import interpreters
from localcloud.lambda_runtime.sandbox import WorkerFolder, WorkerUser, can_reach

BOOTSTRAP = Path(__file__).with_name("worker.py")
SDK_FOLDER = Path(sys.prefix) / "lambda-runtime-sdk"
# What a worker never imports from an interpreter's installation: left out of its copy.
NOT_RUNTIME = {"include", "share", "site-packages", "test", "idlelib", "tkinter", "turtledemo"}


@dataclass(frozen=True)
class Launcher:
    interpreter: Path
    bootstrap: Path  # worker.py
    sdk: Path
    user: WorkerUser | None
    environment: dict[str, str]  # what this interpreter needs to start (LD_LIBRARY_PATH)
    notice: str | None  # one line for the function's log, when the runtime is not the one named

    def command(self) -> list[str]:
        # -I: no PYTHON* variables, no user site, no script folder; -S: no site-packages;
        # -B: write no bytecode into the package; -u: output in order with the worker's frames.
        return [str(self.interpreter), "-I", "-S", "-B", "-u", str(self.bootstrap)]

    def identity(self) -> dict[str, object]:
        """subprocess.Popen's user arguments: the worker user, with no supplementary groups."""
        if self.user is None:
            return {}
        return {"user": self.user.uid, "group": self.user.gid, "extra_groups": []}


class Launchers:
    """A Launcher per runtime, made on first use (finding and placing an interpreter)."""

    def __init__(self, folder: WorkerFolder) -> None:
        if not (SDK_FOLDER / "boto3").is_dir():
            raise RuntimeError(
                f"The Lambda runtime's SDK is not installed in {SDK_FOLDER}: run `make install` "
                "(it installs requirements-lambda-runtime.txt there with pip install --target)."
            )
        self.folder = folder
        self.lock = Lock()
        self.launchers: dict[str | None, Launcher] = {}

    def for_runtime(self, runtime: str | None) -> Launcher:
        with self.lock:
            if runtime not in self.launchers:
                self.launchers[runtime] = self._launcher(runtime)
            return self.launchers[runtime]

    def _launcher(self, runtime: str | None) -> Launcher:
        # Placed at the first cold start, not at the cloud's start: when the worker user
        # cannot reach this repository, linking the SDK's files takes a moment.
        bootstrap = self.folder.reachable(BOOTSTRAP)
        sdk = self.folder.reachable(SDK_FOLDER)
        wanted = interpreters.python_version_of(runtime)
        interpreter = interpreters.find(wanted)
        notice = None
        if interpreter is None:
            interpreter = interpreters.own()
            notice = (
                f"LOCALCLOUD: no Python {wanted} is installed here, so this {runtime} function "
                f"runs on Python {interpreter.version}. Install Python {wanted} (as "
                f"python{wanted} on PATH, or with pyenv) to run it on its own version."
            )
        executable, environment = self._reachable(interpreter)
        _compile(sdk, executable, environment)
        return Launcher(executable, bootstrap, sdk, self.folder.user, environment, notice)

    def _reachable(self, interpreter: interpreters.Interpreter) -> tuple[Path, dict[str, str]]:
        """The interpreter where the worker user can run it, and what it then needs to start."""
        stdlib = interpreter.prefix / "lib" / f"python{interpreter.short_version}"
        user = self.folder.user
        if can_reach(interpreter.executable, user, execute=True) and can_reach(stdlib, user):
            return interpreter.executable, {}
        if not interpreter.executable.is_relative_to(interpreter.prefix):
            raise RuntimeError(
                f"The Lambda workers' user cannot run {interpreter.executable}, and it lies "
                f"outside its installation ({interpreter.prefix}) to copy: install Python "
                f"{interpreter.short_version} where every user can reach it."
            )
        prefix = self.folder.reachable(
            interpreter.prefix, keep=lambda entry: entry.name not in NOT_RUNTIME
        )
        # The copy's own libpython: the interpreter's run path names the original.
        return prefix / interpreter.executable.relative_to(interpreter.prefix), {
            "LD_LIBRARY_PATH": str(prefix / "lib")
        }


def _compile(sdk: Path, executable: Path, environment: dict[str, str]) -> None:
    """Compile the SDK's bytecode for this Python, as Lambda's runtimes ship it: a worker may
    not write it (nor should it), and importing boto3 from source triples a cold start.
    Files already compiled are skipped."""
    subprocess.run(
        [str(executable), "-I", "-S", "-m", "compileall", "-q", "-j", "0", str(sdk)],
        env={"PATH": os.environ.get("PATH", ""), **environment},
        stdout=subprocess.DEVNULL,
        check=False,  # a file that does not compile is imported from source, as on AWS
    )
