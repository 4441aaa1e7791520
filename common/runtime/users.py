"""Servers that run as their own user, and the directories they must own.

RabbitMQ runs as `rabbitmq` (with root-owned directories it dies), Elasticsearch refuses
root, nginx's workers run as `www-data`. Switching users needs root: a runner that is not
root runs every server as itself, which already owns every directory it creates.

A server running as another user must also *reach* its directories: every parent must let it
through. A run directory under the repository normally does; a test's run dir does not: it
lies in /tmp/pytest-of-<user>, which pytest keeps at mode 0700 (and resets at each session,
so loosening it would break other sessions' servers). Such a directory is made instead under
a private base in the system temp dir and linked from where it belongs, so people still find
it there; `shop down --purge` removes both (remove_linked_dirs).
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from common.runtime.errors import RuntimeFailure


@dataclass(frozen=True)
class Account:
    """A user to run a server as: what Popen's user/group/extra_groups need."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]  # supplementary groups (root's own must not leak to the server)


def run_as(user: str | None, group: str | None = None) -> Account | None:
    """The account to switch to, or None to run as the runner itself (no user asked, the
    runner is not root and cannot switch, or it already is that user)."""
    if user is None or os.geteuid() != 0:
        return None
    found = account(user, group)
    return None if found.uid == os.geteuid() else found


def account(user: str, group: str | None = None) -> Account:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise RuntimeFailure(
            f"user {user!r} does not exist on this machine; the server's package creates it "
            "(run scripts/install-servers.sh, or `make servers`)"
        ) from None
    gid = entry.pw_gid
    if group is not None:
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise RuntimeFailure(f"group {group!r} does not exist on this machine") from None
    return Account(user, entry.pw_uid, gid, tuple(os.getgrouplist(user, gid)))


def blocking_parent(who: Account, path: Path) -> Path | None:
    """The first existing parent of path that `who` may not pass through, if any.

    Judged from mode bits (owner, group, others); ACLs are not read, so at worst a reachable
    directory is taken for an unreachable one and moved to the private base for nothing."""
    for parent in reversed(path.absolute().parents):
        try:
            info = parent.stat()
        except FileNotFoundError:
            return None  # created by the runner from here on, with the default mode
        if info.st_uid == who.uid:
            needed = stat.S_IXUSR
        elif info.st_gid in who.groups or info.st_gid == who.gid:
            needed = stat.S_IXGRP
        else:
            needed = stat.S_IXOTH
        if not info.st_mode & needed:
            return parent
    return None


def place(path: Path, who: Account | None) -> Path:
    """Where owned_dir(path, who) is (or will be), without making anything."""
    if path.is_symlink():
        return path.resolve()
    if who is None or blocking_parent(who, path) is None:
        return path
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:16]
    return _private_base_path() / f"{digest}-{path.name}"


def owned_dir(path: Path, who: Account | None) -> Path:
    """Directory `path`, owned (with everything in it) by `who` and reachable by it.

    Returns where it really is: `path`, or its private copy when the parents of `path` are
    closed to `who` (then `path` is a symbolic link to it)."""
    target = place(path, who)
    if who is None or target == path:
        path.mkdir(parents=True, exist_ok=True)
        if who is not None:
            _chown_tree(path, who)
        return path
    if not path.is_symlink():
        _private_base()
        target.mkdir(exist_ok=True)
        if path.is_dir():  # made by an earlier step (e.g. a named volume): keep its content
            for entry in path.iterdir():
                shutil.move(str(entry), target / entry.name)
            path.rmdir()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target, target_is_directory=True)
    target.mkdir(parents=True, exist_ok=True)
    _chown_tree(target, who)
    return target


def remove_linked_dirs(tree: Path) -> None:
    """Delete the private directories that symbolic links under `tree` point to."""
    base = _private_base_path()
    for root, dirs, files in os.walk(tree):
        for name in [*dirs, *files]:
            link = Path(root) / name
            if link.is_symlink():
                target = link.resolve()
                if target.is_relative_to(base) and target != base:
                    shutil.rmtree(target, ignore_errors=True)


def _private_base_path() -> Path:
    return Path(tempfile.gettempdir()) / f"shop-evolution-{os.geteuid()}"


def _private_base() -> Path:
    """A directory others may pass through (0711) but not list, owned by the runner."""
    base = _private_base_path()
    base.mkdir(mode=0o711, exist_ok=True)
    info = base.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        raise RuntimeFailure(f"{base} is not a directory of this user: remove it and retry")
    if stat.S_IMODE(info.st_mode) != 0o711:
        base.chmod(0o711)
    return base


def _chown_tree(top: Path, who: Account) -> None:
    os.chown(top, who.uid, who.gid)
    for root, dirs, files in os.walk(top):
        for name in [*dirs, *files]:
            os.chown(Path(root) / name, who.uid, who.gid, follow_symlinks=False)
