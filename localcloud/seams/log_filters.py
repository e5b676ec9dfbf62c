"""CloudWatch Logs' JSON filter patterns (`{ $.level = "ERROR" && $.ms > 100 }`), which moto
treats as match-all: FilterLogEvents answered every line of the window.

Syntax (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
a selector `$.a.b[0]` compared with `=` or `!=` to a string (quoted, or a bare word; `*` is
a wildcard) or with `= != < > <= >=` to a number; `IS TRUE`, `IS FALSE`, `IS NULL`,
`NOT EXISTS`; terms joined by `&&` and `||` (`&&` binds tighter) and grouped by parentheses.
A line that is not a JSON object matches no JSON pattern. Other patterns stay moto's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from localcloud.seams.patching import replace

Predicate = Callable[[Any], bool]
_MISSING = object()
_TOKEN = re.compile(
    r"""\s*(?:(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))|(?P<str>"(?:[^"\\]|\\.)*")|"""
    r"""(?P<word>[^\s()=!<>&|"]+))"""
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _invalid(message: str) -> Exception:
    """What AWS answers a JSON filter pattern it cannot parse."""
    from moto.logs.exceptions import InvalidParameterException

    return InvalidParameterException(msg=message)


def _tokens(body: str) -> list[str]:
    tokens, position = [], 0
    while position < len(body.rstrip()):
        match = _TOKEN.match(body, position)
        if not match:
            raise _invalid(f"invalid filter pattern near {body[position:]!r}")
        tokens.append(match.group(match.lastgroup))
        position = match.end()
    return tokens


def _select(document: Any, selector: str) -> Any:
    """The value at `$.a.b[0]` in `document`, or _MISSING."""
    if not selector.startswith("$"):
        raise _invalid(f"a selector starts with $: {selector!r}")
    value = document
    for name, index in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", selector[1:]):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _compare(selector: str, op: str, operand: str) -> Predicate:
    if _NUMBER.fullmatch(operand):
        number = float(operand)
        tests = {
            "=": lambda v: v == number,
            "!=": lambda v: v != number,
            "<": lambda v: v < number,
            ">": lambda v: v > number,
            "<=": lambda v: v <= number,
            ">=": lambda v: v >= number,
        }

        def numeric(document: Any) -> bool:
            value = _select(document, selector)
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            return is_number and tests[op](value)

        return numeric
    if op not in ("=", "!="):
        raise _invalid(f"{op} compares numbers only, not {operand!r}")
    text = json.loads(operand) if operand.startswith('"') else operand
    # `*` is the only wildcard: any run of characters.
    wanted = re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)

    def textual(document: Any) -> bool:
        value = _select(document, selector)
        found = isinstance(value, str) and wanted.fullmatch(value) is not None
        return found if op == "=" else (value is not _MISSING and not found)

    return textual


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise _invalid("the filter pattern ends too soon")
        self.at += 1
        return token

    def either(self) -> Predicate:  # a || b || ...
        terms = [self.both()]
        while self.peek() == "||":
            self.take()
            terms.append(self.both())
        return terms[0] if len(terms) == 1 else lambda d: any(t(d) for t in terms)

    def both(self) -> Predicate:  # a && b && ...
        terms = [self.term()]
        while self.peek() == "&&":
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else lambda d: all(t(d) for t in terms)

    def term(self) -> Predicate:
        token = self.take()
        if token == "(":
            inner = self.either()
            if self.take() != ")":
                raise _invalid("unbalanced parentheses")
            return inner
        selector, word = token, self.take()
        if word in ("IS", "NOT"):
            what = self.take()
            checks: dict[tuple[str, str], Predicate] = {
                ("IS", "TRUE"): lambda d: _select(d, selector) is True,
                ("IS", "FALSE"): lambda d: _select(d, selector) is False,
                ("IS", "NULL"): lambda d: _select(d, selector) is None,
                ("NOT", "EXISTS"): lambda d: _select(d, selector) is _MISSING,
            }
            if (word, what) not in checks:
                raise _invalid(f"unknown test {word} {what}")
            return checks[(word, what)]
        return _compare(selector, word, self.take())


def json_pattern(pattern: str) -> Predicate | None:
    """A predicate on a log line for a JSON filter pattern; None for any other pattern."""
    text = pattern.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    parser = _Parser(_tokens(text[1:-1]))
    predicate = parser.either()
    if parser.peek() is not None:
        raise _invalid(f"unexpected {parser.peek()!r} in the filter pattern")

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and predicate(document)

    return matches


def install_json_filter_patterns() -> None:
    """FilterLogEvents (and moto's other users of its EventMessageFilter) match JSON patterns
    as CloudWatch Logs does; other patterns stay moto's."""
    import moto.logs.models as models

    def build(model: Any) -> Any:
        class EventMessageFilter(model):  # type: ignore[misc, valid-type]
            def __init__(self, pattern: str) -> None:
                self.json = json_pattern(pattern or "")
                if self.json is None:
                    super().__init__(pattern)

            def matches(self, message: str) -> bool:
                return self.json(message) if self.json else super().matches(message)

        return EventMessageFilter

    replace(models, "EventMessageFilter", build)
