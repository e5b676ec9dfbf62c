"""The one way the local cloud replaces a moto function or method.

`replace(owner, name, build)` keeps moto's own implementation on the replacement as
`localcloud_original`, so installing again (a second server in one test process) wraps moto's
code, never our own wrapper, and a test can still reach what moto does by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def original(owner: Any, name: str) -> Any:
    """moto's implementation of `owner.name`, even after `replace` installed ours."""
    current = getattr(owner, name)
    return getattr(current, "localcloud_original", current)


def replace(owner: Any, name: str, build: Callable[[Any], Any]) -> Any:
    """Install `build(moto's implementation)` as `owner.name`; returns the replacement.

    `owner` is a class (for a method) or a module (for a function).
    """
    model = original(owner, name)
    replacement = build(model)
    replacement.localcloud_original = model
    setattr(owner, name, replacement)
    return replacement
