"""Tiny wheels made on the spot, and a package index on disk that serves them."""

from __future__ import annotations

import zipfile
from pathlib import Path


def make_wheel(folder: Path, name: str, init: str) -> Path:
    """A pure-Python wheel of `name` 1.0 whose package's __init__.py is `init`."""
    wheel = folder / f"{name}-1.0-py3-none-any.whl"
    info = f"{name}-1.0.dist-info"
    files = {
        f"{name}/__init__.py": init,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in [*files, f"{info}/RECORD"])
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def simple_index(folder: Path, name: str, init: str) -> Path:
    """A PEP 503 index under `folder` holding one package; its root (give `.as_uri()` to uv)."""
    root = folder / "simple"
    wheel = make_wheel(root / name, name, init)
    (root / name / "index.html").write_text(
        f'<html><body><a href="{wheel.name}">{wheel.name}</a></body></html>\n'
    )
    (root / "index.html").write_text(f'<html><body><a href="{name}/">{name}</a></body></html>\n')
    return root
