"""What each deployment deployed: a snapshot of the API taken when the deployment was created.

moto keeps no such snapshot (a stage would otherwise serve the API's current, undeployed
edits). `seams.on_apigateway_deployment` tells us of each CreateDeployment, and we copy the
resources, methods, integrations, models and validators then. A deployment we never saw
created (none, in a running server) is snapshotted when first served.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from localcloud import seams
from localcloud.apigateway.routing import Router
from localcloud.apigateway.validation import Validators


@dataclass
class DeployedApi:
    config: dict[str, Any]  # seams.rest_api_config's shape
    router: Router
    validators: Validators


class Deployments:
    def __init__(self) -> None:
        self.snapshots: dict[tuple[str, str], DeployedApi] = {}
        self.lock = threading.Lock()

    def record(self, account_id: str, region: str, api_id: str, deployment_id: str) -> None:
        """Snapshot the API as it is now, for `deployment_id` (called at CreateDeployment)."""
        config = seams.rest_api_config(account_id, region, api_id)
        deployed = DeployedApi(config, Router(config["resources"]), Validators(config))
        with self.lock:
            self.snapshots[(api_id, deployment_id)] = deployed

    def get(self, account_id: str, region: str, api_id: str, deployment_id: str) -> DeployedApi:
        key = (api_id, deployment_id)
        if key not in self.snapshots:
            self.record(account_id, region, api_id, deployment_id)
        return self.snapshots[key]
