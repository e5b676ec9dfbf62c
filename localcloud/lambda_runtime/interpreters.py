"""The Python a function's `Runtime` names: the runtimes AWS accepts, and an interpreter here.

Lambda's Python runtimes and the dates from which AWS blocks creating and updating functions on
them are those of https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html (and
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtime-support-policy).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# identifier: (block function create, block function update); None: not scheduled.
# Runtimes retired before the current table listed them are blocked since "long ago".
LONG_AGO = dt.date.min
PYTHON_RUNTIMES: dict[str, tuple[dt.date | None, dt.date | None]] = {
    "python2.7": (LONG_AGO, LONG_AGO),
    "python3.6": (LONG_AGO, LONG_AGO),
    "python3.7": (LONG_AGO, LONG_AGO),
    "python3.8": (dt.date(2025, 2, 28), dt.date(2025, 3, 31)),
    "python3.9": (dt.date(2026, 2, 3), dt.date(2026, 3, 9)),
    "python3.10": (dt.date(2026, 11, 30), dt.date(2027, 1, 15)),
    "python3.11": (dt.date(2027, 7, 31), dt.date(2027, 8, 31)),
    "python3.12": (dt.date(2028, 11, 30), dt.date(2029, 1, 10)),
    "python3.13": (dt.date(2029, 7, 31), dt.date(2029, 8, 31)),
    "python3.14": (dt.date(2029, 7, 31), dt.date(2029, 8, 31)),
}


def refusal(runtime: str | None, creating: bool, today: dt.date | None = None) -> str | None:
    """AWS's InvalidParameterValueException message for a runtime it no longer accepts for
    this call (CreateFunction, or an update that sets it), or None."""
    blocked = PYTHON_RUNTIMES.get(runtime or "", (None, None))[0 if creating else 1]
    if blocked is None or (today or dt.datetime.now(dt.UTC).date()) < blocked:
        return None
    return (
        f"The runtime parameter of {runtime} is no longer supported for creating or updating "
        "AWS Lambda functions. We recommend you use a supported runtime while creating or "
        "updating functions."
    )


@dataclass(frozen=True)
class Interpreter:
    executable: Path
    version: str  # "3.12.1"
    prefix: Path  # its installation (sys.base_prefix)

    @property
    def short_version(self) -> str:
        return ".".join(self.version.split(".")[:2])


def python_version_of(runtime: str | None) -> str:
    """ "3.12" for python3.12; the local cloud's own version for anything else."""
    if runtime and re.fullmatch(r"python\d+\.\d+", runtime):
        return runtime.removeprefix("python")
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def find(version: str) -> Interpreter | None:
    """A Python `version` ("3.12") installed here: `python3.12` on PATH, else under pyenv."""
    for candidate in _candidates(version):
        interpreter = _probe(candidate)
        if interpreter is not None and interpreter.short_version == version:
            return interpreter
    return None


def own() -> Interpreter:
    """The local cloud's own Python (its base installation, not its virtualenv)."""
    found = find(f"{sys.version_info.major}.{sys.version_info.minor}")
    if found is not None:
        return found
    interpreter = _probe(Path(sys.executable).resolve())
    assert interpreter is not None, f"{sys.executable} does not run"
    return interpreter


def _candidates(version: str) -> list[Path]:
    name = f"python{version}"
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    shims = pyenv_root / "shims"  # pyenv's shims are shell scripts that pick a version
    on_path = [
        Path(folder) / name
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and Path(folder) != shims
    ]
    installed = sorted(
        pyenv_root.glob(f"versions/{version}.*/bin/{name}"),
        key=lambda path: _patch_level(path.parent.parent.name),
        reverse=True,  # the newest patch release first
    )
    # Resolved: a virtualenv's python is a link, and the worker user must reach its target.
    found = [path.resolve() for path in on_path + installed if os.access(path, os.X_OK)]
    return list(dict.fromkeys(path for path in found if path.is_file()))


def _patch_level(folder_name: str) -> int:
    match = re.fullmatch(r"\d+\.\d+\.(\d+)", folder_name)
    return int(match.group(1)) if match else -1


@functools.cache
def _probe(executable: Path) -> Interpreter | None:
    """Ask an interpreter its version and installation prefix (once per path)."""
    try:
        answer = subprocess.run(
            [
                str(executable),
                "-I",
                "-S",
                "-c",
                "import sys; print(sys.base_prefix); print('%d.%d.%d' % sys.version_info[:3])",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    prefix, version = answer.stdout.split()
    return Interpreter(executable, version, Path(prefix))
