"""Grafana's variables replaced as Grafana replaces them; durations read and written."""

from __future__ import annotations

import pytest

from qvctl.monitoring.snapshot.variables import (
    UnknownVariable,
    builtins,
    format_duration,
    parse_duration,
    substitute,
)


def test_rate_interval_holds_four_scrapes_at_a_short_step() -> None:
    assert builtins(3600, 15, 15)["__rate_interval"] == "1m"


def test_rate_interval_follows_a_long_step_plus_one_scrape() -> None:
    assert builtins(3600, 300, 15)["__rate_interval"] == "315s"


def test_range_and_interval() -> None:
    values = builtins(3600, 15, 15)
    assert (values["__range"], values["__range_s"], values["__interval"]) == ("1h", "3600", "15s")


def test_every_reference_form_is_replaced() -> None:
    values = {"objective": "0.999", "threshold": "0.5", "__range": "1h", "__range_s": "3600"}
    expr = 'x{le="$threshold"} / (1 - ${objective}) + y[[[__range]]] + z[${__range:raw}] * $__range_s'
    assert substitute(expr, values) == 'x{le="0.5"} / (1 - 0.999) + y[1h] + z[1h] * 3600'


def test_the_longest_name_wins() -> None:
    assert substitute("$__range_s/$__range", {"__range": "1h", "__range_s": "3600"}) == "3600/1h"


def test_label_replace_capture_groups_are_not_variables() -> None:
    expr = 'label_replace(up, "host", "$1", "instance", "(.*):.*")'
    assert substitute(expr, {}) == expr


def test_an_unknown_variable_is_named() -> None:
    with pytest.raises(UnknownVariable) as caught:
        substitute("rate(x[$__rate_interval]) / $missing / $other", {"__rate_interval": "1m"})
    assert caught.value.names == ["missing", "other"]
    assert str(caught.value) == "no value for $missing, $other"


@pytest.mark.parametrize(("text", "seconds"), [("15s", 15), ("1m", 60), ("1h30m", 5400), ("1d", 86400),
                                                ("2w", 1209600)])
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "1 h", "h", "5min", "-5m", "10ms"])
def test_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [(15, "15s"), (60, "1m"), (75, "75s"), (5400, "90m"), (86400, "1d")])
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
