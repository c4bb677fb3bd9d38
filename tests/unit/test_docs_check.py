"""The Markdown check: links resolve, anchors name headings, `make` and `qvctl` commands exist."""

from __future__ import annotations

from pathlib import Path

from qvctl.context import Context
from qvctl.docs_check import Commands, anchors, check_markdown, make_targets, markdown_problems, qvctl_commands
from tests.conftest import ROOT

COMMANDS = Commands(
    make_targets=frozenset({"up", "test"}),
    qvctl={"render": frozenset(), "env": frozenset({"show", "check"})},
)

GUIDE = """# Guide

## Set up

Text.

Tear-down notes
---------------
"""

README = """# Project

- [guide](docs/guide.md), [setup](docs/guide.md#set-up), [notes](docs/guide.md#tear-down-notes)
- [gone](docs/missing.md) and ![logo](img/logo.png "the logo")
- [nowhere](docs/guide.md#tear-down), [here](#quickstart), [there](#nowhere)
- [a site](https://example.com/x.md) and [mail](mailto:ops@example.com); `[not a link](nope.md)`

## Quickstart

```sh
make up            # make believe: a comment is not a command
make deploy ENV=dev
.venv/bin/qvctl render dev && qvctl frobnicate
qvctl env show dev; qvctl env delete dev
[inside a code block](nope.md)
```

Run `make test`, then `make tests` and `python -m qvctl env check`.

[ref]: docs/also-missing.md
"""


def _repository(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(GUIDE)
    (tmp_path / "README.md").write_text(README)
    return tmp_path


def test_every_broken_link_missing_heading_and_unknown_command_is_reported_with_file_and_line(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    findings = [str(f) for f in check_markdown(root, [Path("README.md"), Path("docs/guide.md")], COMMANDS)]
    assert findings == [
        "README.md:4: link to docs/missing.md: docs/missing.md does not exist",
        "README.md:4: link to img/logo.png: img/logo.png does not exist",
        "README.md:5: link to docs/guide.md#tear-down: docs/guide.md has no heading with the anchor #tear-down",
        "README.md:5: link to #nowhere: README.md has no heading with the anchor #nowhere",
        "README.md:12: make deploy: the Makefile has no such target",
        "README.md:13: qvctl frobnicate: qvctl has no such command",
        "README.md:14: qvctl env delete: `qvctl env` has no such command",
        "README.md:18: make tests: the Makefile has no such target",
        "README.md:20: link to docs/also-missing.md: docs/also-missing.md does not exist",
    ]


def test_anchors_follow_github() -> None:
    text = "# Run `qvctl up` (locally)\n\n## Run `qvctl up` (locally)\n\nA [link](x.md) title\n===\n"
    assert anchors(text) == {"run-qvctl-up-locally", "run-qvctl-up-locally-1", "a-link-title"}


def test_make_targets_come_from_the_makefile() -> None:
    targets = make_targets(ROOT / "Makefile")
    assert {"bootstrap", "up", "test", "test-fast", "validate"} <= targets
    assert "SHELL" not in targets and "QVCTL" not in targets and ".PHONY" not in targets


def test_qvctl_commands_are_the_registered_ones() -> None:
    commands = qvctl_commands()
    assert {"validate", "render", "doctor", "env"} <= set(commands)
    assert commands["env"] >= {"show", "check"}
    assert commands["render"] == frozenset()


# Found in documents another change is rewriting; remove each entry with its fix.
KNOWN_ELSEWHERE = {
    "README.md:7: qvctl backup: qvctl has no such command",
}


def test_the_repository_markdown_tells_the_truth() -> None:
    problems = set(markdown_problems(Context(root=ROOT, environ={})))
    assert problems - KNOWN_ELSEWHERE == set()
