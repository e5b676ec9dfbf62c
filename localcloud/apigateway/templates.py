"""A small renderer for API Gateway mapping templates (a subset of VTL, not VTL).

Supported references: `$input.json('<path>')`, `$input.path('<path>')`, `$input.body`,
`$input.params('<name>')`, `$util.escapeJavaScript(...)`, `$util.base64Encode(...)`,
`$util.base64Decode(...)`, `$util.urlEncode(...)`, `$util.urlDecode(...)`,
`$context.<a.b>`, `$stageVariables.<name>`, each also as `$!ref` (quiet: empty when null).
Paths are the JSONPath subset templates use: `$`, `.name`, `['name']`, `[index]`.
Directives (`#set`, `#if`, `#foreach`, ...) are not supported: rendering one raises
`TemplateError`, so an unsupported template fails loudly instead of rendering half-right.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_DIRECTIVE = re.compile(r"(?m)^\s*#(set|if|elseif|else|end|foreach|macro|define|parse|include)\b")
_PATH_PART = re.compile(
    r"\.([A-Za-z_$][\w$-]*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[(\d+)\]"
)


class TemplateError(Exception):
    pass


@dataclass
class Scope:
    """What a template sees: the body (`$input`), parameters, `$context`, `$stageVariables`."""

    body: str
    params: Callable[[str], str | None]
    context: dict[str, Any]
    stage_variables: dict[str, str]


def render(template: str, scope: Scope) -> str:
    directive = _DIRECTIVE.search(template)
    if directive:
        raise TemplateError(
            f"mapping template directive #{directive.group(1)} is not supported locally"
        )
    out: list[str] = []
    at = 0
    while True:
        start = template.find("$", at)
        if start < 0:
            out.append(template[at:])
            return "".join(out)
        out.append(template[at:start])
        parsed = _Parser(template, start, scope).reference()
        if parsed is None:
            out.append("$")
            at = start + 1
            continue
        value, end, quiet = parsed
        if value is None:
            out.append("" if quiet else template[start:end])  # VTL prints an unset ref as is
        else:
            out.append(_text(value))
        at = end


def json_path(document: Any, path: str) -> Any:
    """The value at a JSONPath (`$`, `.a`, `['a']`, `[0]`) or None when it is absent."""
    path = path.strip()
    if not path.startswith("$"):
        raise TemplateError(f"JSONPath must start with $: {path!r}")
    value, at = document, 1
    while at < len(path):
        part = _PATH_PART.match(path, at)
        if part is None:
            raise TemplateError(f"unsupported JSONPath {path!r}")
        name = part.group(1) or part.group(2) or part.group(3)
        if name is not None:
            value = value.get(name) if isinstance(value, dict) else None
        else:
            index = int(part.group(4))
            value = value[index] if isinstance(value, list) and index < len(value) else None
        at = part.end()
    return value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def escape_javascript(text: str) -> str:
    """As API Gateway's `$util.escapeJavaScript` (Java's escapeJavaScript rules).

    Like AWS, it escapes a single quote as \\' , which is not valid JSON: templates that feed
    JSON containing ' this way break on AWS too.
    """
    out = []
    for char in text:
        code = ord(char)
        if char in "\"'\\/":
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 0x20 or code > 0x7E:
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else char)
        else:
            out.append(char)
    return "".join(out)


_UTIL: dict[str, Callable[[str], str]] = {
    "escapeJavaScript": escape_javascript,
    "base64Encode": lambda s: base64.b64encode(s.encode()).decode(),
    "base64Decode": lambda s: base64.b64decode(s).decode(),
    "urlEncode": lambda s: quote(s, safe=""),
    "urlDecode": unquote,
}


class _Parser:
    """Parses one reference starting at a `$` and evaluates it."""

    def __init__(self, text: str, start: int, scope: Scope) -> None:
        self.text, self.at, self.scope = text, start, scope

    def reference(self) -> tuple[Any, int, bool] | None:
        self.at += 1  # the "$"
        quiet = self._take("!")
        braced = self._take("{")
        names = []
        name = self._name()
        if name is None:
            return None
        names.append(name)
        call_args: list[Any] | None = None
        while True:
            if self._peek(".") and _NAME.match(self.text, self.at + 1):
                self.at += 1
                names.append(self._name())
            elif self._peek("("):
                call_args = self._arguments()
                break
            else:
                break
        if braced and not self._take("}"):
            return None
        return self._evaluate(names, call_args), self.at, quiet

    def _evaluate(self, names: list[Any], args: list[Any] | None) -> Any:
        root, rest = names[0], names[1:]
        scope = self.scope
        if root == "input":
            return self._input(rest, args)
        if root == "util" and len(rest) == 1 and rest[0] in _UTIL and args and len(args) == 1:
            return _UTIL[rest[0]](_text(args[0]) if args[0] is not None else "")
        if root == "context" and args is None:
            return _lookup(scope.context, rest)
        if root == "stageVariables" and args is None:
            return _lookup(scope.stage_variables, rest)
        return None

    def _input(self, rest: list[Any], args: list[Any] | None) -> Any:
        if rest == ["body"] and args is None:
            return self.scope.body
        if rest == ["params"] and args and len(args) == 1:
            return self.scope.params(str(args[0])) or ""
        if rest in (["json"], ["path"]) and args and len(args) == 1:
            try:
                document = json.loads(self.scope.body) if self.scope.body.strip() else {}
            except ValueError as error:
                raise TemplateError(f"$input.{rest[0]} on a body that is not JSON") from error
            value = json_path(document, str(args[0]))
            return json.dumps(value, separators=(",", ":")) if rest == ["json"] else value
        return None

    def _arguments(self) -> list[Any]:
        self.at += 1  # "("
        args: list[Any] = []
        while True:
            self._skip_spaces()
            if self._take(")"):
                return args
            char = self.text[self.at : self.at + 1]
            if char in ("'", '"'):
                end = self.text.find(char, self.at + 1)
                if end < 0:
                    raise TemplateError("unterminated string in mapping template")
                args.append(self.text[self.at + 1 : end])
                self.at = end + 1
            elif char == "$":
                parsed = _Parser(self.text, self.at, self.scope).reference()
                if parsed is None:
                    raise TemplateError(f"cannot parse argument at {self.text[self.at :][:30]!r}")
                args.append(parsed[0])
                self.at = parsed[1]
            else:
                raise TemplateError(f"unsupported argument at {self.text[self.at :][:30]!r}")
            self._skip_spaces()
            self._take(",")

    def _name(self) -> str | None:
        match = _NAME.match(self.text, self.at)
        if match is None:
            return None
        self.at = match.end()
        return match.group(0)

    def _peek(self, char: str) -> bool:
        return self.text.startswith(char, self.at)

    def _take(self, char: str) -> bool:
        if self._peek(char):
            self.at += len(char)
            return True
        return False

    def _skip_spaces(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1


def _lookup(mapping: dict[str, Any], names: list[str]) -> Any:
    value: Any = mapping
    for name in names:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value
