"""Metric math in a widget: arithmetic over its lines' time series.

CloudWatch's metric math (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html)
combines lines by id with + - * / and parentheses; between two time series an operator applies
at each timestamp both have, between a series and a number at each of the series' datapoints.
moto's GetMetricData only copies a line by id, so the image evaluates these itself. Functions
(RATE, FILL, SUM(METRICS()), ...), SEARCH and Metrics Insights queries are not drawn locally.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import NoReturn

from localcloud.metric_widget.errors import invalid

Points = dict[dt.datetime, float]
Value = Points | float
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_]\w*)|(?P<op>\S))")
_OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def evaluate(expression: str, series: Callable[[str], Points], path: str) -> Points:
    """The time series `expression` gives; `series(id)` is the line with that id (KeyError if
    the widget has none)."""
    value = _Parser(expression, series, path).parse()
    if not isinstance(value, dict):
        invalid(
            path,
            f"The expression {expression!r} gives a number, not a time series: "
            "it must use the id of at least one metric",
        )
    return value


class _Parser:
    """Recursive descent over: sum := product (('+'|'-') product)*;
    product := unary (('*'|'/') unary)*; unary := '-' unary | atom;
    atom := number | id | '(' sum ')'."""

    def __init__(self, expression: str, series: Callable[[str], Points], path: str) -> None:
        self.expression = expression
        self.series = series
        self.path = path
        self.tokens = self._tokens()
        self.at = 0

    def _tokens(self) -> list[tuple[str, str]]:
        tokens = []
        for match in _TOKEN.finditer(self.expression):
            kind = match.lastgroup or "op"
            tokens.append((kind, match[kind]))
        return tokens

    def parse(self) -> Value:
        value = self._sum()
        if self.at < len(self.tokens):
            self._refuse(f"unexpected {self.tokens[self.at][1]!r}")
        return value

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            self._refuse("it ends too soon")
        self.at += 1
        return token

    def _sum(self) -> Value:
        value = self._product()
        while (token := self._peek()) in (("op", "+"), ("op", "-")):
            self._take()
            value = _combine(_OPERATORS[token[1]], value, self._product())
        return value

    def _product(self) -> Value:
        value = self._unary()
        while (token := self._peek()) in (("op", "*"), ("op", "/")):
            self._take()
            value = _combine(_OPERATORS[token[1]], value, self._unary())
        return value

    def _unary(self) -> Value:
        if self._peek() == ("op", "-"):
            self._take()
            return _combine(operator.sub, 0.0, self._unary())
        return self._atom()

    def _atom(self) -> Value:
        kind, text = self._take()
        if kind == "number":
            return float(text)
        if kind == "name":
            following = self._peek()
            if following == ("op", "(") or text.upper() in ("SELECT", "SEARCH"):
                raise NotImplementedError(
                    f"metric math {text}(...) in {self.expression!r}; it draws + - * / and "
                    "parentheses over metric ids and numbers"
                )
            try:
                return self.series(text)
            except KeyError:
                self._refuse(f"{text!r} is not the id of a metric or expression in the widget")
        if text == "(":
            value = self._sum()
            if self._take() != ("op", ")"):
                self._refuse("a parenthesis is not closed")
            return value
        if text not in _OPERATORS and text != ")":
            raise NotImplementedError(
                f"metric math operator {text!r} in {self.expression!r}; it draws + - * / and "
                "parentheses over metric ids and numbers"
            )
        self._refuse(f"unexpected {text!r}")

    def _refuse(self, problem: str) -> NoReturn:
        invalid(self.path, f"The expression {self.expression!r} cannot be read: {problem}")


def _combine(op: Callable[[float, float], float], left: Value, right: Value) -> Value:
    """`op` at each timestamp both sides have (a number has them all); a result that is not a
    finite number (division by zero) leaves its timestamp out, as CloudWatch shows no point."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        pairs = {t: (left[t], right[t]) for t in left if t in right}
    elif isinstance(left, Mapping):
        pairs = {t: (v, right) for t, v in left.items()}
    elif isinstance(right, Mapping):
        pairs = {t: (left, v) for t, v in right.items()}
    else:
        return _apply(op, left, right)
    found = {t: _apply(op, a, b) for t, (a, b) in pairs.items()}
    return {t: v for t, v in found.items() if math.isfinite(v)}


def _apply(op: Callable[[float, float], float], left: float, right: float) -> float:
    try:
        return op(left, right)
    except ZeroDivisionError:
        return math.nan
