"""Where the local cloud listens and keeps its files, from the environment, with defaults.

| variable                    | default        | meaning                                        |
|-----------------------------|----------------|------------------------------------------------|
| LOCALCLOUD_HOST             | 127.0.0.1      | loopback address the server binds              |
| LOCALCLOUD_PORT             | 4566           | port of every service and of the invoke URLs   |
| LOCALCLOUD_DATA             | .localcloud    | pid file, log, unpacked code, mailboxes        |
| AWS_DEFAULT_REGION          | us-east-1      | region the CLI prints for clients              |
| LOCALCLOUD_WORKER_IDLE_S    | 300            | idle Lambda workers are stopped after this     |
| LOCALCLOUD_MAX_WORKERS      | 16             | workers per function (see runtime.invoke)      |
| LOCALCLOUD_REALISM          | fast           | delays AWS shows: fast, aws, off (realism.py)  |
| LOCALCLOUD_SIMULATED_RECIPIENT | off         | 1: follow mailed confirmation links (mail.py)  |
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    data_dir: Path
    region: str
    worker_idle_seconds: float
    max_workers_per_function: int

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            host=os.environ.get("LOCALCLOUD_HOST", "127.0.0.1"),
            port=int(os.environ.get("LOCALCLOUD_PORT", "4566")),
            data_dir=Path(os.environ.get("LOCALCLOUD_DATA", ".localcloud")).resolve(),
            region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            worker_idle_seconds=float(os.environ.get("LOCALCLOUD_WORKER_IDLE_S", "300")),
            max_workers_per_function=int(os.environ.get("LOCALCLOUD_MAX_WORKERS", "16")),
        )

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "localcloud.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "localcloud.log"


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False
