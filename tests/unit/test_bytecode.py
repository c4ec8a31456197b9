"""The bytecode store: a .pyc is shared only between builds holding the very same source file."""

from __future__ import annotations

import os
import py_compile
import sys
from pathlib import Path

from teamhub.apply import bytecode

TAG = sys.implementation.cache_tag


def make_site(root: Path) -> Path:
    site = root / "lib" / "site-packages"
    (site / "pkg" / "tests").mkdir(parents=True)
    return site


def test_same_file_shares_bytecode_and_a_changed_file_does_not(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mod.py").write_text("X = 1\n")
    (cache / "other.py").write_text("Y = 2\n")
    first, second, shelf = make_site(tmp_path / "a"), make_site(tmp_path / "b"), tmp_path / "shelf"
    shelf.mkdir()
    for site in (first, second):  # both builds hard-link the cached file, as uv does
        os.link(cache / "mod.py", site / "pkg" / "mod.py")
    (first / "pkg" / "other.py").write_text("Y = 2\n")
    (second / "pkg" / "other.py").write_text("Y = 3\n")  # same name, another file
    (second / "pkg" / "tests" / "test_x.py").write_text("assert True\n")

    assert sorted(p.name for p in bytecode.reuse(first, shelf, TAG)) == ["mod.py", "other.py"]
    for source in (first / "pkg" / "mod.py", first / "pkg" / "other.py"):
        py_compile.compile(str(source), cfile=str(source.parent / "__pycache__" / f"{source.stem}.{TAG}.pyc"))
    bytecode.keep(first, shelf)
    assert len(list(shelf.iterdir())) == 2

    missing = bytecode.reuse(second, shelf, TAG)
    assert [p.name for p in missing] == ["other.py"]  # tests/ are skipped, mod.py is shared
    shared = second / "pkg" / "__pycache__" / f"mod.{TAG}.pyc"
    assert shared.stat().st_ino == (first / "pkg" / "__pycache__" / f"mod.{TAG}.pyc").stat().st_ino


def test_store_forgets_bytecode_no_build_uses(tmp_path: Path) -> None:
    site, shelf = make_site(tmp_path / "a"), tmp_path / "shelf"
    shelf.mkdir()
    (site / "pkg" / "mod.py").write_text("X = 1\n")
    pyc = site / "pkg" / "__pycache__" / f"mod.{TAG}.pyc"
    py_compile.compile(str(site / "pkg" / "mod.py"), cfile=str(pyc))
    bytecode.keep(site, shelf)
    assert len(list(shelf.iterdir())) == 1
    pyc.unlink()  # the build is pruned
    bytecode.keep(make_site(tmp_path / "b"), shelf)
    assert list(shelf.iterdir()) == []
