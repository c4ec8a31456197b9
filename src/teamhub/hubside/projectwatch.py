"""Keep project folders shared: whatever appears in them gets the project's group, mode and ACLs.

Default ACLs make new files shared, but a file *moved* in (`mv`, a rename in JupyterLab) keeps
its own group and mode. This watcher, run by the hub as a service
(`python -m teamhub.hubside.projectwatch <state>/projects.json`), sweeps every project and the
team-wide pub/code once, then follows inotify events; without inotify it sweeps every few seconds.
Every path is reached from the tree's root by file descriptors, never following a link.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from teamhub.apply import acl, projects, registry
from teamhub.plan.project_steps import Groups

IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE = 0x4, 0x40, 0x80, 0x100
IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR = 0x4000, 0x8000, 0x40000000
WATCH_MASK = IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
EVENT = struct.Struct("iIII")
TICK = 1.0
POLL_INTERVAL = 5.0


class Inotify:
    """The kernel's inotify through libc (no dependency)."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")

    def add(self, dir_fd: int) -> int:
        """Watch an open folder (through /proc, so no path is looked up again)."""
        wd = self.libc.inotify_add_watch(self.fd, f"/proc/self/fd/{dir_fd}".encode(), WATCH_MASK)
        if wd < 0:
            raise OSError(ctypes.get_errno(), "inotify_add_watch")
        return wd

    def remove(self, wd: int) -> None:
        self.libc.inotify_rm_watch(self.fd, wd)

    def events(self) -> list[tuple[int, int, str]]:
        """Pending events as (wd, mask, name)."""
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return []
        found, offset = [], 0
        while offset < len(data):
            wd, mask, _cookie, length = EVENT.unpack_from(data, offset)
            raw = data[offset + EVENT.size : offset + EVENT.size + length]
            found.append((wd, mask, raw.rstrip(b"\0").decode("utf-8", "surrogateescape")))
            offset += EVENT.size + length
        return found

    def close(self) -> None:
        os.close(self.fd)


@dataclass(frozen=True)
class Tree:
    """One shared tree: a project folder or pub/code, with its policy."""

    root: str
    policy: acl.Policy


def load_trees(registry_path: Path) -> list[Tree]:
    """The trees the registry names whose groups exist."""
    data = registry.read_raw(registry_path)
    base = Path(data.get("data", "/nonexistent"))
    trees = []
    for name, entry in sorted(data.get("projects", {}).items()):
        groups = Groups(writers=entry["writers_group"], readers=entry["readers_group"])
        policy = projects.project_policy(groups)
        if policy is not None:
            trees.append(Tree(str(base / "projects" / name), policy))
    shared = projects.shared_policy(data["admins_group"]) if data.get("admins_group") else None
    if shared is not None:
        trees += [Tree(str(base / "shared" / area), shared) for area in projects.SHARED_AREAS]
    return trees


class Watcher:
    """Sweep, then follow events; reload when the registry changes."""

    def __init__(self, registry_path: Path) -> None:
        self.registry_path = registry_path
        self.trees: list[Tree] = []
        self.inotify: Inotify | None = None
        self.watches: dict[int, tuple[Tree, tuple[str, ...]]] = {}
        self.by_path: dict[tuple[str, tuple[str, ...]], int] = {}
        self.stamp: tuple[int, int] | None = None
        self.polling = False

    def registry_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.registry_path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def reload(self) -> None:
        """Read the registry, start inotify afresh, and sweep every tree."""
        self.stamp = self.registry_stamp()
        self.trees = load_trees(self.registry_path)
        if self.inotify is not None:
            self.inotify.close()
        self.watches, self.by_path, self.inotify = {}, {}, None
        if not self.polling:
            try:
                self.inotify = Inotify()
            except OSError as exc:
                self.fall_back(exc)
        for tree in self.trees:
            self.sweep(tree, ())

    def fall_back(self, exc: OSError) -> None:
        print(f"projectwatch: inotify unavailable ({exc}); sweeping every {POLL_INTERVAL:.0f} s", flush=True)
        self.polling = True
        if self.inotify is not None:
            self.inotify.close()
        self.inotify = None

    def sweep(self, tree: Tree, parts: tuple[str, ...]) -> None:
        """Normalise tree/parts and everything below it, watching each folder."""
        top = not parts

        def watch(dirpath: str, fd: int) -> None:
            if self.inotify is None:
                return
            rel = (*parts[:-1], *Path(dirpath).parts) if parts else tuple(Path(dirpath).parts[1:])
            try:
                wd = self.inotify.add(fd)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EMFILE):
                    self.fall_back(exc)
                return
            self.watches[wd] = (tree, rel)
            self.by_path[(tree.root, rel)] = wd

        root = Path(tree.root)
        try:
            if top:
                parent, name = acl.open_dir_beneath(str(root.parent), ()), root.name
            else:
                parent, name = acl.open_dir_beneath(tree.root, parts[:-1]), parts[-1]
        except OSError:
            return
        try:
            acl.normalise_tree(name, tree.policy, top_owned=top, dir_fd=parent, on_dir=watch)
            if self.inotify is not None:
                # again, for what arrived in a folder between its listing and its watch
                acl.normalise_tree(name, tree.policy, top_owned=top, dir_fd=parent)
        finally:
            os.close(parent)

    def touch(self, tree: Tree, parts: tuple[str, ...]) -> None:
        """Normalise one entry tree/parts (not below it)."""
        try:
            parent = acl.open_dir_beneath(tree.root, parts[:-1])
        except OSError:
            return
        try:
            if parts:
                acl.normalise_at(parent, parts[-1], tree.policy)
            else:
                acl.normalise_fd(parent, tree.policy, top=True)
        finally:
            os.close(parent)

    def handle(self, wd: int, mask: int, name: str) -> None:
        """One inotify event."""
        if mask & IN_Q_OVERFLOW:
            self.reload()
            return
        if mask & IN_IGNORED:
            found = self.watches.pop(wd, None)
            if found and self.by_path.get((found[0].root, found[1])) == wd:
                del self.by_path[(found[0].root, found[1])]
            return
        if wd not in self.watches:
            return
        tree, rel = self.watches[wd]
        parts = (*rel, name) if name else rel
        if mask & IN_MOVED_FROM and mask & IN_ISDIR:
            gone = self.by_path.pop((tree.root, parts), None)
            if gone is not None and self.inotify is not None:
                self.watches.pop(gone, None)
                self.inotify.remove(gone)
        elif mask & (IN_CREATE | IN_MOVED_TO) and mask & IN_ISDIR:
            self.sweep(tree, parts)
        elif mask & (IN_CREATE | IN_MOVED_TO | IN_ATTRIB):
            self.touch(tree, parts)

    def run(self) -> int:
        """Watch until the hub that started this process goes away."""
        parent = os.getppid()
        self.reload()
        last_sweep = time.monotonic()
        while os.getppid() == parent:
            fds = [self.inotify.fd] if self.inotify is not None else []
            ready, _, _ = select.select(fds, [], [], TICK)
            if ready and self.inotify is not None:
                for event in self.inotify.events():
                    self.handle(*event)
            if self.registry_stamp() != self.stamp:
                self.reload()
            elif self.polling and time.monotonic() - last_sweep > POLL_INTERVAL:
                for tree in self.trees:
                    self.sweep(tree, ())
                last_sweep = time.monotonic()
        return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m teamhub.hubside.projectwatch <state>/projects.json [--poll]`."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m teamhub.hubside.projectwatch <state>/projects.json [--poll]", file=sys.stderr)
        return 2
    watcher = Watcher(Path(args[0]))
    watcher.polling = "--poll" in args
    return watcher.run()


if __name__ == "__main__":
    sys.exit(main())
