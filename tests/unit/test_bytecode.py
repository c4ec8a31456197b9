"""The bytecode store: a .pyc is shared only between builds holding a source with the very same bytes."""

from __future__ import annotations

import compileall
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


def compile_site(site: Path, shelf: Path) -> dict[Path, str]:
    """What a build does: reuse the store, compile the rest, keep the result."""
    keys = bytecode.sources(site, TAG)
    for source in bytecode.reuse(keys, shelf):
        py_compile.compile(str(source), cfile=str(bytecode.pyc_of(source, keys[source])))
    bytecode.keep(keys, shelf)
    return keys


def pyc(site: Path, module: str) -> Path:
    return site / "pkg" / "__pycache__" / f"{module}.{TAG}.pyc"


def test_same_file_shares_bytecode_and_a_changed_file_does_not(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mod.py").write_text("X = 1\n")
    first, second, shelf = make_site(tmp_path / "a"), make_site(tmp_path / "b"), tmp_path / "shelf"
    shelf.mkdir()
    for site in (first, second):  # both builds hard-link the cached file, as uv does
        os.link(cache / "mod.py", site / "pkg" / "mod.py")
    (first / "pkg" / "other.py").write_text("Y = 2\n")
    (second / "pkg" / "other.py").write_text("Y = 3\n")  # same name, other bytes
    (second / "pkg" / "tests" / "test_x.py").write_text("assert True\n")

    keys = bytecode.sources(first, TAG)
    assert sorted(p.name for p in bytecode.reuse(keys, shelf)) == ["mod.py", "other.py"]
    compile_site(first, shelf)
    assert len(list(shelf.iterdir())) == 2

    keys = bytecode.sources(second, TAG)
    assert sorted(p.name for p in keys) == ["mod.py", "other.py"]  # tests/ are skipped
    assert [p.name for p in bytecode.reuse(keys, shelf)] == ["other.py"]  # mod.py is shared
    assert pyc(second, "mod").stat().st_ino == pyc(first, "mod").stat().st_ino


def test_same_bytes_unpacked_again_get_a_copy_python_accepts(tmp_path: Path) -> None:
    first, second, shelf = make_site(tmp_path / "a"), make_site(tmp_path / "b"), tmp_path / "shelf"
    shelf.mkdir()
    (first / "pkg" / "mod.py").write_text("X = 1\n" * 50)
    compile_site(first, shelf)
    (second / "pkg" / "mod.py").write_text("X = 1\n" * 50)  # the same package from an emptied cache
    os.utime(second / "pkg" / "mod.py", (1_000_000_000, 1_000_000_000))

    assert bytecode.reuse(bytecode.sources(second, TAG), shelf) == []
    placed = pyc(second, "mod")
    assert placed.stat().st_ino != pyc(first, "mod").stat().st_ino
    assert placed.read_bytes()[16:] == pyc(first, "mod").read_bytes()[16:]
    before = placed.stat().st_ino
    assert compileall.compile_file(str(second / "pkg" / "mod.py"), quiet=2)
    assert placed.stat().st_ino == before  # compileall found it up to date: Python's own check passes


def test_newest_build_replaces_a_stored_pyc_whose_header_no_longer_fits(tmp_path: Path) -> None:
    first, second, shelf = make_site(tmp_path / "a"), make_site(tmp_path / "b"), tmp_path / "shelf"
    shelf.mkdir()
    for site, stamp in ((first, 1_000_000_000), (second, 1_100_000_000)):
        (site / "pkg" / "mod.py").write_text("X = 1\n")
        os.utime(site / "pkg" / "mod.py", (stamp, stamp))
    compile_site(first, shelf)
    compile_site(second, shelf)
    (stored,) = shelf.iterdir()
    assert stored.stat().st_ino == pyc(second, "mod").stat().st_ino


def test_store_forgets_bytecode_no_build_uses_and_old_layout_entries(tmp_path: Path) -> None:
    site, shelf = make_site(tmp_path / "a"), tmp_path / "shelf"
    shelf.mkdir()
    (site / "pkg" / "mod.py").write_text("X = 1\n")
    compile_site(site, shelf)
    old = shelf / f"2049-1234-5678-6.{TAG}.pyc"  # keyed by inode, as the store used to be
    os.link(pyc(site, "mod"), old)
    bytecode.forget_unused(shelf)
    assert [entry.name for entry in shelf.iterdir()] == [bytecode.sources(site, TAG)[site / "pkg" / "mod.py"]]
    pyc(site, "mod").unlink()  # the build is pruned
    bytecode.keep(bytecode.sources(make_site(tmp_path / "b"), TAG), shelf)
    assert list(shelf.iterdir()) == []


def test_compile_files_compiles_every_listed_file_across_processes(tmp_path: Path) -> None:
    files = []
    for index in range(bytecode.PER_WORKER * 2 + 1):
        source = tmp_path / f"m{index}.py"
        source.write_text(f"X = {index}\n")
        files.append(source)
    (tmp_path / "unlisted.py").write_text("Y = 1\n")
    bytecode.compile_files(Path(sys.executable), files)
    compiled = {path.name.split(".", 1)[0] for path in (tmp_path / "__pycache__").iterdir()}
    assert compiled == {source.stem for source in files}
