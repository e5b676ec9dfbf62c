"""Deployment packages and layers, unpacked once per code version, with the zip's permissions.

Lambda unpacks a package owned by root and runs the function as another user, so the zip's
"other" permission bits decide what the function can read (a 0600 file: Permission denied).
When the worker runs as a user other than the files' owner (`nobody`, when the local cloud is
root), the zip's bits are kept as they are. When it runs as their owner, the owner's bits are
set to the "other" bits, so the owner is refused exactly what another user would be.
"""

from __future__ import annotations

import io
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

UNIX = 3  # ZipInfo.create_system of an archive made on a Unix-like system
DEFAULT_FILE_MODE = 0o644  # entries without Unix permissions (zips made on Windows)
DEFAULT_FOLDER_MODE = 0o755


class CodeCache:
    def __init__(self, root: Path, *, worker_owns_files: bool) -> None:
        self.root = root
        self.worker_owns_files = worker_owns_files

    def unpacked(self, kind: str, sha256: str, zip_bytes: bytes) -> Path:
        """The folder holding this zip's files, unpacked on first use.

        Unpacked into a temporary folder and renamed into place, so concurrent cold starts
        of the same code never see half a package.
        """
        target = self.root / kind / sha256.replace("/", "_")
        if target.is_dir():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.parent.chmod(DEFAULT_FOLDER_MODE)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpacking-"))
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            archive.extractall(staging)  # extractall drops the permission bits: set them now
            modes = {staging / info.filename: _mode_of(info) for info in archive.infolist()}
        folders = [p for p in staging.rglob("*") if p.is_dir() and p not in modes]
        modes.update({folder: DEFAULT_FOLDER_MODE for folder in folders})
        modes[staging] = DEFAULT_FOLDER_MODE  # /var/task: drwxr-xr-x root
        # Deepest first, so a folder loses its owner's access only after what is inside it.
        for path in sorted(modes, key=lambda p: len(p.parts), reverse=True):
            if path.exists():  # extractall renames unsafe entry names ("../x")
                path.chmod(self._as_seen_by_worker(modes[path]))
        try:
            staging.rename(target)
        except OSError:  # another cold start got there first
            _remove(staging)
        return target

    def _as_seen_by_worker(self, mode: int) -> int:
        if not self.worker_owns_files:
            return mode
        others = mode & 0o007
        return (others << 6) | (mode & 0o077)


def _mode_of(info: zipfile.ZipInfo) -> int:
    mode = stat.S_IMODE(info.external_attr >> 16)
    if info.create_system != UNIX or mode == 0:
        return DEFAULT_FOLDER_MODE if info.is_dir() else DEFAULT_FILE_MODE
    return mode


def _remove(folder: Path) -> None:
    """Remove a folder whose permissions may deny even its owner (see `_as_seen_by_worker`)."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o700)
    shutil.rmtree(folder, ignore_errors=True)
