"""Compiled bytecode for environment builds, shared between builds of the very same source files.

uv installs packages as hard links to its cache, so one version of a package is the same file (same
inode) in every build made from that cache. Its .pyc is then the same too: a store keyed by the
source file's identity lets a new build link it instead of compiling again, which is most of the
cost of a warm build. Python still checks each .pyc against its source's mtime and size, and
compileall recompiles any that do not match.
"""

from __future__ import annotations

import errno
import logging
import os
import pwd
import re
import tempfile
from pathlib import Path

from teamhub.runner import clean_env, run

log = logging.getLogger(__name__)

# Packages' own test suites are never imported by users: left out, they halve the compile time.
SKIP = r"[/\\]tests?[/\\]"
TIMEOUT = 1800


def store() -> Path:
    """The machine's bytecode store, beside uv's cache in root's home."""
    return Path(pwd.getpwuid(0).pw_dir) / ".cache" / "teamhub" / "bytecode"


def _key(source: os.stat_result, pyc_name: str) -> str:
    tag = pyc_name.split(".", 1)[1]  # cpython-311.pyc
    return f"{source.st_dev}-{source.st_ino}-{source.st_mtime_ns}-{source.st_size}.{tag}"


def _link(existing: Path, new: Path) -> bool:
    try:
        os.link(existing, new)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOENT, errno.EXDEV, errno.EPERM, errno.EMLINK):
            return False
        raise
    return True


def reuse(site: Path, shelf: Path, tag: str) -> list[Path]:
    """Link stored .pyc files into `site` where the store has them; the sources still to compile."""
    skip = re.compile(SKIP)
    missing: list[Path] = []
    for source in site.rglob("*.py"):
        if skip.search(str(source.relative_to(site))):
            continue
        name = f"{source.stem}.{tag}.pyc"
        stored = shelf / _key(source.stat(), name)
        target = source.parent / "__pycache__" / name
        if target.exists():
            continue
        if stored.exists():
            target.parent.mkdir(exist_ok=True)
            if _link(stored, target):
                continue
        missing.append(source)
    return missing


def keep(site: Path, shelf: Path) -> None:
    """Put every .pyc of `site` into the store (as a hard link), and forget what no build uses."""
    for pyc in site.rglob("__pycache__/*.pyc"):
        source = pyc.parent.parent / f"{pyc.name.split('.', 1)[0]}.py"
        try:
            key = _key(source.stat(), pyc.name)
        except FileNotFoundError:
            continue
        if not (shelf / key).exists():
            _link(pyc, shelf / key)
    for entry in shelf.iterdir():
        try:
            unused = entry.stat().st_nlink == 1  # no build links it any more
        except FileNotFoundError:  # another build (of another installation) pruned it
            continue
        if unused:
            entry.unlink(missing_ok=True)


def compile_files(python: Path, files: list[Path]) -> None:
    """Compile `files` (on every core when there are many)."""
    if not files:
        return
    with tempfile.NamedTemporaryFile("w", prefix="teamhub-compile-", suffix=".txt") as listing:
        listing.write("".join(f"{path}\n" for path in files))
        listing.flush()
        parallel = ["-j0"] if len(files) > 200 else []
        argv = [str(python), "-m", "compileall", "-q", *parallel, "-i", listing.name]
        found = run(argv, env=clean_env(), check=False, timeout=TIMEOUT, what="compiling bytecode")
    if found.returncode != 0:
        # compileall names files that do not compile (a Python-2-only file in a package, say):
        # importing them fails anyway, and the smoke test catches the ones that matter
        log.warning("compileall reported problems: %s", found.stdout.strip()[-500:])


def build_bytecode(python: Path, site: Path) -> None:
    """Reuse what the store has, compile the rest, and store what was compiled."""
    tag = run([str(python), "-c", "import sys; print(sys.implementation.cache_tag)"]).stdout.strip()
    shelf = store()
    shelf.mkdir(parents=True, exist_ok=True, mode=0o700)
    compile_files(python, reuse(site, shelf, tag))
    keep(site, shelf)
