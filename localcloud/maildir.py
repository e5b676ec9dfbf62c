"""Adding a message's bytes to a Maildir, as `mailbox.Maildir.add` names and places it.

`Maildir.add` checks the folder's subdirectories, stats the new name, opens the file twice,
fsyncs it and links it into `new/` at every message. The local cloud writes each address's
mail from one thread, under names no other writer uses, so it creates a folder once and
writes each file once; the name and the contents are the same. No fsync: it guards against
the machine crashing, and the rest of the local cloud's state (moto's, in memory) does not
survive even the process.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from pathlib import Path


class MaildirWriter:
    """Puts messages into Maildirs: `<folder>/tmp/<name>` written, then moved to `new/`."""

    def __init__(self) -> None:
        self._ready: set[Path] = set()
        self._numbers = itertools.count(1)  # the Q part of a name, as Maildir._count
        # Maildir's escapes for the two characters a file name's host part cannot hold.
        self._host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")

    def add(self, folder: Path, data: bytes) -> str:
        """Write `data` as a new message in `folder` (created if missing); its name."""
        if folder not in self._ready:
            self._create(folder)
        try:
            return self._write(folder, data)
        except FileNotFoundError:  # removed since it was created (mail cleared by hand)
            self._create(folder)
            return self._write(folder, data)

    def _create(self, folder: Path) -> None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        for path in (folder, folder / "tmp", folder / "new", folder / "cur"):
            path.mkdir(mode=0o700, exist_ok=True)  # Maildir's own modes
        self._ready.add(folder)

    def _write(self, folder: Path, data: bytes) -> str:
        now = time.time()
        # "<seconds>.M<microseconds>P<pid>Q<number>.<host>": readers sort mail by it.
        name = f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{next(self._numbers)}.{self._host}"
        written = folder / "tmp" / name
        with open(written, "xb") as file:
            file.write(data)
        os.rename(written, folder / "new" / name)
        return name
