"""Unpacked packages keep the zip's permission bits, as seen by the user the worker runs as."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from localcloud.lambda_runtime.codecache import CodeCache
from tests.localcloud.functions import zip_of


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


PACKAGE = zip_of({"private.py": "", "shared.py": "", "lib/tool.py": ""}, {"private.py": 0o600})


@pytest.mark.parametrize(
    ("worker_owns_files", "private", "shared", "folder"),
    [
        (False, 0o600, 0o644, 0o755),  # another user (nobody) reads the files: bits as zipped
        (True, 0o000, 0o444, 0o555),  # the owner reads them: its bits are the "other" bits
    ],
)
def test_the_zips_permissions_are_kept(
    tmp_path: Path, worker_owns_files: bool, private: int, shared: int, folder: int
) -> None:
    root = CodeCache(tmp_path, worker_owns_files=worker_owns_files).unpacked("code", "a", PACKAGE)
    assert mode_of(root / "private.py") == private
    assert mode_of(root / "shared.py") == shared
    assert mode_of(root / "lib") == folder and mode_of(root) == folder
    for path in (root, root / "lib"):  # let pytest remove them
        path.chmod(0o755)


def test_entries_without_unix_permissions_are_readable_by_all(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo("made_on_windows.py")
        entry.create_system = 0  # MS-DOS: no Unix bits
        archive.writestr(entry, "")
    root = CodeCache(tmp_path, worker_owns_files=False).unpacked("code", "b", buffer.getvalue())
    assert mode_of(root / "made_on_windows.py") == 0o644
