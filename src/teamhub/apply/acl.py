"""POSIX ACLs through the kernel's xattr interface: on open file descriptors, never through a link.

A shared tree (a project folder, or the team-wide pub/code) has one `Policy`: its group, the
named groups that may read it, and what everyone else may do. `normalise_fd` puts one file or
folder in line with it; `normalise_tree` walks a tree by file descriptors, skipping links.
"""

from __future__ import annotations

import errno
import os
import stat
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ACCESS = "system.posix_acl_access"
DEFAULT = "system.posix_acl_default"
VERSION = 2
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
UNDEFINED = 0xFFFFFFFF
ENTRY = struct.Struct("<HHI")
HEADER = struct.Struct("<I")
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

Entry = tuple[int, int, int]


def encode(entries: list[Entry]) -> bytes:
    """The xattr value for ACL entries (tag, perm, id), in the order the kernel wants."""
    ordered = sorted(entries, key=lambda entry: (entry[0], entry[2]))
    return HEADER.pack(VERSION) + b"".join(ENTRY.pack(*entry) for entry in ordered)


def decode(value: bytes) -> list[Entry]:
    """ACL entries from an xattr value, sorted."""
    count = (len(value) - HEADER.size) // ENTRY.size
    entries = [ENTRY.unpack_from(value, HEADER.size + i * ENTRY.size) for i in range(count)]
    return sorted(entries, key=lambda entry: (entry[0], entry[2]))


def read(fd: int, name: str) -> list[Entry] | None:
    """The ACL `name` on an open file, or None when it has none."""
    try:
        return decode(os.getxattr(fd, name))
    except OSError as exc:
        if exc.errno == errno.ENODATA:
            return None
        raise


def effective(entries: list[Entry] | None) -> list[Entry] | None:
    """Entries as they act: the group class narrowed by the mask (so equal ACLs compare equal)."""
    if entries is None:
        return None
    mask = next((perm for tag, perm, _ in entries if tag == MASK), 7)
    return [(tag, perm & mask if tag in (GROUP_OBJ, GROUP, USER) else perm, i) for tag, perm, i in entries]


def supported(path: str) -> bool:
    """True when the file system holding `path` (an existing path) stores POSIX ACLs."""
    try:
        os.getxattr(path, ACCESS)
    except OSError as exc:
        return exc.errno == errno.ENODATA
    return True


@dataclass(frozen=True)
class Policy:
    """How every file and folder of a shared tree should be: group, readers' groups, others."""

    gid: int
    readers: tuple[int, ...] = ()
    other: int = 0
    top_uid: int = 0

    def want(self, is_dir: bool, mode: int) -> tuple[int, list[Entry] | None, list[Entry] | None]:
        """The mode, access ACL (None: plain mode) and default ACL a file or folder should have."""
        if is_dir:
            owner, group, other = 7, 7, self.other
        else:
            x = 1 if mode & 0o111 else 0
            owner, group, other = 6 | x, 6 | x, (self.other & 4) | (x & self.other)
        entries = [(USER_OBJ, owner, UNDEFINED), (GROUP_OBJ, group, UNDEFINED), (OTHER, other, UNDEFINED)]
        if self.readers:
            # As a file made under a default ACL has them: full entries, narrowed by the mask.
            entries = [(USER_OBJ, owner, UNDEFINED), (GROUP_OBJ, 7, UNDEFINED), (OTHER, other, UNDEFINED)]
            entries += [(GROUP, 5, gid) for gid in self.readers] + [(MASK, group, UNDEFINED)]
        entries.sort(key=lambda entry: (entry[0], entry[2]))
        bits = (stat.S_ISGID if is_dir else 0) | owner << 6 | group << 3 | other
        access = entries if self.readers else None
        default = entries if is_dir else None
        return bits, access, default


def normalise_fd(fd: int, policy: Policy, top: bool = False, dry_run: bool = False) -> bool:
    """Give an open file or folder the policy's group, mode and ACLs; True when it changed (or would)."""
    st = os.fstat(fd)
    is_dir = stat.S_ISDIR(st.st_mode)
    if not (is_dir or stat.S_ISREG(st.st_mode)):
        return False
    if not is_dir and st.st_nlink > 1:
        return False  # a hard link may be a file outside the tree: never hand it to the project
    uid = policy.top_uid if top else st.st_uid
    bits, access, default = policy.want(is_dir, st.st_mode)
    current_access = read(fd, ACCESS)
    current_default = read(fd, DEFAULT) if is_dir else None
    changed = (
        (st.st_uid, st.st_gid) != (uid, policy.gid)
        or stat.S_IMODE(st.st_mode) != bits
        or effective(current_access) != effective(access)
        or current_default != default
    )
    if not changed or dry_run:
        return changed
    if (st.st_uid, st.st_gid) != (uid, policy.gid):
        os.fchown(fd, uid, policy.gid)
    if access is None and current_access is not None:
        os.removexattr(fd, ACCESS)
    os.fchmod(fd, bits)
    if access is not None:
        os.setxattr(fd, ACCESS, encode(access))
    if is_dir and current_default != default:
        os.setxattr(fd, DEFAULT, encode(default or []))
    return True


def normalise_at(dir_fd: int | None, name: str, policy: Policy, top: bool = False) -> bool:
    """Open `name` (relative to dir_fd) without following a link and normalise it."""
    try:
        fd = os.open(name, OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOENT, errno.ENXIO, errno.EOPNOTSUPP):
            return False  # a link (never followed), gone already, or a socket
        raise
    try:
        return normalise_fd(fd, policy, top=top)
    finally:
        os.close(fd)


def open_dir_beneath(root: str, parts: Sequence[str]) -> int:
    """An fd of root/parts..., every part opened without following a link (ELOOP/ENOTDIR if one is)."""
    fd = os.open(root, DIR_FLAGS)
    for part in parts:
        try:
            child = os.open(part, DIR_FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        fd = child
    return fd


def normalise_tree(
    top: str,
    policy: Policy,
    top_owned: bool = True,
    dir_fd: int | None = None,
    on_dir: Callable[[str, int], None] | None = None,
) -> int:
    """Normalise a whole tree without following links; how many entries changed.

    `top` is relative to `dir_fd` when given; `on_dir(path, fd)` sees every folder on the way.
    """
    changed = 0
    try:
        for dirpath, _dirs, files, fd in os.fwalk(top, dir_fd=dir_fd, follow_symlinks=False):
            changed += normalise_fd(fd, policy, top=top_owned and dirpath == top)
            if on_dir is not None:
                on_dir(dirpath, fd)
            for name in files:
                changed += normalise_at(fd, name, policy)
    except (FileNotFoundError, NotADirectoryError):
        pass
    return changed
