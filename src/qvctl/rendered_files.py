"""Committed files rendered from the specs: write them, or name the stale ones (`render --check`)."""

from __future__ import annotations

from pathlib import Path

import yaml


class BlockDumper(yaml.SafeDumper):
    """Block style everywhere; multi-line strings (the Fluent Bit config) as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key (yamllint's default style).
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: object) -> bool:
        # A value shared by two objects in Python is written out twice, never as &anchor/*alias.
        return True


def _multiline_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


BlockDumper.add_representer(str, _multiline_str)


def _existing(directory: Path, pattern: str) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob(pattern)) if directory.is_dir() else []


def write(files: dict[str, str], directory: Path, pattern: str) -> list[Path]:
    """Write every file, remove those matching `pattern` that are no longer rendered; return what changed."""
    changed = []
    for name, text in files.items():
        path = directory / name
        if not path.is_file() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    for name in _existing(directory, pattern):
        if name not in files:
            (directory / name).unlink()
            changed.append(directory / name)
    return changed


def stale_files(files: dict[str, str], directory: Path, pattern: str) -> list[str]:
    """Files that differ from a fresh render: changed, missing, or no longer rendered."""
    stale = [name for name, text in files.items()
             if not (directory / name).is_file() or (directory / name).read_text() != text]
    stale.extend(name for name in _existing(directory, pattern) if name not in files)
    return sorted(stale)
