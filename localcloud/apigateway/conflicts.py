"""The resources and methods API Gateway refuses to create, which moto accepts.

moto adds a second `/orders` beside the first and a `{name}` beside an `{id}`, and replaces a
method on PutMethod and a model on CreateModel; API Gateway refuses all four, so a script that
works locally only because of them would fail on AWS (a re-run of a setup script, typically).
"""

from __future__ import annotations

from collections.abc import Iterable

Refusal = tuple[str, str]  # (API Gateway's error type, message)


def resource_refusal(path_part: str, sibling_parts: Iterable[str]) -> Refusal | None:
    """Why CreateResource refuses `path_part` under a parent that has `sibling_parts`."""
    siblings = list(sibling_parts)
    if path_part in siblings:
        return (
            "ConflictException",
            f"Another resource with the same parent already has this name: {path_part}",
        )
    variable = next((part for part in siblings if _is_variable(part)), None)
    if _is_variable(path_part) and variable is not None:
        return (
            "BadRequestException",
            f"A sibling ({variable}) of this resource already has a variable path part -- "
            "only one is allowed",
        )
    return None


def method_refusal(http_method: str, existing_methods: Iterable[str]) -> Refusal | None:
    """Why PutMethod refuses `http_method` on a resource that has `existing_methods`."""
    if http_method in existing_methods:
        return "ConflictException", "Method already exists for this resource"
    return None


def model_refusal(name: str, existing_models: Iterable[str]) -> Refusal | None:
    """Why CreateModel refuses `name` in a REST API that has `existing_models`."""
    if name in existing_models:
        return "ConflictException", "Model name already exists for this REST API"
    return None


def _is_variable(path_part: str) -> bool:
    return path_part.startswith("{") and path_part.endswith("}")
