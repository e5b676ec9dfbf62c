"""The one way the local cloud replaces (or adds) a moto function or method.

`replace(owner, name, build)` keeps moto's own implementation on the replacement as
`localcloud_original`, so installing again (a second server in one test process) wraps moto's
code, never our own wrapper, and a test can still reach what moto does by itself.
`replace_bindings(package, name, target, build)` does it in every loaded module that binds a
function or module by name. `add(owner, name, function)` gives moto a method it lacks (an
action it does not implement), and refuses if moto has gained one by that name.
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
    if isinstance(replacement, classmethod):  # looked up through the bound method's function
        replacement.__func__.localcloud_original = model
    setattr(owner, name, replacement)
    return replacement


def replace_bindings(package: str, name: str, target: Any, build: Callable[[Any], Any]) -> None:
    """`replace` `name` in every loaded module of `package` that binds `target` (moto's
    object, or our replacement of it): for a function or module that moto's modules bind by
    name (`from x import f`, `import *`, `import copy`), where patching its home misses them.
    A module loaded later binds whatever its home holds then."""
    import sys

    for module_name, module in list(sys.modules.items()):
        if module_name != package and not module_name.startswith(f"{package}."):
            continue
        bound = getattr(module, name, None)
        if bound is target or getattr(bound, "localcloud_original", None) is target:
            replace(module, name, build)


def add(owner: Any, name: str, function: Callable[..., Any]) -> Any:
    """Give `owner` a method (or function) moto lacks, e.g. an action moto does not implement.

    Refuses if moto has one by that name: a moto upgrade that adds it must be looked at, not
    silently overridden. Adding again (a second server in one process) replaces our own.
    """
    current = getattr(owner, name, None)
    if current is not None and not getattr(current, "localcloud_added", False):
        raise RuntimeError(
            f"moto now has {getattr(owner, '__name__', owner)}.{name}: use it, or replace it "
            "with patching.replace, instead of adding one of our own."
        )
    function.localcloud_added = True  # type: ignore[attr-defined]
    setattr(owner, name, function)
    return function
