"""`qvctl deploy dev|staging|prod`: a release in the cloud is an image, tag and digest; Argo Rollouts moves it.

The spec is the one source of the Rollout: the tag and the digest are written to
`application.image` of environments/<env>.yaml (comments and layout kept) and kubernetes/<env>/ is
rendered again, so the Rollout's pod template names `repository:tag@digest` and `render --check`
stays true. The digest is what the cluster pulls: a tag alone is refused, since a tag can be pushed
again. Applying it and watching the canary is the cluster's work, with the commands `next_steps`
prints; nothing here talks to a cluster (there is none on this machine).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ruamel.yaml import YAML

from qvctl.atomic_file import replace_text
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes import naming
from qvctl.kubernetes.pod import image
from qvctl.spec import Environment, require_environment, spec_path
from qvctl.spec.model import IMAGE_DIGEST_PATTERN


def set_image(ctx: Context, spec: Environment, tag: str, digest: str) -> Environment:
    """Write `tag` and `digest` into the environment's spec and return the spec as it now reads (validated).

    Only their values change in the file: the rest of it (comments, alignment, the indentation
    of its lists) is a person's writing, and a release must show in `git diff` as two lines."""
    if not re.fullmatch(IMAGE_DIGEST_PATTERN, digest):
        raise QvError(f"--digest {digest}: not an image digest ('sha256:' and 64 lowercase hex digits; "
                      "spec unchanged)", ExitStatus.INVALID_INPUT)
    path: Path = spec_path(ctx.root, spec.name)
    original = path.read_text()
    display = f"environments/{spec.name}.yaml"
    replace_text(path, _with_value(_with_value(original, "tag", tag, display), "digest", digest, display))
    try:
        return require_environment(ctx, spec.name)
    except QvError:
        replace_text(path, original)
        raise QvError(f"--version {tag}: not a valid image tag for {spec.name} (spec unchanged)",
                      ExitStatus.INVALID_INPUT) from None


# The scalar a value starts with: double-quoted (with escapes), single-quoted ('' is a quote), or plain.
_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"' r"|'(?:[^']|'')*'" r"|[^\s,#}\]]+")


def _with_value(text: str, key: str, value: str, display: str) -> str:
    """`text` with application.image.<key>'s value replaced in place, quoted as before when it can be."""
    image = YAML().load(text)["application"].get("image")
    if image is None or key not in image:
        raise QvError(f"{display}: application.image has no {key} to replace", ExitStatus.INVALID_INPUT)
    line, column = image.lc.value(key)
    lines = text.splitlines(keepends=True)
    found = _SCALAR.match(lines[line], column)
    if found is None:
        raise QvError(f"{display}: application.image.{key} on line {line + 1} is not a plain value",
                      ExitStatus.INVALID_INPUT)
    # Single quotes stay single; anything else is double-quoted, so a tag such as 1.10 stays a string.
    quoted = f"'{value}'" if found.group().startswith("'") and "'" not in value else json.dumps(value)
    lines[line] = lines[line][:found.start()] + quoted + lines[line][found.end():]
    return "".join(lines)


def next_steps(spec: Environment) -> list[str]:
    ns = spec.kubernetes.namespace
    return [
        f"kubectl apply -f kubernetes/{spec.name}/",
        f"kubectl argo rollouts get rollout {naming.API} -n {ns} --watch",
        f"kubectl argo rollouts promote {naming.API} -n {ns}      (skip the rest of a step's pause)",
        f"kubectl argo rollouts abort {naming.API} -n {ns}        (all traffic back to the stable pods)",
        f"kubectl argo rollouts undo {naming.API} -n {ns}         (roll back to the previous image)",
    ]


def describe(spec: Environment) -> str:
    return f"the Rollout of {spec.name} now runs {image(spec)}"
