"""The state folder: somewhere every service user can reach, linked from the clone as `.qv`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qvctl.context import SYSTEM_STATE_ROOT, Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import state
from qvctl.platform.paths import EnvPaths


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A folder every user can enter (pytest's own tmp_path sits under a mode-700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="qv-state-test-", dir="/var/tmp"))
    os.chmod(folder, 0o755)  # noqa: S103 - the point: a folder service users can enter
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_by_default_the_state_lives_under_var_lib_per_checkout(tmp_path: Path) -> None:
    one = Context(root=tmp_path / "a" / "quantumvest", environ={})
    two = Context(root=tmp_path / "b" / "quantumvest", environ={})
    assert one.state_root.parent == SYSTEM_STATE_ROOT
    assert one.state_root.name.startswith("quantumvest-")
    assert one.state_root != two.state_root, "two clones never share a state folder"
    assert Context(root=tmp_path, environ={"QV_STATE_DIR": "/srv/qv"}).state_root == Path("/srv/qv")


def test_a_private_folder_is_named_with_the_user_it_locks_out(open_tmp: Path) -> None:
    private = open_tmp / "home"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)  # mkdir's mode is filtered by the umask
    problem = state.blocked(private / "clone" / ".qv" / "local", users=("postgres",))
    assert problem is not None
    assert (problem.user, problem.folder) == ("postgres", private)
    assert problem.describe() == f"{private} (mode 700, owner root) does not let the service user postgres through"
    os.chmod(private, 0o711)  # noqa: S103 - traversable, not listable
    assert state.blocked(private / "clone", users=("postgres",)) is None, "traversal (x) is all a service needs"


def test_prepare_refuses_an_unreachable_state_folder_before_anything_starts(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    os.chmod(private, 0o700)
    ctx = Context(root=tmp_path / "clone", environ={"QV_STATE_DIR": str(private / "state")})
    (tmp_path / "clone").mkdir()
    with pytest.raises(QvError) as refused:
        state.prepare(ctx, EnvPaths.of(ctx, "local"))
    assert refused.value.status is ExitStatus.INVALID_INPUT
    assert refused.value.message.startswith(f"the state folder {private / 'state' / 'local'} is unreachable")
    assert "service user" in refused.value.message and "unset QV_STATE_DIR" in refused.value.message
    assert not (private / "state").exists(), "nothing is made when the folder cannot work"


def test_prepare_makes_the_folder_and_links_the_clone_to_it(open_tmp: Path) -> None:
    clone = open_tmp / "clone"
    clone.mkdir()
    (clone / ".qv").mkdir()  # an empty folder of the older layout is replaced by the link
    ctx = Context(root=clone, environ={"QV_STATE_DIR": str(open_tmp / "state")})
    paths = EnvPaths.of(ctx, "local")
    assert state.prepare(ctx, paths) == f"{paths.state} (linked from .qv)"
    assert (clone / ".qv").is_symlink() and (clone / ".qv" / "local").resolve() == paths.state
    assert oct(paths.state.stat().st_mode & 0o777) == "0o755"
    assert state.prepare(ctx, paths) == str(paths.state), "a second prepare changes nothing"
