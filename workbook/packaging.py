"""Deployment packages: a function's folder as a zip, and the Powertools layer.

Zips are built byte-for-byte reproducibly (sorted entries, fixed timestamps and permissions), so
the same source always gives the same SHA-256: a re-run can compare it with what Lambda holds
(`CodeSha256`) and upload only what changed.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from workbook import stack

# The DOS epoch: the earliest time a zip entry can carry.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# Powertools and the packages it imports (pure Python, so the copies installed here run on
# Lambda's Linux too). boto3 is left out: the Python runtime provides it.
LAYER_PACKAGES = ("aws_lambda_powertools", "jmespath", "typing_extensions")
# IAM configuration read by stack.py when the role is made; not code the function runs.
NOT_CODE = {"policy.json"}


def code_sha256(package: bytes) -> str:
    """The package's hash as Lambda reports it in CodeSha256 (base64 of the SHA-256)."""
    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def function_zip(folder: str) -> bytes:
    """The zip of `lambdas/<folder>`: the handler's files at the top level, as Lambda expects."""
    root = stack.LAMBDAS_DIR / folder
    if not root.is_dir():
        raise FileNotFoundError(f"no function folder {root}")
    files = [p for p in _files(root) if p.name not in NOT_CODE]
    return _zip((path.relative_to(root).as_posix(), path) for path in files)


def layer_zip(packages: Iterable[str] = LAYER_PACKAGES) -> bytes:
    """A layer with `packages` under python/, where Lambda's Python runtime looks (/opt/python).

    Built from the packages installed in this environment: no download, and exactly the
    version requirements.txt pins (stack.POWERTOOLS_LAYER_REQUIREMENT).
    """
    entries = []
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(f"{package} is not installed here: pip install it first")
        origin = Path(spec.origin)
        if origin.name == "__init__.py":  # a package folder
            base = origin.parent.parent
            entries += [
                (f"python/{p.relative_to(base).as_posix()}", p) for p in _files(origin.parent)
            ]
        else:  # a single module, like typing_extensions.py
            entries.append((f"python/{origin.name}", origin))
    return _zip(entries)


def _files(root: Path) -> list[Path]:
    """Files under root, without bytecode caches (Lambda compiles its own)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _zip(entries: Iterable[tuple[str, Path]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16  # readable by Lambda's user, whoever built it
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
