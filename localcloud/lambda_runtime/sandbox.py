"""Who a worker runs as, and a folder of everything it needs that this user can reach.

Lambda unpacks a deployment package as root and runs the function as an unprivileged user, so
a file the zip keeps private (0600) cannot be read (AWS: "Lambda requires global read
permissions on code files", https://docs.aws.amazon.com/lambda/latest/dg/deployment-package-v2.html).
Here, a local cloud run as root starts its workers as `nobody`. Root's own files are often out
of that user's reach (/root is 0700, and so is pytest's temporary folder), so the interpreter,
the bootstrap, the runtime SDK and the unpacked code are placed, when they have to be, in a
folder `nobody` can reach: hard links where the file system allows them, copies elsewhere.
A local cloud not run as root starts workers as its own user, which reaches every file it
unpacked; `codecache` then takes the zip's "other" permissions as the owner's, to the same end.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

UNPRIVILEGED_USER = "nobody"


@dataclass(frozen=True)
class WorkerUser:
    """The user a worker process runs as."""

    name: str
    uid: int
    gid: int


def worker_user() -> WorkerUser | None:
    """`nobody` when the local cloud runs as root; None: workers run as this process's user."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise RuntimeError(
            f"The local cloud runs as root, so it runs functions as the user "
            f"'{UNPRIVILEGED_USER}' (Lambda runs them unprivileged), but this system has no "
            f"such user: add one (useradd --system {UNPRIVILEGED_USER}) or run the local "
            "cloud as an ordinary user."
        ) from None
    return WorkerUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def can_reach(path: Path, user: WorkerUser | None, *, execute: bool = False) -> bool:
    """Whether `user` can open `path` for reading (and executing) and search every folder
    above it. Without a separate user, this process's own access counts."""
    if user is None:
        return os.access(path, os.R_OK | (os.X_OK if execute else 0))
    path = Path(os.path.abspath(path))
    for folder in reversed(path.parents):
        if not _allows(folder, user, stat.S_IXOTH):
            return False
    needed = stat.S_IROTH | (stat.S_IXOTH if execute or path.is_dir() else 0)
    return _allows(path, user, needed)


def _allows(path: Path, user: WorkerUser, other_bits: int) -> bool:
    """Whether the permission bits grant `other_bits` (given as the "other" class) to `user`."""
    try:
        status = path.stat()
    except OSError:
        return False
    if status.st_uid == user.uid:
        shift = 6
    elif status.st_gid == user.gid:
        shift = 3
    else:
        shift = 0
    return (status.st_mode >> shift) & other_bits == other_bits


class WorkerFolder:
    """A folder the worker user can reach, holding what it needs from elsewhere.

    `data_dir/lambda` when that user can reach it; otherwise a private temporary folder,
    removed at `close`.
    """

    def __init__(self, data_dir: Path, user: WorkerUser | None) -> None:
        self.user = user
        preferred = data_dir / "lambda"
        preferred.mkdir(parents=True, exist_ok=True)
        self.temporary = not can_reach(preferred, user, execute=True)
        if self.temporary:
            self.root = Path(tempfile.mkdtemp(prefix="localcloud-lambda-"))
            self.root.chmod(0o755)  # mkdtemp makes it 0700
            if not can_reach(self.root, user, execute=True):
                raise RuntimeError(
                    f"The Lambda workers' user '{user.name if user else '?'}' cannot reach "
                    f"{self.root}: set TMPDIR to a folder every user can enter (like /tmp)."
                )
        else:
            self.root = preferred

    def reachable(self, source: Path, *, keep: Callable[[Path], bool] = lambda _p: True) -> Path:
        """`source` (a file or a folder) itself if the worker user reaches it, else a copy of
        it in this folder (made once), with only the entries `keep` accepts."""
        source = Path(os.path.abspath(source))
        if can_reach(source, self.user):
            return source
        # A reinstalled source (a new SDK) gets a new copy: its folder's time changes.
        digest = hashlib.sha256(f"{source}@{source.stat().st_mtime_ns}".encode()).hexdigest()[:16]
        target = self.root / "placed" / digest / source.name
        if not target.exists():
            staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".placing-"))
            _link_or_copy(source, staging / source.name, keep)
            for folder in (target.parent.parent, target.parent):
                folder.mkdir(exist_ok=True)
                folder.chmod(0o755)  # whatever the umask: the worker user must enter it
            with contextlib.suppress(OSError):  # else placed meanwhile by another cold start
                (staging / source.name).rename(target)
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)


def _link_or_copy(source: Path, target: Path, keep: Callable[[Path], bool]) -> None:
    """Hard-link (or copy, across file systems) `source` to `target`, folders recursively."""
    if source.is_symlink():
        target.symlink_to(os.readlink(source))
    elif source.is_dir():
        target.mkdir()
        target.chmod(0o755)
        for entry in source.iterdir():
            if keep(entry):
                _link_or_copy(entry, target / entry.name, keep)
    else:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
