"""The folder watcher: moved-in files become shared, links planted inside are never followed."""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.asuser import run_as
from tests.support.roots import Roots

MOVE_IN = """
set -e
printf own > own.txt && chmod 600 own.txt && ln own.txt {project}/hardlink.txt
printf secret > note.txt
mkdir -p tree/sub && printf deep > tree/sub/f && chmod -R go-rwx tree
ln -s {decoy} tree/sub/to-decoy
ln -s {decoy_dir} tree/to-dir
mv note.txt tree {project}/
ln -s {decoy} {project}/planted
"""


@pytest.mark.parametrize("mode", ["inotify", "poll"])
def test_moved_in_files_are_shared_and_planted_links_are_left_alone(roots: Roots, mode: str) -> None:
    a, b = roots.name("a"), roots.name("b")
    roots.write_team(f'[users.{a}]\nadmin = true\n[users.{b}]\n[projects.alpha]\nwriters = ["{b}"]\n')
    roots.teamhub("apply")
    project = roots.base / "srv" / "projects" / "alpha"
    decoy_dir = Path(f"{roots.base}-decoy")
    decoy_dir.mkdir(mode=0o755)
    decoy = decoy_dir / "shadow"
    decoy.write_text("root-only\n")
    os.chmod(decoy, 0o600)
    argv = [sys.executable, "-m", "teamhub.hubside.projectwatch", str(roots.base / "state" / "projects.json")]
    watcher = subprocess.Popen([*argv, *(["--poll"] if mode == "poll" else [])])
    try:
        proc = run_as(b, ["sh", "-c", MOVE_IN.format(decoy=decoy, decoy_dir=decoy_dir, project=project)])
        assert proc.returncode == 0, proc.stderr
        gid = grp.getgrnam(f"{roots.prefix}-p-alpha").gr_gid
        wanted = [
            project / "note.txt",
            project / "tree",
            project / "tree" / "sub",
            project / "tree" / "sub" / "f",
        ]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(_shared(path, gid) for path in wanted):
            time.sleep(0.1)
        assert all(_shared(path, gid) for path in wanted), [
            (str(p), oct(os.lstat(p).st_mode)) for p in wanted
        ]
        assert os.stat(project / "tree" / "sub").st_mode & stat.S_ISGID
    finally:
        watcher.kill()
        watcher.wait()
    own = os.stat(roots.base / "home" / b / "own.txt")  # a hard link may lead out of the project: untouched
    assert (own.st_gid, stat.S_IMODE(own.st_mode)) == (pwd.getpwnam(b).pw_gid, 0o600)
    for target in (decoy, decoy_dir):
        st = os.stat(target)
        assert (st.st_uid, st.st_gid) == (0, 0)
    assert stat.S_IMODE(os.stat(decoy).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(decoy_dir).st_mode) == 0o755
    getfacl = subprocess.run(["getfacl", "-cn", str(decoy), str(decoy_dir)], capture_output=True, text=True)
    assert "group:" not in getfacl.stdout.replace("group::", "")
    subprocess.run(["rm", "-rf", str(decoy_dir)], check=True)


def _shared(path: Path, gid: int) -> bool:
    st = os.lstat(path)
    return (
        st.st_gid == gid
        and stat.S_IMODE(st.st_mode) & 0o070 >= 0o060
        and stat.S_IMODE(st.st_mode) & 0o007 == 0
    )
