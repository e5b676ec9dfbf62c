"""Deployment packages: a function's folder as a zip, and the Powertools layer.

Zips are built byte-for-byte reproducibly (sorted entries, fixed timestamps and permissions), so
the same source always gives the same SHA-256: a re-run can compare it with what Lambda holds
(`CodeSha256`) and upload only what changed.

The layer is built as AWS documents for Python layers: pip installs wheels for the functions'
Python version and Lambda's platform (manylinux, their architecture) under `python/`
(https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html,
https://repost.aws/knowledge-center/lambda-python-package-compatible), so a dependency with
compiled code gets the Linux build Lambda can load, whatever machine builds it. The zip is kept
under build/layers/, named by what it was built from, so a re-run needs no download.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from workbook import stack

# The DOS epoch: the earliest time a zip entry can carry.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# IAM configuration read by stack.py when the role is made; not code the function runs.
NOT_CODE = {"policy.json"}
LAYER_CACHE = stack.REPO_ROOT / "build" / "layers"
# pip's names for Lambda's platforms: manylinux2014 wheels (glibc 2.17) load on Amazon Linux 2
# and 2023 alike.
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}


def code_sha256(package: bytes) -> str:
    """The package's hash as Lambda reports it in CodeSha256 (base64 of the SHA-256)."""
    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def function_zip(folder: str, *, edited: Mapping[str, str] | None = None) -> bytes:
    """The zip of `lambdas/<folder>`: the handler's files at the top level, as Lambda expects.

    `edited` gives some files other text, by their name in the zip (`{"app.py": ...}`): a
    changed copy of the function, deployed without touching its folder.
    """
    root = stack.LAMBDAS_DIR / folder
    if not root.is_dir():
        raise FileNotFoundError(f"no function folder {root}")
    files = {p.relative_to(root).as_posix(): p for p in _files(root) if p.name not in NOT_CODE}
    unknown = sorted(set(edited or {}) - set(files))
    if unknown:
        raise FileNotFoundError(f"lambdas/{folder}/ has no {', '.join(unknown)} to edit")
    contents = {name: path.read_bytes() for name, path in files.items()}
    contents.update((name, text.encode()) for name, text in (edited or {}).items())
    return _zip(contents.items())


def layer_zip(
    requirements: Path = stack.LAYER_REQUIREMENTS_FILE,
    runtime: str = stack.RUNTIME,
    architecture: str = stack.ARCHITECTURE,
) -> bytes:
    """The layer zip: `requirements` installed for `runtime` on `architecture`, under python/.

    Built once per requirements, Python version and platform, then read from build/layers/.
    """
    cached = LAYER_CACHE / f"{_layer_key(requirements, runtime, architecture)}.zip"
    if not cached.is_file():
        LAYER_CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=LAYER_CACHE) as folder:
            built = _build_layer(Path(folder), requirements, runtime, architecture)
            staged = Path(folder) / "layer.zip"
            staged.write_bytes(built)
            # A rename is atomic: a build running beside this one never reads half a zip.
            os.replace(staged, cached)
    return cached.read_bytes()


def pip_install_command(
    target: Path, requirements: Path, runtime: str, architecture: str
) -> list[str]:
    """The pip call AWS documents for a layer's Python packages (see the module docstring)."""
    if architecture not in PLATFORMS:
        raise ValueError(f"Lambda has no {architecture!r} architecture: {sorted(PLATFORMS)}")
    return [
        *("pip", "install", "--target", str(target)),
        *("--platform", PLATFORMS[architecture], "--implementation", "cp"),
        *("--python-version", _python_version(runtime), "--only-binary=:all:"),
        # Lambda compiles its own bytecode; .pyc files would only make the zip differ.
        *("--no-compile", "--requirement", str(requirements)),
    ]


def _build_layer(folder: Path, requirements: Path, runtime: str, architecture: str) -> bytes:
    site = folder / "python"
    command = pip_install_command(site, requirements, runtime, architecture)
    # Bounded retries: without PyPI the learner hears so in seconds, not minutes.
    pip = [sys.executable, "-m", *command, "--retries", "1", "--timeout", "15", "--quiet"]
    done = subprocess.run(pip, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"pip could not install the layer's packages for {runtime} ({architecture}), and "
            f"no earlier build is in {LAYER_CACHE}. Is PyPI reachable? pip said:\n"
            + done.stderr.strip()[-2000:]
        )
    # bin/ holds console scripts whose first line names this machine's Python: not importable.
    files = [p for p in _files(site) if p.relative_to(site).parts[0] != "bin"]
    return _zip((path.relative_to(folder).as_posix(), path.read_bytes()) for path in files)


def _layer_key(requirements: Path, runtime: str, architecture: str) -> str:
    """Names a build by everything that decides its content: the pins and the pip call
    (with the file's name, not its path, so a checkout elsewhere finds the same build)."""
    command = pip_install_command(Path("python"), Path("requirements.txt"), runtime, architecture)
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update("\0".join(command).encode())
    return digest.hexdigest()[:16]


def _python_version(runtime: str) -> str:
    if not runtime.startswith("python"):
        raise ValueError(f"{runtime!r} is not a Lambda Python runtime")
    return runtime.removeprefix("python")


def _files(root: Path) -> list[Path]:
    """Files under root, without bytecode caches (Lambda compiles its own)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _zip(entries: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in sorted(entries):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16  # readable by Lambda's user, whoever built it
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
