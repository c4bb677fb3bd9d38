"""`qvctl deploy dev|staging|prod`: a release in the cloud is an image tag; Argo Rollouts moves it.

The spec is the one source of the Rollout: the tag is written to `application.image.tag` of
environments/<env>.yaml (comments and layout kept) and kubernetes/<env>/ is rendered again, so
the Rollout's pod template names the new image and `render --check` stays true. Applying it and
watching the canary is the cluster's work, with the commands `next_steps` prints; nothing here
talks to a cluster (there is none on this machine).
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes import naming
from qvctl.kubernetes.pod import image
from qvctl.spec import Environment, require_environment, spec_path


def set_image_tag(ctx: Context, spec: Environment, tag: str) -> Environment:
    """Write `tag` into the environment's spec and return the spec as it now reads (validated)."""
    if spec.application.image.digest is not None:
        raise QvError(f"{spec.name} pins its image by digest: set application.image.digest in "
                      f"environments/{spec.name}.yaml to the release's digest", ExitStatus.INVALID_INPUT)
    path: Path = spec_path(ctx.root, spec.name)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    document = yaml.load(path.read_text())
    before = document["application"]["image"]["tag"]
    document["application"]["image"]["tag"] = type(before)(tag) if isinstance(before, str) else tag
    with path.open("w") as out:
        yaml.dump(document, out)
    try:
        return require_environment(ctx, spec.name)
    except QvError:
        document["application"]["image"]["tag"] = before
        with path.open("w") as out:
            yaml.dump(document, out)
        raise QvError(f"--version {tag}: not a valid image tag for {spec.name} (spec unchanged)",
                      ExitStatus.INVALID_INPUT) from None


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
