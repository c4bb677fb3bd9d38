"""Markdown that cannot lie about files and commands: the "markdown links and commands" check.

In every tracked `*.md` file:
- a relative link (`[text](path)`, `[label]: path`, images too) names a file or folder that
  exists, and a `#anchor` into Markdown (or into the same file) names one of its headings;
- a `make <target>` in a code span or code block names a target of the Makefile, and a
  `qvctl <command> [<subcommand>]` names a command (or a group and one of its commands) that
  the Typer app registers.

Commands are looked for only where a shell would run them: at the start of a code span, or of
a code-block line (after an optional `$ ` prompt), or after `&&`, `||`, `;`, `|` or `(`; so
prose inside code blocks ("# make sure ...") is not mistaken for a command.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from qvctl.context import Context

_FENCE = re.compile(r"^\s{0,3}(```+|~~~+)")
_ATX_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+\s*)?$")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+[\"'(][^)]*)?\)")
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=[\"']([^\"']+)[\"']", re.IGNORECASE)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_SHELL_COMMENT = re.compile(r"(?:^|\s)#.*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Where a command starts: the beginning, or after a shell operator.
_COMMAND_START = re.compile(r"(?:^|&&|\|\||;|\||\()\s*(?:\$\s+)?")
_MAKE = re.compile(r"make(?=\s|$)((?:\s+\S+)*)")
_QVCTL = re.compile(r"(?:\S*/)?(?:python3?\s+-m\s+)?qvctl(?=\s|$)((?:\s+\S+)*)")
_MAKE_TARGET_LINE = re.compile(r"^([A-Za-z0-9_.][A-Za-z0-9_. -]*?)\s*:(?!=)")
_TARGET = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Commands:
    """What Markdown may name: the Makefile's targets, qvctl's commands and each group's commands."""

    make_targets: frozenset[str]
    qvctl: Mapping[str, frozenset[str]] = field(default_factory=dict)  # command -> its subcommands ({} if none)


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# --- reading Markdown ---------------------------------------------------------------------------


def _prose_and_code(lines: list[str]) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, inside a fenced code block) for every line but the fences themselves."""
    fence: str | None = None
    for number, line in enumerate(lines, 1):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0] * len(opening.group(1))
            continue
        if fence is not None and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            fence = None
            continue
        yield number, line, fence is not None


def _plain_heading(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading: its text
    return re.sub(r"<[^>]+>", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces become hyphens."""
    return re.sub(r"[^\w\- ]", "", _plain_heading(heading).strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor a Markdown file offers: its headings (repeats get -1, -2, ...) and <a name/id>."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    lines = text.splitlines()
    previous = ""
    for _, line, in_code in _prose_and_code(lines):
        if in_code:
            previous = ""
            continue
        heading = _ATX_HEADING.match(line)
        title = heading.group(1) if heading else None
        if title is None and previous.strip() and _SETEXT_UNDERLINE.match(line) and not _ATX_HEADING.match(previous):
            title = previous  # a setext heading: the text above a === or --- line
        if title is not None:
            base = slug(title)
            count = seen.get(base, 0)
            found.add(base if count == 0 else f"{base}-{count}")
            seen[base] = count + 1
        found.update(m.group(1) for m in _HTML_ANCHOR.finditer(line))
        previous = line
    return found


def _without_code_spans(line: str) -> str:
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def _link_targets(line: str) -> Iterator[str]:
    text = _without_code_spans(line)
    for match in _INLINE_LINK.finditer(text):
        yield match.group(1)
    definition = _REFERENCE_DEFINITION.match(text)
    if definition:
        yield definition.group(1)


def _command_snippets(line: str, in_code: bool) -> Iterator[str]:
    """The text of each command a line shows: code-block lines whole, code spans elsewhere."""
    # A code block's comments are prose ("# qvctl writes this file"), not commands.
    pieces = [_SHELL_COMMENT.sub("", line)] if in_code else [m.group(2).strip() for m in _CODE_SPAN.finditer(line)]
    for piece in pieces:
        for start in _COMMAND_START.finditer(piece):
            yield piece[start.end() :]


def _words(arguments: str) -> list[str]:
    """The words after a command up to the next shell operator or comment."""
    words = []
    for word in arguments.split():
        if word in ("&&", "||", ";", "|", ")") or word.startswith("#"):
            break
        words.append(word.rstrip(";)"))
    return words


def _is_name(word: str) -> bool:
    return bool(_TARGET.match(word)) and not word.startswith("-")


# --- checking -----------------------------------------------------------------------------------


def _check_link(root: Path, source: Path, target: str, anchor_cache: dict[Path, set[str]]) -> str | None:
    target = target.strip("<>")
    if not target or _SCHEME.match(target) or target.startswith("//"):
        return None  # a URL (http:, mailto:, ...), not a file of the repository
    path_part, _, anchor = target.partition("#")
    path_part = unquote(path_part.split("?", 1)[0])
    if path_part.startswith("/"):
        resolved = root / path_part.lstrip("/")
    elif path_part:
        resolved = source.parent / path_part
    else:
        resolved = source
    if not resolved.exists():
        return f"link to {target}: {path_part} does not exist"
    if anchor and resolved.is_file() and resolved.suffix.lower() in (".md", ".markdown"):
        key = resolved.resolve()
        if key not in anchor_cache:
            anchor_cache[key] = anchors(resolved.read_text(encoding="utf-8"))
        if unquote(anchor).lower() not in anchor_cache[key]:
            shown = path_part or source.name
            return f"link to {target}: {shown} has no heading with the anchor #{anchor}"
    return None


def _check_commands(snippet: str, commands: Commands) -> Iterator[str]:
    make = _MAKE.match(snippet)
    if make:
        words = [w for w in _words(make.group(1)) if "=" not in w]
        if words and not words[0].startswith("-") and _is_name(words[0]) and words[0] not in commands.make_targets:
            yield f"make {words[0]}: the Makefile has no such target"
    qvctl = _QVCTL.match(snippet)
    if qvctl:
        words = _words(qvctl.group(1))
        if not words or not _is_name(words[0]):
            return
        command = words[0]
        if command not in commands.qvctl:
            yield f"qvctl {command}: qvctl has no such command"
            return
        subcommands = commands.qvctl[command]
        if subcommands and len(words) > 1 and _is_name(words[1]) and words[1] not in subcommands:
            yield f"qvctl {command} {words[1]}: `qvctl {command}` has no such command"


def check_markdown(root: Path, files: list[Path], commands: Commands) -> list[Finding]:
    """Every broken link, missing heading and unknown command in `files` (paths relative to `root`)."""
    findings: list[Finding] = []
    anchor_cache: dict[Path, set[str]] = {}
    for relative in files:
        source = root / relative
        lines = source.read_text(encoding="utf-8").splitlines()
        for number, line, in_code in _prose_and_code(lines):
            if not in_code:
                for target in _link_targets(line):
                    problem = _check_link(root, source, target, anchor_cache)
                    if problem:
                        findings.append(Finding(str(relative), number, problem))
            for snippet in _command_snippets(line, in_code):
                findings += [Finding(str(relative), number, problem) for problem in _check_commands(snippet, commands)]
    return findings


# --- the repository -----------------------------------------------------------------------------


def tracked_markdown(root: Path) -> list[Path]:
    """The `*.md` files git tracks (what a reader of the repository sees), relative to `root`."""
    done = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.md"], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"git ls-files failed in {root}: {done.stderr.strip()}")
    return [Path(name) for name in done.stdout.split("\0") if name and (root / name).is_file()]


def make_targets(makefile: Path) -> frozenset[str]:
    targets: set[str] = set()
    for line in makefile.read_text(encoding="utf-8").splitlines():
        match = _MAKE_TARGET_LINE.match(line)
        if match and not line.startswith((" ", "\t")):
            targets.update(name for name in match.group(1).split() if not name.startswith("."))
    return frozenset(targets)


def qvctl_commands() -> dict[str, frozenset[str]]:
    """qvctl's registered commands and groups (a group maps to its commands)."""
    import typer
    from typer.core import TyperGroup

    from qvctl.cli import app  # imported late: the CLI imports validate, which imports this module

    root = typer.main.get_command(app)
    if not isinstance(root, TyperGroup):
        return {root.name or "": frozenset()}
    return {
        name: frozenset(command.commands) if isinstance(command, TyperGroup) else frozenset()
        for name, command in root.commands.items()
    }


def repository_commands(root: Path) -> Commands:
    makefile = root / "Makefile"
    return Commands(make_targets(makefile) if makefile.is_file() else frozenset(), qvctl_commands())


def markdown_problems(ctx: Context) -> list[str]:
    """The check `qvctl validate` runs over the repository."""
    return [str(f) for f in check_markdown(ctx.root, tracked_markdown(ctx.root), repository_commands(ctx.root))]
