"""Compiled bytecode for environment builds, shared between builds holding the same source files.

A .pyc is determined by its source's bytes and the interpreter (its cache tag), except for its
16-byte header, which records the source's mtime and size for Python to check on import. The store
keeps one .pyc per (source sha256, tag). A new build hard-links the stored file when its header
already fits (the same file of uv's cache, linked again: the warm case), or writes a copy with its
own header (the same package unpacked again, e.g. after uv's cache was emptied). Only the rest is
compiled, on every core.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import pwd
import re
import struct
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from teamhub.runner import clean_env, run

log = logging.getLogger(__name__)

# Packages' own test suites are never imported by users: left out, they halve the compile time.
SKIP = r"[/\\]tests?[/\\]"
TIMEOUT = 1800
HEADER = 16  # magic, flags, source mtime, source size
KEY = re.compile(r"^[0-9a-f]{64}\.[\w-]+\.pyc$")
PER_WORKER = 100  # fewer files than this per extra process are not worth its start-up


def store() -> Path:
    """The machine's bytecode store, beside uv's cache in root's home."""
    return Path(pwd.getpwuid(0).pw_dir) / ".cache" / "teamhub" / "bytecode"


def sources(site: Path, tag: str) -> dict[Path, str]:
    """Every .py of `site` outside test suites, with its store key ('<sha256>.<tag>.pyc')."""
    skip = re.compile(SKIP)
    keys = {}
    for source in site.rglob("*.py"):
        if not skip.search(str(source.relative_to(site))) and source.is_file():
            keys[source] = f"{hashlib.sha256(source.read_bytes()).hexdigest()}.{tag}.pyc"
    return keys


def pyc_of(source: Path, key: str) -> Path:
    """Where Python looks for `source`'s bytecode (the tag is the key's middle)."""
    return source.parent / "__pycache__" / f"{source.stem}.{key.split('.', 1)[1]}"


def header_for(source: Path) -> bytes:
    """The flags, mtime and size fields a timestamp-checked .pyc of `source` must carry."""
    found = source.stat()
    return struct.pack("<III", 0, int(found.st_mtime) & 0xFFFFFFFF, found.st_size & 0xFFFFFFFF)


def _link(existing: Path, new: Path) -> bool:
    try:
        os.link(existing, new)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOENT, errno.EXDEV, errno.EPERM, errno.EMLINK):
            return False
        raise
    return True


def _place(stored: Path, target: Path, wanted: bytes) -> bool:
    """Put the stored .pyc at `target`: linked when its header fits, else a copy with `wanted` in it."""
    try:
        with open(stored, "rb") as kept:
            head = kept.read(HEADER)
            fits = head[4:] == wanted
            body = b"" if fits else kept.read()
    except FileNotFoundError:
        return False
    if len(head) < HEADER or head[4:8] != wanted[:4] or not (fits or body):
        return False  # not a whole timestamp-checked .pyc: compile afresh
    target.parent.mkdir(exist_ok=True)
    if fits:
        return _link(stored, target)
    partial = target.with_name(f".{target.name}.teamhub")
    partial.write_bytes(head[:4] + wanted + body)
    os.chmod(partial, 0o644)
    os.replace(partial, target)
    return True


def reuse(keys: dict[Path, str], shelf: Path) -> list[Path]:
    """Place stored .pyc files for the sources the store has; the sources still to compile."""
    missing: list[Path] = []
    for source, key in keys.items():
        target = pyc_of(source, key)
        if target.exists() or _place(shelf / key, target, header_for(source)):
            continue
        missing.append(source)
    return missing


def keep(keys: dict[Path, str], shelf: Path) -> None:
    """Put this build's .pyc files into the store (as hard links), and forget what no build uses."""
    for source, key in keys.items():
        pyc = pyc_of(source, key)
        stored = shelf / key
        try:
            if stored.exists() and os.path.samefile(stored, pyc):
                continue
            with open(pyc, "rb") as made:
                fresh = made.read(HEADER)
        except FileNotFoundError:
            continue
        if stored.exists():  # the newest build's header wins: it is what the next build will hold
            with open(stored, "rb") as old:
                if old.read(HEADER) == fresh:
                    continue
            partial = shelf / f".{key}.teamhub"
            partial.unlink(missing_ok=True)
            if _link(pyc, partial):
                os.replace(partial, stored)
        else:
            _link(pyc, stored)
    forget_unused(shelf)


def forget_unused(shelf: Path) -> None:
    """Remove store entries no build links any more (and entries of an older store layout)."""
    for entry in shelf.iterdir():
        try:
            unused = entry.stat().st_nlink == 1 or not KEY.match(entry.name)
        except FileNotFoundError:  # another build (of another installation) pruned it
            continue
        if unused:
            entry.unlink(missing_ok=True)


def _compileall(python: Path, files: list[Path]) -> str:
    """Compile `files` in one process; compileall's complaints ('' when all compiled)."""
    with tempfile.NamedTemporaryFile("w", prefix="teamhub-compile-", suffix=".txt") as listing:
        listing.write("".join(f"{path}\n" for path in files))
        listing.flush()
        argv = [str(python), "-m", "compileall", "-q", "-i", listing.name]
        found = run(argv, env=clean_env(), check=False, timeout=TIMEOUT, what="compiling bytecode")
    return found.stdout.strip() if found.returncode != 0 else ""


def compile_files(python: Path, files: list[Path]) -> None:
    """Compile `files`, split over one process per core (compileall's -j ignores listed files)."""
    if not files:
        return
    workers = max(1, min(os.cpu_count() or 1, len(files) // PER_WORKER))
    shares = [files[index::workers] for index in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        problems = [text for text in pool.map(lambda share: _compileall(python, share), shares) if text]
    if problems:
        # compileall names files that do not compile (a Python-2-only file in a package, say):
        # importing them fails anyway, and the smoke test catches the ones that matter
        log.warning("compileall reported problems: %s", " ".join(problems)[-500:])


def build_bytecode(python: Path, site: Path) -> None:
    """Reuse what the store has, compile the rest, and store what was compiled."""
    tag = run([str(python), "-c", "import sys; print(sys.implementation.cache_tag)"]).stdout.strip()
    shelf = store()
    shelf.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = sources(site, tag)
    compile_files(python, reuse(keys, shelf))
    keep(keys, shelf)
