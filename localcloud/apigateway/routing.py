"""Which resource and method of a deployed API answer a request path.

Precedence, segment by segment as API Gateway applies it: a literal path part beats a
`{param}` part, which beats a greedy `{name+}` (matching one segment or more). A resource that
matches but has neither the request's method nor `ANY` lets the next candidate try.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Match:
    resource: dict[str, Any]  # GetResource shape: id, path, resourceMethods
    method: dict[str, Any]  # GetMethod shape: httpMethod, apiKeyRequired, methodIntegration...
    path_parameters: dict[str, str]


@dataclass
class _Node:
    resource: dict[str, Any] | None = None
    literals: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    greedy: tuple[str, dict[str, Any]] | None = None


class Router:
    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.root = _Node()
        for resource in resources:
            self._add(resource)

    def _add(self, resource: dict[str, Any]) -> None:
        node = self.root
        for part in [p for p in resource["path"].split("/") if p]:
            if part.startswith("{") and part.endswith("+}"):
                node.greedy = (part[1:-2], resource)
                return
            if part.startswith("{") and part.endswith("}"):
                if node.param is None:
                    node.param = (part[1:-1], _Node())
                node = node.param[1]
            else:
                node = node.literals.setdefault(part, _Node())
        node.resource = resource

    def match(self, http_method: str, segments: list[str]) -> Match | None:
        for resource, params in self._candidates(self.root, segments, 0, {}):
            methods = resource.get("resourceMethods") or {}
            method = methods.get(http_method) or methods.get("ANY")
            if method is not None:
                return Match(resource, method, params)
        return None

    def _candidates(
        self, node: _Node, segments: list[str], at: int, params: dict[str, str]
    ) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
        if at == len(segments):
            if node.resource is not None:
                yield node.resource, params
            return
        segment = segments[at]
        if segment in node.literals:
            yield from self._candidates(node.literals[segment], segments, at + 1, params)
        if node.param is not None:
            name, child = node.param
            yield from self._candidates(child, segments, at + 1, {**params, name: segment})
        if node.greedy is not None:
            name, resource = node.greedy
            yield resource, {**params, name: "/".join(segments[at:])}
