"""Load environment specs and turn every way they can be wrong into one line per problem.

`load_environment` either returns a valid `Environment` or raises `SpecError`, whose
`problems` are ready to print as `<file>: <field path>: <reason>`. No other exception
escapes, whatever bytes the file holds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from qvctl.spec.model import Environment


class SpecError(Exception):
    """A spec that cannot be used; `problems` holds one printable line each."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems



_ENVIRONMENT_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")


def spec_path(root: Path, name_or_path: str) -> Path:
    """`dev` means `<root>/environments/dev.yaml`; anything with a `/` or `.` is a path to a spec file."""
    if _ENVIRONMENT_NAME.fullmatch(name_or_path):
        return root / "environments" / f"{name_or_path}.yaml"
    return Path(name_or_path)


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif not _PLAIN_KEY.fullmatch(item):
            parts.append(f"[{item!r}]")  # a key with spaces, dots or newlines stays one readable token
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts)


def _reason(error: ErrorDetails) -> tuple[str, str]:
    """Return (location, reason) for one pydantic error, in the words the user needs."""
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and "[" in part and "]" in part))
    message: str = error["msg"]
    kind = error["type"]
    rule = message.startswith("Value error, ")
    if rule:
        message = message.removeprefix("Value error, ")
    elif kind == "extra_forbidden":
        return _location(loc), "unknown field (check its spelling)"
    elif kind == "missing":
        return _location(loc), "is missing (a required field)"
    elif "input" in error and not isinstance(error["input"], (dict, list)):
        message = f"{error['input']!r}: {message[0].lower()}{message[1:]}"
    # A model-level rule names its own sub-field ("subnets.public: ..."); fold it into the path.
    where = _location(loc)
    head, sep, rest = message.partition(": ")
    if rule and sep and "." in head and " " not in head and where:
        return f"{where}.{head}", rest
    return where, message


def problems_from_validation(display: str, err: ValidationError) -> tuple[str, ...]:
    lines = []
    for error in err.errors(include_url=False):
        where, reason = _reason(error)
        line = f"{display}: {where}: {reason}" if where else f"{display}: {reason}"
        lines.append(line.replace("\n", "\\n"))  # one problem, one line, whatever the input held
    return tuple(dict.fromkeys(lines))


SHARED_PORTS = Path("environments") / "shared" / "ports.yaml"


def _own_repository() -> Path:
    """The repository qvctl is installed from (an editable install): where the shared files are."""
    for candidate in Path(__file__).resolve().parents:
        if (candidate / SHARED_PORTS).is_file():
            return candidate
    raise SpecError((f"cannot find {SHARED_PORTS} above {Path(__file__).parent}",))


def shared_ports(root: Path | None = None) -> dict[str, Any]:
    """environments/shared/ports.yaml: the ports every environment shares."""
    path = (root or _own_repository()) / SHARED_PORTS
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SpecError((f"{SHARED_PORTS}: is not UTF-8 text",)) from None
    except OSError as err:
        raise SpecError((f"{SHARED_PORTS}: cannot be read ({err.strerror})",)) from None
    except yaml.YAMLError:
        raise SpecError((f"{SHARED_PORTS}: is not valid YAML",)) from None
    if not isinstance(data, dict) or not isinstance(data.get("ports"), dict):
        raise SpecError((f"{SHARED_PORTS}: must hold a mapping 'ports'",))
    return dict(data["ports"])


def parse_environment(text: str, display: str, root: Path | None = None) -> Environment:
    """`root` is the repository whose shared files complete the spec (default: qvctl's own)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or "is not valid YAML"
        raise SpecError((f"{display}: {where}{problem}",)) from None
    except (ValueError, RecursionError) as err:  # e.g. absurd nesting or numbers
        raise SpecError((f"{display}: cannot be read as YAML ({err.__class__.__name__})",)) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise SpecError((f"{display}: the spec must be a mapping of fields, but the file is {kind}",))
    if "ports" in data:
        raise SpecError((f"{display}: ports: service ports are shared by every environment; "
                         f"change them in {SHARED_PORTS}",))
    data = {**data, "ports": shared_ports(root)}
    try:
        return Environment.model_validate(data)
    except ValidationError as err:
        raise SpecError(problems_from_validation(display, err)) from None
    except RecursionError:
        raise SpecError((f"{display}: is nested too deeply to be a spec",)) from None


def load_environment(path: Path, root: Path | None = None) -> Environment:
    display = _display(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError((f"{display}: no such spec file",)) from None
    except UnicodeDecodeError:
        raise SpecError((f"{display}: is not UTF-8 text",)) from None
    except OSError as err:
        raise SpecError((f"{display}: cannot be read ({err.strerror})",)) from None
    env = parse_environment(text, display, root)
    # Terraform and Ansible find a spec by its file name: a file must be named after its environment.
    if path.suffix in (".yaml", ".yml") and _ENVIRONMENT_NAME.fullmatch(path.stem) and path.stem != env.name:
        raise SpecError((f"{display}: name: {env.name!r} does not match the file name {path.stem!r}",))
    return env
