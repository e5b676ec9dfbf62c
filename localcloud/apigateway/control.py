"""API Gateway's configuration API, as strict as AWS and complete where moto is not."""

from __future__ import annotations

from localcloud import seams
from localcloud.apigateway import conflicts
from localcloud.apigateway.model_patch import patched_model
from localcloud.apigateway.update_method import patched_method


def install() -> None:
    """Refuse the duplicates AWS refuses, and answer UpdateModel and UpdateMethod, which moto
    lacks."""
    seams.install_apigateway_refusals(
        conflicts.resource_refusal, conflicts.method_refusal, conflicts.model_refusal
    )
    seams.install_update_model(patched_model)
    seams.install_update_method(patched_method)
