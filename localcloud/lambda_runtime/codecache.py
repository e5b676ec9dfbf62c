"""Deployment packages and layers, unpacked once per code version."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path


class CodeCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def unpacked(self, kind: str, sha256: str, zip_bytes: bytes) -> Path:
        """The folder holding this zip's files, unpacked on first use.

        Unpacked into a temporary folder and renamed into place, so concurrent cold starts
        of the same code never see half a package.
        """
        target = self.root / kind / sha256.replace("/", "_")
        if target.is_dir():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpacking-"))
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            archive.extractall(staging)
        try:
            staging.rename(target)
        except OSError:  # another cold start got there first
            shutil.rmtree(staging, ignore_errors=True)
        return target
