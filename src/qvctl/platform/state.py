"""The state folder of an environment: made where its services can reach it, linked from the clone.

The services run as their own system users (postgres, etcd, redis, prometheus) and open files
under the state folder. Every folder above it must let those users through, or supervisord
cannot even `chdir` into a program's folder and marks it FATAL. `Context.state_root` puts the
state under /var/lib/qvctl/ for that reason; a QV_STATE_DIR override is checked here, before
anything starts, so a private folder is one clear error instead of a later health timeout.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.paths import EnvPaths

# The users the local platform's services run as (Debian's packages create them).
SERVICE_USERS = ("postgres", "etcd", "redis", "prometheus")


@dataclass(frozen=True)
class Blocked:
    user: str
    folder: Path
    mode: int
    owner: str

    def describe(self) -> str:
        return (f"{self.folder} (mode {stat.S_IMODE(self.mode):o}, owner {self.owner}) does not let "
                f"the service user {self.user} through")


def _can_traverse(user: pwd.struct_passwd, groups: set[int], info: os.stat_result) -> bool:
    if user.pw_uid == 0:
        return True
    if info.st_uid == user.pw_uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid in groups:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def _groups(user: pwd.struct_passwd) -> set[int]:
    return {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}


def blocked(folder: Path, users: tuple[str, ...] = SERVICE_USERS) -> Blocked | None:
    """The first folder at or above `folder` that one of `users` cannot traverse (None: all can).

    Folders that do not exist yet are skipped: they are made root-owned and traversable.
    """
    accounts = []
    for name in users:
        try:
            accounts.append(pwd.getpwnam(name))
        except KeyError:
            continue  # the package that brings this user is not installed; doctor says so
    for candidate in [folder, *folder.parents]:
        try:
            info = candidate.stat()
        except FileNotFoundError:
            continue
        for account in accounts:
            if not _can_traverse(account, _groups(account), info):
                try:
                    owner = pwd.getpwuid(info.st_uid).pw_name
                except KeyError:
                    owner = str(info.st_uid)
                return Blocked(account.pw_name, candidate, info.st_mode, owner)
    return None


def prepare(ctx: Context, paths: EnvPaths) -> str:
    """Make the state folder (traversable by the service users) and the clone's `.qv` link to it."""
    problem = blocked(paths.state)
    if problem is not None:
        raise QvError(
            f"the state folder {paths.state} is unreachable for the services: {problem.describe()}; "
            "unset QV_STATE_DIR (the default /var/lib/qvctl/ is reachable) or choose a folder every user can enter",
            ExitStatus.INVALID_INPUT,
        )
    for folder in [*reversed(paths.state.parents), paths.state]:
        if not folder.exists():
            folder.mkdir(mode=0o755)
    link = ctx.state_link
    root = ctx.state_root.resolve()
    if link.is_symlink() and link.resolve() != root:
        link.unlink()  # a link left by another QV_STATE_DIR
    elif link.is_dir() and not link.is_symlink() and not any(link.iterdir()):
        link.rmdir()  # an empty folder left by an older layout
    if not link.exists() and not link.is_symlink():
        link.symlink_to(root, target_is_directory=True)
        return f"{paths.state} (linked from {link.name})"
    return str(paths.state)
