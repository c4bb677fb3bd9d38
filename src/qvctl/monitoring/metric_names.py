"""The metric names a PromQL expression reads: what a target must expose for the query to have data.

A small lexer rather than a parser: an identifier is a metric name unless it is a keyword or an
aggregation, a function (followed by `(`), a label name (inside `{...}`, or in the list after
`by`, `without`, `on`, `ignoring`, `group_left`, `group_right`), or the unit of a duration (`5m`).
`{__name__="x"}` names `x`. Grafana's variables (`$__rate_interval`, `${datasource}`, `[[x]]`)
and strings are skipped. A name may not start with a colon here (legal, never used, and it would
swallow the colon of a subquery's `[1h:5m]`).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<variable>\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\])
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+(?:ms|[smhdwy]))+(?!\w)|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,(){}\[\]@:])
    """,
    re.VERBOSE,
)

# Keywords of the language, case-insensitive as Prometheus reads them.
_KEYWORDS = frozenset({
    "and", "or", "unless", "atan2", "bool", "offset", "inf", "nan",
    "by", "without", "on", "ignoring", "group_left", "group_right",
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile",
})
# Keywords followed by a list of label names in parentheses.
_LABEL_LISTS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})


class PromQLSyntaxError(ValueError):
    """A character the lexer does not know (the expression is not PromQL)."""


def _tokens(expr: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(expr):
        match = _TOKEN.match(expr, position)
        if match is None:
            raise PromQLSyntaxError(f"unexpected {expr[position]!r} at {position} in: {expr}")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append((kind, match.group()))
        position = match.end()
    return tokens


def _unquote(literal: str) -> str:
    return literal[1:-1]


def _closing(tokens: list[tuple[str, str]], opening: int) -> int:
    for index in range(opening, len(tokens)):
        if tokens[index][1] == ")":
            return index
    raise PromQLSyntaxError(f"a label list without its ')': {' '.join(t for _, t in tokens[opening:])}")


def metric_names(expr: str) -> set[str]:
    """Every metric name `expr` selects."""
    tokens = _tokens(expr)
    names: set[str] = set()
    in_braces = False
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if text == "{":
            in_braces = True
        elif text == "}":
            in_braces = False
        elif kind == "name" and in_braces:
            # A label name; __name__="x" is the metric's name written as a matcher.
            if text == "__name__" and following == "=" and index + 2 < len(tokens) and tokens[index + 2][0] == "string":
                names.add(_unquote(tokens[index + 2][1]))
        elif kind == "name" and text.lower() in _LABEL_LISTS and following == "(":
            index = _closing(tokens, index + 1)  # skip the label list
        elif kind == "name" and following != "(" and text.lower() not in _KEYWORDS:
            names.add(text)
        index += 1
    return names
